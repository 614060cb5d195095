/**
 * LagService: the one object the console (and the REST API) talks to. It wires the collector, the store and the
 * webhook notifier together, and answers the console's questions with plain JSON: the group list with statuses
 * and sparklines, a group's detail, its lag history for a chart window, the groups consuming a topic, offset-reset
 * previews and resets, and the Prometheus text. `tenantId` scopes every read; omit it only for platform admins.
 */
import type { Db } from '@samsa/db';
import pino, { type Logger } from 'pino';
import { z } from 'zod';
import { type CollectorHealth, LagCollector, type LagCollectorOptions, type StatusHistoryEntry } from './collector.ts';
import type { EvaluationConfig } from './evaluate.ts';
import { type GroupLagHistory, type GroupLagHistoryQuery, getGroupLagHistory } from './history.ts';
import { KafkaGroupAdmin, type KafkaGroupAdminOptions, type LagSource } from '@samsa/cluster';
import { renderPrometheus } from './prometheus.ts';
import { executeOffsetReset, planOffsetReset, type ResetPlan, type ResetSpec } from './reset.ts';
import { LagStore, type RetentionConfig } from './store.ts';
import { DbTenantDirectory } from './tenants.ts';
import {
  type GroupEvaluation,
  type GroupMemberInfo,
  type GroupSnapshot,
  type GroupStatus,
  STATUS_SEVERITY,
} from './types.ts';
import { type DeliveryRecord, WebhookNotifier, type WebhookNotifierOptions, type WebhookTarget } from './webhook.ts';

export interface LagServiceOptions {
  db: Db;
  kafka: KafkaGroupAdminOptions;
  /**
   * A group admin to use instead of opening one from `kafka` (the console lends its cluster admin's, so the process
   * holds one superuser connection); its owner closes it.
   */
  admin?: KafkaGroupAdmin;
  /** Where the collector reads groups; defaults to the Kafka admin (tests pass a recorded source). */
  source?: LagSource;
  intervalMs?: number;
  /** See LagCollectorOptions.passTimeoutMs. */
  passTimeoutMs?: number;
  /** See LagCollectorOptions.requestTimeoutMs; also the Kafka client's request timeout. */
  requestTimeoutMs?: number;
  /** See LagCollectorOptions.offsetReset (default `earliest`). */
  offsetReset?: LagCollectorOptions['offsetReset'];
  /** See LagCollectorOptions.maxAssignedTopicsPerGroup (default 1000). */
  maxAssignedTopicsPerGroup?: number;
  evaluation?: Partial<EvaluationConfig>;
  retention?: Partial<RetentionConfig>;
  /** Per-tenant webhooks on status changes (see WebhookNotifierOptions). */
  webhooks?: Omit<WebhookNotifierOptions, 'clock'>;
  logger?: Logger;
  clock?: () => number;
}

export const ListGroupsQuerySchema = z.object({
  tenantId: z.string().uuid().nullable().optional(),
  status: z.array(z.enum(['OK', 'WARNING', 'REWIND', 'STALLED', 'STOPPED', 'EMPTY', 'INACTIVE'])).optional(),
  /** Case-insensitive substring of the group id or one of its topics. */
  search: z.string().optional(),
  sortBy: z.enum(['groupId', 'status', 'totalLag', 'maxTimeLag', 'members']).default('status'),
  order: z.enum(['asc', 'desc']).default('desc'),
  /** Include a total-lag sparkline over the last hour (one extra query for all listed groups). */
  sparkline: z.boolean().default(false),
  sparklinePoints: z.number().int().min(5).max(200).default(30),
});
export type ListGroupsQuery = z.input<typeof ListGroupsQuerySchema>;

export interface GroupListItem {
  /** The broker's name (`<tenant slug>.<name>` for tenant groups): pass it back to the other calls. */
  groupId: string;
  /** The name the tenant's clients use (`groupId` without the tenant prefix). */
  name: string;
  tenantId: string | null;
  status: GroupStatus;
  reason: string;
  state: string;
  members: number;
  topics: string[];
  totalLag: number;
  maxTimeLagMs: number | null;
  evaluatedAtMs: number;
  /** Why the group could not be (fully) read in the last pass; null when it could. */
  error: string | null;
  sparkline?: { t: number; lag: number }[];
}

export interface GroupDetail {
  evaluation: GroupEvaluation;
  members: GroupMemberInfo[];
  /**
   * Committed vs end offsets, with per-partition status, assignment and owner: every partition of every topic the
   * group committed on or is assigned. Without a committed offset, `committedOffset` is null, `noCommittedOffset`
   * true, and lag counts from `positionOffset`, the group's reset position.
   */
  partitions: {
    topic: string;
    partition: number;
    committedOffset: number | null;
    noCommittedOffset: boolean;
    /** Where the group reads next: the committed offset, or its reset position without one. */
    positionOffset: number;
    logEndOffset: number;
    lag: number;
    timeLagMs: number | null;
    status: string;
    reason: string;
    memberId: string | null;
    clientId: string | null;
  }[];
  statusHistory: StatusHistoryEntry[];
}

/**
 * A group's partitions as its page shows them: each evaluated partition with its offsets from the snapshot and the
 * member holding it. Pure; the CLI's direct mode uses it too.
 */
export function partitionDetails(
  evaluation: GroupEvaluation,
  snapshot: GroupSnapshot | undefined,
): GroupDetail['partitions'] {
  const owner = new Map<string, GroupMemberInfo>();
  for (const m of snapshot?.members ?? []) {
    for (const [t, ps] of Object.entries(m.assignments)) for (const p of ps) owner.set(`${t}\u0000${p}`, m);
  }
  const samples = new Map(snapshot?.partitions.map((p) => [`${p.topic}\u0000${p.partition}`, p]) ?? []);
  return evaluation.partitions.map((p) => {
    const k = `${p.topic}\u0000${p.partition}`;
    const s = samples.get(k);
    const m = owner.get(k);
    return {
      topic: p.topic,
      partition: p.partition,
      committedOffset: s ? s.committedOffset : null,
      noCommittedOffset: p.noCommittedOffset,
      positionOffset: s?.positionOffset ?? 0,
      logEndOffset: s?.logEndOffset ?? 0,
      lag: p.lag,
      timeLagMs: p.timeLagMs,
      status: p.status,
      reason: p.reason,
      memberId: m?.memberId ?? null,
      clientId: m?.clientId ?? null,
    };
  });
}

export class LagService {
  readonly collector: LagCollector;
  readonly store: LagStore;
  readonly admin: KafkaGroupAdmin;
  readonly notifier: WebhookNotifier | null;
  private readonly clock: () => number;
  private readonly logger: Logger;
  private readonly tenants: DbTenantDirectory;

  constructor(options: LagServiceOptions) {
    const logger = options.logger ?? pino({ level: 'silent' });
    this.logger = logger;
    this.clock = options.clock ?? Date.now;
    this.admin =
      options.admin ??
      new KafkaGroupAdmin({
        ...options.kafka,
        requestTimeoutMs: options.kafka.requestTimeoutMs ?? options.requestTimeoutMs,
      });
    this.tenants = new DbTenantDirectory(options.db);
    this.store = new LagStore(options.db, options.retention);
    this.notifier = options.webhooks
      ? new WebhookNotifier({ logger: logger.child({ component: 'webhooks' }), ...options.webhooks, clock: this.clock })
      : null;
    this.collector = new LagCollector({
      source: options.source ?? this.admin,
      store: this.store,
      intervalMs: options.intervalMs,
      passTimeoutMs: options.passTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs,
      offsetReset: options.offsetReset,
      maxAssignedTopicsPerGroup: options.maxAssignedTopicsPerGroup,
      evaluation: options.evaluation,
      tenants: this.tenants,
      onStatusChange: this.notifier?.notify,
      clock: this.clock,
      logger,
    });
  }

  /** Rebuilds recent state from stored samples, then collects every interval until `stop`. */
  async start(): Promise<void> {
    try {
      await this.collector.warmUp();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'lag warm-up from history failed; starting cold');
    }
    this.collector.start();
  }

  async stop(): Promise<void> {
    await this.collector.stop();
    await this.notifier?.idle();
    await this.admin.close();
  }

  private visible(e: { tenantId: string | null }, tenantId: string | null | undefined): boolean {
    return tenantId === undefined || e.tenantId === tenantId;
  }

  async listGroupsWithStatus(query: ListGroupsQuery = {}): Promise<GroupListItem[]> {
    const q = ListGroupsQuerySchema.parse(query);
    const needle = q.search?.toLowerCase();
    let items: GroupListItem[] = this.collector
      .current()
      .filter((e) => this.visible(e, q.tenantId))
      .filter((e) => !q.status || q.status.includes(e.status))
      .filter(
        (e) =>
          !needle || e.groupId.toLowerCase().includes(needle) || e.topics.some((t) => t.toLowerCase().includes(needle)),
      )
      .map((e) => ({
        groupId: e.groupId,
        name: this.tenants.localName(e.tenantId, e.groupId),
        tenantId: e.tenantId,
        status: e.status,
        reason: e.reason,
        state: e.state,
        members: e.members,
        topics: e.topics,
        totalLag: e.totalLag,
        maxTimeLagMs: e.maxTimeLagMs,
        evaluatedAtMs: e.evaluatedAtMs,
        error: e.error,
      }));
    const dir = q.order === 'asc' ? 1 : -1;
    const key = (i: GroupListItem): number | string =>
      q.sortBy === 'groupId'
        ? i.groupId
        : q.sortBy === 'status'
          ? STATUS_SEVERITY[i.status]
          : q.sortBy === 'totalLag'
            ? i.totalLag
            : q.sortBy === 'maxTimeLag'
              ? (i.maxTimeLagMs ?? -1)
              : i.members;
    items = items.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      if (ka < kb) return -dir;
      if (ka > kb) return dir;
      return a.groupId.localeCompare(b.groupId);
    });
    if (q.sparkline && items.length > 0) {
      const toMs = this.clock();
      const fromMs = toMs - 3_600_000;
      const series = await this.store.totalLagSeries({
        tenantId: q.tenantId,
        groupIds: items.map((i) => i.groupId),
        fromMs,
        toMs,
        stepMs: Math.max(this.collector.intervalMs, Math.ceil(3_600_000 / q.sparklinePoints)),
      });
      for (const i of items) i.sparkline = series.get(i.groupId) ?? [];
    }
    return items;
  }

  getGroup(groupId: string, options: { tenantId?: string | null } = {}): GroupDetail | null {
    const evaluation = this.collector.evaluator.get(groupId);
    if (!evaluation || !this.visible(evaluation, options.tenantId)) return null;
    const snapshot = this.collector.snapshot(groupId);
    return {
      evaluation,
      members: snapshot?.members ?? [],
      partitions: partitionDetails(evaluation, snapshot),
      statusHistory: this.collector.statusHistory(groupId),
    };
  }

  getGroupLagHistory(query: GroupLagHistoryQuery): Promise<GroupLagHistory> {
    return getGroupLagHistory(
      this.store,
      { ...query, nowMs: query.nowMs ?? this.clock() },
      { sampleIntervalMs: this.collector.intervalMs },
    );
  }

  /** Groups with committed offsets on `topic` (a broker topic name), with their lag on it. */
  getTopicConsumers(
    topic: string,
    options: { tenantId?: string | null } = {},
  ): { groupId: string; status: GroupStatus; lag: number; maxTimeLagMs: number | null; partitions: number }[] {
    const out = [];
    for (const e of this.collector.current()) {
      if (!this.visible(e, options.tenantId)) continue;
      const ps = e.partitions.filter((p) => p.topic === topic);
      if (ps.length === 0) continue;
      let lag = 0;
      let maxTimeLagMs: number | null = null;
      for (const p of ps) {
        lag += p.lag;
        if (p.timeLagMs !== null) maxTimeLagMs = Math.max(maxTimeLagMs ?? 0, p.timeLagMs);
      }
      out.push({ groupId: e.groupId, status: e.status, lag, maxTimeLagMs, partitions: ps.length });
    }
    return out;
  }

  previewOffsetReset(request: {
    groupId: string;
    spec: ResetSpec;
    topics?: { topic: string; partitions?: number[] }[];
  }): Promise<ResetPlan> {
    return planOffsetReset(this.admin, request);
  }

  /** Applies a previewed plan (the console records the audit entry around this call). */
  executeOffsetReset(plan: ResetPlan): Promise<void> {
    return executeOffsetReset(this.admin, plan);
  }

  webhookDeliveries(filter: { tenantId?: string | null; groupId?: string } = {}): DeliveryRecord[] {
    return this.notifier?.log.list(filter) ?? [];
  }

  /** One test delivery to the tenant's webhook now; null when it has none (or webhooks are not configured). */
  async testWebhook(tenantId: string, target?: WebhookTarget): Promise<DeliveryRecord | null> {
    return this.notifier ? this.notifier.sendTest(tenantId, target) : null;
  }

  /** The collector's health: last pass, its duration and error, pass counts. */
  collectorHealth(): CollectorHealth {
    return this.collector.health();
  }

  metricsText(options: { tenantId?: string | null } = {}): string {
    const evaluations = this.collector.current().filter((e) => this.visible(e, options.tenantId));
    // Counted over the groups shown, so a tenant's scrape says nothing about other tenants' groups.
    const groupsWithErrors = evaluations.filter((e) => e.error !== null).length;
    return renderPrometheus(evaluations, (id) => this.collector.snapshot(id), {
      ...this.collector.health(),
      groupsWithErrors,
      ...(options.tenantId === undefined && this.notifier
        ? { webhookDestinationsRefused: this.notifier.destinationsRefused }
        : {}),
    });
  }
}
