/**
 * `samsa gateway` as an operator runs it: after `samsa cluster reconcile` placed a tenant's key on a real Apache Kafka
 * (one KRaft node with SASL/SCRAM), the gateway started from the environment serves that key with unprefixed names
 * until SIGTERM; with SAMSA_TLS_* and SAMSA_CLUSTER_CA_FILE it serves TLS on all interfaces (no --allow-insecure) and
 * reaches Kafka's SASL_SSL listener. The gateway itself is tested in packages/gateway/test; this is the command around it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { generateSecretKey, secretKeyFromEnv } from '@samsa/db/secret-box';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { freePort, type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import { SAMSA_BIN } from '@samsa/test-support/broker-process';
import { runSamsa } from '@samsa/test-support/samsa-cli';
import { makeTestCertificates, type TestCertificates } from '@samsa/test-support/test-certificates';
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
let certs: TestCertificates;

before(
  async () => {
    if (skip) return;
    certs = makeTestCertificates();
    [kafka, database] = await Promise.all([
      startKafka({ sasl: { superuser: SUPERUSER }, tls: { certFile: certs.certFile, keyFile: certs.keyFile } }),
      createTestDatabase(),
    ]);
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
  certs?.remove();
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
  // Secure by default: nothing beyond loopback without TLS unless asked for.
  const open = await runSamsa(['gateway', '--port', '0', '--host', '0.0.0.0'], env);
  assert.equal(open.code, 2, open.stderr);
  assert.match(open.stderr, /without TLS, on 0\.0\.0\.0 .*--tls-cert-file.* --allow-insecure/);
  const halfTls = await runSamsa(['gateway', '--port', '0', '--tls-cert-file', certs.certFile], env);
  assert.equal(halfTls.code, 2, halfTls.stderr);
  assert.match(halfTls.stderr, /give both --tls-cert-file and --tls-key-file/);
});

test('samsa gateway serves a reconciled key with unprefixed names until SIGTERM', {
  skip,
  timeout: 120_000,
}, async () => {
  const { port, child, stdout, exited, stderr } = await reconciledGateway([], env);
  assert.match(stdout, new RegExp(`gateway listening on 127\\.0\\.0\\.1:${port}`));
  try {
    const admin = gatewayAdmin(port);
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'orders' }], waitForLeaders: true });
    assert.deepEqual(await admin.listTopics(), ['orders']);
    await admin.disconnect();
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr());
});

/** A KafkaJS admin to the gateway at `port` with the tenant's key (over TLS trusting `ssl.ca` when given). */
function gatewayAdmin(port: number, ssl?: { ca: string[] }) {
  return new Kafka({
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 200 },
    ...(ssl ? { ssl } : {}),
    sasl: { mechanism: 'scram-sha-256', username: key.keyId, password: key.secret },
  }).admin();
}

/**
 * After `samsa cluster reconcile` (over the cluster's SASL_PLAINTEXT listener), `samsa gateway ARGS --port P` until it
 * prints that it listens; P, its output so far and its exit.
 */
async function reconciledGateway(args: string[], childEnv: Record<string, string>) {
  const reconcile = await runSamsa(['cluster', 'reconcile'], env);
  assert.equal(reconcile.code, 0, reconcile.stderr);
  const port = await freePort();
  const child = spawn(process.execPath, [SAMSA_BIN, 'gateway', ...args, '--port', String(port)], {
    env: { ...process.env, ...childEnv },
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
  return { port, child, stdout, exited, stderr: () => stderr };
}

test('samsa gateway with TLS listens beyond loopback without --allow-insecure and reaches Kafka over SASL_SSL', {
  skip,
  timeout: 120_000,
}, async () => {
  const { port, child, exited, stderr } = await reconciledGateway(
    ['--host', '0.0.0.0', '--advertised-host', '127.0.0.1'],
    {
      ...env,
      SAMSA_CLUSTER_BOOTSTRAP: kafka.saslSslBootstrap!,
      SAMSA_CLUSTER_CA_FILE: certs.caFile,
      SAMSA_TLS_CERT_FILE: certs.certFile,
      SAMSA_TLS_KEY_FILE: certs.keyFile,
    },
  );
  try {
    const admin = gatewayAdmin(port, { ca: [readFileSync(certs.caFile, 'utf8')] });
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'tls-orders' }], waitForLeaders: true });
    assert.ok((await admin.listTopics()).includes('tls-orders'));
    await admin.disconnect();
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr());
});
