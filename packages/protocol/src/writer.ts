/**
 * ByteWriter: an append-only writer that grows its scratch buffer geometrically and keeps large payloads (record
 * batches read from disk) as separate chunks, so a Fetch response is written with writev and its record bytes are
 * never copied.
 */
import { ProtocolEncodeError } from './errors.ts';

/** Payloads at least this large are referenced as their own chunk instead of being copied. */
const CHUNK_BY_REFERENCE_MIN_BYTES = 4096;
const INITIAL_SCRATCH_BYTES = 256;

export class ByteWriter {
  private chunks: Buffer[] = [];
  private scratch: Buffer;
  private pos = 0;
  private flushedBytes = 0;

  constructor(initialBytes = INITIAL_SCRATCH_BYTES) {
    this.scratch = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.flushedBytes + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.scratch.length) return;
    let size = this.scratch.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.scratch.copy(next, 0, 0, this.pos);
    this.scratch = next;
  }

  int8(v: number): this {
    this.ensure(1);
    this.scratch.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }
  int16(v: number): this {
    this.ensure(2);
    this.scratch.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }
  uint16(v: number): this {
    this.ensure(2);
    this.scratch.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }
  int32(v: number): this {
    this.ensure(4);
    this.scratch.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }
  uint32(v: number): this {
    this.ensure(4);
    this.scratch.writeUInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }
  int64(v: bigint): this {
    this.ensure(8);
    this.scratch.writeBigInt64BE(BigInt.asIntN(64, v), this.pos);
    this.pos += 8;
    return this;
  }
  float64(v: number): this {
    this.ensure(8);
    this.scratch.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  uvarint(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new ProtocolEncodeError(`uvarint out of range: ${v}`);
    this.ensure(5);
    while (v >= 0x80) {
      this.scratch[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.scratch[this.pos++] = v;
    return this;
  }

  varint(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  varlong(v: bigint): this {
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    this.ensure(10);
    while (u >= 0x80n) {
      this.scratch[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.scratch[this.pos++] = Number(u);
    return this;
  }

  /** Raw bytes; large ones are kept by reference. */
  raw(b: Uint8Array): this {
    if (b.length >= CHUNK_BY_REFERENCE_MIN_BYTES) {
      this.flushScratch();
      this.chunks.push(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length));
      this.flushedBytes += b.length;
      return this;
    }
    this.ensure(b.length);
    this.scratch.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  utf8(s: string): this {
    const n = Buffer.byteLength(s, 'utf8');
    this.ensure(n);
    this.scratch.write(s, this.pos, 'utf8');
    this.pos += n;
    return this;
  }

  uuid(id: string): this {
    const hex = id.replaceAll('-', '');
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new ProtocolEncodeError(`invalid uuid: ${id}`);
    this.ensure(16);
    this.scratch.write(hex, this.pos, 'hex');
    this.pos += 16;
    return this;
  }

  private flushScratch(): void {
    if (this.pos === 0) return;
    this.chunks.push(this.scratch.subarray(0, this.pos));
    this.flushedBytes += this.pos;
    this.scratch = this.scratch.subarray(this.pos);
    this.pos = 0;
    if (this.scratch.length < INITIAL_SCRATCH_BYTES) this.scratch = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);
  }

  /** The written bytes as a list of chunks (for writev). */
  toChunks(): Buffer[] {
    this.flushScratch();
    return this.chunks;
  }

  /** The written bytes as one Buffer (copies when there are several chunks). */
  toBuffer(): Buffer {
    const chunks = this.toChunks();
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.flushedBytes);
  }
}
