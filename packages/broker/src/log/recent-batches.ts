/**
 * RecentBatches: where the last few batches of a segment start, how long they are and which offsets they hold, in
 * fixed typed arrays (CAPACITY entries, a few hundred bytes per segment). A Fetch at the tail — a consumer keeping
 * up, the everyday case — finds its batch here instead of scanning the file from the nearest index entry.
 */

/** Batches remembered per segment. */
export const RECENT_BATCHES_CAPACITY = 64;

export interface RecentBatch {
  position: number;
  sizeBytes: number;
}

export class RecentBatches {
  /** Offsets relative to the segment's base offset (they fit int32, as in the index). */
  private readonly baseRel = new Int32Array(RECENT_BATCHES_CAPACITY);
  private readonly lastRel = new Int32Array(RECENT_BATCHES_CAPACITY);
  private readonly position = new Int32Array(RECENT_BATCHES_CAPACITY);
  private readonly sizeBytes = new Int32Array(RECENT_BATCHES_CAPACITY);
  /** Index of the oldest entry, and how many there are. */
  private start = 0;
  private count = 0;

  /** Batches arrive in file order, each starting after the previous one's last offset. */
  add(baseRel: number, lastRel: number, position: number, sizeBytes: number): void {
    if (this.count > 0 && baseRel <= this.lastRel[this.slot(this.count - 1)]!) {
      throw new Error('recent batches must be added in offset order');
    }
    let slot: number;
    if (this.count < RECENT_BATCHES_CAPACITY) {
      slot = this.slot(this.count);
      this.count++;
    } else {
      slot = this.start;
      this.start = (this.start + 1) % RECENT_BATCHES_CAPACITY;
    }
    this.baseRel[slot] = baseRel;
    this.lastRel[slot] = lastRel;
    this.position[slot] = position;
    this.sizeBytes[slot] = sizeBytes;
  }

  /**
   * The remembered batch holding `rel` (or the first after it), or null when `rel` is older than what is remembered
   * or past the newest batch: then the caller must look in the file.
   */
  find(rel: number): RecentBatch | null {
    if (this.count === 0 || rel < this.baseRel[this.start]! || rel > this.lastRel[this.slot(this.count - 1)]!) {
      return null;
    }
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.lastRel[this.slot(mid)]! >= rel) hi = mid;
      else lo = mid + 1;
    }
    const s = this.slot(lo);
    return { position: this.position[s]!, sizeBytes: this.sizeBytes[s]! };
  }

  clear(): void {
    this.start = 0;
    this.count = 0;
  }

  private slot(i: number): number {
    return (this.start + i) % RECENT_BATCHES_CAPACITY;
  }
}
