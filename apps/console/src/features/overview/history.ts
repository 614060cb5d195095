/**
 * Reads the traffic history the broker writes (TrafficHistory): picks the resolution that fits a window (raw rows
 * for 15 m and 1 h, minute roll-ups for 6 h and 24 h, hour roll-ups for 7 d and 30 d, as the lag history does),
 * buckets it to at most MAX_POINTS points, and turns byte and record sums into rates. Storage is the last size seen,
 * carried forward over buckets without a report. Marks: quota changes (audit) and throttled periods.
 */
import { db } from '../../server/db.ts';
import type { TrafficHistoryView, TrafficPoint, TrafficWindow } from './schemas.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
export const WINDOW_MS: Record<TrafficWindow, number> = {
  '15m': 15 * MINUTE_MS,
  '1h': HOUR_MS,
  '6h': 6 * HOUR_MS,
  '24h': 24 * HOUR_MS,
  '7d': 7 * 24 * HOUR_MS,
  '30d': 30 * 24 * HOUR_MS,
};
type Resolution = 'RAW' | 'MINUTE' | 'HOUR';
const WINDOW_RESOLUTION: Record<TrafficWindow, Resolution> = {
  '15m': 'RAW',
  '1h': 'RAW',
  '6h': 'MINUTE',
  '24h': 'MINUTE',
  '7d': 'HOUR',
  '30d': 'HOUR',
};
/** The broker reports every 5 s by default: the finest raw bucket. */
const RAW_STEP_MS = 5_000;
/** Points per series at most; the bucket width grows to fit. */
const MAX_POINTS = 180;
/** Quota changes marked on one chart at most. */
const MAX_MARKS = 50;

export interface HistoryScope {
  /** Tenants whose rows are summed (one tenant, or all for the hub). */
  tenantIds: string[] | 'all';
  /** A topic's rows, or the tenants' totals ('' rows). */
  topic?: string;
}

interface BucketRow {
  tenantId: string;
  t: number;
  produceBytes: number;
  fetchBytes: number;
  produceRecords: number;
  fetchRecords: number;
  throttleMs: number;
  storageBytes: number | null;
}

export function stepFor(window: TrafficWindow): { resolution: Resolution; stepMs: number } {
  const resolution = WINDOW_RESOLUTION[window];
  const minStep = resolution === 'RAW' ? RAW_STEP_MS : resolution === 'MINUTE' ? MINUTE_MS : HOUR_MS;
  const stepMs = Math.max(minStep, Math.ceil(WINDOW_MS[window] / MAX_POINTS / minStep) * minStep);
  return { resolution, stepMs };
}

/** Per tenant and bucket: sums, and the last size seen in the bucket. */
function bucketRows(
  scope: HistoryScope,
  resolution: Resolution,
  fromMs: number,
  toMs: number,
  stepMs: number,
): Promise<BucketRow[]> {
  return db().$queryRawUnsafe<BucketRow[]>(
    `SELECT "tenantId"::text AS "tenantId",
            (floor(extract(epoch FROM "bucketStart") * 1000 / $4) * $4)::float8 AS t,
            sum("produceBytes")::float8 AS "produceBytes",
            sum("fetchBytes")::float8 AS "fetchBytes",
sum("produceRecords")::float8 AS "produceRecords",
            sum("fetchRecords")::float8 AS "fetchRecords",
            sum("produceThrottleMs" + "fetchThrottleMs")::float8 AS "throttleMs",
            ((array_agg("storageBytes" ORDER BY "bucketStart" DESC) FILTER (WHERE "storageBytes" IS NOT NULL))[1])::float8
              AS "storageBytes"
       FROM "TrafficHistory"
      WHERE "resolution" = $1::"TrafficResolution" AND "topic" = $6
        AND "bucketStart" >= to_timestamp($2::float8 / 1000) AT TIME ZONE 'UTC'
        AND "bucketStart" < to_timestamp($3::float8 / 1000) AT TIME ZONE 'UTC'
        AND ($5::uuid[] IS NULL OR "tenantId" = ANY($5::uuid[]))
      GROUP BY 1, 2 ORDER BY 2`,
    resolution,
    fromMs,
    toMs,
    stepMs,
    // null: every tenant (the hub); a list, even empty, restricts to it.
    scope.tenantIds === 'all' ? null : scope.tenantIds,
    scope.topic ?? '',
  );
}

/** The series of a scope over a window, one point per bucket (zero rates where nothing was reported). */
export async function trafficSeries(
  scope: HistoryScope,
  window: TrafficWindow,
  nowMs = Date.now(),
): Promise<Omit<TrafficHistoryView, 'marks'>> {
  const { resolution, stepMs } = stepFor(window);
  const toMs = nowMs;
  const fromMs = Math.floor((toMs - WINDOW_MS[window]) / stepMs) * stepMs;
  const rows = await bucketRows(scope, resolution, fromMs, toMs, stepMs);
  const byT = new Map<number, BucketRow[]>();
  for (const r of rows) {
    const t = Number(r.t);
    byT.set(t, [...(byT.get(t) ?? []), r]);
  }
  // Each tenant's last known size is carried forward over buckets it did not report in.
  const sizeOf = new Map<string, number>();
  const points: TrafficPoint[] = [];
  for (let t = fromMs; t < toMs; t += stepMs) {
    const bucket = byT.get(t) ?? [];
    // The current bucket is partly over: rates over the time it has covered so far.
    const seconds = Math.max(1, Math.min(stepMs, toMs - t)) / 1000;
    const sum = (k: 'produceBytes' | 'fetchBytes' | 'produceRecords' | 'fetchRecords' | 'throttleMs') =>
      bucket.reduce((acc, r) => acc + Number(r[k]), 0);
    for (const r of bucket) if (r.storageBytes !== null) sizeOf.set(r.tenantId, Number(r.storageBytes));
    points.push({
      t,
      produceBytesPerSec: sum('produceBytes') / seconds,
      fetchBytesPerSec: sum('fetchBytes') / seconds,
      produceRecordsPerSec: sum('produceRecords') / seconds,
      fetchRecordsPerSec: sum('fetchRecords') / seconds,
      throttledShare: Math.min(1, sum('throttleMs') / 1000 / seconds),
      storageBytes: sizeOf.size === 0 ? null : [...sizeOf.values()].reduce((a, b) => a + b, 0),
    });
  }
  return { window, resolution, fromMs, toMs, stepMs, points };
}

/** Throttled periods (consecutive buckets with throttling) and quota changes inside the window. */
export async function chartMarks(
  tenantIds: string[] | 'all',
  series: Omit<TrafficHistoryView, 'marks'>,
): Promise<TrafficHistoryView['marks']> {
  const marks: TrafficHistoryView['marks'] = [];
  let start: number | null = null;
  for (const p of series.points) {
    if (p.throttledShare > 0 && start === null) start = p.t;
    if (p.throttledShare === 0 && start !== null) {
      marks.push({ atMs: start, untilMs: p.t, kind: 'throttle', label: 'throttled' });
      start = null;
    }
  }
  if (start !== null) marks.push({ atMs: start, untilMs: series.toMs, kind: 'throttle', label: 'throttled' });
  const changes = await db().auditLog.findMany({
    where: {
      action: 'quota.update',
      at: { gte: new Date(series.fromMs), lte: new Date(series.toMs) },
      ...(tenantIds === 'all' ? {} : { tenantId: { in: tenantIds } }),
    },
    orderBy: { at: 'asc' },
    take: MAX_MARKS,
  });
  for (const c of changes) {
    marks.push({ atMs: c.at.getTime(), kind: 'quota', label: `quota changed by ${c.actorEmail}` });
  }
  return marks;
}

export async function trafficHistory(
  scope: HistoryScope,
  window: TrafficWindow,
  nowMs = Date.now(),
): Promise<TrafficHistoryView> {
  const series = await trafficSeries(scope, window, nowMs);
  return { ...series, marks: await chartMarks(scope.tenantIds, series) };
}

export interface RecentTraffic {
  tenantId: string;
  topic: string;
  produceBytesPerSec: number;
  fetchBytesPerSec: number;
  produceRecordsPerSec: number;
  fetchRecordsPerSec: number;
  storageBytes: number | null;
}

/** Rates over the last `windowMs` and the latest size, per tenant (topic '') or per topic, from raw rows. */
export async function recentTraffic(
  options: { tenantId?: string; topics: boolean; windowMs?: number },
  nowMs = Date.now(),
): Promise<RecentTraffic[]> {
  const windowMs = options.windowMs ?? 5 * MINUTE_MS;
  const rows = await db().$queryRawUnsafe<
    {
      tenantId: string;
      topic: string;
      produceBytes: number;
      fetchBytes: number;
      produceRecords: number;
      fetchRecords: number;
      storageBytes: number | null;
    }[]
  >(
    `WITH recent AS (
       SELECT * FROM "TrafficHistory"
        WHERE "resolution" = 'RAW' AND "bucketStart" >= to_timestamp($1::float8 / 1000) AT TIME ZONE 'UTC'
          AND (CASE WHEN $2 THEN "topic" <> '' ELSE "topic" = '' END)
          AND ($3::uuid IS NULL OR "tenantId" = $3::uuid)
     ), sizes AS (
       SELECT DISTINCT ON ("tenantId", "topic") "tenantId", "topic", "storageBytes"
         FROM "TrafficHistory"
        WHERE "resolution" = 'MINUTE' AND "storageBytes" IS NOT NULL
          AND "bucketStart" >= to_timestamp($4::float8 / 1000) AT TIME ZONE 'UTC'
          AND (CASE WHEN $2 THEN "topic" <> '' ELSE "topic" = '' END)
          AND ($3::uuid IS NULL OR "tenantId" = $3::uuid)
        ORDER BY "tenantId", "topic", "bucketStart" DESC
     ), keys AS (SELECT "tenantId", "topic" FROM recent UNION SELECT "tenantId", "topic" FROM sizes)
     SELECT k."tenantId"::text AS "tenantId", k."topic",
            coalesce((SELECT sum("produceBytes") FROM recent r WHERE r."tenantId" = k."tenantId" AND r."topic" = k."topic"), 0)::float8 AS "produceBytes",
            coalesce((SELECT sum("fetchBytes") FROM recent r WHERE r."tenantId" = k."tenantId" AND r."topic" = k."topic"), 0)::float8 AS "fetchBytes",
            coalesce((SELECT sum("produceRecords") FROM recent r WHERE r."tenantId" = k."tenantId" AND r."topic" = k."topic"), 0)::float8 AS "produceRecords",
            coalesce((SELECT sum("fetchRecords") FROM recent r WHERE r."tenantId" = k."tenantId" AND r."topic" = k."topic"), 0)::float8 AS "fetchRecords",
            (SELECT s."storageBytes" FROM sizes s WHERE s."tenantId" = k."tenantId" AND s."topic" = k."topic")::float8 AS "storageBytes"
       FROM keys k`,
    nowMs - windowMs,
    options.topics,
    options.tenantId ?? null,
    nowMs - 2 * HOUR_MS,
  );
  const seconds = windowMs / 1000;
  return rows.map((r) => ({
    tenantId: r.tenantId,
    topic: r.topic,
    produceBytesPerSec: Number(r.produceBytes) / seconds,
    fetchBytesPerSec: Number(r.fetchBytes) / seconds,
    produceRecordsPerSec: Number(r.produceRecords) / seconds,
    fetchRecordsPerSec: Number(r.fetchRecords) / seconds,
    storageBytes: r.storageBytes === null ? null : Number(r.storageBytes),
  }));
}
