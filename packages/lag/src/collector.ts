/**
 * LagCollector: every `intervalMs` (default 10 s) it reads every consumer group through the Kafka protocol
 * (ListGroups, DescribeGroups, OffsetFetch, ListOffsets), computes lag and time lag per partition, evaluates
 * statuses, writes the samples to the LagStore, reports status changes (e.g. to the webhook notifier) and, every
 * `maintenanceIntervalMs`, rolls samples up and prunes expired rows. Passes never overlap; a failed pass is logged
 * and the next one runs on schedule. `collectOnce` runs one pass on demand (tests, the CLI).
 *
 * Any tenant's client can put arbitrary bytes into its group, so one group must never stop the others: a group
 * that cannot be read is that group's `error` and is skipped; every cluster call has a deadline
 * (`requestTimeoutMs`), a failed batch call is retried group by group so the bad group is isolated, every pass
 * has a deadline (`passTimeoutMs`), and the next pass is always scheduled. `health()` says how passes are going.
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
  /** A pass that has not finished after this long is abandoned (its results discarded) and counted as failed. */
  passTimeoutMs?: number;
  /** Deadline for one call to the cluster (ListGroups, DescribeGroups, OffsetFetch, ListOffsets) within a pass. */
  requestTimeoutMs?: number;
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

/** How the collector is doing, for the console, /api/v1 and Prometheus. */
export interface CollectorHealth {
  running: boolean;
  intervalMs: number;
  passTimeoutMs: number;
  /** Start of the last pass that completed, ms since the epoch. */
  lastPassAtMs: number | null;
  lastPassDurationMs: number | null;
  /** The last pass's error, null once a pass succeeds. */
  lastError: string | null;
  lastErrorAtMs: number | null;
  passesOk: number;
  passesFailed: number;
  /** Groups whose last pass reported an error of their own. */
  groupsWithErrors: number;
}

/** A pass ran past `passTimeoutMs`. */
export class PassTimeoutError extends Error {
  override readonly name = 'PassTimeoutError';
}

/** One cluster call ran past `requestTimeoutMs`. */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
}

/** Resolves or rejects like `promise`, or rejects with `onTimeout()` after `timeoutMs`. */
export function withDeadline<T>(promise: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  // The abandoned promise may still reject later: keep that from becoming an unhandled rejection.
  promise.catch(() => {});
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

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
  lastErrorAtMs: number | null = null;
  passesOk = 0;
  passesFailed = 0;
  readonly passTimeoutMs: number;
  readonly requestTimeoutMs: number;

  constructor(options: LagCollectorOptions) {
    this.options = options;
    this.source = options.source;
    this.store = options.store ?? null;
    this.intervalMs = options.intervalMs ?? 10_000;
    this.passTimeoutMs = options.passTimeoutMs ?? 30_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.maintenanceIntervalMs = options.maintenanceIntervalMs ?? 60_000;
    this.evaluator = new GroupLagEvaluator(options.evaluation);
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.endOffsets = new EndOffsetHistory(options.endOffsetPointsPerPartition ?? 120);
  }

  /**
   * Runs one pass now; if one is in flight, waits for it first, so passes never overlap. Rejects with the pass's
   * error, or a PassTimeoutError after `passTimeoutMs` (the abandoned pass's results are then discarded).
   */
  collectOnce(): Promise<LagPass> {
    if (this.running) return this.running.then(() => this.collectOnce());
    const abandoned = { value: false };
    const started = this.clock();
    const pass = withDeadline(
      this.pass(abandoned),
      this.passTimeoutMs,
      () =>
        new PassTimeoutError(
          `lag collection pass did not finish within passTimeoutMs=${this.passTimeoutMs}; abandoned ` +
            '(raise SAMSA_LAG_PASS_TIMEOUT_MS if the cluster is large, or check that the broker answers)',
        ),
    ).then(
      (result) => {
        this.passesOk++;
        this.lastError = null;
        return result;
      },
      (err: unknown) => {
        abandoned.value = true;
        this.passesFailed++;
        this.lastError = errorMessage(err);
        this.lastErrorAtMs = started;
        this.logger.error(
          { err: this.lastError, passTimeoutMs: this.passTimeoutMs, durationMs: this.clock() - started },
          'lag collection pass failed',
        );
        throw err;
      },
    );
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

  /** One cluster call with the request deadline. */
  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withDeadline(
      fn(),
      this.requestTimeoutMs,
      () => new RequestTimeoutError(`${what} did not answer within requestTimeoutMs=${this.requestTimeoutMs}`),
    );
  }

  /**
   * A batch call over groups; when it fails, each group is asked alone so that the group that breaks it is
   * isolated: its error is returned for it and the others are still read.
   */
  private async perGroup<T>(
    what: string,
    ids: string[],
    fetch: (ids: string[]) => Promise<Map<string, T>>,
  ): Promise<{ results: Map<string, T>; errors: Map<string, string> }> {
    const errors = new Map<string, string>();
    if (ids.length === 0) return { results: new Map(), errors };
    try {
      return { results: await this.call(what, () => fetch(ids)), errors };
    } catch (err) {
      this.logger.warn({ err: errorMessage(err), groups: ids.length }, `${what} failed; retrying group by group`);
    }
    const results = new Map<string, T>();
    for (const id of ids) {
      try {
        const one = await this.call(what, () => fetch([id]));
        const value = one.get(id);
        if (value !== undefined) results.set(id, value);
      } catch (err) {
        errors.set(id, `${what} failed for this group: ${errorMessage(err)}`);
      }
    }
    return { results, errors };
  }

  /**
   * Log-end offsets of every wanted partition; when the batch fails (e.g. a group kept offsets on a topic that
   * was deleted, and the client refuses the whole request), topic by topic, so only that topic goes unmeasured.
   */
  private async endOffsetsOf(
    wanted: Map<string, Set<number>>,
  ): Promise<{ ends: Map<string, number>; topicErrors: Map<string, string> }> {
    const sorted = new Map([...wanted].map(([t, ps]) => [t, [...ps].sort((a, b) => a - b)]));
    const topicErrors = new Map<string, string>();
    try {
      return { ends: await this.call('ListOffsets', () => this.source.offsetsAt(sorted, LATEST)), topicErrors };
    } catch (err) {
      if (sorted.size <= 1) throw err;
      this.logger.warn({ err: errorMessage(err), topics: sorted.size }, 'ListOffsets failed; retrying topic by topic');
    }
    const ends = new Map<string, number>();
    for (const [topic, ps] of sorted) {
      try {
        const one = await this.call('ListOffsets', () => this.source.offsetsAt(new Map([[topic, ps]]), LATEST));
        for (const [k, v] of one) ends.set(k, v);
      } catch (err) {
        topicErrors.set(topic, errorMessage(err));
      }
    }
    // Every topic failing is the cluster's problem, not one topic's: fail the pass as before.
    if (topicErrors.size === sorted.size)
      throw new Error(`ListOffsets failed for every topic: ${[...topicErrors.values()][0]}`);
    return { ends, topicErrors };
  }

  private async pass(abandoned: { value: boolean }): Promise<LagPass> {
    const atMs = this.clock();
    const started = performance.now();
    try {
      await this.call('refreshing tenants', async () => this.options.tenants?.refresh?.(atMs));
    } catch (err) {
      // Keep collecting with the tenants we knew: lag matters most when other things are failing.
      this.logger.warn({ err: (err as Error).message }, 'refreshing tenants failed; using the previous list');
    }
    const include = this.options.includeGroup ?? defaultInclude;
    const maxGroups = this.options.maxGroups ?? 10_000;
    let listings = (await this.call('ListGroups', () => this.source.listGroups())).filter(include);
    if (listings.length > maxGroups) {
      this.logger.warn({ groups: listings.length, maxGroups }, 'too many groups; watching the first maxGroups');
      listings = listings.slice(0, maxGroups);
    }
    const ids = listings.map((g) => g.groupId);
    const [described, fetched] = await Promise.all([
      this.perGroup('DescribeGroups', ids, (chunk) => this.source.describeGroups(chunk)),
      this.perGroup('OffsetFetch', ids, (chunk) => this.source.committedOffsets(chunk)),
    ]);
    const descriptions = described.results;
    const committed = fetched.results;
    const wanted = new Map<string, Set<number>>();
    for (const offsets of committed.values()) {
      for (const o of offsets) {
        let set = wanted.get(o.topic);
        if (!set) wanted.set(o.topic, (set = new Set()));
        set.add(o.partition);
      }
    }
    const { ends, topicErrors } = await this.endOffsetsOf(wanted);
    // Past the deadline the caller has given up on this pass: a late pass must not overwrite a newer one.
    if (abandoned.value) throw new PassTimeoutError('abandoned pass finished late; its results are discarded');
    for (const [topic, ps] of wanted) {
      for (const p of ps) {
        const end = ends.get(partitionKey(topic, p));
        if (end !== undefined && end >= 0) this.endOffsets.table(topic, p).add(end, atMs);
      }
    }
    this.endOffsets.retain(wanted);

    const snapshots: GroupSnapshot[] = [];
    const unreadable = new Map<string, { tenantId: string | null; error: string; atMs: number }>();
    for (const listing of listings) {
      const offsetsError = fetched.errors.get(listing.groupId);
      if (offsetsError) {
        // Without committed offsets there is nothing to measure: keep the group's last status, with the error.
        const tenantId = this.options.tenants?.resolve(listing.groupId, []) ?? null;
        unreadable.set(listing.groupId, { tenantId, error: offsetsError, atMs });
        continue;
      }
      const d = descriptions.get(listing.groupId);
      const offsets = committed.get(listing.groupId) ?? [];
      const groupErrors = [described.errors.get(listing.groupId) ?? d?.error ?? null];
      for (const topic of new Set(offsets.map((o) => o.topic))) {
        const err = topicErrors.get(topic);
        if (err) groupErrors.push(`the end offsets of ${topic} could not be read (${err}); its lag is not measured`);
      }
      const groupError = groupErrors.filter(Boolean).join('; ') || null;
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
        error: groupError,
      });
    }

    // Logged when a group's error appears or changes, not on every pass while it lasts.
    const previousErrors = new Map(this.evaluator.current().map((e) => [e.groupId, e.error]));
    const { evaluations, changes } = this.evaluator.observePass(snapshots, unreadable);
    for (const e of this.evaluator.current()) {
      if (e.error && e.error !== previousErrors.get(e.groupId))
        this.logger.warn({ group: e.groupId, tenantId: e.tenantId, err: e.error }, 'consumer group could not be read');
      else if (!e.error && previousErrors.get(e.groupId))
        this.logger.info({ group: e.groupId, tenantId: e.tenantId }, 'consumer group readable again');
    }
    this.snapshots.clear();
    for (const s of snapshots) this.snapshots.set(s.groupId, s);
    for (const id of [...this.history.keys()])
      if (!this.snapshots.has(id) && !unreadable.has(id)) this.history.delete(id);
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
      } catch {
        // Counted and logged by collectOnce.
      } finally {
        // Whatever happened, the next pass is scheduled: one bad pass must not end collection.
        if (!this.stopped) {
          const wait = Math.max(0, this.intervalMs - (this.clock() - begun));
          this.timer = setTimeout(tick, wait);
        }
      }
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }

  health(): CollectorHealth {
    return {
      running: !this.stopped,
      intervalMs: this.intervalMs,
      passTimeoutMs: this.passTimeoutMs,
      lastPassAtMs: this.lastPass?.atMs ?? null,
      lastPassDurationMs: this.lastPass?.durationMs ?? null,
      lastError: this.lastError,
      lastErrorAtMs: this.lastErrorAtMs,
      passesOk: this.passesOk,
      passesFailed: this.passesFailed,
      groupsWithErrors: this.evaluator.current().filter((e) => e.error !== null).length,
    };
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
