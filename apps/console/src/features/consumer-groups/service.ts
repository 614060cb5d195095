/**
 * Consumer groups for the console and /api/v1: a thin layer over the process's LagService that scopes every read
 * to the tenant of the URL, translates between the tenant's names (`billing`, `orders`) and the broker's
 * (`acme.billing`, `acme.orders`), and audits offset resets. Statuses and details come from the collector's last
 * pass (memory); history comes from Postgres.
 */
import { brokerName, localName, tenantNamespace } from '@samsa/cluster/namespace';
import type { Tenant } from '@samsa/db';
import {
  type GroupDetail,
  type GroupListItem,
  type LagService,
  type LagWindow,
  type ResetPlan,
  ResetError,
} from '@samsa/lag';
import { ApiError } from '../../server/errors.ts';
import type { Actor } from '../../server/with-tenant.ts';
import { audit } from '../audit/audit.ts';
import { db } from '../../server/db.ts';
import { clusterAdmin, clusterError } from '../cluster/cluster-admin.ts';
import { lagService } from './lag-host.ts';
import type {
  CollectorView,
  GroupDetailView,
  GroupListItemView,
  GroupListView,
  LagHistoryView,
  LagWindowName,
  ResetOffsetsInput,
  ResetPlanView,
} from './schemas.ts';
import type { z } from 'zod';
import type { groupListQuerySchema, lagHistoryQuerySchema } from './schemas.ts';

// The console's window names must be the engine's.
const _windowsMatch: [LagWindowName, LagWindow] extends [LagWindow, LagWindowName] ? true : never = true;
void _windowsMatch;

type ListQuery = z.output<typeof groupListQuerySchema>;
type HistoryQuery = z.output<typeof lagHistoryQuerySchema>;

/** The collector's health; the count of groups with errors spans every tenant, so only platform admins get it. */
function collectorView(lag: LagService, options: { allTenants?: boolean } = {}): CollectorView {
  const h = lag.collectorHealth();
  const view: CollectorView = {
    intervalMs: h.intervalMs,
    passTimeoutMs: h.passTimeoutMs,
    lastPassAtMs: h.lastPassAtMs,
    lastPassDurationMs: h.lastPassDurationMs,
    lastError: h.lastError,
    lastErrorAtMs: h.lastErrorAtMs,
    passesOk: h.passesOk,
    passesFailed: h.passesFailed,
  };
  return options.allTenants ? { ...view, groupsWithErrors: h.groupsWithErrors } : view;
}

function listItemView(item: GroupListItem, slug: string | null): GroupListItemView {
  return {
    name: localName(slug, item.groupId),
    groupId: item.groupId,
    tenant: slug,
    status: item.status,
    reason: item.reason,
    state: item.state,
    members: item.members,
    topics: item.topics.map((t) => localName(slug, t)),
    totalLag: item.totalLag,
    maxTimeLagMs: item.maxTimeLagMs,
    evaluatedAtMs: item.evaluatedAtMs,
    error: item.error,
    sparkline: item.sparkline ?? [],
  };
}

export async function listTenantGroups(tenant: Tenant, query: ListQuery): Promise<GroupListView> {
  const lag = lagService();
  const items = await lag.listGroupsWithStatus({ ...query, tenantId: tenant.id });
  return { groups: items.map((i) => listItemView(i, tenant.slug)), collector: collectorView(lag) };
}

/** Every group on the cluster (platform admins), with the slug of the tenant that owns it, or null. */
export async function listAllGroups(query: ListQuery): Promise<GroupListView> {
  const lag = lagService();
  const items = await lag.listGroupsWithStatus(query);
  const slugs = new Map((await db().tenant.findMany({ select: { id: true, slug: true } })).map((t) => [t.id, t.slug]));
  return {
    groups: items.map((i) => listItemView(i, i.tenantId === null ? null : (slugs.get(i.tenantId) ?? null))),
    collector: collectorView(lag, { allTenants: true }),
  };
}

/** The tenant's group named `name` (its clients' name; or the broker's name for groups outside the prefix). */
function findGroup(lag: LagService, tenant: Tenant, name: string): { groupId: string; detail: GroupDetail } | null {
  for (const groupId of [brokerName(tenant.slug, name), name]) {
    const detail = lag.getGroup(groupId, { tenantId: tenant.id });
    if (detail) return { groupId, detail };
  }
  return null;
}

export function getTenantGroup(tenant: Tenant, name: string): GroupDetailView {
  const lag = lagService();
  const found = findGroup(lag, tenant, name);
  if (!found) {
    throw new ApiError(
      'not_found',
      `No consumer group '${name}' in tenant '${tenant.slug}' (a new group appears after the collector's next pass)`,
    );
  }
  const { evaluation: e, members, partitions, statusHistory } = found.detail;
  const slug = tenant.slug;
  return {
    name: localName(slug, e.groupId),
    groupId: e.groupId,
    status: e.status,
    reason: e.reason,
    state: e.state,
    totalLag: e.totalLag,
    maxTimeLagMs: e.maxTimeLagMs,
    evaluatedAtMs: e.evaluatedAtMs,
    error: e.error,
    topics: e.topics.map((t) => localName(slug, t)),
    members: members.map((m) => ({
      memberId: m.memberId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      assignments: Object.entries(m.assignments).map(([topic, ps]) => ({
        topic: localName(slug, topic),
        partitions: ps,
      })),
    })),
    partitions: partitions.map((p) => ({ ...p, topic: localName(slug, p.topic) })),
    statusHistory,
    collector: collectorView(lag),
  };
}

export async function getTenantGroupHistory(
  tenant: Tenant,
  name: string,
  query: HistoryQuery,
): Promise<LagHistoryView> {
  const lag = lagService();
  // History outlives the collector's memory (e.g. a group that is gone): fall back to the tenant's namespace.
  const groupId = findGroup(lag, tenant, name)?.groupId ?? brokerName(tenant.slug, name);
  const h = await lag.getGroupLagHistory({
    tenantId: tenant.id,
    groupId,
    window: query.window,
    topic: query.topic === undefined ? undefined : brokerName(tenant.slug, query.topic),
    maxPoints: query.maxPoints,
  });
  const slug = tenant.slug;
  return {
    name: localName(slug, h.groupId),
    window: h.window,
    resolution: h.resolution,
    fromMs: h.fromMs,
    toMs: h.toMs,
    stepMs: h.stepMs,
    partitions: h.partitions.map((p) => ({ ...p, topic: localName(slug, p.topic) })),
    topics: h.topics.map((t) => ({ ...t, topic: localName(slug, t.topic) })),
    total: h.total,
  };
}

function planView(plan: ResetPlan, slug: string, applied: boolean): ResetPlanView {
  return {
    name: localName(slug, plan.groupId),
    state: plan.state,
    members: plan.members,
    executable: plan.executable,
    blockedBecause: plan.blockedBecause?.replaceAll(tenantNamespace(slug), '') ?? null,
    rows: plan.rows.map((r) => ({ ...r, topic: localName(slug, r.topic) })),
    applied,
  };
}

/** A tenant resets only groups in its own namespace, on its own topics: both names get the tenant's prefix. */
async function planReset(lag: LagService, tenant: Tenant, name: string, input: ResetOffsetsInput): Promise<ResetPlan> {
  const spec =
    input.to === 'timestamp'
      ? { to: input.to, timestampMs: input.timestampMs ?? 0 }
      : input.to === 'offset'
        ? { to: input.to, offset: input.offset ?? 0 }
        : { to: input.to };
  const known = input.topics?.length
    ? new Set((await clusterAdmin().topicsWithPrefix(tenantNamespace(tenant.slug))).map((t) => t.brokerName))
    : new Set<string>();
  for (const t of input.topics ?? []) {
    if (!known.has(brokerName(tenant.slug, t.topic))) {
      throw new ApiError('validation_failed', `No topic '${t.topic}' in tenant '${tenant.slug}'`, {
        topics: [`No topic '${t.topic}'`],
      });
    }
  }
  try {
    return await lag.previewOffsetReset({
      groupId: brokerName(tenant.slug, name),
      spec,
      topics: input.topics?.map((t) => ({ topic: brokerName(tenant.slug, t.topic), partitions: t.partitions })),
    });
  } catch (err) {
    if (err instanceof ResetError)
      throw new ApiError('validation_failed', err.message.replaceAll(tenantNamespace(tenant.slug), ''));
    throw clusterError(err);
  }
}

export async function previewGroupReset(
  tenant: Tenant,
  name: string,
  input: ResetOffsetsInput,
): Promise<ResetPlanView> {
  return planView(await planReset(lagService(), tenant, name, input), tenant.slug, false);
}

/** Plans again (offsets move), refuses unless the group is empty, writes the offsets and records the audit entry. */
export async function executeGroupReset(
  actor: Actor,
  tenant: Tenant,
  name: string,
  input: ResetOffsetsInput,
): Promise<ResetPlanView> {
  const lag = lagService();
  const plan = await planReset(lag, tenant, name, input);
  const view = planView(plan, tenant.slug, true);
  if (!plan.executable) throw new ApiError('conflict', view.blockedBecause ?? 'The group is not empty');
  try {
    await lag.executeOffsetReset(plan);
  } catch (err) {
    if (err instanceof ResetError)
      throw new ApiError('conflict', err.message.replaceAll(tenantNamespace(tenant.slug), ''));
    throw clusterError(err);
  }
  await audit(actor, {
    tenantId: tenant.id,
    action: 'consumer_group.reset_offsets',
    targetType: 'consumer_group',
    targetId: view.name,
    before: { offsets: view.rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.currentOffset })) },
    after: {
      spec: plan.spec,
      offsets: view.rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.newOffset })),
    },
  });
  return view;
}

/**
 * Prometheus text: lag, time lag, offsets and statuses per group, topic and partition, and the collector's health.
 * Every group for platform admins; only the tenant's groups with `tenant`.
 */
export function lagMetrics(tenant?: Tenant): Response {
  return new Response(lagService().metricsText(tenant ? { tenantId: tenant.id } : {}), {
    headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
  });
}
