/**
 * LagCollector: every `intervalMs` (default 10 s) it reads every consumer group through the Kafka protocol
 * (ListGroups, DescribeGroups, OffsetFetch, ListOffsets), computes lag and time lag per partition, evaluates
 * statuses, writes the samples to the LagStore, reports status changes (e.g. to the webhook notifier) and, every
 * `maintenanceIntervalMs`, rolls samples up and prunes expired rows. Passes never overlap; a failed pass is logged
 * and the next one runs on schedule. `collectOnce` runs one pass on demand (tests, the CLI).
 */
import pino, { type Logger } from 'pino';
import { type EvaluationConfig, GroupLagEvaluator } from './evaluate.ts';
import { type GroupListing, LATEST, type LagSource, partitionKey } from './kafka-admin.ts';
import type { LagStore } from './store.ts';
import { namespacedAssignments, type TenantResolver } from './tenants.ts';
import { EndOffsetHistory } from './time-lag.ts';
import type { GroupEvaluation, GroupSnapshot, GroupStatus, PartitionSample, StatusChange } from './types.ts';

export interface LagCollectorOptions {
  source: LagSource;
  /** Time between the starts of two passes. */
  intervalMs?: number;
  evaluation?: Partial<EvaluationConfig>;
  /** Where samples go; without one the collector only keeps its in-memory view. */
  store?: LagStore | null;
  /** How often roll-ups and pruning run (after a pass). */
  maintenanceIntervalMs?: number;
  tenants?: { refresh?(nowMs: number): Promise<void>; resolve: TenantResolver };
  /** Called after each pass with the groups whose status changed (awaited; errors are logged). */
  onStatusChange?: (changes: StatusChange[]) => void | Promise<void>;
  /** Which groups to watch; default: classic consumer groups and groups that only commit offsets. */
  includeGroup?: (group: GroupListing) => boolean;
  /** Upper bound on groups per pass; the rest (by name order) are skipped with a warning. */
  maxGroups?: number;
  endOffsetPointsPerPartition?: number;
  /** Status changes remembered per group for the console's status history. */
  statusHistoryPerGroup?: number;
  clock?: () => number;
  logger?: Logger;
}

export interface LagPass {
  atMs: number;
  durationMs: number;
  snapshots: GroupSnapshot[];
  evaluations: GroupEvaluation[];
  changes: StatusChange[];
  samplesWritten: number;
}

export interface StatusHistoryEntry {
  atMs: number;
  from: GroupStatus | null;
  to: GroupStatus;
  reason: string;
  totalLag: number;
}

const defaultInclude = (g: GroupListing) => g.protocolType === 'consumer' || g.protocolType === '';

export class LagCollector {
  readonly intervalMs: number;
  readonly evaluator: GroupLagEvaluator;
  private readonly source: LagSource;
  private readonly store: LagStore | null;
  private readonly maintenanceIntervalMs: number;
  private readonly options: LagCollectorOptions;
  private readonly clock: () => number;
  private readonly logger: Logger;
  private readonly endOffsets: EndOffsetHistory;
  private readonly snapshots = new Map<string, GroupSnapshot>();
  private readonly history = new Map<string, StatusHistoryEntry[]>();
  private lastMaintenanceMs = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = true;
  lastPass: LagPass | null = null;
  lastError: string | null = null;

  constructor(options: LagCollectorOptions) {
    this.options = options;
    this.source = options.source;
    this.store = options.store ?? null;
    this.intervalMs = options.intervalMs ?? 10_000;
    this.maintenanceIntervalMs = options.maintenanceIntervalMs ?? 60_000;
    this.evaluator = new GroupLagEvaluator(options.evaluation);
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.endOffsets = new EndOffsetHistory(options.endOffsetPointsPerPartition ?? 120);
  }

  /** Runs one pass now; if one is in flight, waits for it first, so passes never overlap. */
  collectOnce(): Promise<LagPass> {
    if (this.running) return this.running.then(() => this.collectOnce());
    const pass = this.pass();
    // `running` only orders passes: it never rejects, so a failed pass cannot become an unhandled rejection.
    this.running = pass.then(
      () => {
        this.running = null;
      },
      () => {
        this.running = null;
      },
    );
    return pass;
  }

  private async pass(): Promise<LagPass> {
    const atMs = this.clock();
    const started = performance.now();
    try {
      await this.options.tenants?.refresh?.(atMs);
    } catch (err) {
      // Keep collecting with the tenants we knew: lag matters most when other things are failing.
      this.logger.warn({ err: (err as Error).message }, 'refreshing tenants failed; using the previous list');
    }
    const include = this.options.includeGroup ?? defaultInclude;
    const maxGroups = this.options.maxGroups ?? 10_000;
    let listings = (await this.source.listGroups()).filter(include);
    if (listings.length > maxGroups) {
      this.logger.warn({ groups: listings.length, maxGroups }, 'too many groups; watching the first maxGroups');
      listings = listings.slice(0, maxGroups);
    }
    const ids = listings.map((g) => g.groupId);
    const [descriptions, committed] = await Promise.all([
      this.source.describeGroups(ids),
      this.source.committedOffsets(ids),
    ]);
    const wanted = new Map<string, Set<number>>();
    for (const offsets of committed.values()) {
      for (const o of offsets) {
        let set = wanted.get(o.topic);
        if (!set) wanted.set(o.topic, (set = new Set()));
        set.add(o.partition);
      }
    }
    const ends = await this.source.offsetsAt(
      new Map([...wanted].map(([t, ps]) => [t, [...ps].sort((a, b) => a - b)])),
      LATEST,
    );
    for (const [topic, ps] of wanted) {
      for (const p of ps) {
        const end = ends.get(partitionKey(topic, p));
        if (end !== undefined && end >= 0) this.endOffsets.table(topic, p).add(end, atMs);
      }
    }
    this.endOffsets.retain(wanted);

    const snapshots: GroupSnapshot[] = [];
    for (const listing of listings) {
      const d = descriptions.get(listing.groupId);
      const offsets = committed.get(listing.groupId) ?? [];
      const members = namespacedAssignments(listing.groupId, d?.members ?? [], new Set(offsets.map((o) => o.topic)));
      const assigned = new Set<string>();
      for (const m of members) {
        for (const [topic, ps] of Object.entries(m.assignments))
          for (const p of ps) assigned.add(partitionKey(topic, p));
      }
      const partitions: PartitionSample[] = [];
      for (const o of offsets) {
        const end = ends.get(partitionKey(o.topic, o.partition));
        if (end === undefined || end < 0) continue; // topic deleted or partition unknown: nothing to measure
        partitions.push({
          topic: o.topic,
          partition: o.partition,
          committedOffset: o.offset,
          logEndOffset: end,
          lag: Math.max(0, end - o.offset),
          timeLagMs: this.endOffsets.table(o.topic, o.partition).timeLagMs(o.offset, atMs),
          assigned: assigned.has(partitionKey(o.topic, o.partition)),
        });
      }
      const topics = [
        ...new Set([...partitions.map((p) => p.topic), ...members.flatMap((m) => Object.keys(m.assignments))]),
      ];
      snapshots.push({
        groupId: listing.groupId,
        tenantId: this.options.tenants?.resolve(listing.groupId, topics) ?? null,
        state: d?.state ?? listing.state,
        members,
        partitions,
        sampledAtMs: atMs,
      });
    }

    const { evaluations, changes } = this.evaluator.observePass(snapshots);
    this.snapshots.clear();
    for (const s of snapshots) this.snapshots.set(s.groupId, s);
    for (const id of [...this.history.keys()]) if (!this.snapshots.has(id)) this.history.delete(id);
    const keep = this.options.statusHistoryPerGroup ?? 100;
    for (const c of changes) {
      const list = this.history.get(c.groupId) ?? [];
      list.push({ atMs: c.atMs, from: c.from, to: c.to, reason: c.evaluation.reason, totalLag: c.evaluation.totalLag });
      if (list.length > keep) list.splice(0, list.length - keep);
      this.history.set(c.groupId, list);
    }

    let samplesWritten = 0;
    if (this.store) {
      try {
        samplesWritten = await this.store.insertSamples(snapshots);
      } catch (err) {
        this.logger.error({ err: (err as Error).message }, 'writing lag samples failed');
      }
    }
    if (changes.length > 0 && this.options.onStatusChange) {
      try {
        await this.options.onStatusChange(changes);
      } catch (err) {
        this.logger.error({ err: (err as Error).message }, 'status change handler failed');
      }
    }
    if (this.store && atMs - this.lastMaintenanceMs >= this.maintenanceIntervalMs) {
      this.lastMaintenanceMs = atMs;
      try {
        const rolled = await this.store.rollUp(atMs);
        const pruned = await this.store.prune(atMs);
        this.logger.debug({ rolled, pruned }, 'lag history maintenance');
      } catch (err) {
        this.logger.error({ err: (err as Error).message }, 'lag history maintenance failed');
      }
    }
    const pass: LagPass = {
      atMs,
      durationMs: performance.now() - started,
      snapshots,
      evaluations,
      changes,
      samplesWritten,
    };
    this.lastPass = pass;
    this.lastError = null;
    for (const c of changes) this.logger.info({ group: c.groupId, from: c.from, to: c.to }, 'group status changed');
    return pass;
  }

  /**
   * Rebuilds the time-lag tables and status windows from the store's recent samples (call once before `start`).
   * Stored samples do not say whether a partition was assigned; they are replayed as assigned, and the first live
   * pass supplies the real value. Returns the samples replayed.
   */
  async warmUp(): Promise<number> {
    if (!this.store) return 0;
    const nowMs = this.clock();
    const windowMs = Math.max(
      this.intervalMs * this.evaluator.config.windowSamples,
      this.evaluator.config.stoppedAfterMs,
      this.evaluator.config.stalledAfterMs,
    );
    const rows = await this.store.recentSamples(nowMs - 2 * windowMs);
    const byPartition = new Map<string, typeof rows>();
    for (const r of rows) {
      this.endOffsets.table(r.topic, r.partition).add(r.logEndOffset, r.t);
      const k = `${r.groupId}\u0000${r.topic}\u0000${r.partition}`;
      let list = byPartition.get(k);
      if (!list) byPartition.set(k, (list = []));
      list.push(r);
    }
    for (const list of byPartition.values()) {
      const { groupId, topic, partition } = list[0];
      this.evaluator.seed(
        groupId,
        topic,
        partition,
        list.map((r) => ({
          atMs: r.t,
          committedOffset: r.committedOffset,
          logEndOffset: r.logEndOffset,
          lag: r.lag,
          timeLagMs: r.timeLagMs,
          assigned: true,
        })),
      );
    }
    this.logger.info({ samples: rows.length, partitions: byPartition.size }, 'lag collector warmed up from history');
    return rows.length;
  }

  /** Starts passes every `intervalMs` until `stop`. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = async () => {
      const begun = this.clock();
      try {
        await this.collectOnce();
      } catch (err) {
        this.lastError = (err as Error).message;
        this.logger.error({ err: this.lastError }, 'lag collection pass failed');
      }
      if (this.stopped) return;
      const wait = Math.max(0, this.intervalMs - (this.clock() - begun));
      this.timer = setTimeout(tick, wait);
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }

  /** The latest evaluation of every group. */
  current(): GroupEvaluation[] {
    return this.evaluator.current();
  }

  /** The latest snapshot of a group (members, assignments, offsets). */
  snapshot(groupId: string): GroupSnapshot | undefined {
    return this.snapshots.get(groupId);
  }

  /** Status changes of a group since the collector started (bounded), oldest first. */
  statusHistory(groupId: string): StatusHistoryEntry[] {
    return [...(this.history.get(groupId) ?? [])];
  }
}
