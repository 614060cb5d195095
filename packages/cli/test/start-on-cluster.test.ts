/**
 * `samsa start --cluster` against a real Apache Kafka (one KRaft node, SASL/SCRAM, the StandardAuthorizer) and a real
 * Postgres: the whole hub (console, schema registry, processor host) with a gateway on the broker's address instead
 * of the broker. Through the console's REST API a platform admin creates a tenant, a key and a topic: Kafka holds the
 * topic as `acme.orders`, the topic page's API lists it, the console registered the cluster for its reconcile loop,
 * and once the loop placed the key a KafkaJS client produces with it through the gateway port with unprefixed names;
 * the topic page then counts the messages (read from the cluster through the gateway).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '@samsa/db/embedded';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import { eventually } from '@samsa/test-support/eventually';
import { Kafka, logLevel } from 'kafkajs';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

const SAMSA_BIN = resolve(import.meta.dirname, '../bin/samsa.js');
const KAFKA_ADMIN = { name: 'admin', password: 'admin-secret' };
const ADMIN = { email: 'ops@example.com', password: 'correct horse battery staple' };
const START_TIMEOUT_MS = 400_000;

let kafka: KafkaCluster;
let database: TestDatabase;
let dataDir: string;
let hub: ChildProcess;
let output = '';
let consoleUrl: string;
let gatewayBootstrap: string;
let healthUrl: string;
let token: string;

before(
  async () => {
    if (skip) return;
    [kafka, database] = await Promise.all([
      startKafka({ sasl: { superuser: KAFKA_ADMIN } }),
      createTestDatabase({ migrate: false }),
    ]);
    dataDir = mkdtempSync(join(tmpdir(), 'samsa-start-cluster-'));
    const [consolePort, gatewayPort, httpPort, registryPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    consoleUrl = `http://127.0.0.1:${consolePort}`;
    gatewayBootstrap = `127.0.0.1:${gatewayPort}`;
    healthUrl = `http://127.0.0.1:${httpPort}/healthz`;
    hub = spawn(process.execPath, [SAMSA_BIN, 'start', '--cluster', kafka.saslBootstrap!], {
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        SAMSA_DATA_DIR: dataDir,
        SAMSA_CONSOLE_PORT: String(consolePort),
        SAMSA_BROKER_LISTEN: gatewayBootstrap,
        SAMSA_BROKER_HTTP_LISTEN: `127.0.0.1:${httpPort}`,
        SAMSA_SCHEMA_REGISTRY_LISTEN: `127.0.0.1:${registryPort}`,
        SAMSA_CLUSTER_SASL_USERNAME: KAFKA_ADMIN.name,
        SAMSA_CLUSTER_SASL_PASSWORD: KAFKA_ADMIN.password,
        SAMSA_ADMIN_EMAIL: ADMIN.email,
        SAMSA_ADMIN_PASSWORD: ADMIN.password,
        SAMSA_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: after() ends every process of the hub.
      detached: true,
    });
    hub.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
    });
    hub.stderr!.on('data', (d: Buffer) => {
      output += d.toString();
    });
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`samsa start did not get ready:\n${output}`)), START_TIMEOUT_MS);
      const check = setInterval(() => {
        if (output.includes('samsa start: ready')) {
          clearTimeout(timer);
          clearInterval(check);
          ready();
        }
      }, 200);
      hub.once('exit', (code) => {
        clearTimeout(timer);
        clearInterval(check);
        fail(new Error(`samsa start exited with ${code}:\n${output}`));
      });
    });
    const res = await fetch(`${consoleUrl}/api/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...ADMIN, name: 'start-on-cluster' }),
    });
    assert.ok(res.ok, await res.clone().text());
    token = ((await res.json()) as { token: string }).token;
  },
  { timeout: START_TIMEOUT_MS + 120_000 },
);

after(async () => {
  if (hub && hub.exitCode === null) {
    hub.kill('SIGTERM');
    await Promise.race([new Promise((r) => hub.once('exit', r)), new Promise((r) => setTimeout(r, 30_000))]);
  }
  try {
    if (hub?.pid !== undefined) process.kill(-hub.pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
  hub?.stdout?.destroy();
  hub?.stderr?.destroy();
  await kafka?.stop();
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function rest(path: string, init: { method?: string; body?: unknown } = {}): Promise<any> {
  const res = await fetch(`${consoleUrl}/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Kafka's own view, as its super user, straight to the cluster. */
async function kafkaTopics(): Promise<string[]> {
  const admin = new Kafka({
    clientId: 'direct',
    brokers: kafka.saslBootstrap!.split(','),
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'scram-sha-512', username: KAFKA_ADMIN.name, password: KAFKA_ADMIN.password },
  }).admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
  } finally {
    await admin.disconnect();
  }
}

test('samsa start --cluster: the console creates a tenant, key and topic on Kafka; the key produces through the gateway', {
  skip,
  timeout: 300_000,
}, async () => {
  assert.match(output, /Gateway: +127\.0\.0\.1:\d+ +\(Kafka bootstrap; cluster /);
  // The gateway's /healthz is the console's broker health (same shape as the broker's).
  assert.deepEqual(await (await fetch(healthUrl)).json(), { status: 'ok', reasons: [] });
  // The console registered the cluster for its reconcile loop.
  const clusters = await rest('/clusters');
  assert.deepEqual(
    clusters.map((c: { name: string; bootstrap: string[] }) => [c.name, c.bootstrap]),
    [['default', kafka.saslBootstrap!.split(',')]],
  );

  await rest('/tenants', { method: 'POST', body: { slug: 'acme', displayName: 'Acme' } });
  await rest('/tenants/acme/service-accounts', { method: 'POST', body: { name: 'app' } });
  await rest('/tenants/acme/acls', { method: 'POST', body: { preset: 'tenant_admin', serviceAccount: 'app' } });
  const key = await rest('/tenants/acme/api-keys', { method: 'POST', body: { serviceAccount: 'app' } });
  await rest('/tenants/acme/topics', { method: 'POST', body: { name: 'orders', partitions: 2 } });
  assert.deepEqual(await kafkaTopics(), ['acme.orders']);
  const listed = await rest('/tenants/acme/topics');
  assert.equal(listed.clusterError, null);
  assert.deepEqual(
    listed.topics.map((t: { name: string; partitions: number }) => [t.name, t.partitions]),
    [['orders', 2]],
  );

  // The key works through the gateway once the loop has placed its user on the cluster.
  const client = new Kafka({
    clientId: 'acme-app',
    brokers: [gatewayBootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 200 },
    sasl: { mechanism: 'scram-sha-256', username: key.keyId, password: key.secret },
  });
  await eventually(
    async () => {
      const producer = client.producer();
      try {
        await producer.connect();
        await producer.send({
          topic: 'orders',
          acks: -1,
          messages: [
            { partition: 0, value: 'first' },
            { partition: 1, value: 'second' },
          ],
        });
        return true;
      } catch {
        return false;
      } finally {
        await producer.disconnect().catch(() => {});
      }
    },
    'the key to produce through the gateway once the reconcile loop placed it',
    120_000,
  );
  // The run that placed the key records its report when it ends, which can be a moment after the key works.
  let placements: unknown;
  await eventually(
    async () => {
      placements = await rest('/tenants/acme/cluster-placements');
      return (placements as { items: { what: string; state: string }[] }[])[0]!.items.some(
        (i) => i.what.includes(key.keyId) && i.state === 'placed',
      );
    },
    'the key shown as placed on the cluster',
    60_000,
  ).catch((err: Error) => assert.fail(`${err.message}: ${JSON.stringify(placements)}`));
  // The topic page reads the cluster through the gateway: both messages are there.
  const after = await rest('/tenants/acme/topics');
  assert.deepEqual(
    after.topics.map((t: { name: string; messages: number }) => [t.name, t.messages]),
    [['orders', 2]],
  );
});
