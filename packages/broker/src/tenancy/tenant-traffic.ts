/**
 * TenantTraffic: per-tenant produce and fetch bytes and the throttle time handed out, summed in memory on the request
 * path (a map lookup and four additions) and taken as one window by the reporter, which writes it to the control
 * plane's database every few seconds so the console can show each tenant's throughput and whether it is throttled.
 * Per topic it also sums produce bytes and records and fetch bytes (a second map lookup per topic of a request),
 * for the traffic history. Bounded by the number of tenants with traffic in one window and topics per tenant.
 */

/** One topic's traffic in a window; `topic` is the broker's name (`acme.orders`). */
export interface TopicTrafficWindow {
  topic: string;
  produceBytes: number;
  produceRecords: number;
  fetchBytes: number;
  fetchRecords: number;
}

export interface TrafficWindow {
  tenantId: string;
  produceBytes: number;
  fetchBytes: number;
  produceThrottleMs: number;
  fetchThrottleMs: number;
  produceRecords: number;
  fetchRecords: number;
  topics: Map<string, TopicTrafficWindow>;
}

/** A window never holds more tenants than this; traffic of further tenants in the same window is not reported. */
const MAX_TENANTS_PER_WINDOW = 100_000;
/** Topics of one tenant tracked in a window; further topics count in the tenant's totals only. */
export const MAX_TOPICS_PER_TENANT_WINDOW = 1_000;

export class TenantTraffic {
  private current = new Map<string, TrafficWindow>();
  private windowStartMs: number;
  private readonly nowMs: () => number;

  constructor(nowMs: () => number = Date.now) {
    this.nowMs = nowMs;
    this.windowStartMs = nowMs();
  }

  private window(tenantId: string): TrafficWindow | undefined {
    let w = this.current.get(tenantId);
    if (!w) {
      if (this.current.size >= MAX_TENANTS_PER_WINDOW) return undefined;
      w = {
        tenantId,
        produceBytes: 0,
        fetchBytes: 0,
        produceThrottleMs: 0,
        fetchThrottleMs: 0,
        produceRecords: 0,
        fetchRecords: 0,
        topics: new Map(),
      };
      this.current.set(tenantId, w);
    }
    return w;
  }

  add(tenantId: string, kind: 'produce' | 'fetch', bytes: number, throttleMs: number): void {
    const w = this.window(tenantId);
    if (!w) return;
    if (kind === 'produce') {
      w.produceBytes += bytes;
      w.produceThrottleMs += throttleMs;
    } else {
      w.fetchBytes += bytes;
      w.fetchThrottleMs += throttleMs;
    }
  }

  /** Counts one topic's share of a request: bytes and records appended or read. */
  addTopic(tenantId: string, topic: string, kind: 'produce' | 'fetch', bytes: number, records: number): void {
    const w = this.window(tenantId);
    if (!w) return;
    if (kind === 'produce') w.produceRecords += records;
    else w.fetchRecords += records;
    let t = w.topics.get(topic);
    if (!t) {
      if (w.topics.size >= MAX_TOPICS_PER_TENANT_WINDOW) return;
      t = { topic, produceBytes: 0, produceRecords: 0, fetchBytes: 0, fetchRecords: 0 };
      w.topics.set(topic, t);
    }
    if (kind === 'produce') {
      t.produceBytes += bytes;
      t.produceRecords += records;
    } else {
      t.fetchBytes += bytes;
      t.fetchRecords += records;
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
