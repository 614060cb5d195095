/**
 * A tenant's consumer-lag alert webhook (TenantWebhook, read by the lag collector hosted in this process) and the
 * deliveries it made. Changes are audited without the secret. A URL is checked against the operator's destination
 * policy when it is saved (and again by the sender at every delivery), and test sends are rate-limited per tenant.
 */
import {
  checkWebhookDestination,
  type DeliveryRecord,
  WebhookDestinationError,
  type WebhookDestinationPolicy,
  webhookDestinationPolicyFromEnv,
} from '@samsa/lag';
import type { Tenant } from '@samsa/db';
import { db } from '../../server/db.ts';
import { ApiError } from '../../server/errors.ts';
import { log } from '../../server/log.ts';
import type { Actor } from '../../server/with-tenant.ts';
import { audit } from '../audit/audit.ts';
import { lagService } from '../consumer-groups/lag-host.ts';
import type { PutWebhookInput } from './schemas.ts';
import { TestSendLimitEnvSchema, TestSendLimiter } from './test-send-limit.ts';

const holder = globalThis as unknown as {
  __samsaWebhookPolicy?: WebhookDestinationPolicy;
  __samsaWebhookTestLimiter?: TestSendLimiter;
};

/** The operator's destination policy (SAMSA_WEBHOOK_ALLOW_PRIVATE, SAMSA_WEBHOOK_ALLOWED_CIDRS), read once. */
function destinationPolicy(): WebhookDestinationPolicy {
  holder.__samsaWebhookPolicy ??= webhookDestinationPolicyFromEnv(process.env);
  return holder.__samsaWebhookPolicy;
}

function testSendLimiter(): TestSendLimiter {
  holder.__samsaWebhookTestLimiter ??= new TestSendLimiter({
    maxPerWindow: TestSendLimitEnvSchema.parse(process.env).SAMSA_WEBHOOK_TEST_SENDS_PER_MINUTE,
    windowMs: 60_000,
  });
  return holder.__samsaWebhookTestLimiter;
}

/** Refuses a URL whose host is not an allowed destination, as a field error naming the reason. */
async function assertAllowedDestination(url: string): Promise<void> {
  try {
    await checkWebhookDestination(url, destinationPolicy());
  } catch (err) {
    if (!(err instanceof WebhookDestinationError)) throw err;
    throw new ApiError('validation_failed', err.message, { url: [err.message] });
  }
}

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
  await assertAllowedDestination(input.url);
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

/**
 * Sends one test event to the saved webhook now and returns how it went. At most
 * SAMSA_WEBHOOK_TEST_SENDS_PER_MINUTE (5) per tenant per minute; the sender refuses destinations the policy does
 * not allow (a webhook saved before the policy, or a host whose DNS changed since) without connecting.
 */
export async function testWebhook(tenant: Tenant) {
  const row = await db().tenantWebhook.findUnique({ where: { tenantId: tenant.id } });
  if (!row) throw new ApiError('validation_failed', 'Save a webhook URL first, then send a test.');
  const limiter = testSendLimiter();
  const decision = limiter.take(tenant.id, Date.now());
  if (!decision.ok) {
    const seconds = Math.ceil(decision.retryAfterMs / 1000);
    log.warn({ tenant: tenant.slug, maxPerMinute: limiter.maxPerWindow }, 'webhook test send rate-limited');
    throw new ApiError(
      'rate_limited',
      `At most ${limiter.maxPerWindow} test sends per minute per tenant; try again in ${seconds} s.`,
    );
  }
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
