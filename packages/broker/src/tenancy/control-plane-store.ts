/**
 * ControlPlaneStore: the few writes the broker makes to the control plane's database, for Kafka's admin APIs —
 * CreateAcls/DeleteAcls write the same AclBinding rows the console edits, AlterClientQuotas the same TenantQuota
 * rows — so Kafka tooling and the console always agree. The broker's own view follows through the usual NOTIFY
 * reload. Each change is also written to the audit log with the acting principal.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { AclRule } from './metadata-view.ts';

export class ControlPlaneStore {
  private readonly pool: pg.Pool;

  constructor(url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5_000, query_timeout: 10_000 });
    this.pool.on('error', () => {});
  }

  async create(rule: Omit<AclRule, 'id'>, actor: string): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
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
      await c.query(
        `INSERT INTO "AuditLog" ("actorEmail", "tenantId", action, "targetType", "targetId", after)
         VALUES ($1, $2, 'acl.create', 'acl', $3, $4)`,
        [actor, rule.tenantId, id, JSON.stringify({ ...rule, via: 'kafka-protocol' })],
      );
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }

  async delete(rules: AclRule[], actor: string): Promise<void> {
    if (rules.length === 0) return;
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`DELETE FROM "AclBinding" WHERE id = ANY($1::uuid[])`, [rules.map((r) => r.id)]);
      for (const r of rules) {
        await c.query(
          `INSERT INTO "AuditLog" ("actorEmail", "tenantId", action, "targetType", "targetId", before)
           VALUES ($1, $2, 'acl.delete', 'acl', $3, $4)`,
          [actor, r.tenantId, r.id, JSON.stringify({ ...r, via: 'kafka-protocol' })],
        );
      }
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }

  /** Sets (number) or clears (null) tenant quota columns. */
  async setTenantQuota(tenantId: string, changes: Record<string, number | null>, actor: string): Promise<void> {
    const cols = Object.keys(changes);
    if (cols.length === 0) return;
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const before = await c.query(`SELECT * FROM "TenantQuota" WHERE "tenantId" = $1`, [tenantId]);
      await c.query(
        `INSERT INTO "TenantQuota" ("tenantId", "updatedAt", ${cols.map((k) => `"${k}"`).join(', ')})
         VALUES ($1, now(), ${cols.map((_, i) => `$${i + 2}`).join(', ')})
         ON CONFLICT ("tenantId") DO UPDATE SET "updatedAt" = now(), ${cols.map((k) => `"${k}" = EXCLUDED."${k}"`).join(', ')}`,
        [tenantId, ...cols.map((k) => changes[k])],
      );
      await c.query(
        `INSERT INTO "AuditLog" ("actorEmail", "tenantId", action, "targetType", "targetId", before, after)
         VALUES ($1, $2, 'quota.update', 'tenant', $3, $4, $5)`,
        [
          actor,
          tenantId,
          tenantId,
          JSON.stringify(before.rows[0] ?? null),
          JSON.stringify({ ...changes, via: 'kafka-protocol' }),
        ],
      );
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
