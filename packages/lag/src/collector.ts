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
import { EARLIEST, type GroupListing, LATEST, type LagSource, partitionKey } from '@samsa/cluster';
import type { LagStore } from './store.ts';
import { assignedTopicCandidates, namespacedAssignments, type TenantResolver } from './tenants.ts';
import { EndOffsetHistory } from './time-lag.ts';
import type {
  GroupEvaluation,
  GroupMemberInfo,
  GroupSnapshot,
  GroupStatus,
  OffsetReset,
  PartitionSample,
  StatusChange,
} from './types.ts';

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
  tenants?: {
    refresh?(nowMs: number): Promise<void>;
    resolve: TenantResolver;
    /** The tenant slug whose namespace holds a group (`acme` for `acme.billing`), or null. */
    namespaceOf?(groupId: string): string | null;
  };
  /**
   * Where a group starts on a partition it has no committed offset on (the consumers' auto.offset.reset, which
   * the protocol does not carry): `earliest` (default) counts every message from the log start as lag, `latest`
   * counts none. A function decides per group.
   */
  offsetReset?: OffsetReset | ((groupId: string) => OffsetReset);
  /** Called after each pass with the groups whose status changed (awaited; errors are logged). */
  onStatusChange?: (changes: StatusChange[]) => void | Promise<void>;
  /** Which groups to watch; default: classic consumer groups and groups that only commit offsets. */
  includeGroup?: (group: GroupListing) => boolean;
  /** Upper bound on groups per pass; the rest (by name order) are skipped with a warning. */
  maxGroups?: number;
  /**
   * Upper bound on the assigned topics of one group that are looked up (Metadata) and measured [1000]. Assignments
   * are client bytes: without it, a member listing many made-up topics would make every pass slow for everyone.
   * Beyond it the group's error says so and the first topics by name are measured.
   */
  maxAssignedTopicsPerGroup?: number;
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
  readonly maxAssignedTopicsPerGroup: number;
  /** Where lag counts from without a committed offset: `earliest`, `latest`, or `per-group` (a function decides). */
  readonly offsetResetPolicy: OffsetReset | 'per-group';

  constructor(options: LagCollectorOptions) {
    this.options = options;
    this.source = options.source;
    this.store = options.store ?? null;
    this.intervalMs = options.intervalMs ?? 10_000;
    this.passTimeoutMs = options.passTimeoutMs ?? 30_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.maxAssignedTopicsPerGroup = options.maxAssignedTopicsPerGroup ?? 1_000;
    const reset = options.offsetReset ?? 'earliest';
    this.offsetResetPolicy = typeof reset === 'function' ? 'per-group' : reset;
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
    timestamp: number = LATEST,
  ): Promise<{ ends: Map<string, number>; topicErrors: Map<string, string> }> {
    const sorted = new Map([...wanted].map(([t, ps]) => [t, [...ps].sort((a, b) => a - b)]));
    const topicErrors = new Map<string, string>();
    if (sorted.size === 0) return { ends: new Map(), topicErrors };
    try {
      return { ends: await this.call('ListOffsets', () => this.source.offsetsAt(sorted, timestamp)), topicErrors };
    } catch (err) {
      if (sorted.size <= 1) throw err;
      this.logger.warn({ err: errorMessage(err), topics: sorted.size }, 'ListOffsets failed; retrying topic by topic');
    }
    const ends = new Map<string, number>();
    for (const [topic, ps] of sorted) {
      try {
        const one = await this.call('ListOffsets', () => this.source.offsetsAt(new Map([[topic, ps]]), timestamp));
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

  private offsetResetOf(groupId: string): OffsetReset {
    const r = this.options.offsetReset ?? 'earliest';
    return typeof r === 'function' ? r(groupId) : r;
  }

  /**
   * Partition ids of the topics that exist, from Metadata. When the batch fails, the pass goes on without it:
   * groups are then measured on the partitions they committed, as far as ListOffsets knows them.
   */
  private async topicPartitionsOf(topics: string[]): Promise<Map<string, number[]>> {
    if (topics.length === 0) return new Map();
    try {
      return await this.call('Metadata', () => this.source.topicPartitions(topics));
    } catch (err) {
      this.logger.warn(
        { err: errorMessage(err), topics: topics.length },
        'Metadata failed; measuring only partitions with committed offsets this pass',
      );
      return new Map();
    }
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
    const namespaceOf = (groupId: string) => this.options.tenants?.namespaceOf?.(groupId) ?? null;

    // Every topic a group has committed offsets on or is assigned counts in full (see README, "Collection").
    // Metadata says which assigned names exist and how many partitions each topic has.
    const candidates = new Set<string>();
    const tooManyAssigned = new Map<string, number>();
    for (const listing of listings) {
      for (const o of committed.get(listing.groupId) ?? []) candidates.add(o.topic);
      const ns = namespaceOf(listing.groupId);
      const assignedNames = new Set(
        (descriptions.get(listing.groupId)?.members ?? []).flatMap((m) => Object.keys(m.assignments)),
      );
      let names = [...assignedNames];
      if (names.length > this.maxAssignedTopicsPerGroup) {
        tooManyAssigned.set(listing.groupId, names.length);
        names = names.sort().slice(0, this.maxAssignedTopicsPerGroup);
      }
      for (const t of names) for (const c of assignedTopicCandidates(listing.groupId, t, ns)) candidates.add(c);
    }
    const partitionsOf = await this.topicPartitionsOf([...candidates]);

    // Per group: its topics (committed or assigned), and every partition of them.
    const consumed = new Map<string, { members: GroupMemberInfo[]; partitions: Map<string, Set<number>> }>();
    const wanted = new Map<string, Set<number>>();
    const fromStart = new Map<string, Set<number>>();
    const add = (into: Map<string, Set<number>>, topic: string, partition: number) => {
      let set = into.get(topic);
      if (!set) into.set(topic, (set = new Set()));
      set.add(partition);
    };
    for (const listing of listings) {
      if (fetched.errors.has(listing.groupId)) continue;
      const offsets = committed.get(listing.groupId) ?? [];
      const known = new Set([...offsets.map((o) => o.topic), ...partitionsOf.keys()]);
      const members = namespacedAssignments(
        listing.groupId,
        descriptions.get(listing.groupId)?.members ?? [],
        known,
        namespaceOf(listing.groupId),
      );
      const partitions = new Map<string, Set<number>>();
      for (const o of offsets) add(partitions, o.topic, o.partition);
      const topics = new Set([...partitions.keys(), ...members.flatMap((m) => Object.keys(m.assignments))]);
      for (const t of topics) for (const p of partitionsOf.get(t) ?? []) add(partitions, t, p);
      // An assigned topic Metadata does not know (deleted, or a name that exists nowhere) is not measured.
      consumed.set(listing.groupId, { members, partitions });
      const committedHere = new Set(offsets.map((o) => partitionKey(o.topic, o.partition)));
      const fromEarliest = this.offsetResetOf(listing.groupId) === 'earliest';
      for (const [t, ps] of partitions) {
        for (const p of ps) {
          add(wanted, t, p);
          if (fromEarliest && !committedHere.has(partitionKey(t, p))) add(fromStart, t, p);
        }
      }
    }
    const [{ ends, topicErrors }, starts] = await Promise.all([
      this.endOffsetsOf(wanted),
      // Log starts only where a group has no committed offset and resets to earliest: lag counts from there.
      this.endOffsetsOf(fromStart, EARLIEST).catch((err: unknown) => {
        this.logger.warn(
          { err: errorMessage(err) },
          'reading log-start offsets failed; those partitions are not measured',
        );
        return { ends: new Map<string, number>(), topicErrors: new Map<string, string>() };
      }),
    ]);
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
      const { members, partitions: groupPartitions } = consumed.get(listing.groupId) ?? {
        members: [],
        partitions: new Map<string, Set<number>>(),
      };
      const groupErrors = [described.errors.get(listing.groupId) ?? d?.error ?? null];
      const assignedCount = tooManyAssigned.get(listing.groupId);
      if (assignedCount !== undefined)
        groupErrors.push(
          `its members are assigned ${assignedCount} topics; only the first ${this.maxAssignedTopicsPerGroup} by name ` +
            'are measured (maxAssignedTopicsPerGroup, SAMSA_LAG_MAX_ASSIGNED_TOPICS_PER_GROUP)',
        );
      for (const topic of groupPartitions.keys()) {
        const endError = topicErrors.get(topic);
        const startError = starts.topicErrors.get(topic);
        if (endError)
          groupErrors.push(`the end offsets of ${topic} could not be read (${endError}); its lag is not measured`);
        else if (startError)
          groupErrors.push(
            `the log-start offsets of ${topic} could not be read (${startError}); ` +
              'its partitions without a committed offset are not measured',
          );
      }
      const groupError = groupErrors.filter(Boolean).join('; ') || null;
      const assigned = new Set<string>();
      for (const m of members) {
        for (const [topic, ps] of Object.entries(m.assignments))
          for (const p of ps) assigned.add(partitionKey(topic, p));
      }
      const committedAt = new Map(offsets.map((o) => [partitionKey(o.topic, o.partition), o.offset]));
      const reset = this.offsetResetOf(listing.groupId);
      const partitions: PartitionSample[] = [];
      for (const [topic, ps] of [...groupPartitions].sort(([a], [b]) => a.localeCompare(b))) {
        for (const partition of [...ps].sort((a, b) => a - b)) {
          const k = partitionKey(topic, partition);
          const end = ends.get(k);
          if (end === undefined || end < 0) continue; // topic deleted or partition unknown: nothing to measure
          const committedOffset = committedAt.get(k) ?? null;
          let position: number;
          if (committedOffset !== null) position = committedOffset;
          else if (reset === 'latest') position = end;
          else {
            const start = starts.ends.get(k);
            if (start === undefined || start < 0) continue; // log start unknown: not measured this pass
            position = Math.min(start, end);
          }
          partitions.push({
            topic,
            partition,
            committedOffset,
            positionOffset: position,
            logEndOffset: end,
            lag: Math.max(0, end - position),
            timeLagMs: this.endOffsets.table(topic, partition).timeLagMs(position, atMs),
            assigned: assigned.has(k),
          });
        }
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
          // A stored sample without a committed offset kept its lag: its position was log end minus lag.
          committedOffset: r.committedOffset ?? r.logEndOffset - r.lag,
          noCommittedOffset: r.committedOffset === null,
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
