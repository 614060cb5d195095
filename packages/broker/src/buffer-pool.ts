/**
 * BufferPool: reuses the big short-lived buffers that Fetch reads segment bytes into (`readBufferPool`). Allocated
 * fresh at a GB/s, that external memory kept V8's concurrent marking busy (fetch went from 1.2-1.6 to 2.1-2.7 GB/s
 * with the pool). A buffer goes back only when the connection has written the whole response carrying it
 * (`release`), so nothing can still read it; it is released at most once, and buffers that did not come from the pool
 * are ignored. Idle buffers are bounded by `maxIdleBytes`; sizes outside the pooled range are plain allocations.
 * (Pooling Produce frames the same way made no measurable difference, so they are not pooled.)
 */

/** Smaller buffers are cheap to allocate (and small reads are copied into the response anyway). */
export const MIN_POOLED_BYTES = 64 * 1024;
/** Larger ones are rare (a fetch bigger than this for one partition) and not worth keeping around. */
export const MAX_POOLED_BYTES = 16 * 1024 * 1024;

export class BufferPool {
  private readonly maxIdleBytes: number;
  /** Buffers handed out and not yet released: release() of anything else is a no-op. */
  private readonly leased = new WeakSet<ArrayBuffer>();
  private readonly idle = new Map<number, ArrayBuffer[]>();
  private idleBytes = 0;

  constructor(maxIdleBytes = 64 * 1024 * 1024) {
    this.maxIdleBytes = maxIdleBytes;
  }

  /** A buffer of exactly `length` bytes, its contents undefined. */
  allocate(length: number): Buffer {
    if (length < MIN_POOLED_BYTES || length > MAX_POOLED_BYTES) return Buffer.allocUnsafe(length);
    const size = sizeClass(length);
    let ab = this.idle.get(size)?.pop();
    if (ab) this.idleBytes -= size;
    else ab = new ArrayBuffer(size);
    this.leased.add(ab);
    return Buffer.from(ab, 0, length);
  }

  /** Gives back the memory under `bytes` (any view of a leased buffer) once nothing reads it any more. */
  release(bytes: Uint8Array): void {
    const ab = bytes.buffer;
    if (!(ab instanceof ArrayBuffer) || !this.leased.has(ab)) return;
    this.leased.delete(ab);
    if (this.idleBytes + ab.byteLength > this.maxIdleBytes) return; // over the bound: let the GC have it
    let list = this.idle.get(ab.byteLength);
    if (!list) {
      list = [];
      this.idle.set(ab.byteLength, list);
    }
    list.push(ab);
    this.idleBytes += ab.byteLength;
  }

  get idleBytesNow(): number {
    return this.idleBytes;
  }
}

/** Power-of-two size classes: at most half of a buffer is unused. */
function sizeClass(length: number): number {
  return 2 ** Math.ceil(Math.log2(length));
}

/** Fetch reads: segments allocate, connections release once the response is written. */
export const readBufferPool = new BufferPool();
