/**
 * The traffic history's writes: each report adds a RAW row per tenant (topic '') and per topic, and sums the same
 * figures into that minute's and that hour's roll-up in the same statement (ON CONFLICT adds), so roll-ups need no
 * separate job. Retention deletes old rows in bounded batches. Rows of deleted tenants go with them (foreign key).
 */
import type pg from 'pg';

export interface TrafficHistoryRow {
  tenantId: string;
  /** The tenant's own name for the topic; '' for the tenant's totals. */
  topic: string;
  windowMs: number;
  produceBytes: number;
  fetchBytes: number;
  produceRecords: number;
  fetchRecords: number;
  produceThrottleMs: number;
  fetchThrottleMs: number;
  /** Bytes on disk now; null when not measured in this report. */
  storageBytes: number | null;
  connections: number;
}

export interface TrafficHistoryRetention {
  rawMs: number;
  minuteMs: number;
  hourMs: number;
}

/** How long each resolution is kept by default (README, "History of traffic and storage"). */
export const DEFAULT_TRAFFIC_HISTORY_RETENTION: TrafficHistoryRetention = {
  rawMs: 2 * 3_600_000,
  minuteMs: 48 * 3_600_000,
  hourMs: 35 * 24 * 3_600_000,
};

/** Rows deleted per statement, so retention never holds long locks. */
const PRUNE_BATCH_ROWS = 10_000;
/** Statements per resolution per prune; what is left waits for the next prune. */
const PRUNE_MAX_BATCHES = 100;

export async function writeTrafficHistory(pool: pg.Pool, rows: TrafficHistoryRow[], nowMs: number): Promise<void> {
  if (rows.length === 0) return;
  const col = <K extends keyof TrafficHistoryRow>(k: K) => rows.map((r) => r[k]);
  await pool.query(
    `WITH r AS (
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[],
         $7::bigint[], $8::bigint[], $9::bigint[], $10::int[], $11::bigint[])
         AS r("tenantId", topic, "windowMs", "produceBytes", "fetchBytes", "produceRecords", "produceThrottleMs",
           "fetchThrottleMs", "storageBytes", connections, "fetchRecords")
     ), now AS (SELECT to_timestamp($12::float8 / 1000) AT TIME ZONE 'UTC' AS t)
     INSERT INTO "TrafficHistory" AS h ("resolution", "tenantId", "topic", "bucketStart", "windowMs", "produceBytes",
       "fetchBytes", "produceRecords", "fetchRecords", "produceThrottleMs", "fetchThrottleMs", "storageBytes",
       "connections")
     SELECT res.v::"TrafficResolution",
            r."tenantId", r.topic,
            CASE res.v WHEN 'RAW' THEN now.t WHEN 'MINUTE' THEN date_trunc('minute', now.t)
              ELSE date_trunc('hour', now.t) END,
            r."windowMs", r."produceBytes", r."fetchBytes", r."produceRecords", r."fetchRecords", r."produceThrottleMs",
            r."fetchThrottleMs", r."storageBytes", r.connections
       FROM r CROSS JOIN now CROSS JOIN unnest(ARRAY['RAW', 'MINUTE', 'HOUR']) AS res(v)
     ON CONFLICT ("resolution", "tenantId", "topic", "bucketStart") DO UPDATE SET
       "windowMs" = h."windowMs" + EXCLUDED."windowMs",
       "produceBytes" = h."produceBytes" + EXCLUDED."produceBytes",
       "fetchBytes" = h."fetchBytes" + EXCLUDED."fetchBytes",
       "produceRecords" = h."produceRecords" + EXCLUDED."produceRecords",
       "fetchRecords" = h."fetchRecords" + EXCLUDED."fetchRecords",
       "produceThrottleMs" = h."produceThrottleMs" + EXCLUDED."produceThrottleMs",
       "fetchThrottleMs" = h."fetchThrottleMs" + EXCLUDED."fetchThrottleMs",
       "storageBytes" = COALESCE(EXCLUDED."storageBytes", h."storageBytes"),
       "connections" = GREATEST(h.connections, EXCLUDED.connections)`,
    [
      col('tenantId'),
      col('topic'),
      col('windowMs'),
      col('produceBytes'),
      col('fetchBytes'),
      col('produceRecords'),
      col('produceThrottleMs'),
      col('fetchThrottleMs'),
      col('storageBytes'),
      col('connections'),
      col('fetchRecords'),
      nowMs,
    ],
  );
}

/** Deletes rows older than each resolution's retention; returns how many went, per resolution. */
export async function pruneTrafficHistory(
  pool: pg.Pool,
  retention: TrafficHistoryRetention,
  nowMs: number,
): Promise<{ raw: number; minute: number; hour: number }> {
  const prune = async (resolution: 'RAW' | 'MINUTE' | 'HOUR', keepMs: number): Promise<number> => {
    let deleted = 0;
    for (let i = 0; i < PRUNE_MAX_BATCHES; i++) {
      const res = await pool.query(
        `DELETE FROM "TrafficHistory" WHERE ctid IN (
           SELECT ctid FROM "TrafficHistory"
            WHERE "resolution" = $1::"TrafficResolution"
              AND "bucketStart" < to_timestamp($2::float8 / 1000) AT TIME ZONE 'UTC'
            LIMIT ${PRUNE_BATCH_ROWS})`,
        [resolution, nowMs - keepMs],
      );
      deleted += res.rowCount ?? 0;
      if ((res.rowCount ?? 0) < PRUNE_BATCH_ROWS) break;
    }
    return deleted;
  };
  return {
    raw: await prune('RAW', retention.rawMs),
    minute: await prune('MINUTE', retention.minuteMs),
    hour: await prune('HOUR', retention.hourMs),
  };
}
