/**
 * Issue 15: Samsa's lag collector against a real Apache Kafka 4.1.1 (one KRaft node, SASL/SCRAM, the
 * StandardAuthorizer), read as Kafka's superuser over SASL the way the console reads a managed cluster, compared
 * with what Kafka's own `kafka-consumer-groups --describe` prints for the same groups at the same moment.
 *
 * On `acme.orders` (3 partitions) real groups commit and then stop: `acme.billing` (KafkaJS, classic protocol,
 * committed behind the end on every partition, then left), `acme.audit` (KafkaJS, still a member, committed only on
 * partition 0), and two groups of @platformatic/kafka with the KIP-848 `consumer` protocol: `acme.kip848` (still a
 * member) and `acme.kip848-left`. More is produced, then both read. Current offset, log-end offset, lag, the member
 * holding each partition, the group's state and member count agree on every partition and group the tool prints. The
 * one difference Samsa keeps is a partition the group never committed on: the tool prints `-` for its offset and lag
 * (or leaves it out when the group has no members), Samsa counts its whole log as lag (the default `earliest` reset:
 * those messages are unread).
 *
 * What the comparison found: Kafka answers DescribeGroups below version 6 (all the client library speaks) for a
 * KIP-848 group with a no-error `Dead` and no members, so Samsa showed such groups as Dead and memberless; they are
 * now asked again with ConsumerGroupDescribe (packages/cluster/src/group-admin.ts).
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Consumer as PlatformaticConsumer } from '@platformatic/kafka';
import { KafkaGroupAdmin } from '@samsa/cluster';
import { writeSaslClientProperties } from '@samsa/kafka-harness/client-properties';
import { createTopicsWithLeaders } from '@samsa/kafka-harness/create-topics';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { runJava } from '@samsa/kafka-harness/java';
import { type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import { eventually } from '@samsa/test-support/eventually';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { LagCollector } from '../src/collector.ts';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

const SUPERUSER = { name: 'admin', password: 'admin-secret' };
/** How the collector, the clients and Kafka's tool sign in: as Kafka's superuser, as the console would. */
const LOGIN = { mechanism: 'SCRAM-SHA-512', username: SUPERUSER.name, password: SUPERUSER.password } as const;
const TOPIC = 'acme.orders';
const FIRST_BATCH = 100;
const SECOND_BATCH = 20;

let kafka: KafkaCluster;
let client: Kafka;
let source: KafkaGroupAdmin;
let commandConfig: string;
const consumers: Consumer[] = [];
/** How each KIP-848 member leaves its group. */
const kip848Leaves: (() => Promise<void>)[] = [];

before(
  async () => {
    if (skip) return;
    kafka = await startKafka({ sasl: { superuser: SUPERUSER } });
    client = new Kafka({
      clientId: 'lag-on-kafka',
      brokers: kafka.saslBootstrap!.split(','),
      sasl: { mechanism: 'scram-sha-512', username: LOGIN.username, password: LOGIN.password },
      logLevel: logLevel.NOTHING,
    });
    source = new KafkaGroupAdmin({
      bootstrapBrokers: kafka.saslBootstrap!.split(','),
      sasl: LOGIN,
    });
    commandConfig = join(tmpdir(), `lag-on-kafka-${process.pid}.properties`);
    await writeSaslClientProperties(commandConfig, LOGIN);
    const admin = client.admin();
    await admin.connect();
    await createTopicsWithLeaders(admin, [{ topic: TOPIC, numPartitions: 3 }]);
    await admin.disconnect();
    await produce(FIRST_BATCH);
  },
  { timeout: 180_000 },
);
after(async () => {
  await Promise.all(consumers.map((c) => c.disconnect().catch(() => {})));
  await Promise.all(kip848Leaves.map((leave) => leave().catch(() => {})));
  await source?.close();
  await kafka?.stop();
  if (commandConfig) await rm(commandConfig, { force: true });
});

async function produce(perPartition: number): Promise<void> {
  const producer = client.producer();
  await producer.connect();
  for (const partition of [0, 1, 2])
    await producer.send({
      topic: TOPIC,
      messages: Array.from({ length: perPartition }, (_, i) => ({ partition, value: `p${partition}-${i}` })),
    });
  await producer.disconnect();
}

/**
 * A KafkaJS member of `groupId` reading from the beginning that commits `commitAt[partition]` when it reaches it,
 * then pauses that partition; resolves once every partition in `commitAt` is committed.
 */
async function classicGroup(groupId: string, commitAt: Record<number, number>): Promise<Consumer> {
  const c = client.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
  consumers.push(c);
  const pending = new Set(Object.keys(commitAt).map(Number));
  let done!: () => void;
  const allCommitted = new Promise<void>((r) => {
    done = r;
  });
  await c.connect();
  await c.subscribe({ topic: TOPIC, fromBeginning: true });
  await c.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const at = commitAt[partition];
      if (at === undefined) {
        // Held but never committed: stop reading it.
        c.pause([{ topic: TOPIC, partitions: [partition] }]);
        return;
      }
      if (Number(message.offset) + 1 !== at) return;
      await c.commitOffsets([{ topic: TOPIC, partition, offset: String(at) }]);
      c.pause([{ topic: TOPIC, partitions: [partition] }]);
      pending.delete(partition);
      if (pending.size === 0) done();
    },
  });
  await allCommitted;
  return c;
}

/**
 * A KIP-848 (`group.protocol=consumer`) member of `groupId` that reads `count` messages from the beginning, committing
 * each, then stops reading and stays in the group until the returned function makes it leave.
 */
async function kip848Member(groupId: string, count: number): Promise<() => Promise<void>> {
  const consumer = new PlatformaticConsumer({
    groupId,
    clientId: 'lag-on-kafka-kip848',
    bootstrapBrokers: kafka.saslBootstrap!.split(','),
    sasl: LOGIN,
    groupProtocol: 'consumer',
  });
  const stream = await consumer.consume({ autocommit: false, topics: [TOPIC], mode: 'earliest' });
  let read = 0;
  let committed = 0;
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('data', (message) => {
      if (read === count) return;
      if (++read === count) stream.pause();
      Promise.resolve(message.commit()).then(() => {
        if (++committed === count) resolve();
      }, reject);
    });
  });
  let left: Promise<void> | undefined;
  const leave = () => {
    left ??= stream.close().then(() => consumer.close());
    return left;
  };
  kip848Leaves.push(leave);
  return leave;
}

interface Row {
  group: string;
  partition: number;
  current: number | null;
  logEnd: number;
  lag: number | null;
  /** The member holding the partition, or null (`-`: nobody holds it). */
  consumerId: string | null;
}

const numberOrNull = (s: string) => (s === '-' ? null : Number(s));

/** `kafka-consumer-groups --describe --group ... [extra]` over SASL as the superuser: its lines, split in columns. */
async function consumerGroups(groups: string[], ...extra: string[]): Promise<string[][]> {
  const r = await runJava('org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', [
    '--bootstrap-server',
    kafka.saslBootstrap!,
    '--command-config',
    commandConfig,
    '--describe',
    ...groups.flatMap((g) => ['--group', g]),
    ...extra,
  ]);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return r.stdout.split('\n').map((line) => line.trim().split(/\s+/));
}

/** The offsets table's rows for `TOPIC`: GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID ... */
async function kafkaDescribe(groups: string[]): Promise<Row[]> {
  return (await consumerGroups(groups))
    .filter((cols) => cols[1] === TOPIC)
    .map(([group, , partition, current, logEnd, lag, consumerId]) => ({
      group: group!,
      partition: Number(partition),
      current: numberOrNull(current!),
      logEnd: Number(logEnd),
      lag: numberOrNull(lag!),
      consumerId: consumerId === '-' ? null : consumerId!,
    }))
    .sort((a, b) => a.group.localeCompare(b.group) || a.partition - b.partition);
}

/** `--state`: GROUP COORDINATOR (ID) ASSIGNMENT-STRATEGY STATE #MEMBERS, as [group, state, members] by group. */
async function kafkaStates(groups: string[]): Promise<[string, string, number][]> {
  return (await consumerGroups(groups, '--state'))
    .filter((cols) => groups.includes(cols[0]!))
    .map((cols): [string, string, number] => [cols[0]!, cols.at(-2)!, Number(cols.at(-1))])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

test("lag from Samsa's collector matches kafka-consumer-groups --describe on the same groups", {
  skip,
  timeout: 300_000,
}, async () => {
  // Classic, committed behind the end on every partition, then gone: an Empty group with committed offsets.
  const billing = await classicGroup('acme.billing', { 0: 30, 1: 40, 2: 50 });
  await billing.disconnect();
  // Classic, still a member holding all three partitions, committed only on partition 0.
  const audit = await classicGroup('acme.audit', { 0: 10 });
  await eventually(async () => {
    const d = (await source.describeGroups(['acme.audit'])).get('acme.audit');
    return d?.state === 'Stable' && d.members[0]?.assignments[TOPIC]?.length === 3;
  }, 'acme.audit to hold all three partitions');
  // KIP-848, 45 messages read and committed each (how they spread over the partitions is the broker's
  // assignment): one member stays, holding all three partitions; the other group's member leaves.
  await kip848Member('acme.kip848', 45);
  await (await kip848Member('acme.kip848-left', 45))();
  await eventually(async () => {
    const d = (await source.describeGroups(['acme.kip848'])).get('acme.kip848');
    return d?.members[0]?.assignments[TOPIC]?.length === 3;
  }, 'the acme.kip848 member to hold all three partitions');
  await produce(SECOND_BATCH);

  // Nothing produces or consumes from here on: both reads see the same offsets.
  const groups = ['acme.audit', 'acme.billing', 'acme.kip848', 'acme.kip848-left'];
  const collector = new LagCollector({ source, includeGroup: (g) => groups.includes(g.groupId) });
  await collector.collectOnce();
  const described = await kafkaDescribe(groups);
  const states = await kafkaStates(groups);
  const samsa = groups.flatMap((group) => (collector.snapshot(group)?.partitions ?? []).map((p) => ({ group, ...p })));

  const end = FIRST_BATCH + SECOND_BATCH;
  // What Kafka's tool prints, pinned so that a silent change on either side shows.
  assert.deepEqual(
    described
      .filter((r) => !r.group.startsWith('acme.kip848'))
      .map((r) => [r.group, r.partition, r.current, r.logEnd, r.lag]),
    [
      ['acme.audit', 0, 10, end, end - 10],
      ['acme.audit', 1, null, end, null],
      ['acme.audit', 2, null, end, null],
      ['acme.billing', 0, 30, end, end - 30],
      ['acme.billing', 1, 40, end, end - 40],
      ['acme.billing', 2, 50, end, end - 50],
    ],
  );
  for (const group of ['acme.kip848', 'acme.kip848-left'])
    assert.equal(
      described.filter((r) => r.group === group).reduce((sum, r) => sum + (r.current ?? 0), 0),
      45,
      `${group} committed the 45 messages it read`,
    );

  // Samsa agrees on every partition the tool prints an offset for.
  const committedRows = described.filter((r) => r.current !== null);
  assert.deepEqual(
    samsa
      .filter((p) => p.committedOffset !== null)
      .map((p) => [p.group, p.partition, p.committedOffset, p.logEndOffset, p.lag]),
    committedRows.map((r) => [r.group, r.partition, r.current, r.logEnd, r.lag]),
  );
  // A partition the group never committed on: Kafka's tool prints `-` when a member holds it (it does not know
  // where the consumer starts) and leaves it out when the group has no members (it lists committed offsets only).
  // Samsa counts it from the log start (auto.offset.reset=earliest by default): every message there is unread.
  const key = (r: { group: string; partition: number }) => `${r.group}/${r.partition}`;
  const printed = new Map(described.map((r) => [key(r), r]));
  const uncommitted = samsa.filter((p) => p.committedOffset === null);
  for (const p of uncommitted) {
    assert.equal(p.positionOffset, 0, `${key(p)} counts from the log start`);
    assert.equal(p.lag, p.logEndOffset, `${key(p)}: its whole log is lag`);
    const row = printed.get(key(p));
    if (row) assert.deepEqual([row.current, row.logEnd, row.lag], [null, p.logEndOffset, null], key(p));
    else
      assert.equal(
        collector.snapshot(p.group)?.members.length,
        0,
        `${key(p)} left out only for a group without members`,
      );
  }
  assert.deepEqual(
    uncommitted.filter((p) => p.group === 'acme.audit').map((p) => p.partition),
    [1, 2],
  );
  // Every row the tool prints is one of Samsa's, and each group's total lag is the tool's plus the uncommitted logs.
  assert.deepEqual(described.map(key), samsa.filter((p) => p.committedOffset !== null || printed.has(key(p))).map(key));
  // Which partitions a live member holds (KIP-848 ones included) and which member, as the tool says.
  assert.deepEqual(
    described.map((r) => [key(r), r.consumerId]),
    described.map((r) => {
      const holder = collector.snapshot(r.group)?.members.find((m) => m.assignments[TOPIC]?.includes(r.partition));
      return [key(r), holder?.memberId ?? null];
    }),
  );
  assert.ok(described.filter((r) => r.group === 'acme.kip848').every((r) => r.consumerId !== null));
  for (const group of groups)
    assert.equal(
      collector.evaluator.get(group)?.totalLag,
      described.filter((r) => r.group === group).reduce((sum, r) => sum + (r.lag ?? 0), 0) +
        uncommitted.filter((p) => p.group === group).reduce((sum, p) => sum + p.lag, 0),
      group,
    );
  // The groups' states and member counts are the coordinator's, as the tool prints them.
  assert.deepEqual(
    groups.map((group) => {
      const snapshot = collector.snapshot(group);
      return [group, snapshot?.state, snapshot?.members.length];
    }),
    states,
  );
  assert.deepEqual(states, [
    ['acme.audit', 'Stable', 1],
    ['acme.billing', 'Empty', 0],
    ['acme.kip848', 'Stable', 1],
    ['acme.kip848-left', 'Empty', 0],
  ]);
  await audit.disconnect();
});
