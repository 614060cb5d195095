/**
 * Self-service with approval. Per tenant, an admin chooses whether members create topics and API keys directly
 * (DIRECT) or request them (REQUEST, the default); tenant admins always create directly. A request (a topic with its
 * settings, ACL bindings, an API key, or a quota raise for the platform admins) records who asked and why; the
 * approver sees its quota impact and approves or rejects with a comment. Approval makes the change through the same
 * service functions the direct routes use (a topic is created on the broker, as the tenant, so the broker stays the
 * record of it). An API key's secret is never stored: approval only allows it, and the requester creates the key
 * afterwards and sees the secret once. Open requests are bounded per tenant and per user; every step is audited and
 * sent to the tenant's webhook when it has one.
 */
import type { AccessRequest, Prisma, Tenant } from '@samsa/db';
import { z } from 'zod';
import { db } from '../../server/db.ts';
import { ApiError } from '../../server/errors.ts';
import type { Actor, Role } from '../../server/with-tenant.ts';
import { addAcls } from '../acls/service.ts';
import { audit } from '../audit/audit.ts';
import { createApiKey } from '../service-accounts/service.ts';
import { getQuota, quotaView, setQuota, tenantUsage } from '../tenants/service.ts';
import { QUOTA_LABELS } from '../tenants/schemas.ts';
import { createTopic } from '../topics/service.ts';
import { notifyRequestWebhook } from './request-webhook.ts';
import {
  type CreateRequestInput,
  createRequestSchema,
  type DecisionInput,
  type listRequestsQuerySchema,
  type pendingRequestsQuerySchema,
  type QuotaField,
  type requestSchema,
} from './schemas.ts';

export const RequestLimitsEnvSchema = z.object({
  SAMSA_MAX_OPEN_REQUESTS_PER_TENANT: z.coerce.number().int().min(1).max(10_000).default(100),
  SAMSA_MAX_OPEN_REQUESTS_PER_USER: z.coerce.number().int().min(1).max(1_000).default(10),
});

/** How long an approval may wait for the request's lock, and take in all (the broker call included). */
const APPROVAL_LOCK_WAIT_MS = 10_000;
const APPROVAL_TIMEOUT_MS = 60_000;

/** Requests still waiting for someone: a decision, or the requester collecting an approved key. */
const OPEN_STATES = ['PENDING', 'APPROVED'] as const;

type RequestView = z.infer<typeof requestSchema>;
type ImpactLine = NonNullable<RequestView['impact']>[number];

export function getSelfService(tenant: Tenant) {
  return { mode: tenant.selfServiceMode };
}

export async function setSelfService(actor: Actor, tenant: Tenant, input: { mode: 'REQUEST' | 'DIRECT' }) {
  const updated = await db().tenant.update({ where: { id: tenant.id }, data: { selfServiceMode: input.mode } });
  await audit(actor, {
    tenantId: tenant.id,
    action: 'selfService.update',
    targetType: 'tenant',
    targetId: tenant.slug,
    before: { mode: tenant.selfServiceMode },
    after: { mode: updated.selfServiceMode },
  });
  return { mode: updated.selfServiceMode };
}

/** A member creates topics and API keys directly only when the tenant's mode is DIRECT; admins always may. */
export function assertMayCreateDirectly(tenant: Tenant, role: Role, what: 'topics' | 'API keys'): void {
  if (role !== 'member' || tenant.selfServiceMode === 'DIRECT') return;
  throw new ApiError(
    'forbidden',
    `Members of tenant '${tenant.slug}' request ${what} (POST /api/v1/tenants/${tenant.slug}/requests); a tenant admin approves them`,
  );
}

/** One line naming what is asked for; a stored payload this version cannot read still lists, by its kind. */
function titleOf(row: AccessRequest): string {
  const parsed = readPayload(row);
  if (!parsed.success) return `${row.kind} (unreadable request: ${parsed.error.issues[0]?.message ?? 'invalid'})`;
  const payload = parsed.data;
  switch (payload.kind) {
    case 'TOPIC':
      return `Topic ${payload.topic.name} (${payload.topic.partitions} partition${payload.topic.partitions === 1 ? '' : 's'})`;
    case 'ACL':
      return `ACL: ${payload.bindings.map((b) => `${b.permission} ${b.operation} on ${b.resourceType} ${b.resourceName} for ${b.principal}`).join('; ')}`;
    case 'API_KEY':
      return `API key for service account ${payload.apiKey.serviceAccount}`;
    case 'QUOTA':
      return `Quota raise: ${Object.entries(payload.quota)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${QUOTA_LABELS[k as QuotaField]} → ${v}`)
        .join(', ')}`;
  }
}

function readPayload(row: AccessRequest) {
  return createRequestSchema.safeParse({ ...(row.payload as object), kind: row.kind, reason: row.reason });
}

function payloadOf(row: AccessRequest): CreateRequestInput {
  const parsed = readPayload(row);
  if (!parsed.success) throw new ApiError('conflict', `Request ${row.id} cannot be read by this version; reject it`);
  return parsed.data;
}

/** What approving each pending request would do to the tenant's quotas (one broker read for all of them). */
async function impactsOf(tenant: Tenant, rows: AccessRequest[]): Promise<Map<string, ImpactLine[]>> {
  const out = new Map<string, ImpactLine[]>();
  const pending = rows.filter((r) => r.state === 'PENDING');
  if (pending.length === 0) return out;
  const [usage, quota] = await Promise.all([tenantUsage(tenant), getQuota(tenant.id).then(quotaView)]);
  const line = (what: string, used: number | null, add: number, limit: number | null): ImpactLine => {
    const after = used === null ? null : used + add;
    return { what, used, after, limit, exceeds: after !== null && limit !== null && after > limit };
  };
  // Counted once, and only when a pending request of that kind needs it.
  let acls: Promise<number> | undefined;
  let keys: Promise<number> | undefined;
  for (const row of pending) {
    const parsed = readPayload(row);
    if (!parsed.success) continue;
    const p = parsed.data;
    if (p.kind === 'TOPIC') {
      out.set(row.id, [
        line('topics', usage.topics, 1, quota.maxTopics),
        line('partitions', usage.partitions, p.topic.partitions, quota.maxPartitions),
      ]);
    } else if (p.kind === 'ACL') {
      acls ??= db().aclBinding.count({ where: { tenantId: tenant.id } });
      out.set(row.id, [line('ACL bindings', await acls, p.bindings.length, null)]);
    } else if (p.kind === 'API_KEY') {
      keys ??= db().apiKey.count({ where: { tenantId: tenant.id, revokedAt: null } });
      out.set(row.id, [line('active API keys', await keys, 1, null)]);
    } else {
      const used: Partial<Record<QuotaField, number | null>> = {
        maxTopics: usage.topics,
        maxPartitions: usage.partitions,
        storageBytes: usage.storageBytes,
      };
      // For a raise: `used` is what the tenant uses now (when known), `limit` today's limit, `after` the new limit.
      out.set(
        row.id,
        Object.entries(p.quota)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => ({
            what: QUOTA_LABELS[k as QuotaField],
            used: used[k as QuotaField] ?? null,
            after: v as number,
            limit: quota[k as QuotaField],
            exceeds: false,
          })),
      );
    }
  }
  return out;
}

function view(row: AccessRequest, impact: ImpactLine[] | undefined): RequestView {
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    title: titleOf(row),
    payload: row.payload,
    reason: row.reason,
    requesterEmail: row.requesterEmail,
    deciderEmail: row.deciderEmail,
    decisionComment: row.decisionComment,
    decidedAt: row.decidedAt?.toISOString() ?? null,
    result: row.result ?? null,
    createdAt: row.createdAt.toISOString(),
    approver: row.kind === 'QUOTA' ? 'platform_admin' : 'tenant_admin',
    impact: impact ?? null,
  };
}

export async function listRequests(actor: Actor, tenant: Tenant, q: z.infer<typeof listRequestsQuerySchema>) {
  const rows = await db().accessRequest.findMany({
    where: {
      tenantId: tenant.id,
      ...(q.state ? { state: q.state } : {}),
      ...(q.mine === 'true' ? { requesterId: actor.user.id } : {}),
    },
    orderBy: { createdAt: 'desc' },
    take: q.limit,
  });
  const impacts = await impactsOf(tenant, rows);
  return { requests: rows.map((r) => view(r, impacts.get(r.id))), mode: tenant.selfServiceMode };
}

/** For platform admins: the requests of every tenant waiting for a decision (quota raises are theirs to decide). */
export async function listPendingRequests(q: z.infer<typeof pendingRequestsQuerySchema>) {
  const rows = await db().accessRequest.findMany({
    where: { state: 'PENDING', ...(q.kind ? { kind: q.kind } : {}) },
    include: { tenant: true },
    orderBy: { createdAt: 'asc' },
    take: q.limit,
  });
  return {
    requests: rows.map(({ tenant, ...r }) => ({ ...view(r, undefined), tenant: tenant.slug })),
  };
}

async function findRequest(tenant: Tenant, id: string): Promise<AccessRequest> {
  const row = z.uuid().safeParse(id).success
    ? await db().accessRequest.findFirst({ where: { id, tenantId: tenant.id } })
    : null;
  if (!row) throw new ApiError('not_found', `No request '${id}' in tenant '${tenant.slug}'`);
  return row;
}

export async function getRequest(tenant: Tenant, id: string) {
  const row = await findRequest(tenant, id);
  return view(row, (await impactsOf(tenant, [row])).get(row.id));
}

async function auditAndNotify(actor: Actor, tenant: Tenant, row: AccessRequest, action: string, before?: unknown) {
  const v = view(row, undefined);
  await audit(actor, {
    tenantId: tenant.id,
    action: `request.${action}`,
    targetType: 'request',
    targetId: row.id,
    before,
    after: { kind: v.kind, state: v.state, title: v.title, reason: v.reason, comment: v.decisionComment },
  });
  notifyRequestWebhook(tenant, action, v);
  return v;
}

export async function createRequest(actor: Actor, tenant: Tenant, input: CreateRequestInput) {
  const limits = RequestLimitsEnvSchema.parse(process.env);
  const { kind, reason, ...rest } = input;
  // Counting and inserting under one per-tenant lock, so concurrent requests cannot pass the bounds together.
  const row = await db().$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`samsa-requests:${tenant.id}`}))`;
    const [openInTenant, openByUser] = await Promise.all([
      tx.accessRequest.count({ where: { tenantId: tenant.id, state: { in: [...OPEN_STATES] } } }),
      tx.accessRequest.count({
        where: { tenantId: tenant.id, requesterId: actor.user.id, state: { in: [...OPEN_STATES] } },
      }),
    ]);
    if (openInTenant >= limits.SAMSA_MAX_OPEN_REQUESTS_PER_TENANT) {
      throw new ApiError(
        'quota_exceeded',
        `Tenant '${tenant.slug}' has ${openInTenant} open requests, the most allowed (SAMSA_MAX_OPEN_REQUESTS_PER_TENANT); wait for decisions`,
      );
    }
    if (openByUser >= limits.SAMSA_MAX_OPEN_REQUESTS_PER_USER) {
      throw new ApiError(
        'quota_exceeded',
        `You have ${openByUser} open requests in tenant '${tenant.slug}', the most allowed (SAMSA_MAX_OPEN_REQUESTS_PER_USER); cancel one or wait for decisions`,
      );
    }
    return tx.accessRequest.create({
      data: {
        tenantId: tenant.id,
        kind,
        reason,
        payload: rest as Prisma.InputJsonValue,
        requesterId: actor.user.id,
        requesterEmail: actor.user.email,
      },
    });
  });
  const v = await auditAndNotify(actor, tenant, row, 'create');
  return { ...v, impact: (await impactsOf(tenant, [row])).get(row.id) ?? null };
}

function assertMayDecide(row: AccessRequest, role: Role) {
  if (row.kind === 'QUOTA' && role !== 'platform_admin') {
    throw new ApiError('forbidden', 'Quota raises are decided by platform admins');
  }
  if (row.state !== 'PENDING') {
    throw new ApiError('conflict', `This request is ${row.state.toLowerCase()}; only pending requests can be decided`);
  }
}

/** Moves a request from one state to another only if it is still in the first (two deciders cannot both win). */
async function transition(
  row: AccessRequest,
  from: AccessRequest['state'],
  data: Prisma.AccessRequestUpdateManyMutationInput,
): Promise<AccessRequest> {
  const moved = await db().accessRequest.updateMany({ where: { id: row.id, state: from }, data });
  if (moved.count !== 1) throw new ApiError('conflict', 'The request changed meanwhile; reload it');
  return db().accessRequest.findUniqueOrThrow({ where: { id: row.id } });
}

/** Performs the change a pending request asks for, as the approver; returns what it produced (never a secret). */
async function perform(actor: Actor, tenant: Tenant, p: CreateRequestInput): Promise<Prisma.InputJsonValue | null> {
  switch (p.kind) {
    case 'TOPIC':
      return (await createTopic(actor, tenant, p.topic)) as Prisma.InputJsonValue;
    case 'ACL':
      return { acls: (await addAcls(actor, tenant, p.bindings)) as Prisma.InputJsonValue };
    case 'QUOTA':
      return { quota: await setQuota(actor, tenant, p.quota) };
    case 'API_KEY':
      return null;
  }
}

export async function approveRequest(actor: Actor, tenant: Tenant, role: Role, id: string, d: DecisionInput) {
  const row = await findRequest(tenant, id);
  assertMayDecide(row, role);
  // The request's row stays locked while the change is made, so a concurrent reject, cancel or second approval
  // waits and then finds it decided: the request's state and the broker always agree. When the broker refuses (a
  // quota, a name taken) nothing changes: the request stays pending and the approver sees why.
  const decided = await db().$transaction(
    async (tx) => {
      const [locked] = await tx.$queryRaw<{ state: string }[]>`
        SELECT "state" FROM "AccessRequest" WHERE "id" = ${row.id}::uuid FOR UPDATE`;
      if (locked?.state !== 'PENDING') throw new ApiError('conflict', 'The request was decided meanwhile; reload it');
      const result = await perform(actor, tenant, payloadOf(row));
      return tx.accessRequest.update({
        where: { id: row.id },
        data: {
          state: row.kind === 'API_KEY' ? 'APPROVED' : 'COMPLETED',
          deciderId: actor.user.id,
          deciderEmail: actor.user.email,
          decisionComment: d.comment || null,
          decidedAt: new Date(),
          ...(result === null ? {} : { result }),
        },
      });
    },
    { maxWait: APPROVAL_LOCK_WAIT_MS, timeout: APPROVAL_TIMEOUT_MS },
  );
  return auditAndNotify(actor, tenant, decided, 'approve');
}

export async function rejectRequest(actor: Actor, tenant: Tenant, role: Role, id: string, d: DecisionInput) {
  const row = await findRequest(tenant, id);
  assertMayDecide(row, role);
  if (!d.comment) throw new ApiError('validation_failed', 'Say why it is rejected', { comment: ['Required'] });
  const decided = await transition(row, 'PENDING', {
    state: 'REJECTED',
    deciderId: actor.user.id,
    deciderEmail: actor.user.email,
    decisionComment: d.comment,
    decidedAt: new Date(),
  });
  return auditAndNotify(actor, tenant, decided, 'reject');
}

export async function cancelRequest(actor: Actor, tenant: Tenant, id: string) {
  const row = await findRequest(tenant, id);
  if (row.requesterId !== actor.user.id) throw new ApiError('forbidden', 'Only the requester can cancel a request');
  if (row.state !== 'PENDING' && row.state !== 'APPROVED') {
    throw new ApiError('conflict', `This request is ${row.state.toLowerCase()}; it can no longer be cancelled`);
  }
  const cancelled = await transition(row, row.state, { state: 'CANCELLED' });
  return auditAndNotify(actor, tenant, cancelled, 'cancel');
}

/**
 * The requester creates the API key an admin approved; the secret is in this response only. The request is marked
 * completed before the key is made, so a second call cannot make a second key.
 */
export async function collectApprovedKey(actor: Actor, tenant: Tenant, id: string) {
  const row = await findRequest(tenant, id);
  if (row.requesterId !== actor.user.id) {
    throw new ApiError('forbidden', 'Only the requester can create the approved API key');
  }
  const p = payloadOf(row);
  if (p.kind !== 'API_KEY' || row.state !== 'APPROVED') {
    throw new ApiError('conflict', 'Only an approved API key request that was not collected yet makes a key');
  }
  await transition(row, 'APPROVED', { state: 'COMPLETED' });
  let created: Awaited<ReturnType<typeof createApiKey>>;
  try {
    created = await createApiKey(actor, tenant, p.apiKey);
  } catch (err) {
    await db().accessRequest.update({ where: { id: row.id }, data: { state: 'APPROVED' } });
    throw err;
  }
  const done = await db().accessRequest.update({
    where: { id: row.id },
    data: { result: { keyId: created.keyId, serviceAccount: created.serviceAccount } },
  });
  await auditAndNotify(actor, tenant, done, 'complete');
  return created;
}
