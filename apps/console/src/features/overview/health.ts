/**
 * The hub's health for the platform admin's home: broker (answers metadata over the superuser connection, reports
 * traffic, and its own /healthz, at SAMSA_BROKER_HEALTH_URL, shows its disk writable, online and intact), database, lag collector (recent passes), processors (statuses and host heartbeats). Each
 * check says why it is degraded or down, in words.
 */
import { ALERT_STATUSES } from '@samsa/lag';
import { z } from 'zod';
import { db } from '../../server/db.ts';
import { clusterAdmin } from '../cluster/cluster-admin.ts';
import { lagService } from '../consumer-groups/lag-host.ts';
import type { HealthCheck } from './schemas.ts';

/** A check that takes longer than this counts as down. */
const CHECK_TIMEOUT_MS = 3_000;
/** A processor instance without a heartbeat for this long is counted as gone. */
const HEARTBEAT_STALE_MS = 30_000;

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)),
      CHECK_TIMEOUT_MS,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function databaseCheck(): Promise<HealthCheck> {
  const started = Date.now();
  try {
    await withTimeout(db().$queryRawUnsafe('SELECT 1'), 'the database');
    return { name: 'database', status: 'ok', reason: null, detail: { latencyMs: Date.now() - started } };
  } catch (err) {
    return { name: 'database', status: 'down', reason: (err as Error).message, detail: {} };
  }
}

/** The broker's /healthz answer (packages/broker/src/server/http-server.ts). */
const brokerHealthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  reasons: z.array(z.string()),
  storage: z
    .object({
      freeBytes: z.number().nullable(),
      minFreeBytes: z.number(),
      writable: z.boolean(),
      offlineLogs: z.number(),
      corruptBatches: z.number(),
    })
    .optional(),
});
type BrokerHealth = z.infer<typeof brokerHealthSchema>;

const MIB = 1024 * 1024;

/** One reason code of the broker's /healthz in words, with what to do next. */
function brokerReason(code: string, storage: BrokerHealth['storage']): string {
  switch (code) {
    case 'log_dir_full': {
      const room = storage
        ? ` (${storage.freeBytes === null ? '?' : Math.floor(storage.freeBytes / MIB)} MiB free, floor ${Math.floor(storage.minFreeBytes / MIB)} MiB)`
        : '';
      return `log directory full${room}: produce is refused with KAFKA_STORAGE_ERROR until space is freed; reads go on`;
    }
    case 'storage_offline':
      return `${storage?.offlineLogs ?? 'some'} log(s) offline after a failed write or fsync: check the disk, then restart the broker`;
    case 'log_corrupt':
      return `${storage?.corruptBatches ?? 'some'} corrupt batch(es) found on disk: consumers stop before them; run samsa log verify on the stopped broker`;
    case 'metadata_unreachable':
      return 'the broker cannot reach the database: it serves from its last copy of tenants, keys and ACLs';
    case 'metadata_stale':
      return "the broker's copy of tenants, keys and ACLs is stale";
    case 'stopping':
      return 'the broker is stopping';
    default:
      return code;
  }
}

/** The broker's own health (SAMSA_BROKER_HEALTH_URL, set by `samsa start`); null when not configured. */
async function brokerHealthz(): Promise<BrokerHealth | null> {
  const url = process.env.SAMSA_BROKER_HEALTH_URL;
  if (!url) return null;
  const res = await fetch(url, { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
  return brokerHealthSchema.parse(await res.json());
}

async function brokerCheck(): Promise<HealthCheck> {
  const started = Date.now();
  let topics: number;
  try {
    topics = (await withTimeout(clusterAdmin().topicsWithPrefix(''), 'the broker')).length;
  } catch (err) {
    return { name: 'broker', status: 'down', reason: `broker unreachable: ${(err as Error).message}`, detail: {} };
  }
  const lastReport = await db().tenantTraffic.aggregate({ _max: { reportedAt: true } });
  const reportedAt = lastReport._max.reportedAt?.getTime() ?? null;
  const detail: HealthCheck['detail'] = {
    latencyMs: Date.now() - started,
    topics,
    lastTrafficReportAtMs: reportedAt,
  };
  let own: BrokerHealth | null;
  try {
    own = await brokerHealthz();
  } catch (err) {
    const why = `its health endpoint ${process.env.SAMSA_BROKER_HEALTH_URL} did not answer: ${(err as Error).message}`;
    return { name: 'broker', status: 'degraded', reason: why, detail };
  }
  if (own?.storage) {
    Object.assign(detail, {
      freeBytes: own.storage.freeBytes,
      minFreeBytes: own.storage.minFreeBytes,
      offlineLogs: own.storage.offlineLogs,
      corruptBatches: own.storage.corruptBatches,
    });
  }
  if (!own || own.status === 'ok') return { name: 'broker', status: 'ok', reason: null, detail };
  const reason = own.reasons.map((r) => brokerReason(r, own.storage)).join('; ');
  return { name: 'broker', status: 'degraded', reason, detail };
}

function lagCheck(nowMs: number): HealthCheck {
  if (process.env.SAMSA_LAG_COLLECTOR === 'off') {
    return { name: 'lag_collector', status: 'off', reason: 'SAMSA_LAG_COLLECTOR=off in this console', detail: {} };
  }
  const h = lagService().collectorHealth();
  const detail = {
    intervalMs: h.intervalMs,
    lastPassAtMs: h.lastPassAtMs,
    passesOk: h.passesOk,
    passesFailed: h.passesFailed,
    groupsWithErrors: h.groupsWithErrors,
  };
  if (h.lastPassAtMs === null) {
    return { name: 'lag_collector', status: 'degraded', reason: 'no collection pass has finished yet', detail };
  }
  const ageMs = nowMs - h.lastPassAtMs;
  if (ageMs > 3 * h.intervalMs + h.passTimeoutMs) {
    const why = h.lastError ? `: ${h.lastError}` : '';
    return {
      name: 'lag_collector',
      status: 'degraded',
      reason: `last pass ${Math.round(ageMs / 1000)} s ago (every ${h.intervalMs / 1000} s expected)${why}`,
      detail,
    };
  }
  if (h.groupsWithErrors > 0) {
    return {
      name: 'lag_collector',
      status: 'degraded',
      reason: `${h.groupsWithErrors} group(s) could not be read in the last pass`,
      detail,
    };
  }
  return { name: 'lag_collector', status: 'ok', reason: null, detail };
}

async function processorsCheck(nowMs: number): Promise<HealthCheck> {
  const byStatus = await db().processor.groupBy({ by: ['status'], _count: { _all: true } });
  const count = (s: string) => byStatus.find((b) => b.status === s)?._count._all ?? 0;
  const total = byStatus.reduce((a, b) => a + b._count._all, 0);
  const liveHosts = await db().processorInstance.findMany({
    where: { heartbeatAt: { gte: new Date(nowMs - HEARTBEAT_STALE_MS) } },
    distinct: ['hostId'],
    select: { hostId: true },
  });
  const detail = {
    total,
    running: count('RUNNING'),
    paused: count('PAUSED'),
    pending: count('PENDING'),
    errored: count('ERRORED'),
    throttled: count('THROTTLED'),
    liveHosts: liveHosts.length,
  };
  if (total === 0) return { name: 'processors', status: 'ok', reason: null, detail };
  const problems: string[] = [];
  if (detail.errored > 0) problems.push(`${detail.errored} errored`);
  if (detail.throttled > 0) problems.push(`${detail.throttled} throttled`);
  if (detail.running + detail.pending > 0 && liveHosts.length === 0) {
    problems.push(`no processor host heartbeat in the last ${HEARTBEAT_STALE_MS / 1000} s`);
  }
  return {
    name: 'processors',
    status: problems.length ? 'degraded' : 'ok',
    reason: problems.length ? problems.join('; ') : null,
    detail,
  };
}

export async function hubHealth(nowMs = Date.now()): Promise<HealthCheck[]> {
  const database = await databaseCheck();
  if (database.status === 'down') {
    const unknown = (name: HealthCheck['name']): HealthCheck => ({
      name,
      status: 'degraded',
      reason: 'unknown while the database is down',
      detail: {},
    });
    return [await brokerCheck().catch(() => unknown('broker')), database, lagCheck(nowMs), unknown('processors')];
  }
  return [await brokerCheck(), database, lagCheck(nowMs), await processorsCheck(nowMs)];
}

/** Statuses of groups that need someone to look (the alerting ones and REWIND). */
export function needsAttention(status: string): boolean {
  return ALERT_STATUSES.has(status as never) || status === 'REWIND';
}
