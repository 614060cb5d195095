/**
 * AclStore: Kafka's CreateAcls/DeleteAcls write the same AclBinding rows the console edits, so `kafka-acls` and
 * the console always agree. The broker's own view follows through the usual NOTIFY reload. Each change is also
 * written to the audit log with the acting principal.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { AclRule } from './metadata-view.ts';

export class AclStore {
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

  async close(): Promise<void> {
    await this.pool.end();
  }
}
