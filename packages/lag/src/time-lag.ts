/**
 * Time lag by interpolation, as Kafka Lag Exporter does: each pass records (log-end offset, time) per partition;
 * the time at which the log end passed the consumer's committed offset is interpolated between the two points
 * around it, and the time lag is "now" minus that time. No records are fetched. Memory per partition is bounded
 * by `maxPoints`; a consumer further behind than the table reaches is extrapolated from the table's overall rate.
 */

export interface EndOffsetPoint {
  offset: number;
  atMs: number;
}

/** The log-end offset history of one partition. Flat runs keep only their first and last point. */
export class EndOffsetTable {
  readonly points: EndOffsetPoint[] = [];
  readonly maxPoints: number;

  constructor(maxPoints = 120) {
    this.maxPoints = maxPoints;
    if (maxPoints < 2) throw new RangeError('maxPoints must be at least 2');
  }

  add(offset: number, atMs: number): void {
    const n = this.points.length;
    const last = this.points[n - 1];
    if (last && atMs < last.atMs) return; // out of order: ignore rather than corrupt the table
    if (last && offset < last.offset) this.points.length = 0; // log truncated or recreated: start over
    const m = this.points.length;
    if (m >= 2 && this.points[m - 1].offset === offset && this.points[m - 2].offset === offset) {
      this.points[m - 1] = { offset, atMs }; // extend the flat run
    } else {
      this.points.push({ offset, atMs });
    }
    if (this.points.length > this.maxPoints) this.points.splice(0, this.points.length - this.maxPoints);
  }

  /** Estimated time at which the log end passed `offset`, or null when the table cannot tell. */
  timeOfOffset(offset: number): number | null {
    const pts = this.points;
    if (pts.length < 2) return null;
    // The last point whose offset is <= the target, followed by one with a larger offset.
    for (let i = pts.length - 2; i >= 0; i--) {
      const a = pts[i];
      const b = pts[i + 1];
      if (a.offset <= offset && b.offset > offset) {
        return a.atMs + ((offset - a.offset) / (b.offset - a.offset)) * (b.atMs - a.atMs);
      }
    }
    const first = pts[0];
    const last = pts[pts.length - 1];
    if (offset < first.offset) {
      const rate = (last.offset - first.offset) / (last.atMs - first.atMs || 1);
      if (rate <= 0) return null;
      return first.atMs - (first.offset - offset) / rate;
    }
    return null; // at or beyond the log end
  }

  /** Time lag in ms of a consumer at `committedOffset` at time `nowMs`: 0 when caught up, null when unknown. */
  timeLagMs(committedOffset: number, nowMs: number): number | null {
    const last = this.points[this.points.length - 1];
    if (last && committedOffset >= last.offset) return 0;
    const t = this.timeOfOffset(committedOffset);
    if (t === null) return null;
    return Math.max(0, Math.round(nowMs - t));
  }
}

/** End-offset tables of every partition the collector watches, keyed by topic and partition. */
export class EndOffsetHistory {
  private readonly tables = new Map<string, EndOffsetTable>();
  readonly maxPointsPerPartition: number;

  constructor(maxPointsPerPartition = 120) {
    this.maxPointsPerPartition = maxPointsPerPartition;
  }

  table(topic: string, partition: number): EndOffsetTable {
    const k = `${topic}\u0000${partition}`;
    let t = this.tables.get(k);
    if (!t) {
      t = new EndOffsetTable(this.maxPointsPerPartition);
      this.tables.set(k, t);
    }
    return t;
  }

  /** Drops the tables of partitions not in `keep` (topic -> partitions), so deleted topics free their memory. */
  retain(keep: Map<string, Set<number>>): void {
    for (const k of [...this.tables.keys()]) {
      const [topic, p] = k.split('\u0000');
      if (!keep.get(topic)?.has(Number(p))) this.tables.delete(k);
    }
  }

  get size(): number {
    return this.tables.size;
  }
}
