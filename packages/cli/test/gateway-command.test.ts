/**
 * `samsa gateway` as an operator runs it: after `samsa cluster reconcile` placed a tenant's key on a real Apache Kafka
 * (one KRaft node with SASL/SCRAM), the gateway started from the environment serves that key with unprefixed names
 * until SIGTERM. The gateway itself is tested in packages/gateway/test; this is the command around it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { generateSecretKey, secretKeyFromEnv } from '@samsa/db/secret-box';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { freePort, type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import { SAMSA_BIN } from '@samsa/test-support/broker-process';
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
    await fixtures.admin(acme, 'app');
    env = {
      DATABASE_URL: database.url,
      SAMSA_SECRETS_KEY: SECRETS_KEY,
      SAMSA_CLUSTER_BOOTSTRAP: kafka.saslBootstrap!,
      SAMSA_CLUSTER_SASL_USERNAME: SUPERUSER.name,
      SAMSA_CLUSTER_SASL_PASSWORD: SUPERUSER.password,
      SAMSA_LOG_LEVEL: 'warn',
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
  const cases: [Record<string, string>, RegExp][] = [
    [{ DATABASE_URL: '' }, /DATABASE_URL is not set/],
    [{ SAMSA_CLUSTER_BOOTSTRAP: '' }, /--cluster HOST:PORT.*or SAMSA_CLUSTER_BOOTSTRAP/],
    [{ SAMSA_SECRETS_KEY: '', SAMSA_DATA_DIR: '/nonexistent' }, /SAMSA_SECRETS_KEY/],
  ];
  for (const [overrides, message] of cases) {
    const r = await runSamsa(['gateway', '--port', '0'], { ...env, ...overrides });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
  }
  // Secure by default: no TLS, so nothing beyond loopback unless asked for.
  const open = await runSamsa(['gateway', '--port', '0', '--host', '0.0.0.0'], env);
  assert.equal(open.code, 2, open.stderr);
  assert.match(open.stderr, /the gateway has no TLS: on 0\.0\.0\.0 .* --allow-insecure/);
});

test('samsa gateway serves a reconciled key with unprefixed names until SIGTERM', {
  skip,
  timeout: 120_000,
}, async () => {
  const reconcile = await runSamsa(['cluster', 'reconcile'], env);
  assert.equal(reconcile.code, 0, reconcile.stderr);
  const port = await freePort();
  const child = spawn(process.execPath, [SAMSA_BIN, 'gateway', '--port', String(port)], {
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('gateway listening on')) resolve();
    });
    void exited.then((code) => reject(new Error(`samsa gateway exited ${code}: ${stderr}`)));
  });
  assert.match(stdout, new RegExp(`gateway listening on 127\\.0\\.0\\.1:${port}`));
  try {
    const client = new Kafka({
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 5, initialRetryTime: 200 },
      sasl: { mechanism: 'scram-sha-256', username: key.keyId, password: key.secret },
    });
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'orders' }], waitForLeaders: true });
    assert.deepEqual(await admin.listTopics(), ['orders']);
    await admin.disconnect();
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr);
});
