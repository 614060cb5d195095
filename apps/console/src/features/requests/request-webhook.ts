/**
 * Sends request events (created, approved, rejected, cancelled, completed) to the tenant's webhook when it has an
 * enabled one, signed like the lag alerts (`x-samsa-signature: sha256=HMAC(secret, "<timestamp>.<body>")`) and to
 * destinations the operator's policy allows. One attempt, bounded in time, in the background: a slow or failing
 * receiver never delays or fails the request itself; failures are logged.
 */
import { randomUUID } from 'node:crypto';
import type { Tenant } from '@samsa/db';
import { postWebhook, signWebhook, type WebhookDestinationPolicy, webhookDestinationPolicyFromEnv } from '@samsa/lag';
import { db } from '../../server/db.ts';
import { log } from '../../server/log.ts';

const DELIVERY_TIMEOUT_MS = 5_000;

const holder = globalThis as unknown as { __samsaRequestWebhookPolicy?: WebhookDestinationPolicy };

function policy(): WebhookDestinationPolicy {
  holder.__samsaRequestWebhookPolicy ??= webhookDestinationPolicyFromEnv(process.env);
  return holder.__samsaRequestWebhookPolicy;
}

export interface RequestEventView {
  id: string;
  kind: string;
  state: string;
  title: string;
  reason: string;
  requesterEmail: string;
  deciderEmail: string | null;
  decisionComment: string | null;
}

async function deliver(tenant: Tenant, action: string, request: RequestEventView): Promise<void> {
  const hook = await db().tenantWebhook.findUnique({ where: { tenantId: tenant.id } });
  if (!hook?.enabled) return;
  const event = {
    type: `access_request.${action}`,
    id: randomUUID(),
    tenantId: tenant.id,
    tenant: tenant.slug,
    at: new Date().toISOString(),
    request: {
      id: request.id,
      kind: request.kind,
      state: request.state,
      title: request.title,
      reason: request.reason,
      requesterEmail: request.requesterEmail,
      deciderEmail: request.deciderEmail,
      comment: request.decisionComment,
    },
  };
  const body = JSON.stringify(event);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'samsa-console-webhook/1',
    'x-samsa-event-id': event.id,
    'x-samsa-timestamp': timestamp,
  };
  if (hook.secret) headers['x-samsa-signature'] = signWebhook(hook.secret, timestamp, body);
  const { status } = await postWebhook(hook.url, { headers, body, timeoutMs: DELIVERY_TIMEOUT_MS }, policy());
  if (status < 200 || status >= 300) throw new Error(`HTTP ${status}`);
}

export function notifyRequestWebhook(tenant: Tenant, action: string, request: RequestEventView): void {
  deliver(tenant, action, request).catch((err: Error) =>
    log.warn({ tenant: tenant.slug, request: request.id, action, err: err.message }, 'request webhook not delivered'),
  );
}
