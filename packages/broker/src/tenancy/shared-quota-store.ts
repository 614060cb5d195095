/**
 * SharedQuotaStore: the Postgres side of SharedQuota — each sync writes the instance's heartbeat
 * (SharedQuotaInstance) and its per-tenant bytes of the last window (SharedQuotaUsage), then reads the other live
 * instances' per-tenant rates. Staleness is judged by the database's clock (`now()`), against each instance's own
 * sync interval, so the instances' clocks need not agree.
 */
import pg from 'pg';
import { z } from 'zod';

export type SharedQuotaKind = 'produce' | 'fetch';

/** One tenant's bytes served by this instance in the window just ended. */
export interface SharedQuotaUsageRow {
  tenantId: string;
  produceBytes: number;
  fetchBytes: number;
}

/** The other live instances' rates for one tenant, and how many of them served any of that kind. */
export interface OthersUsage {
  produceBytesPerSec: number;
  fetchBytesPerSec: number;
  produceInstances: number;
  fetchInstances: number;
}

export interface SharedQuotaExchange {
  instanceId: string;
  syncIntervalMs: number;
  /** Rows older than this many of their instance's sync intervals no longer count. */
  staleAfterIntervals: number;
  /** Length of the window the rows measure, by this instance's clock. */
  windowMs: number;
  rows: SharedQuotaUsageRow[];
  /** Tenants read back at most. */
  maxTenants: number;
}

export interface SharedQuotaExchangeResult {
  /** Live instances other than this one (any tenant or none). */
  liveOthers: number;
  /** Tenants served by at least one other live instance in its last window. */
  others: Map<string, OthersUsage>;
}

export interface SharedQuotaStore {
  exchange(x: SharedQuotaExchange): Promise<SharedQuotaExchangeResult>;
  /** Deletes instances (with their usage) and usage rows not written for `olderThanMs`. */
  prune(olderThanMs: number): Promise<void>;
  /** Removes this instance, so the others get its share back at their next sync. */
  leave(instanceId: string): Promise<void>;
  close(): Promise<void>;
}

const othersRow = z.object({
  tenantId: z.uuid(),
  produceBytesPerSec: z.number().nonnegative(),
  fetchBytesPerSec: z.number().nonnegative(),
  produceInstances: z.number().int().nonnegative(),
  fetchInstances: z.number().int().nonnegative(),
});
const liveRow = z.object({ liveOthers: z.number().int().nonnegative() });

export class PgSharedQuotaStore implements SharedQuotaStore {
  private readonly pool: pg.Pool;

  /** `timeoutMs` bounds connecting and each query, so an unreachable database fails a sync instead of hanging it. */
  constructor(url: string, timeoutMs: number) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: 1,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
    });
    // An idle connection dropped by the server must not become an uncaught exception; the next sync reports it.
    this.pool.on('error', () => {});
  }

  async exchange(x: SharedQuotaExchange): Promise<SharedQuotaExchangeResult> {
    // Data-modifying CTEs run to completion whatever the main query reads; the main query sees the table as it was
    // before them, and it counts only the others anyway.
    const written = await this.pool.query(
      `WITH me AS (
         INSERT INTO "SharedQuotaInstance" ("instanceId", "syncIntervalMs", "seenAt") VALUES ($1, $2, now())
         ON CONFLICT ("instanceId") DO UPDATE SET "syncIntervalMs" = EXCLUDED."syncIntervalMs", "seenAt" = EXCLUDED."seenAt"
         RETURNING "instanceId"
       ), usage AS (
         INSERT INTO "SharedQuotaUsage" ("instanceId", "tenantId", "windowMs", "produceBytes", "fetchBytes", "reportedAt")
         SELECT me."instanceId", t."tenantId", $3, t.p, t.f, now()
           FROM me CROSS JOIN unnest($4::uuid[], $5::bigint[], $6::bigint[]) AS t("tenantId", p, f)
         ON CONFLICT ("instanceId", "tenantId") DO UPDATE SET "windowMs" = EXCLUDED."windowMs",
           "produceBytes" = EXCLUDED."produceBytes", "fetchBytes" = EXCLUDED."fetchBytes", "reportedAt" = EXCLUDED."reportedAt"
       )
       SELECT count(*)::int AS "liveOthers" FROM "SharedQuotaInstance" i
        WHERE i."instanceId" <> $1 AND i."seenAt" > now() - i."syncIntervalMs" * $7::int * interval '1 millisecond'`,
      [
        x.instanceId,
        x.syncIntervalMs,
        Math.max(1, Math.round(x.windowMs)),
        x.rows.map((r) => r.tenantId),
        x.rows.map((r) => Math.round(r.produceBytes)),
        x.rows.map((r) => Math.round(r.fetchBytes)),
        x.staleAfterIntervals,
      ],
    );
    const { liveOthers } = liveRow.parse(written.rows[0]);
    const read = await this.pool.query(
      `SELECT u."tenantId",
              sum(u."produceBytes" * 1000.0 / u."windowMs")::float8 AS "produceBytesPerSec",
              sum(u."fetchBytes" * 1000.0 / u."windowMs")::float8 AS "fetchBytesPerSec",
              (count(*) FILTER (WHERE u."produceBytes" > 0))::int AS "produceInstances",
              (count(*) FILTER (WHERE u."fetchBytes" > 0))::int AS "fetchInstances"
         FROM "SharedQuotaUsage" u JOIN "SharedQuotaInstance" i ON i."instanceId" = u."instanceId"
        WHERE u."instanceId" <> $1 AND u."produceBytes" + u."fetchBytes" > 0
          AND u."reportedAt" > now() - i."syncIntervalMs" * $2::int * interval '1 millisecond'
        GROUP BY u."tenantId"
        LIMIT $3`,
      [x.instanceId, x.staleAfterIntervals, x.maxTenants],
    );
    const others = new Map<string, OthersUsage>();
    for (const raw of read.rows) {
      const { tenantId, ...usage } = othersRow.parse(raw);
      others.set(tenantId, usage);
    }
    return { liveOthers, others };
  }

  async prune(olderThanMs: number): Promise<void> {
    const age = Math.round(olderThanMs);
    await this.pool.query(
      `DELETE FROM "SharedQuotaInstance" WHERE "seenAt" < now() - $1::int * interval '1 millisecond'`,
      [age],
    );
    await this.pool.query(
      `DELETE FROM "SharedQuotaUsage" WHERE "reportedAt" < now() - $1::int * interval '1 millisecond'`,
      [age],
    );
  }

  async leave(instanceId: string): Promise<void> {
    await this.pool.query(`DELETE FROM "SharedQuotaInstance" WHERE "instanceId" = $1`, [instanceId]);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
