/**
 * QuotaLimiter: per-tenant and per-service-account rate quotas (bytes per second, or broker-thread milliseconds per
 * second for the request quota) the way Kafka enforces them — the request is
 * served, the response carries throttle_time_ms, and the connection is muted for that long, so well-behaved clients
 * slow down instead of failing. Each tenant has its own accounting, so one tenant over its rate never slows another.
 * Accounting uses a generic cell-rate algorithm (a virtual clock per tenant) with a one-second burst allowance.
 */

/** Bytes a client may send at once above its rate before throttling starts, in seconds of quota. */
const BURST_SECONDS = 1;
/** Upper bound on one throttle (Kafka caps it at the quota window too). */
export const MAX_THROTTLE_MS = 30_000;
/** Bound on tracked entities; idle ones are dropped first. */
const MAX_TRACKED = 100_000;

class RateMeter {
  /** Theoretical arrival time (ms) of the next byte at exactly the quota rate. */
  tatMs = 0;
}

export class QuotaLimiter {
  private readonly meters = new Map<string, RateMeter>();
  private readonly nowMs: () => number;

  constructor(nowMs: () => number = Date.now) {
    this.nowMs = nowMs;
  }

  /**
   * Accounts `bytes` against `bytesPerSec` for `key` and returns how long the client must wait (0 within quota).
   * A null quota means unlimited.
   */
  record(key: string, bytes: number, bytesPerSec: number | null): number {
    if (bytesPerSec === null || bytesPerSec <= 0 || bytes <= 0) return 0;
    let meter = this.meters.get(key);
    if (!meter) {
      if (this.meters.size >= MAX_TRACKED) this.meters.delete(this.meters.keys().next().value!);
      meter = new RateMeter();
      this.meters.set(key, meter);
    }
    const now = this.nowMs();
    meter.tatMs = Math.max(meter.tatMs, now) + (bytes / bytesPerSec) * 1000;
    const throttleMs = meter.tatMs - now - BURST_SECONDS * 1000;
    return Math.min(MAX_THROTTLE_MS, Math.max(0, Math.ceil(throttleMs)));
  }
}
