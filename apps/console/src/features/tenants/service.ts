/** Tenant lifecycle: create with quotas, edit, suspend; deletion is a job (tenant-deletion.ts). */
import { tenantNamespace } from '@samsa/cluster/namespace';
import type { Tenant } from '@samsa/db';
import { db } from '../../server/db.ts';
import { ApiError } from '../../server/errors.ts';
import type { Actor, Role } from '../../server/with-tenant.ts';
import { audit } from '../audit/audit.ts';
import { type BrokerTopic, clusterAdmin } from '../cluster/cluster-admin.ts';
import { deletionView } from './tenant-deletion.ts';
import type { CreateTenantInput, QuotaInput, UpdateTenantInput } from './schemas.ts';

function quotaData(q: QuotaInput) {
  const big = (v: number | null | undefined) => (v === undefined ? undefined : v === null ? null : BigInt(v));
  return {
    produceBytesPerSec: big(q.produceBytesPerSec),
    fetchBytesPerSec: big(q.fetchBytesPerSec),
    storageBytes: big(q.storageBytes),
    maxTopics: q.maxTopics,
    maxPartitions: q.maxPartitions,
    maxConnections: q.maxConnections,
    requestPercentage: q.requestPercentage,
    maxGroups: q.maxGroups,
    maxCommittedOffsets: q.maxCommittedOffsets,
    maxTransactionalIds: q.maxTransactionalIds,
    maxProcessors: q.maxProcessors,
    processorMemoryMb: q.processorMemoryMb,
    processorCpuMsPerSec: q.processorCpuMsPerSec,
    maxSchemaSubjects: q.maxSchemaSubjects,
    maxSchemaVersions: q.maxSchemaVersions,
  };
}

export function quotaView(q: Awaited<ReturnType<typeof getQuota>>) {
  const n = (v: bigint | null | undefined) => (v === null || v === undefined ? null : Number(v));
  return {
    produceBytesPerSec: n(q?.produceBytesPerSec),
    fetchBytesPerSec: n(q?.fetchBytesPerSec),
    storageBytes: n(q?.storageBytes),
    maxTopics: q?.maxTopics ?? null,
    maxPartitions: q?.maxPartitions ?? null,
    maxConnections: q?.maxConnections ?? null,
    requestPercentage: q?.requestPercentage ?? null,
    maxGroups: q?.maxGroups ?? null,
    maxCommittedOffsets: q?.maxCommittedOffsets ?? null,
    maxTransactionalIds: q?.maxTransactionalIds ?? null,
    maxProcessors: q?.maxProcessors ?? null,
    processorMemoryMb: q?.processorMemoryMb ?? null,
    processorCpuMsPerSec: q?.processorCpuMsPerSec ?? null,
    maxSchemaSubjects: q?.maxSchemaSubjects ?? null,
    maxSchemaVersions: q?.maxSchemaVersions ?? null,
  };
}

export function tenantView(t: Tenant, extra: { role?: Role } = {}) {
  return {
    id: t.id,
    slug: t.slug,
    displayName: t.displayName,
    status: t.status,
    plan: t.plan,
    createdAt: t.createdAt.toISOString(),
    ...extra,
  };
}

export async function getQuota(tenantId: string) {
  return db().tenantQuota.findUnique({ where: { tenantId } });
}

/** Counts are null while the broker cannot be asked: it is the one record of topics. */
type Usage = {
  topics: number | null;
  partitions: number | null;
  storageBytes: number | null;
  messages: number | null;
};

const NO_USAGE: Usage = { topics: 0, partitions: 0, storageBytes: 0, messages: 0 };
const UNKNOWN_USAGE: Usage = { topics: null, partitions: null, storageBytes: null, messages: null };

/**
 * Each tenant's topics, partitions, bytes on disk and retained messages, all from the broker: every topic in the
 * tenant's namespace counts, also those created over Kafka (the same count the broker's quota checks use).
 */
async function usageOf(tenants: Tenant[]): Promise<Map<string, Usage>> {
  const out = new Map<string, Usage>();
  if (tenants.length === 0) return out;
  let topics: BrokerTopic[];
  try {
    topics = await clusterAdmin().topicsWithPrefix('');
  } catch {
    for (const t of tenants) out.set(t.id, UNKNOWN_USAGE);
    return out;
  }
  const tenantOf = new Map(tenants.map((t) => [tenantNamespace(t.slug), t.id]));
  const owned = topics.flatMap((t) => {
    const dot = t.brokerName.indexOf('.');
    const tenantId = dot > 0 ? tenantOf.get(t.brokerName.slice(0, dot + 1)) : undefined;
    return tenantId ? [{ ...t, tenantId }] : [];
  });
  let stats: Awaited<ReturnType<ReturnType<typeof clusterAdmin>['topicStats']>> | null = null;
  try {
    stats = await clusterAdmin().topicStats(owned.map((t) => t.brokerName));
  } catch {
    // Counts are known; sizes and messages show as unknown.
  }
  for (const t of tenants) out.set(t.id, { ...NO_USAGE });
  for (const t of owned) {
    const u = out.get(t.tenantId)!;
    u.topics = (u.topics ?? 0) + 1;
    u.partitions = (u.partitions ?? 0) + t.partitions;
    const s = stats?.get(t.brokerName);
    u.storageBytes = u.storageBytes === null || s?.sizeBytes == null ? null : u.storageBytes + s.sizeBytes;
    u.messages = u.messages === null || !s ? null : u.messages + s.messages;
  }
  return out;
}

/** One tenant's usage, from the broker (the tenant detail and quota page). */
export async function tenantUsage(tenant: Tenant): Promise<Usage> {
  return (await usageOf([tenant])).get(tenant.id) ?? UNKNOWN_USAGE;
}

/** Platform admins see every tenant; other users the tenants they belong to. */
export async function listTenants(actor: Actor) {
  if (actor.user.isPlatformAdmin) {
    const tenants = await db().tenant.findMany({ orderBy: { slug: 'asc' }, include: { quota: true } });
    const usage = await usageOf(tenants);
    return tenants.map((t) => ({
      ...tenantView(t, { role: 'platform_admin' }),
      usage: usage.get(t.id) ?? NO_USAGE,
      quota: quotaView(t.quota),
    }));
  }
  const memberships = await db().membership.findMany({
    where: { userId: actor.user.id },
    include: { tenant: { include: { quota: true } } },
    orderBy: { tenant: { slug: 'asc' } },
  });
  const usage = await usageOf(memberships.map((m) => m.tenant));
  return memberships.map((m) => ({
    ...tenantView(m.tenant, { role: m.role === 'TENANT_ADMIN' ? 'admin' : 'member' }),
    usage: usage.get(m.tenantId) ?? NO_USAGE,
    quota: quotaView(m.tenant.quota),
  }));
}

export async function createTenant(actor: Actor, input: CreateTenantInput) {
  const tenant = await db().$transaction(async (tx) => {
    const existing = await tx.tenant.findUnique({ where: { slug: input.slug } });
    if (existing?.status === 'DELETING')
      throw new ApiError(
        'conflict',
        `Tenant '${input.slug}' is being deleted; its slug is free once the deletion has finished (GET /api/v1/tenant-deletions)`,
        { slug: ['Being deleted: try again when its deletion has finished'] },
      );
    if (existing)
      throw new ApiError('conflict', `A tenant '${input.slug}' already exists`, { slug: ['Already taken'] });
    return tx.tenant.create({
      data: {
        slug: input.slug,
        displayName: input.displayName,
        plan: input.plan,
        quota: { create: quotaData(input.quota ?? {}) },
      },
    });
  });
  await audit(actor, {
    tenantId: tenant.id,
    action: 'tenant.create',
    targetType: 'tenant',
    targetId: tenant.slug,
    after: { ...tenantView(tenant), quota: input.quota ?? {} },
  });
  return { ...tenantView(tenant), quota: quotaView(await getQuota(tenant.id)) };
}

export async function updateTenant(actor: Actor, tenant: Tenant, input: UpdateTenantInput) {
  const updated = await db().tenant.update({ where: { id: tenant.id }, data: input });
  const action =
    input.status && input.status !== tenant.status
      ? input.status === 'SUSPENDED'
        ? 'tenant.suspend'
        : 'tenant.resume'
      : 'tenant.update';
  await audit(actor, {
    tenantId: tenant.id,
    action,
    targetType: 'tenant',
    targetId: tenant.slug,
    before: tenantView(tenant),
    after: tenantView(updated),
  });
  return tenantView(updated);
}

export async function setQuota(actor: Actor, tenant: Tenant, input: QuotaInput) {
  const before = quotaView(await getQuota(tenant.id));
  const data = quotaData(input);
  await db().tenantQuota.upsert({
    where: { tenantId: tenant.id },
    create: { tenantId: tenant.id, ...data },
    update: data,
  });
  const after = quotaView(await getQuota(tenant.id));
  await audit(actor, {
    tenantId: tenant.id,
    action: 'quota.update',
    targetType: 'tenant',
    targetId: tenant.slug,
    before,
    after,
  });
  return after;
}

/** Deletions, newest first: running ones and finished ones (what they removed), for platform admins. */
export async function listTenantDeletions(limit: number) {
  const rows = await db().tenantDeletion.findMany({ orderBy: { startedAt: 'desc' }, take: limit });
  return rows.map(deletionView);
}
