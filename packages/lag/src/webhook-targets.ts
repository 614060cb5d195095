/**
 * Webhook targets from the control plane: each tenant's TenantWebhook row, which its admins edit in the console. A
 * row is cached for a few seconds so a burst of alerts does not query Postgres for each one. A tenant without a row
 * (and a group without a tenant) falls back to the static SAMSA_LAG_WEBHOOKS map; a disabled row means no alerts.
 */
import type { Db } from '@samsa/db';
import type { WebhookTarget, WebhookTargets } from './webhook.ts';

const DEFAULT_CACHE_MS = 5_000;
/** Bound on cached tenants; the cache starts over when it is full. */
const MAX_CACHED_TENANTS = 10_000;

export function dbWebhookTargets(
  db: Db,
  fallback: WebhookTargets | null,
  options: { cacheMs?: number; clock?: () => number } = {},
): WebhookTargets {
  const cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
  const clock = options.clock ?? Date.now;
  let cache = new Map<string, { atMs: number; target: WebhookTarget | null | 'none' }>();
  return async (tenantId) => {
    if (tenantId === null) return fallback ? fallback(null) : null;
    const hit = cache.get(tenantId);
    let target: WebhookTarget | null | 'none';
    if (hit && clock() - hit.atMs < cacheMs) {
      target = hit.target;
    } else {
      const row = await db.tenantWebhook.findUnique({ where: { tenantId } });
      target = !row ? 'none' : row.enabled ? { url: row.url, ...(row.secret ? { secret: row.secret } : {}) } : null;
      if (cache.size >= MAX_CACHED_TENANTS) cache = new Map();
      cache.set(tenantId, { atMs: clock(), target });
    }
    if (target !== 'none') return target;
    return fallback ? fallback(tenantId) : null;
  };
}
