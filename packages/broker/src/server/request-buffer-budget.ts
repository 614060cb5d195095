/**
 * RequestBufferBudget: the memory all connections together may hold in requests received and not yet answered
 * (Kafka's queued.max.request.bytes). A connection reserves a frame's whole declared size when the frame starts
 * arriving; a whole request stays counted until its response is written; a partial frame that does not fit waits.
 *
 * Unauthenticated connections share a quarter of it and one that does not fit is closed: a stranger can neither grow
 * the broker's memory nor take the budget authenticated clients need. An authenticated connection that does not fit
 * waits (reading from it pauses, FIFO) until another frame completes, the way Kafka mutes channels when its memory
 * pool is exhausted; a connection that keeps a reservation without finishing its frame is closed by the idle timeout.
 */

export type BufferOwner = 'authenticated' | 'unauthenticated';

export class RequestBufferBudget {
  readonly maxBytes: number;
  readonly maxUnauthenticatedBytes: number;
  private readonly usedBytes: Record<BufferOwner, number> = { authenticated: 0, unauthenticated: 0 };
  /** Connections waiting for room, in arrival order; each retries its own reservation when woken. */
  private readonly waiters = new Set<() => void>();

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
    this.maxUnauthenticatedBytes = Math.floor(maxBytes / 4);
  }

  get authenticatedBytes(): number {
    return this.usedBytes.authenticated;
  }

  get unauthenticatedBytes(): number {
    return this.usedBytes.unauthenticated;
  }

  get waitingConnections(): number {
    return this.waiters.size;
  }

  /** Reserves `bytes` for `owner` if they fit; never partially. */
  tryReserve(bytes: number, owner: BufferOwner): boolean {
    if (bytes <= 0) return true;
    const total = this.usedBytes.authenticated + this.usedBytes.unauthenticated;
    if (total + bytes > this.maxBytes) return false;
    if (owner === 'unauthenticated' && this.usedBytes.unauthenticated + bytes > this.maxUnauthenticatedBytes) {
      return false;
    }
    this.usedBytes[owner] += bytes;
    return true;
  }

  /**
   * Counts a request that is already whole in memory (it arrived in one chunk, or its partial reservation is being
   * handed over) until its response is written; it may take the total over the budget, so partial frames wait.
   */
  reserveReceived(bytes: number, owner: BufferOwner): void {
    this.usedBytes[owner] += bytes;
  }

  release(bytes: number, owner: BufferOwner): void {
    if (bytes <= 0) return;
    this.usedBytes[owner] -= bytes;
    if (this.usedBytes[owner] < 0) throw new Error(`request buffer budget released below zero (${owner})`);
    for (const wake of [...this.waiters]) wake();
  }

  /** Calls `wake` after each release until cancelled (the waiter retries tryReserve and cancels on success). */
  wait(wake: () => void): void {
    this.waiters.add(wake);
  }

  cancel(wake: () => void): void {
    this.waiters.delete(wake);
  }
}
