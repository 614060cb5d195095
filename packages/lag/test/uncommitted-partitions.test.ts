/**
 * Lag counts every partition a group consumes. A real KafkaJS group on a real `samsa broker` reads 400 of the 1,000
 * messages of a 2-partition topic (500 each) and commits only on partition 0 (offset 400): the 500 unread messages
 * of partition 1, where it has no committed offset, are lag too, so the group's lag is 100 + 500 = 600 (the old
 * collector left partition 1 out and said 100). Partition 1 is marked "no committed offset" in the snapshot, the
 * evaluation and the Prometheus text; a group that is only assigned a topic, without committing anything, has its
 * whole backlog as lag; and with the `latest` reset position the uncommitted partition counts nothing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { LagCollector } from '../src/collector.ts';
import { KafkaGroupAdmin } from '@samsa/cluster';
import { renderPrometheus } from '../src/prometheus.ts';

const TOPIC = 'orders';
const PER_PARTITION = 500;

let broker: BrokerProcess;
let kafka: Kafka;
let source: KafkaGroupAdmin;
const consumers: Consumer[] = [];

before(async () => {
  broker = await startBroker({
    args: ['--group-initial-rebalance-delay-ms', '0', '--group-min-session-timeout-ms', '1000'],
  });
  kafka = new Kafka({ clientId: 'uncommitted-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  source = new KafkaGroupAdmin({ bootstrapBrokers: [broker.bootstrap] });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  for (const partition of [0, 1]) {
    await producer.send({
      topic: TOPIC,
      messages: Array.from({ length: PER_PARTITION }, (_, i) => ({ partition, value: `p${partition}-${i}` })),
    });
  }
  await producer.disconnect();
});
after(async () => {
  await Promise.all(consumers.map((c) => c.disconnect().catch(() => {})));
  await source?.close();
  await broker?.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await check();
    if (v !== undefined) return v;
    await sleep(200);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** A consumer of `groupId` that reads `orders` from the beginning and never commits on its own. */
async function consumer(groupId: string, onMessage: (c: Consumer, partition: number, offset: number) => Promise<void>) {
  const c = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
  consumers.push(c);
  await c.connect();
  await c.subscribe({ topic: TOPIC, fromBeginning: true });
  await c.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => onMessage(c, partition, Number(message.offset)),
  });
  return c;
}

test('a group that read 400 of 1,000 messages and committed only partition 0 has lag 600, not 100', async () => {
  // It reads partition 0 up to offset 399, commits 400 there, and stops reading; partition 1 it never commits.
  const billing = await consumer('billing', async (c, partition, offset) => {
    if (partition === 0 && offset === 399) {
      await c.commitOffsets([{ topic: TOPIC, partition: 0, offset: '400' }]);
      c.pause([{ topic: TOPIC }]);
    }
  });
  const collector = new LagCollector({
    source,
    evaluation: { stalledAfterMs: 1_000, stoppedAfterMs: 1_000 },
  });
  const live = await until('the commit on partition 0 and both partitions assigned', async () => {
    await collector.collectOnce();
    const s = collector.snapshot('billing');
    const p0 = s?.partitions.find((p) => p.partition === 0);
    return p0?.committedOffset === 400 && s?.members[0]?.assignments[TOPIC]?.length === 2 ? s : undefined;
  });
  assert.deepEqual(
    live.partitions.map((p) => [p.partition, p.committedOffset, p.positionOffset, p.logEndOffset, p.lag, p.assigned]),
    [
      [0, 400, 400, 500, 100, true],
      [1, null, 0, 500, 500, true],
    ],
    'partition 1 has no committed offset: its lag counts from the log start',
  );
  const e = collector.evaluator.get('billing');
  assert.equal(e?.totalLag, 600);
  assert.deepEqual(
    e?.partitions.map((p) => [p.partition, p.lag, p.noCommittedOffset]),
    [
      [0, 100, false],
      [1, 500, true],
    ],
  );

  const metrics = renderPrometheus(collector.current(), (id) => collector.snapshot(id));
  assert.match(metrics, /\nsamsa_consumergroup_total_lag\{group="billing",tenant=""\} 600\n/);
  assert.match(metrics, /\nsamsa_consumergroup_lag\{group="billing",tenant="",topic="orders",partition="1"\} 500\n/);
  assert.match(
    metrics,
    /\nsamsa_consumergroup_no_committed_offset\{group="billing",tenant="",topic="orders",partition="1"\} 1\n/,
  );
  assert.match(
    metrics,
    /\nsamsa_consumergroup_no_committed_offset\{group="billing",tenant="",topic="orders",partition="0"\} 0\n/,
  );
  assert.doesNotMatch(metrics, /samsa_consumergroup_committed_offset\{[^}]*partition="1"\}/, 'no committed offset');

  // Held by a live member that commits nothing there for stalledAfterMs: STALLED, and the reason says why.
  await sleep(1_100);
  await collector.collectOnce();
  const stalled = collector.evaluator.get('billing');
  assert.equal(stalled?.status, 'STALLED');
  assert.match(stalled?.partitions[1]?.reason ?? '', /^assigned to a live member but it has no committed offset/);
  assert.equal(stalled?.partitions[1]?.status, 'STALLED');

  // The member leaves: partition 1 is nobody's, and still counts (the group committed on this topic).
  await billing.disconnect();
  const left = await until('the member to leave', async () => {
    await collector.collectOnce();
    const g = collector.evaluator.get('billing');
    return g?.members === 0 ? g : undefined;
  });
  assert.equal(left.totalLag, 600);
  await sleep(1_100);
  await collector.collectOnce();
  const stopped = collector.evaluator.get('billing');
  assert.equal(stopped?.status, 'STOPPED');
  assert.match(stopped?.partitions[1]?.reason ?? '', /no member consumes it and it has no committed offset/);

  // With the `latest` reset position (consumers with auto.offset.reset=latest), partition 1 counts nothing.
  const latest = new LagCollector({ source, offsetReset: 'latest', includeGroup: (g) => g.groupId === 'billing' });
  await latest.collectOnce();
  assert.equal(latest.evaluator.get('billing')?.totalLag, 100);
  assert.deepEqual(
    latest.snapshot('billing')?.partitions.map((p) => [p.partition, p.committedOffset, p.positionOffset, p.lag]),
    [
      [0, 400, 400, 100],
      [1, null, 500, 0],
    ],
  );
});

test('a group assigned a topic but with no committed offset at all has the whole backlog as lag', async () => {
  await consumer('audit', async (c) => {
    c.pause([{ topic: TOPIC }]);
  });
  const collector = new LagCollector({ source, includeGroup: (g) => g.groupId === 'audit' });
  const e = await until('the member to be assigned both partitions', async () => {
    await collector.collectOnce();
    const g = collector.evaluator.get('audit');
    return g?.partitions.length === 2 ? g : undefined;
  });
  assert.equal(e.totalLag, 2 * PER_PARTITION);
  assert.deepEqual(
    e.partitions.map((p) => [p.partition, p.lag, p.noCommittedOffset]),
    [
      [0, 500, true],
      [1, 500, true],
    ],
  );
  assert.notEqual(e.status, 'INACTIVE');
});

test("Metadata for the groups' topics leaves unknown topics out and never creates them", async () => {
  assert.deepEqual(await source.topicPartitions(['orders', 'no-such-topic']), new Map([['orders', [0, 1]]]));
  const admin = kafka.admin();
  await admin.connect();
  try {
    assert.ok(!(await admin.listTopics()).includes('no-such-topic'), 'not auto-created by the lookup');
  } finally {
    await admin.disconnect();
  }
});
