/**
 * LagStore: consumer-lag history in Postgres with bounded growth. Raw samples (one row per group, topic and
 * partition per pass) are kept for `rawRetentionMs`; minute roll-ups are computed from raw samples and hour
 * roll-ups from minute roll-ups, each kept for its own retention; `prune` deletes expired rows in bounded batches.
 * Roll-ups are idempotent upserts, so a maintenance pass may run any number of times. All times are UTC and come
 * from the caller (`nowMs`), so tests drive the clock.
 */
import type { Db } from '@samsa/db';
import { z } from 'zod';
import type { GroupSnapshot } from './types.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const RetentionConfigSchema = z.object({
  rawRetentionMs: z.number().int().positive().default(DAY_MS),
  minuteRetentionMs: z
    .number()
    .int()
    .positive()
    .default(30 * DAY_MS),
  hourRetentionMs: z
    .number()
    .int()
    .positive()
    .default(30 * DAY_MS),
  /** Rows deleted per statement; a prune pass runs at most `pruneMaxBatches` statements per table. */
  pruneBatchRows: z.number().int().positive().default(50_000),
  pruneMaxBatches: z.number().int().positive().default(100),
});
export type RetentionConfig = z.infer<typeof RetentionConfigSchema>;

export type Resolution = 'raw' | 'minute' | 'hour';

/** One point of a partition's history: a raw sample, or a roll-up bucket (`lag` is then the bucket's max). */
export interface LagPoint {
  /** Bucket (or sample) start, ms since the epoch. */
  t: number;
  /** Highest lag in the bucket. */
  lag: number;
  lagMin: number;
  lagAvg: number;
  timeLagMs: number | null;
  /** Offsets at the end of the bucket; `committedOffset` is null when the group had none there. */
  committedOffset: number | null;
  logEndOffset: number;
}

export interface PruneResult {
  samples: number;
  minuteRollups: number;
  hourRollups: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const SAMPLE_INSERT_CHUNK_ROWS = 5_000;

export class LagStore {
  readonly db: Db;
  readonly retention: RetentionConfig;

  constructor(db: Db, retention: Partial<RetentionConfig> = {}) {
    this.db = db;
    this.retention = RetentionConfigSchema.parse(retention);
  }

  /** Writes one pass: every partition of every group, all stamped with the group's `sampledAtMs`. */
  async insertSamples(snapshots: GroupSnapshot[]): Promise<number> {
    const rows = snapshots.flatMap((s) =>
      s.partitions.map((p) => ({
        tenantId: s.tenantId,
        groupId: s.groupId,
        topic: p.topic,
        partition: p.partition,
        committedOffset: p.committedOffset === null ? null : BigInt(p.committedOffset),
        logEndOffset: BigInt(p.logEndOffset),
        lag: BigInt(p.lag),
        timeLagMs: p.timeLagMs === null ? null : BigInt(p.timeLagMs),
        sampledAt: new Date(s.sampledAtMs),
      })),
    );
    for (let i = 0; i < rows.length; i += SAMPLE_INSERT_CHUNK_ROWS) {
      await this.db.consumerLagSample.createMany({ data: rows.slice(i, i + SAMPLE_INSERT_CHUNK_ROWS) });
    }
    return rows.length;
  }

  /**
   * Computes minute roll-ups from raw samples and hour roll-ups from minute roll-ups, from the last bucket already
   * rolled up (recomputed: it may have been partial) up to `nowMs`. Returns the rows upserted per resolution.
   */
  async rollUp(nowMs: number): Promise<{ minute: number; hour: number }> {
    const minuteFrom = await this.rollupStart('MINUTE', 'SELECT min("sampledAt") AS t FROM "ConsumerLagSample"');
    let minute = 0;
    if (minuteFrom !== null) {
      minute = await this.db.$executeRawUnsafe(
        `INSERT INTO "ConsumerLagRollup" ("resolution", "bucketStart", "tenantId", "groupId", "topic", "partition",
           "lagMin", "lagMax", "lagAvg", "timeLagMsMax", "committedOffset", "logEndOffset")
         SELECT 'MINUTE'::"LagRollupResolution", date_trunc('minute', "sampledAt"),
                (array_agg("tenantId" ORDER BY "sampledAt" DESC))[1], "groupId", "topic", "partition",
                min("lag"), max("lag"), avg("lag")::float8, max("timeLagMs"),
                (array_agg("committedOffset" ORDER BY "sampledAt" DESC))[1],
                (array_agg("logEndOffset" ORDER BY "sampledAt" DESC))[1]
           FROM "ConsumerLagSample"
          WHERE "sampledAt" >= date_trunc('minute', $1::timestamp) AND "sampledAt" <= $2::timestamp
          GROUP BY date_trunc('minute', "sampledAt"), "groupId", "topic", "partition"
         ON CONFLICT ("resolution", "groupId", "topic", "partition", "bucketStart") DO UPDATE SET
           "tenantId" = EXCLUDED."tenantId", "lagMin" = EXCLUDED."lagMin", "lagMax" = EXCLUDED."lagMax",
           "lagAvg" = EXCLUDED."lagAvg", "timeLagMsMax" = EXCLUDED."timeLagMsMax",
           "committedOffset" = EXCLUDED."committedOffset", "logEndOffset" = EXCLUDED."logEndOffset"`,
        iso(minuteFrom),
        iso(nowMs),
      );
    }
    const hourFrom = await this.rollupStart(
      'HOUR',
      `SELECT min("bucketStart") AS t FROM "ConsumerLagRollup" WHERE "resolution" = 'MINUTE'`,
    );
    let hour = 0;
    if (hourFrom !== null) {
      // lagAvg of an hour is the mean of its minutes' means: exact when every minute has the same sample count.
      hour = await this.db.$executeRawUnsafe(
        `INSERT INTO "ConsumerLagRollup" ("resolution", "bucketStart", "tenantId", "groupId", "topic", "partition",
           "lagMin", "lagMax", "lagAvg", "timeLagMsMax", "committedOffset", "logEndOffset")
         SELECT 'HOUR'::"LagRollupResolution", date_trunc('hour', "bucketStart"),
                (array_agg("tenantId" ORDER BY "bucketStart" DESC))[1], "groupId", "topic", "partition",
                min("lagMin"), max("lagMax"), avg("lagAvg")::float8, max("timeLagMsMax"),
                (array_agg("committedOffset" ORDER BY "bucketStart" DESC))[1],
                (array_agg("logEndOffset" ORDER BY "bucketStart" DESC))[1]
           FROM "ConsumerLagRollup"
          WHERE "resolution" = 'MINUTE' AND "bucketStart" >= date_trunc('hour', $1::timestamp)
            AND "bucketStart" <= $2::timestamp
          GROUP BY date_trunc('hour', "bucketStart"), "groupId", "topic", "partition"
         ON CONFLICT ("resolution", "groupId", "topic", "partition", "bucketStart") DO UPDATE SET
           "tenantId" = EXCLUDED."tenantId", "lagMin" = EXCLUDED."lagMin", "lagMax" = EXCLUDED."lagMax",
           "lagAvg" = EXCLUDED."lagAvg", "timeLagMsMax" = EXCLUDED."timeLagMsMax",
           "committedOffset" = EXCLUDED."committedOffset", "logEndOffset" = EXCLUDED."logEndOffset"`,
        iso(hourFrom),
        iso(nowMs),
      );
    }
    return { minute, hour };
  }

  /** Where a roll-up resumes: its latest bucket (recomputed), else the oldest row of its source. */
  private async rollupStart(resolution: 'MINUTE' | 'HOUR', sourceMinSql: string): Promise<number | null> {
    const latest = await this.db.$queryRawUnsafe<{ t: number | null }[]>(
      `SELECT (extract(epoch FROM max("bucketStart")) * 1000)::float8 AS t FROM "ConsumerLagRollup" WHERE "resolution" = $1::"LagRollupResolution"`,
      resolution,
    );
    if (latest[0]?.t != null) return latest[0].t;
    const oldest = await this.db.$queryRawUnsafe<{ t: number | null }[]>(
      `SELECT (extract(epoch FROM s.t) * 1000)::float8 AS t FROM (${sourceMinSql}) s`,
    );
    return oldest[0]?.t ?? null;
  }

  /** Deletes rows older than their retention, in bounded batches. Run `rollUp` first. */
  async prune(nowMs: number): Promise<PruneResult> {
    const r = this.retention;
    const samples = await this.deleteBatched(
      `DELETE FROM "ConsumerLagSample" WHERE "id" IN (
         SELECT "id" FROM "ConsumerLagSample" WHERE "sampledAt" < $1::timestamp LIMIT ${r.pruneBatchRows})`,
      iso(nowMs - r.rawRetentionMs),
    );
    const minuteRollups = await this.deleteBatched(
      `DELETE FROM "ConsumerLagRollup" WHERE "id" IN (
         SELECT "id" FROM "ConsumerLagRollup" WHERE "resolution" = 'MINUTE' AND "bucketStart" < $1::timestamp
          LIMIT ${r.pruneBatchRows})`,
      iso(nowMs - r.minuteRetentionMs),
    );
    const hourRollups = await this.deleteBatched(
      `DELETE FROM "ConsumerLagRollup" WHERE "id" IN (
         SELECT "id" FROM "ConsumerLagRollup" WHERE "resolution" = 'HOUR' AND "bucketStart" < $1::timestamp
          LIMIT ${r.pruneBatchRows})`,
      iso(nowMs - r.hourRetentionMs),
    );
    return { samples, minuteRollups, hourRollups };
  }

  private async deleteBatched(sql: string, cutoff: string): Promise<number> {
    let total = 0;
    for (let i = 0; i < this.retention.pruneMaxBatches; i++) {
      const n = await this.db.$executeRawUnsafe(sql, cutoff);
      total += n;
      if (n < this.retention.pruneBatchRows) break;
    }
    return total;
  }

  /**
   * A group's per-partition history between `fromMs` and `toMs` from one resolution, bucketed by `stepMs`
   * (date_bin), at most a few hundred points per partition. Filtered by tenant when `tenantId` is given.
   */
  async partitionHistory(q: {
    tenantId?: string | null;
    groupId: string;
    topic?: string;
    resolution: Resolution;
    fromMs: number;
    toMs: number;
    stepMs: number;
  }): Promise<{ topic: string; partition: number; points: LagPoint[] }[]> {
    const step = `${Math.max(1, Math.round(q.stepMs))} milliseconds`;
    const params: unknown[] = [q.groupId, iso(q.fromMs), iso(q.toMs), step];
    let filter = '';
    if (q.tenantId !== undefined) {
      params.push(q.tenantId);
      filter += ` AND "tenantId" IS NOT DISTINCT FROM $${params.length}::uuid`;
    }
    if (q.topic !== undefined) {
      params.push(q.topic);
      filter += ` AND "topic" = $${params.length}`;
    }
    const source =
      q.resolution === 'raw'
        ? `SELECT "sampledAt" AS ts, "topic", "partition", "lag" AS lmax, "lag" AS lmin, "lag"::float8 AS lavg,
                  "timeLagMs" AS tl, "committedOffset" AS co, "logEndOffset" AS leo
             FROM "ConsumerLagSample"
            WHERE "groupId" = $1 AND "sampledAt" >= $2::timestamp AND "sampledAt" <= $3::timestamp${filter}`
        : `SELECT "bucketStart" AS ts, "topic", "partition", "lagMax" AS lmax, "lagMin" AS lmin, "lagAvg" AS lavg,
                  "timeLagMsMax" AS tl, "committedOffset" AS co, "logEndOffset" AS leo
             FROM "ConsumerLagRollup"
            WHERE "resolution" = '${q.resolution === 'minute' ? 'MINUTE' : 'HOUR'}' AND "groupId" = $1
              AND "bucketStart" >= $2::timestamp AND "bucketStart" <= $3::timestamp${filter}`;
    const rows = await this.db.$queryRawUnsafe<
      {
        topic: string;
        partition: number;
        t: number;
        lag: number;
        lagMin: number;
        lagAvg: number;
        timeLagMs: number | null;
        committedOffset: number | null;
        logEndOffset: number;
      }[]
    >(
      `SELECT "topic", "partition",
              (extract(epoch FROM date_bin($4::interval, ts, TIMESTAMP '2000-01-01')) * 1000)::float8 AS t,
              max(lmax)::float8 AS "lag", min(lmin)::float8 AS "lagMin", avg(lavg)::float8 AS "lagAvg",
              max(tl)::float8 AS "timeLagMs",
              ((array_agg(co ORDER BY ts DESC))[1])::float8 AS "committedOffset",
              ((array_agg(leo ORDER BY ts DESC))[1])::float8 AS "logEndOffset"
         FROM (${source}) s
        GROUP BY "topic", "partition", 3
        ORDER BY "topic", "partition", 3`,
      ...params,
    );
    const out: { topic: string; partition: number; points: LagPoint[] }[] = [];
    for (const r of rows) {
      let series = out[out.length - 1];
      if (!series || series.topic !== r.topic || series.partition !== r.partition) {
        series = { topic: r.topic, partition: r.partition, points: [] };
        out.push(series);
      }
      series.points.push({
        t: r.t,
        lag: r.lag,
        lagMin: r.lagMin,
        lagAvg: r.lagAvg,
        timeLagMs: r.timeLagMs,
        committedOffset: r.committedOffset,
        logEndOffset: r.logEndOffset,
      });
    }
    return out;
  }

  /** Total lag per group per bucket over a window, for list sparklines (raw samples; one query for all groups). */
  async totalLagSeries(q: {
    tenantId?: string | null;
    groupIds: string[];
    fromMs: number;
    toMs: number;
    stepMs: number;
  }): Promise<Map<string, { t: number; lag: number }[]>> {
    const params: unknown[] = [
      q.groupIds,
      iso(q.fromMs),
      iso(q.toMs),
      `${Math.max(1, Math.round(q.stepMs))} milliseconds`,
    ];
    let filter = '';
    if (q.tenantId !== undefined) {
      params.push(q.tenantId);
      filter = ` AND "tenantId" IS NOT DISTINCT FROM $5::uuid`;
    }
    const rows = await this.db.$queryRawUnsafe<{ groupId: string; t: number; lag: number }[]>(
      `SELECT "groupId", t, sum(lag)::float8 AS lag FROM (
         SELECT "groupId", "topic", "partition",
                (extract(epoch FROM date_bin($4::interval, "sampledAt", TIMESTAMP '2000-01-01')) * 1000)::float8 AS t,
                max("lag") AS lag
           FROM "ConsumerLagSample"
          WHERE "groupId" = ANY($1::text[]) AND "sampledAt" >= $2::timestamp AND "sampledAt" <= $3::timestamp${filter}
          GROUP BY 1, 2, 3, 4) s
        GROUP BY "groupId", t ORDER BY "groupId", t`,
      ...params,
    );
    const out = new Map<string, { t: number; lag: number }[]>();
    for (const r of rows) {
      let s = out.get(r.groupId);
      if (!s) out.set(r.groupId, (s = []));
      s.push({ t: r.t, lag: r.lag });
    }
    return out;
  }

  /**
   * Raw samples since `sinceMs`, oldest first, at most `maxRows` (the newest are kept): what a restarted collector
   * needs to rebuild its time-lag tables and status windows.
   */
  async recentSamples(
    sinceMs: number,
    maxRows = 500_000,
  ): Promise<
    {
      groupId: string;
      topic: string;
      partition: number;
      /** Null when the group had no committed offset (lag was counted from its reset position). */
      committedOffset: number | null;
      logEndOffset: number;
      lag: number;
      timeLagMs: number | null;
      t: number;
    }[]
  > {
    return this.db.$queryRawUnsafe(
      `SELECT * FROM (
         SELECT "groupId", "topic", "partition", "committedOffset"::float8 AS "committedOffset",
                "logEndOffset"::float8 AS "logEndOffset", "lag"::float8 AS "lag", "timeLagMs"::float8 AS "timeLagMs",
                (extract(epoch FROM "sampledAt") * 1000)::float8 AS t
           FROM "ConsumerLagSample" WHERE "sampledAt" >= $1::timestamp
          ORDER BY "sampledAt" DESC LIMIT ${Math.max(1, Math.floor(maxRows))}) s
        ORDER BY t, "groupId", "topic", "partition"`,
      iso(sinceMs),
    );
  }

  /** Row counts per table (for tests and the storage-cost note). */
  async counts(): Promise<{ samples: number; minute: number; hour: number }> {
    const rows = await this.db.$queryRawUnsafe<{ samples: number; minute: number; hour: number }[]>(
      `SELECT (SELECT count(*) FROM "ConsumerLagSample")::int AS samples,
              (SELECT count(*) FROM "ConsumerLagRollup" WHERE "resolution" = 'MINUTE')::int AS minute,
              (SELECT count(*) FROM "ConsumerLagRollup" WHERE "resolution" = 'HOUR')::int AS hour`,
    );
    return rows[0];
  }
}
