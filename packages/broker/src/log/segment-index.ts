/**
 * The two sparse indexes of a segment, kept in memory as growable typed arrays and persisted in Kafka's binary
 * layout: `.index` holds (relative offset int32, file position int32) pairs, `.timeindex` holds (timestamp int64,
 * relative offset int32) pairs. Both are sorted, so lookups are binary searches; both can always be rebuilt from the
 * `.log` file, which stays the only source of truth.
 */

export const OFFSET_INDEX_ENTRY_BYTES = 8;
export const TIME_INDEX_ENTRY_BYTES = 12;
const INITIAL_CAPACITY = 16;

/** Maps the relative base offset of some batches to their file position. */
export class OffsetIndex {
  private relOffsets: Int32Array = new Int32Array(INITIAL_CAPACITY);
  private positions: Int32Array = new Int32Array(INITIAL_CAPACITY);
  length = 0;

  append(relOffset: number, position: number): void {
    if (this.length > 0) {
      const lastRel = this.relOffsets[this.length - 1];
      const lastPos = this.positions[this.length - 1];
      if (relOffset <= lastRel || position <= lastPos) {
        throw new Error(`offset index must grow: (${relOffset}, ${position}) after (${lastRel}, ${lastPos})`);
      }
    }
    if (this.length === this.relOffsets.length) {
      this.relOffsets = grow(this.relOffsets);
      this.positions = grow(this.positions);
    }
    this.relOffsets[this.length] = relOffset;
    this.positions[this.length] = position;
    this.length += 1;
  }

  get lastRelOffset(): number {
    return this.length === 0 ? -1 : this.relOffsets[this.length - 1];
  }

  get lastPosition(): number {
    return this.length === 0 ? 0 : this.positions[this.length - 1];
  }

  /** Takes over the entries of `other` (loaded from disk); this index must be empty. */
  adopt(other: OffsetIndex): void {
    if (this.length !== 0) throw new Error('adopt into a non-empty offset index');
    this.relOffsets = other.relOffsets;
    this.positions = other.positions;
    this.length = other.length;
  }

  /** The last entry whose relative base offset is <= relOffset, or null. */
  floorEntry(relOffset: number): { relOffset: number; position: number } | null {
    const i = this.floorIndex(relOffset);
    return i < 0 ? null : { relOffset: this.relOffsets[i], position: this.positions[i] };
  }

  /** Takes over the entries of `other` in place of its own (a rebuild from the log). */
  replaceWith(other: OffsetIndex): void {
    this.relOffsets = other.relOffsets;
    this.positions = other.positions;
    this.length = other.length;
  }

  /** File position of the last indexed batch whose relative base offset is <= relOffset, or 0. */
  floorPosition(relOffset: number): number {
    const i = this.floorIndex(relOffset);
    return i < 0 ? 0 : this.positions[i];
  }

  private floorIndex(relOffset: number): number {
    let lo = 0;
    let hi = this.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.relOffsets[mid] <= relOffset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Drops entries at or past `position` (after a truncation). */
  truncateToPosition(position: number): void {
    while (this.length > 0 && this.positions[this.length - 1] >= position) this.length -= 1;
  }

  toBuffer(): Buffer {
    const buf = Buffer.alloc(this.length * OFFSET_INDEX_ENTRY_BYTES);
    for (let i = 0; i < this.length; i++) {
      buf.writeInt32BE(this.relOffsets[i], i * OFFSET_INDEX_ENTRY_BYTES);
      buf.writeInt32BE(this.positions[i], i * OFFSET_INDEX_ENTRY_BYTES + 4);
    }
    return buf;
  }
}

/** Maps running-maximum timestamps to the relative offset of the batch that set them. */
export class TimeIndex {
  private timestamps = new BigInt64Array(INITIAL_CAPACITY);
  private relOffsets: Int32Array = new Int32Array(INITIAL_CAPACITY);
  length = 0;

  get lastTimestamp(): bigint {
    return this.length === 0 ? -1n : this.timestamps[this.length - 1];
  }

  get lastRelOffset(): number {
    return this.length === 0 ? -1 : this.relOffsets[this.length - 1];
  }

  /** Takes over the entries of `other` in place of its own (a rebuild from the log). */
  replaceWith(other: TimeIndex): void {
    this.timestamps = other.timestamps;
    this.relOffsets = other.relOffsets;
    this.length = other.length;
  }

  /** Takes over the entries of `other` (loaded from disk); this index must be empty. */
  adopt(other: TimeIndex): void {
    if (this.length !== 0) throw new Error('adopt into a non-empty time index');
    this.timestamps = other.timestamps;
    this.relOffsets = other.relOffsets;
    this.length = other.length;
  }

  append(timestamp: bigint, relOffset: number): void {
    if (this.length > 0) {
      if (timestamp <= this.timestamps[this.length - 1] || relOffset < this.relOffsets[this.length - 1]) {
        throw new Error('time index must grow');
      }
    }
    if (this.length === this.timestamps.length) {
      const ts = new BigInt64Array(this.timestamps.length * 2);
      ts.set(this.timestamps);
      this.timestamps = ts;
      this.relOffsets = grow(this.relOffsets);
    }
    this.timestamps[this.length] = timestamp;
    this.relOffsets[this.length] = relOffset;
    this.length += 1;
  }

  /**
   * Relative offset from which a scan for the first batch with max timestamp >= `timestamp` can start: every batch
   * before the returned offset has a smaller max timestamp. 0 when the index does not help.
   */
  scanStartFor(timestamp: bigint): number {
    let lo = 0;
    let hi = this.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timestamps[mid] < timestamp) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? 0 : this.relOffsets[found];
  }

  /** Drops entries that point at or past `relOffset` (after a truncation). */
  truncateToRelOffset(relOffset: number): void {
    while (this.length > 0 && this.relOffsets[this.length - 1] >= relOffset) this.length -= 1;
  }

  toBuffer(): Buffer {
    const buf = Buffer.alloc(this.length * TIME_INDEX_ENTRY_BYTES);
    for (let i = 0; i < this.length; i++) {
      buf.writeBigInt64BE(this.timestamps[i], i * TIME_INDEX_ENTRY_BYTES);
      buf.writeInt32BE(this.relOffsets[i], i * TIME_INDEX_ENTRY_BYTES + 8);
    }
    return buf;
  }
}

function grow(arr: Int32Array): Int32Array {
  const next = new Int32Array(arr.length * 2);
  next.set(arr);
  return next;
}
