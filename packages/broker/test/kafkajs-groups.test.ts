/**
 * KafkaJS consumer groups against a real broker: three members share six partitions, rebalance when one leaves and
 * when one is killed without leaving, commit and resume; an idempotent gzip producer feeds them; admin group tools.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { CompressionTypes, type Consumer, Kafka, logLevel } from 'kafkajs';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { eventually } from '@samsa/test-support/eventually';

const here = dirname(fileURLToPath(import.meta.url));
let broker: BrokerProcess;
let kafka: Kafka;
before(async () => {
  broker = await startBroker({
    args: ['--group-min-session-timeout-ms', '1000', '--group-initial-rebalance-delay-ms', '300'],
  });
  kafka = new Kafka({ clientId: 'groups-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
});
after(async () => {
  await broker.cleanup();
});

async function produce(topic: string, prefix: string, count: number) {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let p = 0; p < 6; p++) {
    await producer.send({
      topic,
      compression: CompressionTypes.GZIP,
      messages: Array.from({ length: count / 6 }, (_, i) => ({
        partition: p,
        key: `k${i}`,
        value: `${prefix}-${p}-${i}`,
      })),
    });
  }
  await producer.disconnect();
}

function startChild(
  topic: string,
  groupId: string,
): { proc: ChildProcess; events: { event: string; partitions?: number[]; value?: string }[] } {
  const proc = spawn(
    process.execPath,
    [join(here, 'support/kafkajs-consumer-child.ts'), broker.bootstrap, topic, groupId, '6000'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const events: { event: string; partitions?: number[]; value?: string }[] = [];
  let buf = '';
  proc.stdout!.on('data', (c: Buffer) => {
    buf += c.toString();
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      events.push(JSON.parse(buf.slice(0, nl)));
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
    }
  });
  return { proc, events };
}

test('three members share six partitions and rebalance on a clean leave and on a crash', async () => {
  const topic = 'shared';
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 6 }] });

  const received = new Map<string, string[]>();
  const assignments = new Map<string, number[]>();
  const members: Consumer[] = [];
  for (const name of ['a', 'b']) {
    const consumer = kafka.consumer({
      groupId: 'workers',
      sessionTimeout: 6000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 200,
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) =>
      assignments.set(name, (e.payload.memberAssignment[topic] ?? []) as number[]),
    );
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const list = received.get(name) ?? [];
        list.push(message.value!.toString());
        received.set(name, list);
      },
    });
    members.push(consumer);
  }
  const child = startChild(topic, 'workers');
  try {
    const childAssigned = () => child.events.filter((e) => e.event === 'assigned').at(-1)?.partitions ?? [];
    const owned = () => [...(assignments.get('a') ?? []), ...(assignments.get('b') ?? []), ...childAssigned()].sort();
    // Each member reports its newest assignment; once all three hold a share, together they own each partition once.
    await eventually(
      () =>
        (assignments.get('a')?.length ?? 0) > 0 &&
        (assignments.get('b')?.length ?? 0) > 0 &&
        childAssigned().length > 0 &&
        owned().join() === '0,1,2,3,4,5',
      'all three members sharing the six partitions',
    );

    await produce(topic, 'first', 60);
    const total = () =>
      (received.get('a')?.length ?? 0) +
      (received.get('b')?.length ?? 0) +
      child.events.filter((e) => e.event === 'message').length;
    await eventually(() => total() >= 60, 'first 60 messages consumed');

    // A member leaves cleanly: the other two take its partitions.
    await members[1]!.disconnect();
    await eventually(
      () => [...(assignments.get('a') ?? []), ...childAssigned()].sort().join() === '0,1,2,3,4,5',
      'rebalanced to two members after a leave',
    );

    // A member is killed without leaving: after its session timeout the survivor owns everything.
    child.proc.kill('SIGKILL');
    await eventually(
      () => (assignments.get('a') ?? []).length === 6,
      'the crashed member expired and a took over',
      20_000,
    );
    const before = received.get('a')?.length ?? 0;
    await produce(topic, 'second', 60);
    await eventually(() => (received.get('a')?.length ?? 0) >= before + 60, 'survivor consumes all new messages');
    const values = new Set(received.get('a'));
    for (let p = 0; p < 6; p++) assert.ok(values.has(`second-${p}-9`), `partition ${p} consumed by the survivor`);

    // Committed offsets are visible to admin tools, and the group can be inspected.
    await members[0]!.disconnect();
    const groups = await admin.listGroups();
    assert.ok(groups.groups.some((g) => g.groupId === 'workers'));
    const described = await admin.describeGroups(['workers']);
    assert.equal(described.groups[0]!.state, 'Empty');
    const offsets = await admin.fetchOffsets({ groupId: 'workers', topics: [topic] });
    for (const p of offsets[0]!.partitions)
      assert.equal(p.offset, '20', `partition ${p.partition} committed to the end`);
  } finally {
    child.proc.kill('SIGKILL');
    await Promise.all(members.map((m) => m.disconnect().catch(() => {})));
    await admin.disconnect();
  }
});

test('a group resumes from its committed offsets; admin resets them; delete needs an empty group', async () => {
  const topic = 'resume';
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 6 }] });
  await produce(topic, 'r', 12);

  const consumeAll = async (expected: number) => {
    const got: string[] = [];
    const consumer = kafka.consumer({
      groupId: 'resumer',
      sessionTimeout: 6000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 200,
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    await eventually(() => got.length >= expected, `${expected} messages`);
    await new Promise((r) => setTimeout(r, 300));
    await consumer.disconnect();
    return got;
  };
  assert.equal((await consumeAll(12)).length, 12);
  await produce(topic, 's', 6);
  const resumed = await consumeAll(6);
  assert.deepEqual(
    resumed.filter((v) => v.startsWith('r')),
    [],
    'no re-delivery after resume',
  );
  assert.equal(resumed.length, 6);

  await admin.resetOffsets({ groupId: 'resumer', topic, earliest: true });
  assert.equal((await consumeAll(18)).length, 18, 'reset to earliest re-reads everything');
  await admin.setOffsets({ groupId: 'resumer', topic, partitions: [{ partition: 0, offset: '2' }] });
  const fetched = await admin.fetchOffsets({ groupId: 'resumer', topics: [topic] });
  assert.equal(fetched[0]!.partitions.find((p) => p.partition === 0)!.offset, '2');

  await admin.deleteGroups(['resumer']);
  assert.ok(!(await admin.listGroups()).groups.some((g) => g.groupId === 'resumer'));
  await admin.disconnect();
});

test('replay: a new group re-reads the whole history while a live group keeps up with new writes', async () => {
  const topic = 'history';
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 6 }] });
  await admin.disconnect();
  await produce(topic, 'old', 120);

  const live: string[] = [];
  const liveConsumer = kafka.consumer({
    groupId: 'live',
    sessionTimeout: 6000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 200,
  });
  await liveConsumer.connect();
  await liveConsumer.subscribe({ topic, fromBeginning: false });
  await liveConsumer.run({ eachMessage: async ({ message }) => void live.push(message.value!.toString()) });
  const replayed: string[] = [];
  const replayConsumer = kafka.consumer({
    groupId: 'replay',
    sessionTimeout: 6000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 200,
  });
  try {
    // Let the live group settle at the end of the log before new writes arrive.
    await new Promise((r) => setTimeout(r, 2000));
    await produce(topic, 'new', 60);
    await replayConsumer.connect();
    await replayConsumer.subscribe({ topic, fromBeginning: true });
    await replayConsumer.run({ eachMessage: async ({ message }) => void replayed.push(message.value!.toString()) });
    await produce(topic, 'newer', 60);
    await eventually(() => replayed.length >= 240, 'the replay group read all 240 records');
    await eventually(() => live.length >= 120, 'the live group read the 120 new records');
    assert.equal(new Set(replayed).size, 240);
    assert.ok(
      live.every((v) => !v.startsWith('old')),
      'the live group starts at the end',
    );
    assert.equal(live.filter((v) => v.startsWith('new')).length, 120);
  } finally {
    await replayConsumer.disconnect();
    await liveConsumer.disconnect();
  }
});
