/**
 * `samsa cluster reconcile` as an operator runs it: the tenants, keys and ACLs in Postgres placed on a real Apache
 * Kafka (one KRaft node with SASL/SCRAM), the admin principal's credentials from the environment. The reconcile
 * itself is tested in packages/cluster/test/managed-reconcile.test.ts; this is the command around it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateSecretKey, secretKeyFromEnv } from '@samsa/db/secret-box';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { createTopicsWithLeaders } from '@samsa/kafka-harness/create-topics';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import { eventually } from '@samsa/test-support/eventually';
import { runSamsa } from '@samsa/test-support/samsa-cli';
import { type TestKey, TenantFixtures } from '@samsa/test-support/tenants';
import { Kafka, logLevel } from 'kafkajs';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

const SUPERUSER = { name: 'admin', password: 'admin-secret' };
const SECRETS_KEY = generateSecretKey();
let kafka: KafkaCluster;
let database: TestDatabase;
let fixtures: TenantFixtures;
let key: TestKey;
let env: Record<string, string>;

before(
  async () => {
    if (skip) return;
    [kafka, database] = await Promise.all([startKafka({ sasl: { superuser: SUPERUSER } }), createTestDatabase()]);
    fixtures = new TenantFixtures(database.url);
    const acme = await fixtures.tenant('acme');
    key = await fixtures.key(acme, 'app', { secretsKey: secretKeyFromEnv({ SAMSA_SECRETS_KEY: SECRETS_KEY }) });
    await fixtures.acl(acme, 'User:app', 'TOPIC', '*', 'ALL');
    env = {
      DATABASE_URL: database.url,
      SAMSA_SECRETS_KEY: SECRETS_KEY,
      SAMSA_CLUSTER_BOOTSTRAP: kafka.saslBootstrap!,
      SAMSA_CLUSTER_SASL_USERNAME: SUPERUSER.name,
      SAMSA_CLUSTER_SASL_PASSWORD: SUPERUSER.password,
    };
  },
  { timeout: 180_000 },
);

after(async () => {
  await fixtures?.close();
  await kafka?.stop();
  await database?.drop();
});

test('bad usage and settings exit 2 naming what to set', { skip }, async () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [['cluster'], env, /expected 'reconcile'/],
    [['cluster', 'reconcile'], { ...env, DATABASE_URL: '' }, /DATABASE_URL is not set/],
    [
      ['cluster', 'reconcile'],
      { ...env, SAMSA_CLUSTER_BOOTSTRAP: '' },
      /--bootstrap HOST:PORT.*or SAMSA_CLUSTER_BOOTSTRAP/,
    ],
    [['cluster', 'reconcile', '--bootstrap', 'nowhere'], env, /--bootstrap: expected HOST:PORT/],
    [['cluster', 'reconcile'], { ...env, SAMSA_CLUSTER_SASL_PASSWORD: '' }, /set SAMSA_CLUSTER_SASL_PASSWORD too/],
    [['cluster', 'reconcile', '--tenant', 'nobody'], env, /no tenant 'nobody'/],
  ];
  for (const [args, e, expected] of cases) {
    const r = await runSamsa(args, e);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, expected);
  }
});

test("reconcile places the tenant's key, which then works against Kafka; a second run changes nothing", {
  skip,
  timeout: 120_000,
}, async () => {
  const dry = await runSamsa(['cluster', 'reconcile', '--dry-run'], env);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(
    dry.stdout,
    new RegExp(`would create +acme +set SCRAM-SHA-512 credentials of user samsa\\.acme\\.${key.keyId}`),
  );

  const first = await runSamsa(['cluster', 'reconcile', '--json'], env);
  assert.equal(first.code, 0, first.stderr);
  const report = JSON.parse(first.stdout) as { created: { what: string }[]; errors: unknown[] };
  assert.deepEqual(report.errors, []);
  assert.deepEqual(report.created.map((c) => c.what).sort(), [
    `create ACL ALLOW User:samsa.acme.${key.keyId} ALL on TOPIC PREFIXED 'acme.' from *`,
    `set SCRAM-SHA-256 credentials of user samsa.acme.${key.keyId}`,
    `set SCRAM-SHA-512 credentials of user samsa.acme.${key.keyId}`,
  ]);

  const client = new Kafka({
    brokers: kafka.saslBootstrap!.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 200 },
    sasl: { mechanism: 'scram-sha-512', username: `samsa.acme.${key.keyId}`, password: key.secret },
  });
  const admin = client.admin();
  await eventually(
    () =>
      admin.connect().then(
        () => true,
        () => false,
      ),
    'the key signing in to Kafka',
    30_000,
  );
  try {
    await createTopicsWithLeaders(admin, [{ topic: 'acme.orders' }]);
    assert.ok((await admin.listTopics()).includes('acme.orders'));
  } finally {
    await admin.disconnect();
  }

  const second = await runSamsa(['cluster', 'reconcile', '--tenant', 'acme'], env);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /^0 created, 0 repaired, 0 deleted, 0 refused, 0 skipped$/m);
});
