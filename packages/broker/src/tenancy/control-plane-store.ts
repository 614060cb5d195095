/**
 * ControlPlaneStore: the few writes the broker makes to the control plane's database, for Kafka's admin APIs —
 * CreateAcls/DeleteAcls write the same AclBinding rows the console edits, AlterClientQuotas the same TenantQuota
 * rows — so Kafka tooling and the console always agree. The broker's own view follows through the usual NOTIFY
 * reload. Each change is written to the audit log with the acting principal, in the same transaction.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { type CleanerStateRow, pruneCleanerStates, writeCleanerStates } from './cleaner-states.ts';
import type { AclRule } from './metadata-view.ts';
import {
  pruneTrafficHistory,
  type TrafficHistoryRetention,
  type TrafficHistoryRow,
  writeTrafficHistory,
} from './traffic-history.ts';

export interface TrafficRow {
  tenantId: string;
  windowMs: number;
  produceBytes: number;
  fetchBytes: number;
  produceThrottleMs: number;
  fetchThrottleMs: number;
  connections: number;
}

interface AuditEntry {
  actor: string;
  tenantId: string;
  action: string;
  targetType: string;
  targetId: string;
  before?: unknown;
  after?: unknown;
}

export class ControlPlaneStore {
  private readonly pool: pg.Pool;

  constructor(url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5_000, query_timeout: 10_000 });
    this.pool.on('error', () => {});
  }

  private async transaction(fn: (c: pg.PoolClient) => Promise<void>): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await fn(c);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }

  private audit(c: pg.PoolClient, e: AuditEntry): Promise<unknown> {
    const json = (v: unknown) => (v === undefined ? null : JSON.stringify({ ...(v as object), via: 'kafka-protocol' }));
    return c.query(
      `INSERT INTO "AuditLog" ("actorEmail", "tenantId", action, "targetType", "targetId", before, after)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [e.actor, e.tenantId, e.action, e.targetType, e.targetId, json(e.before), json(e.after)],
    );
  }

  create(rule: Omit<AclRule, 'id'>, actor: string): Promise<void> {
    return this.transaction(async (c) => {
      const id = randomUUID();
      await c.query(
        `INSERT INTO "AclBinding" (id, "tenantId", principal, "resourceType", "patternType", "resourceName", operation, permission, host)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT ("tenantId", principal, "resourceType", "patternType", "resourceName", operation, permission, host) DO NOTHING`,
        [
          id,
          rule.tenantId,
          rule.principal,
          rule.resourceType,
          rule.patternType,
          rule.resourceName,
          rule.operation,
          rule.permission,
          rule.host,
        ],
      );
      await this.audit(c, {
        actor,
        tenantId: rule.tenantId,
        action: 'acl.create',
        targetType: 'acl',
        targetId: id,
        after: rule,
      });
    });
  }

  delete(rules: AclRule[], actor: string): Promise<void> {
    if (rules.length === 0) return Promise.resolve();
    return this.transaction(async (c) => {
      await c.query(`DELETE FROM "AclBinding" WHERE id = ANY($1::uuid[])`, [rules.map((r) => r.id)]);
      for (const r of rules) {
        await this.audit(c, {
          actor,
          tenantId: r.tenantId,
          action: 'acl.delete',
          targetType: 'acl',
          targetId: r.id,
          before: r,
        });
      }
    });
  }

  /** Sets (number) or clears (null) tenant quota columns. */
  setTenantQuota(tenantId: string, changes: Record<string, number | null>, actor: string): Promise<void> {
    const cols = Object.keys(changes);
    if (cols.length === 0) return Promise.resolve();
    return this.transaction(async (c) => {
      const before = await c.query(`SELECT * FROM "TenantQuota" WHERE "tenantId" = $1`, [tenantId]);
      await c.query(
        `INSERT INTO "TenantQuota" ("tenantId", "updatedAt", ${cols.map((k) => `"${k}"`).join(', ')})
         VALUES ($1, now(), ${cols.map((_, i) => `$${i + 2}`).join(', ')})
         ON CONFLICT ("tenantId") DO UPDATE SET "updatedAt" = now(), ${cols.map((k) => `"${k}" = EXCLUDED."${k}"`).join(', ')}`,
        [tenantId, ...cols.map((k) => changes[k])],
      );
      await this.audit(c, {
        actor,
        tenantId,
        action: 'quota.update',
        targetType: 'tenant',
        targetId: tenantId,
        before: before.rows[0] ?? {},
        after: changes,
      });
    });
  }

  /** One statement for every tenant's row of the last window (not audited: it is a measurement, not a change). */
  async reportTraffic(rows: TrafficRow[]): Promise<void> {
    const col = <K extends keyof TrafficRow>(k: K) => rows.map((r) => r[k]);
    await this.pool.query(
      `INSERT INTO "TenantTraffic" ("tenantId", "windowMs", "produceBytes", "fetchBytes", "produceThrottleMs",
         "fetchThrottleMs", connections, "reportedAt")
       SELECT t.*, now() FROM unnest($1::uuid[], $2::int[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::int[]) AS t
       ON CONFLICT ("tenantId") DO UPDATE SET "windowMs" = EXCLUDED."windowMs", "produceBytes" = EXCLUDED."produceBytes",
         "fetchBytes" = EXCLUDED."fetchBytes", "produceThrottleMs" = EXCLUDED."produceThrottleMs",
         "fetchThrottleMs" = EXCLUDED."fetchThrottleMs", connections = EXCLUDED.connections,
         "reportedAt" = EXCLUDED."reportedAt"`,
      [
        col('tenantId'),
        col('windowMs'),
        col('produceBytes'),
        col('fetchBytes'),
        col('produceThrottleMs'),
        col('fetchThrottleMs'),
        col('connections'),
      ],
    );
  }

  /** One report's traffic history rows, with their minute and hour roll-ups. */
  reportTrafficHistory(rows: TrafficHistoryRow[], nowMs: number): Promise<void> {
    return writeTrafficHistory(this.pool, rows, nowMs);
  }

  pruneTrafficHistory(retention: TrafficHistoryRetention, nowMs: number) {
    return pruneTrafficHistory(this.pool, retention, nowMs);
  }

  reportCleanerStates(rows: CleanerStateRow[], nowMs: number): Promise<void> {
    return writeCleanerStates(this.pool, rows, nowMs);
  }

  pruneCleanerStates(nowMs: number): Promise<number> {
    return pruneCleanerStates(this.pool, nowMs);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
