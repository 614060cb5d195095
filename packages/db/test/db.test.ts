import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { chmodSync, cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { embeddedPostgresBlocker, startEmbeddedPostgres } from '../src/embedded.ts';
import { createDb, type Db, newApiKeyCredentials, recordAudit, scramVerifier, verifySecret } from '../src/index.ts';
import { applyMigrations, DEFAULT_MIGRATIONS_DIR } from '../src/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';

describe('database on a real Postgres', () => {
  let tdb: TestDatabase;
  let db: Db;
  before(async () => {
    tdb = await createTestDatabase();
    db = createDb(tdb.url);
  });
  after(async () => {
    await db.$disconnect();
    await tdb.drop();
  });

  test('the applier writes Prisma rows and is idempotent', async () => {
    const c = new pg.Client({ connectionString: tdb.url });
    await c.connect();
    const rows = await c.query(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations"',
    );
    await c.end();
    assert.ok(rows.rowCount! >= 1);
    for (const r of rows.rows) {
      assert.match(r.checksum, /^[0-9a-f]{64}$/);
      assert.ok(r.finished_at);
      assert.equal(r.applied_steps_count, 1);
    }
    const again = await applyMigrations(tdb.url);
    assert.deepEqual(again.applied, []);
    assert.equal(again.alreadyApplied.length, rows.rowCount);
  });

  test('tenants, quotas, memberships and topic annotations with unique names per tenant', async () => {
    const a = await db.tenant.create({
      data: { slug: 'acme', displayName: 'Acme', quota: { create: { maxTopics: 2 } } },
    });
    const b = await db.tenant.create({ data: { slug: 'globex', displayName: 'Globex' } });
    await db.topicAnnotation.create({ data: { tenantId: a.id, name: 'orders', topicId: 'id-1', description: 'x' } });
    await db.topicAnnotation.create({ data: { tenantId: b.id, name: 'orders', topicId: 'id-2' } });
    await assert.rejects(
      db.topicAnnotation.create({ data: { tenantId: a.id, name: 'orders', topicId: 'id-3' } }),
      (e: any) => e.code === 'P2002',
    );
    const q = await db.tenantQuota.findUnique({ where: { tenantId: a.id } });
    assert.equal(q?.maxTopics, 2);
    assert.equal(q?.storageBytes, null);
    await db.tenant.delete({ where: { id: a.id } });
    assert.equal(await db.topicAnnotation.count({ where: { tenantId: a.id } }), 0);
    assert.equal(await db.topicAnnotation.count({ where: { tenantId: b.id } }), 1);
  });

  test('the topic_annotations migration moves the old Topic rows into TopicAnnotation, unbound', async () => {
    const ANNOTATIONS = '20261206213011_topic_annotations';
    const before = mkdtempSync(join(tmpdir(), 'samsa-migrations-'));
    const old = await createTestDatabase({ migrate: false });
    try {
      for (const name of readdirSync(DEFAULT_MIGRATIONS_DIR).filter((n) => n < ANNOTATIONS))
        cpSync(join(DEFAULT_MIGRATIONS_DIR, name), join(before, name), { recursive: true });
      await applyMigrations(old.url, before);
      const c = new pg.Client({ connectionString: old.url });
      await c.connect();
      try {
        const tenant = await c.query(
          `INSERT INTO "Tenant" (id, slug, "displayName", "updatedAt") VALUES (gen_random_uuid(), 'acme', 'Acme', now()) RETURNING id`,
        );
        await c.query(
          `INSERT INTO "Topic" (id, "tenantId", name, "brokerName", partitions, description, "ownerTeam", tags, "updatedAt")
           VALUES (gen_random_uuid(), $1, 'orders', 'acme.orders', 3, 'order events', 'payments', ARRAY['core'], now())`,
          [tenant.rows[0].id],
        );
        await applyMigrations(old.url);
        const moved = await c.query(
          `SELECT name, "topicId", description, "ownerTeam", tags FROM "TopicAnnotation" WHERE "tenantId" = $1`,
          [tenant.rows[0].id],
        );
        assert.deepEqual(moved.rows, [
          { name: 'orders', topicId: null, description: 'order events', ownerTeam: 'payments', tags: ['core'] },
        ]);
        const gone = await c.query(`SELECT to_regclass('"Topic"') AS t`);
        assert.equal(gone.rows[0].t, null, 'the Topic table is dropped');
      } finally {
        await c.end();
      }
    } finally {
      rmSync(before, { recursive: true, force: true });
      await old.drop();
    }
  });

  test('API keys keep only verifiers, and the audit log keeps JSON', async () => {
    const t = await db.tenant.create({ data: { slug: 'initech', displayName: 'Initech' } });
    const sa = await db.serviceAccount.create({ data: { tenantId: t.id, name: 'billing' } });
    const creds = newApiKeyCredentials();
    const key = await db.apiKey.create({ data: { ...creds.stored, tenantId: t.id, serviceAccountId: sa.id } });
    assert.ok(!JSON.stringify(key).includes(creds.secret), 'the secret is not stored');
    assert.ok(verifySecret(creds.secret, key.secretHash));
    assert.ok(!verifySecret(`${creds.secret}x`, key.secretHash));
    await recordAudit(db, {
      actorId: null,
      actorEmail: 'system',
      tenantId: t.id,
      action: 'apiKey.create',
      targetType: 'apiKey',
      targetId: key.keyId,
      after: { keyId: key.keyId, big: 10n },
    });
    const entry = await db.auditLog.findFirst({ where: { tenantId: t.id } });
    assert.deepEqual(entry?.after, { keyId: key.keyId, big: '10' });
  });
});

test('SCRAM verifiers follow RFC 5802 (RFC 7677 test vector inputs)', () => {
  // RFC 7677 section 3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations.
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
  const v = scramVerifier('pencil', 'SCRAM-SHA-256', salt, 4096);
  const salted = pbkdf2Sync('pencil', salt, 4096, 32, 'sha256');
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  const storedKey = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest();
  assert.equal(v.serverKey, serverKey.toString('base64'));
  assert.equal(v.storedKey, storedKey.toString('base64'));
  // The server signature of the RFC's exchange, computed from our ServerKey, matches the RFC's value.
  const authMessage =
    'n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
  const serverSignature = createHmac('sha256', Buffer.from(v.serverKey, 'base64')).update(authMessage).digest('base64');
  assert.equal(serverSignature, '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
});

// As root, from a checkout the postgres user cannot enter, the embedded server cannot run here at all: say so.
const embeddedBlocked = embeddedPostgresBlocker(tmpdir());

test('embedded Postgres starts, persists across restarts, and takes migrations', {
  timeout: 120_000,
  skip: embeddedBlocked ?? false,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-embedded-'));
  try {
    const first = await startEmbeddedPostgres({ dataDir: dir, database: 'app' });
    await applyMigrations(first.url);
    const db1 = createDb(first.url);
    await db1.tenant.create({ data: { slug: 'persisted', displayName: 'Persisted' } });
    await db1.$disconnect();
    await first.stop();
    const second = await startEmbeddedPostgres({ dataDir: dir, database: 'app' });
    const db2 = createDb(second.url);
    assert.equal((await db2.tenant.findUnique({ where: { slug: 'persisted' } }))?.displayName, 'Persisted');
    assert.deepEqual((await applyMigrations(second.url)).applied, []);
    await db2.$disconnect();
    await second.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('as root, a data directory the postgres user cannot enter is refused with a message saying what to do', {
  skip: process.getuid?.() === 0 ? false : 'only root runs postgres as another user',
}, async () => {
  const closed = mkdtempSync(join(tmpdir(), 'samsa-closed-'));
  chmodSync(closed, 0o700);
  try {
    await assert.rejects(
      startEmbeddedPostgres({ dataDir: join(closed, 'data') }),
      // The first directory in the way is named: this one, unless the checkout itself is already in the way.
      (err: Error) =>
        err.message.includes(`cannot enter ${embeddedBlocked ? '' : closed}`) && /DATABASE_URL/.test(err.message),
    );
  } finally {
    rmSync(closed, { recursive: true, force: true });
  }
});

test('a sealed secret opens with its key and owner only', async () => {
  const { generateSecretKey, openSecret, processorSecretAad, sealSecret, secretKeyFromEnv } = await import(
    '../src/secret-box.ts'
  );
  const key = secretKeyFromEnv({ SAMSA_SECRETS_KEY: generateSecretKey() });
  const sealed = sealSecret(key, processorSecretAad('p1', 'TOKEN'), 's3cret');
  assert.ok(!sealed.includes('s3cret'));
  assert.equal(openSecret(key, processorSecretAad('p1', 'TOKEN'), sealed), 's3cret');
  assert.throws(() => openSecret(key, processorSecretAad('p2', 'TOKEN'), sealed), /does not open/);
  const other = secretKeyFromEnv({ SAMSA_SECRETS_KEY: generateSecretKey() });
  assert.throws(() => openSecret(other, processorSecretAad('p1', 'TOKEN'), sealed), /does not open/);
  assert.throws(() => secretKeyFromEnv({}), /SAMSA_SECRETS_KEY is not set/);
});

test("a key's sealed salted passwords open for that key only and match its SCRAM verifiers", async () => {
  const { generateSecretKey, openSecret, secretKeyFromEnv } = await import('../src/secret-box.ts');
  const { saltedPasswordAad } = await import('../src/credentials.ts');
  const key = secretKeyFromEnv({ SAMSA_SECRETS_KEY: generateSecretKey() });
  const creds = newApiKeyCredentials({ secretsKey: key });
  for (const [mechanism, hash, sealed, storedKey] of [
    ['SCRAM-SHA-256', 'sha256', creds.stored.scram256SaltedSealed, creds.stored.scram256Stored],
    ['SCRAM-SHA-512', 'sha512', creds.stored.scram512SaltedSealed, creds.stored.scram512Stored],
  ] as const) {
    assert.ok(sealed);
    const salted = Buffer.from(openSecret(key, saltedPasswordAad(creds.keyId, mechanism), sealed), 'base64');
    const clientKey = createHmac(hash, salted).update('Client Key').digest();
    assert.equal(createHash(hash).update(clientKey).digest('base64'), storedKey, `${mechanism}: same credential`);
    assert.throws(() => openSecret(key, saltedPasswordAad('SKother', mechanism), sealed), /does not open/);
  }
  const without = newApiKeyCredentials();
  assert.equal(without.stored.scram256SaltedSealed, null, 'no secrets key, nothing sealed');
});
