/** Counters and timings of one running processor on this host, and the rates derived between two reports. */

/** Per-record processing times kept for percentiles (a ring). */
const DURATIONS_KEPT = 2_048;

export interface ProcessorCounters {
  inRecords: number;
  outRecords: number;
  drops: number;
  errors: number;
  dlq: number;
  cpuMs: number;
}

export class ProcessorStats {
  readonly counters: ProcessorCounters = { inRecords: 0, outRecords: 0, drops: 0, errors: 0, dlq: 0, cpuMs: 0 };
  readonly #durationsMs = new Float64Array(DURATIONS_KEPT);
  #durationCount = 0;
  /** The counters at the previous rates() call of each reader (status reports and metric samples). */
  readonly #last = new Map<string, { atMs: number; counters: ProcessorCounters }>();

  recordDuration(ms: number): void {
    this.#durationsMs[this.#durationCount % DURATIONS_KEPT] = ms;
    this.#durationCount++;
  }

  percentiles(): { p50Ms: number | null; p99Ms: number | null } {
    const n = Math.min(this.#durationCount, DURATIONS_KEPT);
    if (n === 0) return { p50Ms: null, p99Ms: null };
    const sorted = this.#durationsMs.slice(0, n).sort();
    const at = (q: number) => sorted[Math.min(n - 1, Math.floor(q * n))]!;
    return { p50Ms: at(0.5), p99Ms: at(0.99) };
  }

  /** Rates per second since `reader`'s previous call. */
  rates(reader: 'status' | 'sample'): {
    inPerSec: number;
    outPerSec: number;
    errorPerSec: number;
    cpuMsPerSec: number;
    dropRatio: number;
  } {
    const now = Date.now();
    const c = this.counters;
    const last = this.#last.get(reader) ?? { atMs: now - 1_000, counters: { ...c } };
    const secs = Math.max(0.001, (now - last.atMs) / 1_000);
    const p = last.counters;
    const inDelta = c.inRecords - p.inRecords;
    const r = {
      inPerSec: inDelta / secs,
      outPerSec: (c.outRecords - p.outRecords) / secs,
      errorPerSec: (c.errors - p.errors) / secs,
      cpuMsPerSec: (c.cpuMs - p.cpuMs) / secs,
      dropRatio: inDelta > 0 ? (c.drops - p.drops) / inDelta : 0,
    };
    this.#last.set(reader, { atMs: now, counters: { ...c } });
    return r;
  }
}
