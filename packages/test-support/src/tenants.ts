/** Test support: tenants, service accounts, API keys, ACLs and quotas written straight into a test database. */
import { randomUUID } from 'node:crypto';
import { newApiKeyCredentials } from '@samsa/db';
import pg from 'pg';

export interface TestKey {
  keyId: string;
  secret: string;
  serviceAccount: string;
}

export class TenantFixtures {
  readonly pool: pg.Pool;
  constructor(url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 2 });
    // The test database is dropped WITH (FORCE) at the end, which terminates connections the pool may still be
    // closing: an idle client's error must not become the test file's uncaught exception.
    this.pool.on('error', () => {});
  }

  async tenant(slug: string, quota: Partial<Record<string, number>> = {}): Promise<string> {
    const id = randomUUID();
    await this.pool.query(`INSERT INTO "Tenant" (id, slug, "displayName", "updatedAt") VALUES ($1, $2, $2, now())`, [
      id,
      slug,
    ]);
    if (Object.keys(quota).length > 0) await this.setQuota(id, quota);
    return id;
  }

  async setQuota(tenantId: string, quota: Partial<Record<string, number | null>>): Promise<void> {
    const cols = Object.keys(quota);
    await this.pool.query(
      `INSERT INTO "TenantQuota" ("tenantId", "updatedAt", ${cols.map((c) => `"${c}"`).join(', ')})
       VALUES ($1, now(), ${cols.map((_, i) => `$${i + 2}`).join(', ')})
       ON CONFLICT ("tenantId") DO UPDATE SET "updatedAt" = now(), ${cols.map((c) => `"${c}" = EXCLUDED."${c}"`).join(', ')}`,
      [tenantId, ...cols.map((c) => quota[c])],
    );
  }

  /** A key; with `secretsKey` its SCRAM salted passwords are sealed too (for a managed Kafka cluster). */
  async key(tenantId: string, serviceAccount: string, opts: { secretsKey?: Buffer } = {}): Promise<TestKey> {
    let sa = await this.pool.query(`SELECT id FROM "ServiceAccount" WHERE "tenantId" = $1 AND name = $2`, [
      tenantId,
      serviceAccount,
    ]);
    if (sa.rowCount === 0) {
      sa = await this.pool.query(
        `INSERT INTO "ServiceAccount" (id, "tenantId", name) VALUES ($1, $2, $3) RETURNING id`,
        [randomUUID(), tenantId, serviceAccount],
      );
    }
    const creds = newApiKeyCredentials({ secretsKey: opts.secretsKey });
    const s = creds.stored;
    await this.pool.query(
      `INSERT INTO "ApiKey" (id, "keyId", "tenantId", "serviceAccountId", "secretHash",
         "scram256Salt", "scram256Iter", "scram256Stored", "scram256Server",
         "scram512Salt", "scram512Iter", "scram512Stored", "scram512Server",
         "scram256SaltedSealed", "scram512SaltedSealed")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [
        randomUUID(),
        s.keyId,
        tenantId,
        sa.rows[0].id,
        s.secretHash,
        s.scram256Salt,
        s.scram256Iter,
        s.scram256Stored,
        s.scram256Server,
        s.scram512Salt,
        s.scram512Iter,
        s.scram512Stored,
        s.scram512Server,
        s.scram256SaltedSealed,
        s.scram512SaltedSealed,
      ],
    );
    return { keyId: creds.keyId, secret: creds.secret, serviceAccount };
  }

  async acl(
    tenantId: string,
    principal: string,
    resourceType: 'TOPIC' | 'GROUP' | 'CLUSTER' | 'TRANSACTIONAL_ID' | 'SUBJECT',
    resourceName: string,
    operation: string,
    opts: { permission?: 'ALLOW' | 'DENY'; patternType?: 'LITERAL' | 'PREFIXED'; host?: string } = {},
  ): Promise<void> {
    await this.pool.query(
      `INSERT INTO "AclBinding" (id, "tenantId", principal, "resourceType", "patternType", "resourceName", operation, permission, host)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        randomUUID(),
        tenantId,
        principal,
        resourceType,
        opts.patternType ?? 'LITERAL',
        resourceName,
        operation,
        opts.permission ?? 'ALLOW',
        opts.host ?? '*',
      ],
    );
  }

  /** The tenant-admin preset: ALL on the cluster. */
  async admin(tenantId: string, serviceAccount: string): Promise<void> {
    await this.acl(tenantId, `User:${serviceAccount}`, 'CLUSTER', 'kafka-cluster', 'ALL');
  }

  /** A key for a service account that is its tenant's admin. */
  async adminKey(tenantId: string, serviceAccount: string): Promise<TestKey> {
    const key = await this.key(tenantId, serviceAccount);
    await this.admin(tenantId, serviceAccount);
    return key;
  }

  async revoke(keyId: string): Promise<void> {
    await this.pool.query(`UPDATE "ApiKey" SET "revokedAt" = now() WHERE "keyId" = $1`, [keyId]);
  }

  async suspend(tenantId: string): Promise<void> {
    await this.pool.query(`UPDATE "Tenant" SET status = 'SUSPENDED', "updatedAt" = now() WHERE id = $1`, [tenantId]);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
