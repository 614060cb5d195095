/**
 * The log cleaner's state per partition of a tenant's compacted topic, in the control plane (TopicCleanerState) for
 * the console's topic page: upserted by the traffic reporter, rows not reported for a day deleted.
 */
import type pg from 'pg';

export interface CleanerStateRow {
  tenantId: string;
  /** The tenant's own name for the topic. */
  topic: string;
  partition: number;
  dirtyRatio: number;
  lastCleanAtMs: number | null;
  lastCleanDurationMs: number | null;
  lastCleanBytesBefore: number | null;
  lastCleanBytesAfter: number | null;
}

/** Rows of partitions no longer reported (topic deleted, no longer compacted) are deleted after this. */
export const CLEANER_STATE_RETENTION_MS = 86_400_000;

export async function writeCleanerStates(pool: pg.Pool, rows: CleanerStateRow[], nowMs: number): Promise<void> {
  if (rows.length === 0) return;
  const col = <K extends keyof CleanerStateRow>(k: K) => rows.map((r) => r[k]);
  await pool.query(
    `INSERT INTO "TopicCleanerState" AS s ("tenantId", topic, partition, "dirtyRatio", "lastCleanAt",
       "lastCleanDurationMs", "lastCleanBytesBefore", "lastCleanBytesAfter", "reportedAt")
     SELECT r."tenantId", r.topic, r.partition, r."dirtyRatio",
            CASE WHEN r."lastCleanAtMs" IS NULL THEN NULL
              ELSE to_timestamp(r."lastCleanAtMs"::float8 / 1000) AT TIME ZONE 'UTC' END,
            r."lastCleanDurationMs", r."lastCleanBytesBefore", r."lastCleanBytesAfter",
            to_timestamp($9::float8 / 1000) AT TIME ZONE 'UTC'
       FROM unnest($1::uuid[], $2::text[], $3::int[], $4::float8[], $5::bigint[], $6::bigint[], $7::bigint[],
         $8::bigint[]) AS r("tenantId", topic, partition, "dirtyRatio", "lastCleanAtMs", "lastCleanDurationMs",
           "lastCleanBytesBefore", "lastCleanBytesAfter")
     ON CONFLICT ("tenantId", topic, partition) DO UPDATE SET
       "dirtyRatio" = EXCLUDED."dirtyRatio",
       -- A restarted broker knows no clean yet: keep the last one it reported.
       "lastCleanAt" = COALESCE(EXCLUDED."lastCleanAt", s."lastCleanAt"),
       "lastCleanDurationMs" = COALESCE(EXCLUDED."lastCleanDurationMs", s."lastCleanDurationMs"),
       "lastCleanBytesBefore" = COALESCE(EXCLUDED."lastCleanBytesBefore", s."lastCleanBytesBefore"),
       "lastCleanBytesAfter" = COALESCE(EXCLUDED."lastCleanBytesAfter", s."lastCleanBytesAfter"),
       "reportedAt" = EXCLUDED."reportedAt"`,
    [
      col('tenantId'),
      col('topic'),
      col('partition'),
      col('dirtyRatio'),
      col('lastCleanAtMs'),
      col('lastCleanDurationMs'),
      col('lastCleanBytesBefore'),
      col('lastCleanBytesAfter'),
      nowMs,
    ],
  );
}

export async function pruneCleanerStates(pool: pg.Pool, nowMs: number): Promise<number> {
  const res = await pool.query(
    `DELETE FROM "TopicCleanerState" WHERE "reportedAt" < to_timestamp($1::float8 / 1000) AT TIME ZONE 'UTC'`,
    [nowMs - CLEANER_STATE_RETENTION_MS],
  );
  return res.rowCount ?? 0;
}
