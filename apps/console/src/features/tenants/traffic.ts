/**
 * A tenant's current traffic as the broker last reported it (TenantTraffic rows, written every few seconds by the
 * broker): produce and fetch rates, how much of the time its clients were throttled, and open connections.
 */
import type { Tenant } from '@samsa/db';
import type { z } from 'zod';
import { db } from '../../server/db.ts';
import type { trafficSchema } from './schemas.ts';

/** A report older than this is shown as stale (the broker reports every 5 s by default). */
const STALE_AFTER_MS = 30_000;

export async function tenantTraffic(tenant: Tenant, nowMs = Date.now()): Promise<z.infer<typeof trafficSchema>> {
  const row = await db().tenantTraffic.findUnique({ where: { tenantId: tenant.id } });
  if (!row) {
    return {
      reportedAt: null,
      stale: true,
      produceBytesPerSec: 0,
      fetchBytesPerSec: 0,
      produceThrottledShare: 0,
      fetchThrottledShare: 0,
      throttled: false,
      connections: 0,
    };
  }
  const seconds = row.windowMs / 1000;
  const stale = nowMs - row.reportedAt.getTime() > STALE_AFTER_MS;
  const share = (ms: bigint) => Math.min(1, Number(ms) / row.windowMs);
  return {
    reportedAt: row.reportedAt.toISOString(),
    stale,
    produceBytesPerSec: Number(row.produceBytes) / seconds,
    fetchBytesPerSec: Number(row.fetchBytes) / seconds,
    produceThrottledShare: share(row.produceThrottleMs),
    fetchThrottledShare: share(row.fetchThrottleMs),
    throttled: !stale && row.produceThrottleMs + row.fetchThrottleMs > 0n,
    connections: row.connections,
  };
}
