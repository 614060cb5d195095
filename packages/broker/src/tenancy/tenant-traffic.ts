/**
 * TenantTraffic: per-tenant produce and fetch bytes and the throttle time handed out, summed in memory on the request
 * path (a map lookup and four additions) and taken as one window by the reporter, which writes it to the control
 * plane's database every few seconds so the console can show each tenant's throughput and whether it is throttled.
 * Bounded by the number of tenants with traffic in one window.
 */

export interface TrafficWindow {
  tenantId: string;
  produceBytes: number;
  fetchBytes: number;
  produceThrottleMs: number;
  fetchThrottleMs: number;
}

/** A window never holds more tenants than this; traffic of further tenants in the same window is not reported. */
const MAX_TENANTS_PER_WINDOW = 100_000;

export class TenantTraffic {
  private current = new Map<string, TrafficWindow>();
  private windowStartMs: number;
  private readonly nowMs: () => number;

  constructor(nowMs: () => number = Date.now) {
    this.nowMs = nowMs;
    this.windowStartMs = nowMs();
  }

  add(tenantId: string, kind: 'produce' | 'fetch', bytes: number, throttleMs: number): void {
    let w = this.current.get(tenantId);
    if (!w) {
      if (this.current.size >= MAX_TENANTS_PER_WINDOW) return;
      w = { tenantId, produceBytes: 0, fetchBytes: 0, produceThrottleMs: 0, fetchThrottleMs: 0 };
      this.current.set(tenantId, w);
    }
    if (kind === 'produce') {
      w.produceBytes += bytes;
      w.produceThrottleMs += throttleMs;
    } else {
      w.fetchBytes += bytes;
      w.fetchThrottleMs += throttleMs;
    }
  }

  /** Ends the current window and returns it, with its length; tenants without traffic are not in it. */
  take(): { windowMs: number; tenants: TrafficWindow[] } {
    const now = this.nowMs();
    const tenants = [...this.current.values()];
    const windowMs = Math.max(1, now - this.windowStartMs);
    this.current = new Map();
    this.windowStartMs = now;
    return { windowMs, tenants };
  }
}
