/**
 * TrafficReporter: every `intervalMs`, takes the window TenantTraffic summed and writes one row per tenant to the
 * control plane (TenantTraffic table), off the request path. A tenant that had traffic or connections in the last
 * report but none now gets a zero row, so the console never shows a stale "throttled". A failed write is logged and
 * that window is dropped: the broker keeps serving whatever Postgres does.
 *
 * The same report feeds the traffic history (TrafficHistory): a row per tenant and per topic with the window's bytes
 * and records and the topic's size on disk. A row is written when it has traffic, its size changed, or once a minute
 * (so every minute roll-up has a size); at most MAX_TOPICS_PER_TENANT_WINDOW topics per tenant (the largest).
 * Once a minute it also deletes history past its retention.
 *
 * With `cleanerStates`, the same report upserts the log cleaner's state of every partition of the tenants' compacted
 * topics (TopicCleanerState: dirty ratio, last clean), when it changed or once a minute, at most
 * MAX_CLEANER_STATE_ROWS per report; rows not reported for a day are deleted with the history.
 */
import type { Logger } from 'pino';
import type { CleanerStateRow } from './cleaner-states.ts';
import type { ControlPlaneStore, TrafficRow } from './control-plane-store.ts';
import { MAX_TOPICS_PER_TENANT_WINDOW, type TenantTraffic } from './tenant-traffic.ts';
import {
  DEFAULT_TRAFFIC_HISTORY_RETENTION,
  type TrafficHistoryRetention,
  type TrafficHistoryRow,
} from './traffic-history.ts';

/** A topic's size on disk; `topic` is the broker's name (`acme.orders`). */
export interface TopicSize {
  topic: string;
  sizeBytes: number;
}

/** How often an unchanged row is written anyway, and how often retention runs. */
const HISTORY_REFRESH_MS = 60_000;
/** Cleaner-state rows written per report at most (the rest wait for the next report). */
export const MAX_CLEANER_STATE_ROWS = 10_000;

/** The cleaner's state of one partition of a compacted topic; `topic` is the broker's name (`acme.orders`). */
export interface PartitionCleanerState {
  topic: string;
  partition: number;
  dirtyRatio: number;
  lastClean: { endedAtMs: number; durationMs: number; bytesBefore: number; bytesAfter: number } | null;
}

export interface TrafficReporterOptions {
  traffic: TenantTraffic;
  store: Pick<ControlPlaneStore, 'reportTraffic' | 'reportTrafficHistory' | 'pruneTrafficHistory'> &
    Partial<Pick<ControlPlaneStore, 'reportCleanerStates' | 'pruneCleanerStates'>>;
  /** Tenants that exist now (rows for deleted tenants would fail their foreign key). */
  tenantExists(tenantId: string): boolean;
  connectionCount(tenantId: string): number;
  /** Tenants with open connections. */
  connectedTenants(): Iterable<string>;
  intervalMs: number;
  logger: Logger;
  /** Every topic's size now; none: the history gets no storage figures. */
  topicSizes?(): Iterable<TopicSize>;
  /** The tenant and local name of a broker topic name, or null for topics outside every tenant. */
  topicOwner?(topic: string): { tenantId: string; topic: string } | null;
  historyRetention?: TrafficHistoryRetention;
  /** The log cleaner's state of every partition of every compacted topic; none: no cleaner rows are written. */
  cleanerStates?(): Iterable<PartitionCleanerState>;
  nowMs?(): number;
}

export class TrafficReporter {
  private readonly opts: TrafficReporterOptions;
  private timer: NodeJS.Timeout | null = null;
  private reported = new Set<string>();
  private running: Promise<void> | null = null;
  /** Last history row written per tenant/topic key: its size and when. */
  private historyWritten = new Map<string, { storageBytes: number | null; atMs: number }>();
  private lastPruneMs = 0;
  /** Last cleaner-state row written per tenant/topic/partition: its figures and when. */
  private cleanerWritten = new Map<string, { figures: string; atMs: number }>();

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
    const history = this.historyRows(windowMs, tenants, live);
    if (live.length > 0) {
      try {
        await this.opts.store.reportTraffic(live);
      } catch (err) {
        this.opts.logger.warn({ err: (err as Error).message, tenants: live.length }, 'traffic report failed');
      }
    }
    const nowMs = this.now();
    try {
      await this.opts.store.reportTrafficHistory(history, nowMs);
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message, rows: history.length }, 'traffic history write failed');
    }
    await this.reportCleanerStates(nowMs);
    if (nowMs - this.lastPruneMs >= HISTORY_REFRESH_MS) {
      this.lastPruneMs = nowMs;
      if (this.opts.store.pruneCleanerStates && this.opts.cleanerStates)
        await this.opts.store
          .pruneCleanerStates(nowMs)
          .catch((err) => this.opts.logger.warn({ err: (err as Error).message }, 'cleaner state retention failed'));
      try {
        const deleted = await this.opts.store.pruneTrafficHistory(
          this.opts.historyRetention ?? DEFAULT_TRAFFIC_HISTORY_RETENTION,
          nowMs,
        );
        if (deleted.raw + deleted.minute + deleted.hour > 0) this.opts.logger.debug(deleted, 'traffic history pruned');
      } catch (err) {
        this.opts.logger.warn({ err: (err as Error).message }, 'traffic history retention failed');
      }
    }
  }

  /** Upserts the cleaner rows that changed or were last written a minute ago. */
  private async reportCleanerStates(nowMs: number): Promise<void> {
    const { cleanerStates, topicOwner } = this.opts;
    const write = this.opts.store.reportCleanerStates?.bind(this.opts.store);
    if (!cleanerStates || !topicOwner || !write) return;
    const rows: CleanerStateRow[] = [];
    const written = new Map<string, { figures: string; atMs: number }>();
    for (const c of cleanerStates()) {
      const o = topicOwner(c.topic);
      if (!o || !this.opts.tenantExists(o.tenantId)) continue;
      const k = `${o.tenantId}/${o.topic}/${c.partition}`;
      const row: CleanerStateRow = {
        tenantId: o.tenantId,
        topic: o.topic,
        partition: c.partition,
        dirtyRatio: c.dirtyRatio,
        lastCleanAtMs: c.lastClean?.endedAtMs ?? null,
        lastCleanDurationMs: c.lastClean?.durationMs ?? null,
        lastCleanBytesBefore: c.lastClean?.bytesBefore ?? null,
        lastCleanBytesAfter: c.lastClean?.bytesAfter ?? null,
      };
      const figures = JSON.stringify(row);
      const prev = this.cleanerWritten.get(k);
      const due = !prev || prev.figures !== figures || nowMs - prev.atMs >= HISTORY_REFRESH_MS;
      if (due && rows.length < MAX_CLEANER_STATE_ROWS) {
        rows.push(row);
        written.set(k, { figures, atMs: nowMs });
      } else if (prev) {
        written.set(k, prev);
      }
    }
    this.cleanerWritten = written;
    try {
      await write(rows, nowMs);
    } catch (err) {
      // Written again next time: forget what this report claimed to have written.
      for (const r of rows) this.cleanerWritten.delete(`${r.tenantId}/${r.topic}/${r.partition}`);
      this.opts.logger.warn({ err: (err as Error).message, rows: rows.length }, 'cleaner state write failed');
    }
  }

  private now(): number {
    return this.opts.nowMs?.() ?? Date.now();
  }

  /** The history rows of one window: tenants' totals and their topics, skipping unchanged rows written recently. */
  private historyRows(
    windowMs: number,
    windows: ReturnType<TenantTraffic['take']>['tenants'],
    live: TrafficRow[],
  ): TrafficHistoryRow[] {
    const nowMs = this.now();
    const owner = this.opts.topicOwner;
    // Sizes per tenant, the largest topics first, at most MAX_TOPICS_PER_TENANT_WINDOW each.
    const sizes = new Map<string, Map<string, number>>();
    const totals = new Map<string, number>();
    if (owner && this.opts.topicSizes) {
      const all = [...this.opts.topicSizes()].sort((a, b) => b.sizeBytes - a.sizeBytes);
      for (const { topic, sizeBytes } of all) {
        const o = owner(topic);
        if (!o || !this.opts.tenantExists(o.tenantId)) continue;
        totals.set(o.tenantId, (totals.get(o.tenantId) ?? 0) + sizeBytes);
        let m = sizes.get(o.tenantId);
        if (!m) sizes.set(o.tenantId, (m = new Map()));
        if (m.size < MAX_TOPICS_PER_TENANT_WINDOW) m.set(o.topic, sizeBytes);
      }
    }
    const empty = (tenantId: string, topic: string): TrafficHistoryRow => ({
      tenantId,
      topic,
      windowMs,
      produceBytes: 0,
      fetchBytes: 0,
      produceRecords: 0,
      fetchRecords: 0,
      produceThrottleMs: 0,
      fetchThrottleMs: 0,
      storageBytes: null,
      connections: 0,
    });
    const rows = new Map<string, TrafficHistoryRow>();
    const key = (tenantId: string, topic: string) => `${tenantId}/${topic}`;
    const row = (tenantId: string, topic: string): TrafficHistoryRow => {
      const k = key(tenantId, topic);
      let r = rows.get(k);
      if (!r) rows.set(k, (r = empty(tenantId, topic)));
      return r;
    };
    for (const l of live) {
      const r = row(l.tenantId, '');
      r.produceBytes = l.produceBytes;
      r.fetchBytes = l.fetchBytes;
      r.produceThrottleMs = l.produceThrottleMs;
      r.fetchThrottleMs = l.fetchThrottleMs;
      r.connections = l.connections;
    }
    for (const w of windows) {
      if (!this.opts.tenantExists(w.tenantId)) continue;
      const total = row(w.tenantId, '');
      total.produceRecords = w.produceRecords;
      total.fetchRecords = w.fetchRecords;
      for (const t of w.topics.values()) {
        const o = owner?.(t.topic);
        if (!o || o.tenantId !== w.tenantId) continue;
        const r = row(w.tenantId, o.topic);
        r.produceBytes = t.produceBytes;
        r.produceRecords = t.produceRecords;
        r.fetchBytes = t.fetchBytes;
        r.fetchRecords = t.fetchRecords;
      }
    }
    for (const [tenantId, total] of totals) row(tenantId, '').storageBytes = total;
    for (const [tenantId, m] of sizes) for (const [topic, size] of m) row(tenantId, topic).storageBytes = size;
    // Keep rows with traffic, a changed size, or none written for a minute.
    const out: TrafficHistoryRow[] = [];
    const written = new Map<string, { storageBytes: number | null; atMs: number }>();
    for (const [k, r] of rows) {
      const prev = this.historyWritten.get(k);
      const busy = r.produceBytes + r.fetchBytes + r.connections + r.produceThrottleMs + r.fetchThrottleMs > 0;
      const due = !prev || prev.storageBytes !== r.storageBytes || nowMs - prev.atMs >= HISTORY_REFRESH_MS;
      if (busy || due) {
        out.push(r);
        written.set(k, { storageBytes: r.storageBytes, atMs: nowMs });
      } else if (prev) {
        written.set(k, prev);
      }
    }
    this.historyWritten = written;
    return out;
  }
}
