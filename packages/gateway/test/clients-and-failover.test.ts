/**
 * Gateway mode with every client family, and its failures: a 3-node Apache Kafka (KRaft, SASL/SCRAM, the
 * StandardAuthorizer) managed by Samsa, and two gateways, each in a process of its own. A tenant's key (placed by a
 * reconcile) is used with unprefixed names through both gateways by kcat, KafkaJS, @platformatic/kafka,
 * kafka-python, confluent-kafka and the Java client: each produces, consumes with a group and commits, and Kafka's
 * own view (as its super user, direct) holds the prefixed topic, records and committed offsets. A group with one
 * member on each gateway shares the partitions. A gateway killed with SIGKILL under a Java producer: the producer
 * carries on through the other. The partition leader killed under an idempotent acks=all Java producer: no
 * acknowledged record is lost and none is written twice; the stall is measured (printed, not asserted).
 */
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { createDb, type Db } from '@samsa/db';
import { generateSecretKey, secretKeyFromEnv } from '@samsa/db/secret-box';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { compileJava, runJava, spawnJava } from '@samsa/kafka-harness/java';
import { freePort, type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import { eventually } from '@samsa/test-support/eventually';
import { consumeValues } from '@samsa/test-support/kafkajs-values';
import { kcat } from '@samsa/test-support/kcat';
import { TenantFixtures, type TestKey } from '@samsa/test-support/tenants';
import { Kafka, logLevel } from 'kafkajs';
import {
  type GatewayChild,
  type GatewayChildOptions,
  startGatewayChild,
  stopGatewayChild,
} from '../bench/gateway-processes.ts';
import { reconcileTenants } from './support/reconcile.ts';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

const HERE = import.meta.dirname;
const PYTHON = '/usr/bin/python3';
const PY_CLIENTS = join(HERE, 'support/python/sasl_clients.py');
const SUPERUSER = { name: 'admin', password: 'admin-secret' };
const RECORDS = 20;
const CONSUME_TIMEOUT_MS = 45_000;

let kafka: KafkaCluster;
let database: TestDatabase;
let db: Db;
let fixtures: TenantFixtures;
let key: TestKey;
let acmeId: string;
let gatewayOptions: GatewayChildOptions;
let g1: GatewayChild;
let g2: GatewayChild;
let classpath: string;
const secretsKey = secretKeyFromEnv({ SAMSA_SECRETS_KEY: generateSecretKey() });

before(
  async () => {
    if (skip) return;
    [kafka, database, classpath] = await Promise.all([
      startKafka({
        nodes: 3,
        sasl: { superuser: SUPERUSER },
        // One offsets partition: the first group's coordinator is ready in a moment rather than after 50 are made.
        props: {
          'group.initial.rebalance.delay.ms': '0',
          'min.insync.replicas': '2',
          'offsets.topic.num.partitions': '1',
          // Likewise the first transaction's coordinator.
          'transaction.state.log.num.partitions': '1',
        },
      }),
      createTestDatabase(),
      compileJava(join(HERE, 'java')),
    ]);
    db = createDb(database.url, { poolMax: 2 });
    fixtures = new TenantFixtures(database.url);
    acmeId = await fixtures.tenant('acme');
    key = await fixtures.key(acmeId, 'app', { secretsKey });
    await fixtures.admin(acmeId, 'app');
    const sasl = { mechanism: 'SCRAM-SHA-512', username: SUPERUSER.name, password: SUPERUSER.password } as const;
    await reconcileTenants(db, { saslBootstrap: kafka.saslBootstrap!, superuser: SUPERUSER, secretsKey });
    gatewayOptions = { bootstrap: kafka.saslBootstrap!.split(','), sasl, databaseUrl: database.url, secretsKey };
    [g1, g2] = await Promise.all([startGatewayChild(gatewayOptions), startGatewayChild(gatewayOptions)]);
  },
  { timeout: 240_000 },
);

after(async () => {
  await Promise.all([g1, g2].filter(Boolean).map((g) => stopGatewayChild(g)));
  await db?.$disconnect();
  await fixtures?.close();
  await kafka?.stop();
  await database?.drop();
});

const both = () => `${g1.bootstrap},${g2.bootstrap}`;
const expected = (prefix: string) => Array.from({ length: RECORDS }, (_, i) => `${prefix}-${i}`).sort();

/** Kafka's own view, as its super user over the PLAINTEXT listener: records of a topic and a group's offsets. */
function direct() {
  return new Kafka({ brokers: kafka.bootstrap.split(','), clientId: 'direct', logLevel: logLevel.NOTHING });
}

async function kafkaRecords(topic: string): Promise<string[]> {
  const admin = direct().admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const total = offsets.reduce((s, o) => s + Number(o.high) - Number(o.low), 0);
  const consumer = direct().consumer({ groupId: `direct-${topic}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  return consumeValues(consumer, total, 60_000);
}

async function committedOnKafka(group: string, topic: string): Promise<number> {
  const admin = direct().admin();
  await admin.connect();
  const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  await admin.disconnect();
  return (t?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
}

async function createTopic(name: string, partitions = 3): Promise<void> {
  const admin = kafkajs(both()).admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: name, numPartitions: partitions, replicationFactor: 3 }],
  });
  await admin.disconnect();
}

function kafkajs(bootstrap: string) {
  return new Kafka({
    brokers: bootstrap.split(','),
    clientId: 'kafkajs-through-gateway',
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'scram-sha-512', username: key.keyId, password: key.secret },
    retry: { retries: 8, initialRetryTime: 200 },
  });
}

function py(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [PY_CLIENTS, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`sasl_clients.py ${args.slice(0, 2).join(' ')}: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!));
    });
  });
}

async function java(args: string[]): Promise<Record<string, unknown>> {
  const r = await runJava('GatewayClient', args, { classpath, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

const families: Record<
  string,
  { produce(topic: string, prefix: string): Promise<void>; consume(topic: string, group: string): Promise<string[]> }
> = {
  kcat: {
    async produce(topic, prefix) {
      const input = expected(prefix)
        .map((v, i) => `k${i}:${v}`)
        .join('\n');
      await kcat([...kcatSasl(), '-P', '-t', topic, '-K:', '-X', 'enable.idempotence=true'], `${input}\n`, 60_000);
    },
    async consume(topic, group) {
      const out = await kcat(
        [...kcatSasl(), '-G', group, '-X', 'auto.offset.reset=earliest', '-c', String(RECORDS), '-f', '%s\n', topic],
        undefined,
        CONSUME_TIMEOUT_MS,
      );
      return out.stdout.trim().split('\n');
    },
  },
  kafkajs: {
    async produce(topic, prefix) {
      const producer = kafkajs(both()).producer({ idempotent: true });
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: expected(prefix).map((value, i) => ({ key: `k${i}`, value })) });
      await producer.disconnect();
    },
    async consume(topic, group) {
      const consumer = kafkajs(both()).consumer({ groupId: group });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      return consumeValues(consumer, RECORDS, CONSUME_TIMEOUT_MS, 'return');
    },
  },
  platformatic: {
    async produce(topic, prefix) {
      const producer = new Producer({
        clientId: 'platformatic-through-gateway',
        bootstrapBrokers: both().split(','),
        serializers: stringSerializers,
        idempotent: true,
        sasl: { mechanism: 'SCRAM-SHA-512', username: key.keyId, password: key.secret },
      });
      await producer.send({ messages: expected(prefix).map((value, i) => ({ topic, key: `k${i}`, value })) });
      await producer.close();
    },
    async consume(topic, group) {
      const consumer = new Consumer({
        groupId: group,
        clientId: 'platformatic-through-gateway',
        bootstrapBrokers: both().split(','),
        deserializers: stringDeserializers,
        sasl: { mechanism: 'SCRAM-SHA-512', username: key.keyId, password: key.secret },
      });
      const stream = await consumer.consume({
        autocommit: false,
        topics: [topic],
        mode: 'earliest',
        sessionTimeout: 10_000,
        heartbeatInterval: 500,
      });
      const values: string[] = [];
      for await (const message of stream) {
        values.push(message.value as string);
        await message.commit();
        if (values.length === RECORDS) break;
      }
      await stream.close();
      await consumer.close();
      return values;
    },
  },
  'kafka-python': pythonFamily('kafka-python'),
  'confluent-kafka': pythonFamily('confluent-kafka'),
  java: {
    async produce(topic, prefix) {
      const r = await java(['produce', both(), key.keyId, key.secret, topic, String(RECORDS), prefix]);
      assert.deepEqual(r, { delivered: RECORDS, errors: [] });
    },
    async consume(topic, group) {
      const r = await java([
        'consume',
        both(),
        key.keyId,
        key.secret,
        topic,
        group,
        String(RECORDS),
        String(CONSUME_TIMEOUT_MS),
      ]);
      return r.values as string[];
    },
  },
};

function kcatSasl(): string[] {
  return [
    '-b',
    both(),
    '-X',
    'security.protocol=SASL_PLAINTEXT',
    '-X',
    'sasl.mechanisms=SCRAM-SHA-256',
    '-X',
    `sasl.username=${key.keyId}`,
    '-X',
    `sasl.password=${key.secret}`,
  ];
}

function pythonFamily(family: 'kafka-python' | 'confluent-kafka') {
  return {
    async produce(topic: string, prefix: string) {
      const r = await py([family, 'produce', both(), key.keyId, key.secret, topic, String(RECORDS), prefix]);
      assert.equal(r.delivered, RECORDS, JSON.stringify(r));
    },
    async consume(topic: string, group: string) {
      const r = await py([
        family,
        'consume',
        both(),
        key.keyId,
        key.secret,
        topic,
        group,
        String(RECORDS),
        String(CONSUME_TIMEOUT_MS / 1000),
      ]);
      return r.values as string[];
    },
  };
}

for (const [name, client] of Object.entries(families)) {
  test(`${name}: produces and consumes with a group through two gateways, with unprefixed names`, {
    skip,
    timeout: 180_000,
  }, async () => {
    const topic = `m-${name}`;
    const group = `mg-${name}`;
    await createTopic(topic);
    await client.produce(topic, name);
    const values = await client.consume(topic, group);
    assert.deepEqual([...values].sort(), expected(name));
    // Kafka holds the tenant's prefixed names: the records, and the group's commits.
    assert.deepEqual((await kafkaRecords(`acme.${topic}`)).sort(), expected(name));
    assert.equal(await committedOnKafka(`acme.${group}`, `acme.${topic}`), RECORDS);
  });
}

/**
 * Runs a Java transform (GatewayClient `mode`) of `${name}-in`, filled with RECORDS values, into `${name}-out`
 * through both gateways as the application `${name}-app`: its printed result.
 */
async function javaTransform(mode: 'transact' | 'streams', name: string, extra: string[]) {
  await createTopic(`${name}-in`);
  await createTopic(`${name}-out`);
  await families.java!.produce(`${name}-in`, name);
  const topics = [`${name}-in`, `${name}-out`, `${name}-app`];
  return java([
    mode,
    both(),
    key.keyId,
    key.secret,
    ...topics,
    ...extra,
    String(RECORDS),
    String(2 * CONSUME_TIMEOUT_MS),
  ]);
}

test('the Java client runs consume-transform-produce transactions through two gateways', {
  skip,
  timeout: 240_000,
}, async () => {
  const r = await javaTransform('transact', 'java-txn', ['java-txn']);
  assert.deepEqual(r, { transformed: RECORDS });
  // A read_committed consumer (through the gateways) sees the committed transaction's values only, though the
  // aborted one's come first in each partition.
  const upper = expected('java-txn').map((v) => v.toUpperCase());
  assert.deepEqual([...(await families.java!.consume('java-txn-out', 'java-txn-reader'))].sort(), upper);
  // Kafka's view: both transactions' records (and their markers) under the prefixed topic, and the group's offsets
  // committed by the transaction (applied when Kafka completes the commit, after EndTxn answered).
  const admin = direct().admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets('acme.java-txn-out');
  await admin.disconnect();
  assert.ok(offsets.reduce((n, o) => n + Number(o.high), 0) > 2 * RECORDS, JSON.stringify(offsets));
  await eventually(
    async () => (await committedOnKafka('acme.java-txn-app', 'acme.java-txn-in')) === RECORDS,
    'the transaction committed the group offsets',
  );
});

test('a Kafka Streams application with exactly_once_v2 writes every record once through two gateways', {
  skip,
  timeout: 240_000,
}, async () => {
  const r = await javaTransform('streams', 'streams', []);
  assert.equal(r.state, 'RUNNING');
  assert.deepEqual(
    [...(r.values as string[])].sort(),
    expected('streams').map((v) => v.toUpperCase()),
  );
  // The application's offsets, committed in its transactions, under the prefixed group.
  await eventually(
    async () => (await committedOnKafka('acme.streams-app', 'acme.streams-in')) === RECORDS,
    'the application committed its input offsets',
  );
});

test('a group with one member on each gateway shares the partitions and reads every record once', {
  skip,
  timeout: 180_000,
}, async () => {
  const topic = 'shared';
  await createTopic(topic, 4);
  const members = [g1, g2].map((g) => kafkajs(g.bootstrap).consumer({ groupId: 'split', sessionTimeout: 10_000 }));
  const seen = new Map<number, string[]>();
  const assigned = new Map<number, Set<number>>();
  for (const [i, m] of members.entries()) {
    seen.set(i, []);
    assigned.set(i, new Set());
    m.on(m.events.GROUP_JOIN, (e) => {
      assigned.set(i, new Set((e.payload.memberAssignment[topic] ?? []) as number[]));
    });
    await m.connect();
    await m.subscribe({ topic, fromBeginning: true });
    await m.run({ eachMessage: async ({ message }) => void seen.get(i)!.push(message.value!.toString()) });
  }
  // Both members in the group, each with its share of the four partitions.
  await waitFor(() => [...assigned.values()].every((s) => s.size === 2), 'both members hold two partitions');
  const producer = kafkajs(g1.bootstrap).producer({ idempotent: true });
  await producer.connect();
  await producer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: 40 }, (_, i) => ({ partition: i % 4, value: `s-${i}` })),
  });
  await producer.disconnect();
  await waitFor(() => [...seen.values()].flat().length >= 40, 'all 40 records read');
  await Promise.all(members.map((m) => m.disconnect()));
  const all = [...seen.values()].flat();
  assert.equal(new Set(all).size, 40);
  assert.equal(all.length, 40, 'no record read twice');
  assert.ok(
    [...seen.values()].every((v) => v.length === 20),
    'each member read its two partitions',
  );
});

test('a tenant-wide produce quota holds across two gateways together, not per gateway', {
  skip,
  timeout: 180_000,
}, async (t) => {
  const topic = 'quota';
  await createTopic(topic, 2);
  const quotaBytesPerSec = 256 * 1024;
  await fixtures.setQuota(acmeId, { produceBytesPerSec: quotaBytesPerSec });
  const value = Buffer.alloc(16 * 1024, 'q');
  // One producer through each gateway, each sending as fast as it is let for the same time.
  const producers = [g1, g2].map((g) => kafkajs(g.bootstrap).producer({ idempotent: true }));
  await Promise.all(producers.map((p) => p.connect()));
  // Both gateways learn the quota from Postgres (NOTIFY) and each other's rates (a sync a second): a warm-up first.
  const run = async (ms: number) => {
    const until = Date.now() + ms;
    const sent = await Promise.all(
      producers.map(async (p) => {
        let bytes = 0;
        while (Date.now() < until) {
          await p.send({ topic, acks: -1, messages: Array.from({ length: 4 }, () => ({ value })) });
          bytes += 4 * value.length;
        }
        return bytes;
      }),
    );
    return sent;
  };
  await run(4000);
  const started = Date.now();
  const sent = await run(12_000);
  const seconds = (Date.now() - started) / 1000;
  await Promise.all(producers.map((p) => p.disconnect()));
  await fixtures.setQuota(acmeId, { produceBytesPerSec: null });
  const rate = (sent[0]! + sent[1]!) / seconds;
  t.diagnostic(
    `quota ${quotaBytesPerSec} B/s; through the two gateways together ${rate.toFixed(0)} B/s (${(rate / quotaBytesPerSec).toFixed(2)}x), per gateway ${sent.map((b) => (b / seconds).toFixed(0)).join(' and ')} B/s`,
  );
  // Without sharing each gateway would let through a whole quota (2x); with it the two together keep to about one
  // (a second's burst allowance on each at the start of a window is the slack).
  assert.ok(rate < 1.5 * quotaBytesPerSec, `the tenant got ${(rate / quotaBytesPerSec).toFixed(2)}x its quota`);
  assert.ok(
    sent.every((b) => b > 0),
    'both gateways served the tenant',
  );
});

test('a gateway killed under a producer: the Java client carries on through the other', {
  skip,
  timeout: 180_000,
}, async (t) => {
  const topic = 'through-failover';
  await createTopic(topic, 1);
  // The producer's bootstrap lists both gateways; only the first is up when it starts, so it uses the first.
  const spare = await freePort();
  await stopGatewayChild(g2);
  const bootstrap = `${g1.bootstrap},127.0.0.1:${spare}`;
  const producer = await spawnJava('GatewayClient', ['produce-for', bootstrap, key.keyId, key.secret, topic, '15000'], {
    classpath,
  });
  const done = collect(producer);
  const progress = ackedProgress(producer);
  await started(producer);
  g2 = await startGatewayChild({ ...gatewayOptions, port: spare });
  await new Promise((r) => setTimeout(r, 2000));
  await stopGatewayChild(g1, 'SIGKILL');
  const ackedAtKill = progress();
  const summary = await done;
  g1 = await startGatewayChild(gatewayOptions);
  const acked = summary.acked as string[];
  t.diagnostic(`longest time without an acknowledgement across the gateway kill: ${summary.maxAckGapMs} ms`);
  const stored = await kafkaRecords(`acme.${topic}`);
  assert.ok(acked.length > 1, 'records were acknowledged');
  const storedSet = new Set(stored);
  assert.deepEqual(
    acked.filter((v) => !storedSet.has(v)),
    [],
    'every acknowledged record is on Kafka',
  );
  assert.equal(stored.length, storedSet.size, 'no record written twice');
  assert.ok(
    acked.length > ackedAtKill + 10,
    `records were acknowledged after the kill, through the other gateway (${ackedAtKill} before, ${acked.length} in all)`,
  );
});

test('the partition leader killed under an idempotent acks=all producer: nothing acknowledged is lost, nothing doubled', {
  skip,
  timeout: 240_000,
}, async (t) => {
  const topic = 'leader-kill';
  await createTopic(topic, 1);
  const producer = await spawnJava('GatewayClient', ['produce-for', both(), key.keyId, key.secret, topic, '20000'], {
    classpath,
  });
  const done = collect(producer);
  await started(producer);
  await new Promise((r) => setTimeout(r, 3000));
  const admin = direct().admin();
  await admin.connect();
  const meta = await admin.fetchTopicMetadata({ topics: [`acme.${topic}`] });
  await admin.disconnect();
  const leader = meta.topics[0]!.partitions[0]!.leader;
  const index = kafka.nodes.findIndex((n) => n.id === leader);
  assert.ok(index >= 0, `leader ${leader} is one of the nodes`);
  await kafka.kill9(index);
  const summary = await done;
  const acked = summary.acked as string[];
  t.diagnostic(`stall while the leader moved (longest time without an acknowledgement): ${summary.maxAckGapMs} ms`);
  console.log(
    `# leader kill: ${acked.length} records acknowledged, ${summary.failed} failed, stall ${summary.maxAckGapMs} ms`,
  );
  const stored = await kafkaRecords(`acme.${topic}`);
  const storedSet = new Set(stored);
  assert.deepEqual(
    acked.filter((v) => !storedSet.has(v)),
    [],
    'no acknowledged record lost',
  );
  assert.equal(stored.length, storedSet.size, 'no record written twice');
  assert.ok(acked.length > 10, 'the producer kept going');
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves when the Java producer prints "started" (its first record acknowledged). */
function started(proc: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout! });
    lines.on('line', (l) => {
      if (l === 'started') resolve();
    });
    proc.once('exit', (code) => reject(new Error(`the producer exited with ${code} before its first record`)));
  });
}

/** The producer's latest "acked N" count, as a function read when needed. */
function ackedProgress(proc: ChildProcess): () => number {
  let count = 0;
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    const m = /^acked (\d+)$/.exec(l);
    if (m) count = Number(m[1]);
  });
  return () => count;
}

/** The Java producer's closing JSON line, once it exits. */
function collect(proc: ChildProcess): Promise<Record<string, unknown>> {
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err = (err + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the producer exited with ${code}: ${err}`));
      else {
        const last = out.split('\n').findLast((l) => l.startsWith('{'));
        if (last === undefined) reject(new Error(`the producer printed no closing JSON line: ${out.slice(-400)}`));
        else resolve(JSON.parse(last));
      }
    });
  });
}
