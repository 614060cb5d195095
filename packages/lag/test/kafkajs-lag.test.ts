/**
 * End to end: a real KafkaJS consumer group against a real `samsa broker` process falls behind, catches up,
 * stalls (paused but alive) and stops (left the group). The collector, reading the broker only over the Kafka
 * protocol, must report WARNING, OK, STALLED and STOPPED in that order, store chart data that rises and falls in
 * a fresh Postgres database, and call the tenant's webhook on each alerting change. Thresholds are scaled down
 * (the rules are the same); passes are driven by the test, so the sequence does not depend on timer jitter.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createDb, type Db } from '@samsa/db';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { type Consumer, Kafka, logLevel, type Producer } from 'kafkajs';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { LagCollector } from '../src/collector.ts';
import { getGroupLagHistory } from '../src/history.ts';
import { KafkaGroupAdmin } from '@samsa/cluster';
import { LagStore } from '../src/store.ts';
import type { GroupEvaluation, GroupStatus } from '../src/types.ts';
import { staticWebhookTargets, WebhookNotifier } from '../src/webhook.ts';

const TOPIC = 'orders';
const GROUP = 'billing';
const STEP_MS = 400;

let broker: BrokerProcess;
let database: TestDatabase;
let db: Db;
let kafka: Kafka;
const hooks: { from: string | null; to: string }[] = [];
const hookServer = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const e = JSON.parse(body);
    hooks.push({ from: e.from, to: e.to });
    res.end();
  });
});

before(async () => {
  [broker, database] = await Promise.all([
    startBroker({ args: ['--group-initial-rebalance-delay-ms', '0', '--group-min-session-timeout-ms', '1000'] }),
    createTestDatabase(),
  ]);
  db = createDb(database.url, { poolMax: 4 });
  kafka = new Kafka({ clientId: 'lag-e2e', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
});
after(async () => {
  await db?.$disconnect();
  await Promise.all([broker?.cleanup(), database?.drop()]);
  await new Promise<void>((r) => hookServer.close(() => r()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a KafkaJS group that falls behind, catches up, stalls and stops gets WARNING, OK, STALLED, STOPPED', async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
  await admin.disconnect();

  const producer: Producer = kafka.producer();
  await producer.connect();
  let seq = 0;
  const produce = (n: number) =>
    producer.send({ topic: TOPIC, messages: Array.from({ length: n }, () => ({ value: `m${seq++}` })) });

  let delayMs = 100;
  const consumer: Consumer = kafka.consumer({
    groupId: GROUP,
    sessionTimeout: 6000,
    heartbeatInterval: 300,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    autoCommitThreshold: 1,
    eachMessage: async () => {
      if (delayMs > 0) await sleep(delayMs);
    },
  });

  const source = new KafkaGroupAdmin({ bootstrapBrokers: [broker.bootstrap] });
  const store = new LagStore(db);
  const notifier = new WebhookNotifier({
    targets: staticWebhookTargets({ '*': { url: `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/` } }),
    // The receiver is on loopback, which webhooks may reach only with the operator's setting.
    destinations: { allowPrivate: true, allowedCidrs: [] },
  });
  const collector = new LagCollector({
    source,
    store,
    evaluation: { windowSamples: 4, minSamples: 3, stalledAfterMs: 1500, stoppedAfterMs: 2500 },
    onStatusChange: notifier.notify,
  });
  const seen: GroupStatus[] = [];
  const pass = async (): Promise<GroupEvaluation | undefined> => {
    const p = await collector.collectOnce();
    const e = p.evaluations.find((x) => x.groupId === GROUP);
    if (e && seen.at(-1) !== e.status) seen.push(e.status);
    return e;
  };
  const until = async (what: string, done: (e: GroupEvaluation) => boolean, eachStep?: () => Promise<unknown>) => {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      await eachStep?.();
      await sleep(STEP_MS);
      const e = await pass();
      if (e && done(e)) return e;
    }
    assert.fail(`timed out waiting for ${what}; statuses so far: ${seen.join(' -> ')}`);
  };

  try {
    // The group joins and commits its first offsets.
    await produce(5);
    await until('first commit', (e) => e.partitions.length === 1 && e.members === 1);

    // 1. Falls behind: 20 messages per step arrive, about 4 are consumed (and committed) per step.
    const behind = await until(
      'WARNING',
      (e) => e.status === 'WARNING',
      () => produce(20),
    );
    assert.ok(behind.totalLag > 20, `lag ${behind.totalLag}`);
    assert.ok((behind.maxTimeLagMs ?? 0) > 0, 'time lag is measured while behind');
    assert.match(behind.reason, /lag grew from \d+ to \d+ over \d+ s while the consumer committed/);

    // 2. Catches up: the consumer speeds up and production stops.
    delayMs = 0;
    const caughtUp = await until('OK with lag 0', (e) => e.status === 'OK' && e.totalLag === 0);
    assert.equal(caughtUp.maxTimeLagMs, 0);

    // 3. Stalls: the member stays in the group (heartbeats) but stops consuming while messages keep arriving.
    consumer.pause([{ topic: TOPIC }]);
    await sleep(300);
    const stalled = await until(
      'STALLED',
      (e) => e.status === 'STALLED',
      () => produce(5),
    );
    assert.equal(stalled.members, 1);
    assert.ok(stalled.totalLag > 0);

    // 4. Stops: the consumer leaves; nobody is assigned and the offset stays put.
    await consumer.disconnect();
    const stopped = await until('STOPPED', (e) => e.status === 'STOPPED');
    assert.equal(stopped.members, 0);
    assert.equal(stopped.state, 'Empty');

    const order = ['WARNING', 'OK', 'STALLED', 'STOPPED'];
    let at = -1;
    for (const s of order) {
      const i = seen.indexOf(s as GroupStatus, at + 1);
      assert.ok(i > at, `expected ${order.join(' -> ')} in ${seen.join(' -> ')}`);
      at = i;
    }

    // The chart data: total lag rises while behind, falls to 0 when caught up, rises again while stalled.
    const history = await getGroupLagHistory(
      store,
      { groupId: GROUP, window: '15m', maxPoints: 2000 },
      { sampleIntervalMs: STEP_MS },
    );
    assert.equal(history.resolution, 'raw');
    assert.equal(history.partitions.length, 1);
    assert.ok(history.total.length >= 3);
    // Every raw sample, unbucketed:
    const [series] = await store.partitionHistory({
      groupId: GROUP,
      resolution: 'raw',
      fromMs: history.fromMs,
      toMs: history.toMs,
      stepMs: 1,
    });
    const lags = series.points.map((p) => p.lag);
    const peak = Math.max(...lags);
    const peakAt = lags.indexOf(peak);
    const zeroAfterPeak = lags.indexOf(0, peakAt);
    assert.ok(peak > 20, `peak ${peak} in ${lags.join(',')}`);
    assert.ok(zeroAfterPeak > peakAt, `falls to 0 after the peak: ${lags.join(',')}`);
    assert.ok(lags.at(-1)! > 0, 'rises again while stalled and stopped');
    const rolled = await store.rollUp(Date.now());
    assert.ok(rolled.minute >= 1);

    // Webhooks fired on the way into and out of the alerting statuses.
    await notifier.idle();
    const tos = hooks.map((h) => h.to);
    for (const s of ['WARNING', 'STALLED', 'STOPPED']) assert.ok(tos.includes(s), `webhook for ${s}: ${tos.join(',')}`);
    assert.ok(
      hooks.some((h) => h.from === 'WARNING' && h.to === 'OK'),
      'recovery from WARNING is reported',
    );
    assert.ok(notifier.log.list().every((r) => r.outcome === 'delivered'));
  } finally {
    await consumer.disconnect().catch(() => {});
    await producer.disconnect();
    await source.close();
  }
});
