/**
 * ReadBufferPool: reuses the buffers that Fetch reads segment bytes into. Each Fetch used to allocate fresh buffers
 * (up to the partition's fetch size), and at hundreds of MB/s those short-lived external allocations kept V8's
 * concurrent marking busy. A buffer goes back to the pool only when the connection has written the whole response
 * that carried it (`release`), so nothing can still be reading it; it is released at most once, and buffers that did
 * not come from here are ignored. Idle buffers are bounded by `maxIdleBytes`; sizes outside the pooled range are plain
 * allocations.
 */

/** Smaller reads are cheap to allocate (and small chunks are copied into the response anyway). */
export const MIN_POOLED_BYTES = 64 * 1024;
/** Larger reads are rare (a fetch bigger than this for one partition) and not worth keeping around. */
export const MAX_POOLED_BYTES = 16 * 1024 * 1024;

export class ReadBufferPool {
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

/** The broker's one pool: segments allocate from it, connections release into it. */
export const readBufferPool = new ReadBufferPool();
