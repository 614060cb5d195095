/**
 * TrafficReporter: every `intervalMs`, takes the window TenantTraffic summed and writes one row per tenant to the
 * control plane (TenantTraffic table), off the request path. A tenant that had traffic or connections in the last
 * report but none now gets a zero row, so the console never shows a stale "throttled". A failed write is logged and
 * that window is dropped: the broker keeps serving whatever Postgres does.
 */
import type { Logger } from 'pino';
import type { ControlPlaneStore, TrafficRow } from './control-plane-store.ts';
import type { TenantTraffic } from './tenant-traffic.ts';

export interface TrafficReporterOptions {
  traffic: TenantTraffic;
  store: Pick<ControlPlaneStore, 'reportTraffic'>;
  /** Tenants that exist now (rows for deleted tenants would fail their foreign key). */
  tenantExists(tenantId: string): boolean;
  connectionCount(tenantId: string): number;
  /** Tenants with open connections. */
  connectedTenants(): Iterable<string>;
  intervalMs: number;
  logger: Logger;
}

export class TrafficReporter {
  private readonly opts: TrafficReporterOptions;
  private timer: NodeJS.Timeout | null = null;
  private reported = new Set<string>();
  private running: Promise<void> | null = null;

  constructor(opts: TrafficReporterOptions) {
    this.opts = opts;
  }

  start(): void {
    this.timer = setInterval(() => {
      // One report at a time: a slow database delays the next window instead of piling up writes.
      this.running ??= this.report().finally(() => {
        this.running = null;
      });
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Writes one window now (the timer calls this; tests may too). */
  async report(): Promise<void> {
    const { windowMs, tenants } = this.opts.traffic.take();
    const rows = new Map<string, TrafficRow>();
    const zero = (tenantId: string): TrafficRow => ({
      tenantId,
      windowMs,
      produceBytes: 0,
      fetchBytes: 0,
      produceThrottleMs: 0,
      fetchThrottleMs: 0,
      connections: this.opts.connectionCount(tenantId),
    });
    for (const id of this.reported) rows.set(id, zero(id));
    for (const id of this.opts.connectedTenants()) rows.set(id, zero(id));
    for (const t of tenants) rows.set(t.tenantId, { ...zero(t.tenantId), ...t });
    const live = [...rows.values()].filter((r) => this.opts.tenantExists(r.tenantId));
    // Next time, tenants with anything to say now get their zero row.
    this.reported = new Set(
      live.filter((r) => r.produceBytes + r.fetchBytes + r.connections > 0).map((r) => r.tenantId),
    );
    if (live.length === 0) return;
    try {
      await this.opts.store.reportTraffic(live);
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message, tenants: live.length }, 'traffic report failed');
    }
  }
}
