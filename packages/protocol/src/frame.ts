/**
 * FrameAssembler: turns a stream of TCP chunks into whole Kafka frames (int32 size + payload). It bounds the frame
 * size before allocating and copies only when a frame straddles chunks.
 */
import { ProtocolDecodeError } from './errors.ts';

export class FrameTooLargeError extends ProtocolDecodeError {}

export class FrameAssembler {
  /**
   * The largest frame payload accepted. A server may change it between pushes (e.g. small before authentication,
   * larger after); a size above it throws before anything is allocated for the frame.
   */
  maxFrameBytes: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received but not yet returned as a frame. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /**
   * Bytes the incomplete frame will occupy once whole (size prefix included): what a server must be ready to hold
   * for it. 0 when nothing is pending; the bytes so far while the size prefix itself is incomplete.
   */
  get partialFrameBytes(): number {
    if (this.pendingBytes < 4) return this.pendingBytes;
    return 4 + this.peekSize();
  }

  /**
   * Adds a chunk and returns every frame it completes (payload without the size prefix). Throws
   * FrameTooLargeError / ProtocolDecodeError on a size that is negative or above the bound.
   */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let buf: Buffer;
    if (this.pendingBytes === 0) {
      buf = chunk;
    } else {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes < 4) return frames;
      const size = this.peekSize();
      if (this.pendingBytes < 4 + size) return frames;
      buf = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let offset = 0;
    while (buf.length - offset >= 4) {
      const size = buf.readInt32BE(offset);
      this.checkSize(size);
      if (buf.length - offset - 4 < size) break;
      frames.push(buf.subarray(offset + 4, offset + 4 + size));
      offset += 4 + size;
    }
    if (offset < buf.length) {
      const rest = buf.subarray(offset);
      this.pending = [rest];
      this.pendingBytes = rest.length;
    }
    return frames;
  }

  private peekSize(): number {
    let head = this.pending[0]!;
    if (head.length < 4) {
      // Copy only the 4 size bytes: concatenating all pending chunks here, on every push, made a frame whose first
      // chunk was shorter than 4 bytes cost quadratic time (seconds of CPU for a 16 MB frame).
      head = Buffer.allocUnsafe(4);
      let filled = 0;
      for (const chunk of this.pending) {
        filled += chunk.copy(head, filled, 0, Math.min(chunk.length, 4 - filled));
        if (filled === 4) break;
      }
    }
    const size = head.readInt32BE(0);
    this.checkSize(size);
    return size;
  }

  private checkSize(size: number): void {
    if (size < 0) throw new ProtocolDecodeError(`negative frame size ${size}`);
    if (size > this.maxFrameBytes) {
      throw new FrameTooLargeError(`frame of ${size} bytes exceeds the limit of ${this.maxFrameBytes} bytes`);
    }
  }
}
