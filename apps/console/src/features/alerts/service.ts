/**
 * A tenant's consumer-lag alert webhook (TenantWebhook, read by the lag collector hosted in this process) and the
 * deliveries it made. Changes are audited without the secret.
 */
import type { DeliveryRecord } from '@samsa/lag';
import type { Tenant } from '@samsa/db';
import { db } from '../../server/db.ts';
import { ApiError } from '../../server/errors.ts';
import type { Actor } from '../../server/with-tenant.ts';
import { audit } from '../audit/audit.ts';
import { lagService } from '../consumer-groups/lag-host.ts';
import type { PutWebhookInput } from './schemas.ts';

/** The newest deliveries shown. */
const MAX_DELIVERIES_SHOWN = 100;

type Row = { url: string; secret: string | null; enabled: boolean; updatedAt: Date };

function view(row: Row | null) {
  return row
    ? { url: row.url, hasSecret: row.secret !== null, enabled: row.enabled, updatedAt: row.updatedAt.toISOString() }
    : null;
}

export async function getWebhook(tenant: Tenant) {
  return view(await db().tenantWebhook.findUnique({ where: { tenantId: tenant.id } }));
}

export async function putWebhook(actor: Actor, tenant: Tenant, input: PutWebhookInput) {
  const before = await db().tenantWebhook.findUnique({ where: { tenantId: tenant.id } });
  const secret = input.secret === undefined ? (before?.secret ?? null) : input.secret;
  const row = await db().tenantWebhook.upsert({
    where: { tenantId: tenant.id },
    create: { tenantId: tenant.id, url: input.url, secret, enabled: input.enabled },
    update: { url: input.url, secret, enabled: input.enabled },
  });
  await audit(actor, {
    tenantId: tenant.id,
    action: 'webhook.update',
    targetType: 'webhook',
    targetId: tenant.slug,
    before: before ? { url: before.url, enabled: before.enabled, hasSecret: before.secret !== null } : undefined,
    after: { url: row.url, enabled: row.enabled, hasSecret: row.secret !== null },
  });
  return view(row);
}

export async function deleteWebhook(actor: Actor, tenant: Tenant) {
  const before = await db().tenantWebhook.findUnique({ where: { tenantId: tenant.id } });
  if (!before) throw new ApiError('not_found', `Tenant '${tenant.slug}' has no webhook`);
  await db().tenantWebhook.delete({ where: { tenantId: tenant.id } });
  await audit(actor, {
    tenantId: tenant.id,
    action: 'webhook.delete',
    targetType: 'webhook',
    targetId: tenant.slug,
    before: { url: before.url, enabled: before.enabled, hasSecret: before.secret !== null },
  });
  return { ok: true as const };
}

function deliveryView(r: DeliveryRecord) {
  return {
    eventId: r.eventId,
    groupId: r.groupId,
    from: r.from,
    to: r.to,
    url: r.url,
    attempt: r.attempt,
    at: new Date(r.atMs).toISOString(),
    outcome: r.outcome,
    httpStatus: r.httpStatus,
    error: r.error,
    durationMs: Math.round(r.durationMs),
  };
}

/** Sends one test event to the saved webhook now and returns how it went. */
export async function testWebhook(tenant: Tenant) {
  const row = await db().tenantWebhook.findUnique({ where: { tenantId: tenant.id } });
  if (!row) throw new ApiError('validation_failed', 'Save a webhook URL first, then send a test.');
  const record = await lagService().testWebhook(tenant.id, {
    url: row.url,
    ...(row.secret ? { secret: row.secret } : {}),
  });
  if (!record) throw new ApiError('cluster_unavailable', 'The alert sender is not running in this console process.');
  return deliveryView(record);
}

/** The tenant's newest deliveries first (kept in this console process's memory, the last 1,000 overall). */
export function listDeliveries(tenant: Tenant) {
  const records = lagService().webhookDeliveries({ tenantId: tenant.id });
  return { deliveries: records.slice(-MAX_DELIVERIES_SHOWN).reverse().map(deliveryView) };
}
