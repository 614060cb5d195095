/**
 * Malformed group metadata, sent for real over a socket: a member of a "consumer" group whose subscription or
 * assignment bytes are not the consumer protocol is refused with INCONSISTENT_GROUP_PROTOCOL (such bytes used to be
 * stored and broke every tool that decodes DescribeGroups, the lag collector among them); other protocol types pass
 * through; oversized metadata is refused for every type; a stock client's group still works and decodes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  DescribeGroups,
  decodeConsumerAssignment,
  decodeConsumerSubscription,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
  ErrorCode,
  JoinGroup,
  ListGroups,
  SyncGroup,
} from '@samsa/protocol';
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { RawClient } from '@samsa/test-support/raw-client';
import { logged } from '@samsa/test-support/eventually';

let broker: BrokerProcess;
let c: RawClient;
before(async () => {
  broker = await startBroker({
    args: ['--group-initial-rebalance-delay-ms', '0', '--group-member-metadata-max-bytes', '2048', '--max-groups', '5'],
  });
  c = await RawClient.connect(broker.port);
});
after(async () => {
  c?.close();
  await broker?.cleanup();
});

const GARBAGE = Buffer.from('\u0000\u0000\u7fff\uffffthis is not a subscription', 'utf8');

async function join(groupId: string, protocolType: string, metadata: Buffer, memberId = '') {
  return (await c.request(JoinGroup, 5, {
    groupId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId,
    groupInstanceId: null,
    protocolType,
    protocols: [{ name: 'range', metadata }],
  })) as { errorCode: number; memberId: string; leader: string; generationId: number };
}

async function groupIds(): Promise<string[]> {
  const res = (await c.request(ListGroups, 4, { statesFilter: [] })) as { groups: { groupId: string }[] };
  return res.groups.map((g) => g.groupId);
}

test('JoinGroup with metadata that is not a consumer subscription is refused; other protocol types pass', async () => {
  for (const bad of [
    GARBAGE,
    Buffer.alloc(0),
    encodeConsumerSubscription({ version: 0, topics: ['t'] }).subarray(0, 9),
  ]) {
    const r = await join('poisoned', 'consumer', bad);
    assert.equal(r.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL, bad.toString('hex'));
  }
  assert.ok(!(await groupIds()).includes('poisoned'), 'a refused join creates no group');
  await logged(broker, 'group member metadata refused', 'poisoned');

  // Kafka Connect and other protocols carry their own formats: only the size is checked.
  assert.equal((await join('connect-cluster', 'connect', GARBAGE)).errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.equal(
    (await join('connect-big', 'connect', Buffer.alloc(4096))).errorCode,
    ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    'past --group-member-metadata-max-bytes',
  );
});

test('SyncGroup with an assignment that is not a consumer assignment is refused; empty and valid ones are stored', async () => {
  const subscription = encodeConsumerSubscription({ version: 1, topics: ['orders'] });
  const first = await join('raw-group', 'consumer', subscription);
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  const joined = await join('raw-group', 'consumer', subscription, first.memberId);
  assert.equal(joined.errorCode, ErrorCode.NONE);
  assert.equal(joined.leader, joined.memberId, 'the only member leads');
  const sync = async (assignment: Buffer) =>
    (await c.request(SyncGroup, 3, {
      groupId: 'raw-group',
      generationId: joined.generationId,
      memberId: joined.memberId,
      groupInstanceId: null,
      assignments: [{ memberId: joined.memberId, assignment }],
    })) as { errorCode: number; assignment: Buffer };
  assert.equal((await sync(GARBAGE)).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal((await sync(Buffer.alloc(3000))).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL, 'too large');
  await logged(broker, 'group assignment refused');
  const valid = encodeConsumerAssignment({ version: 1, assignedPartitions: [{ topic: 'orders', partitions: [0] }] });
  const ok = await sync(valid);
  assert.equal(ok.errorCode, ErrorCode.NONE);
  assert.deepEqual(Buffer.from(ok.assignment), valid);

  // A leader may give a member nothing: empty assignment bytes are valid.
  const other = await join('raw-empty', 'consumer', subscription);
  const otherJoined = await join('raw-empty', 'consumer', subscription, other.memberId);
  const empty = (await c.request(SyncGroup, 3, {
    groupId: 'raw-empty',
    generationId: otherJoined.generationId,
    memberId: otherJoined.memberId,
    groupInstanceId: null,
    assignments: [{ memberId: otherJoined.memberId, assignment: Buffer.alloc(0) }],
  })) as { errorCode: number };
  assert.equal(empty.errorCode, ErrorCode.NONE);

  // What a lag monitor reads back decodes.
  const described = (await c.request(DescribeGroups, 5, { groups: ['raw-group'], includeAuthorizedOperations: false }))
    .groups as { members: { memberMetadata: Buffer; memberAssignment: Buffer }[] }[];
  const member = described[0]!.members[0]!;
  assert.deepEqual(decodeConsumerSubscription(Buffer.from(member.memberMetadata)).topics, ['orders']);
  assert.deepEqual(decodeConsumerAssignment(Buffer.from(member.memberAssignment)).assignedPartitions, [
    { topic: 'orders', partitions: [0] },
  ]);
});

test('a KafkaJS consumer group still joins, consumes and describes cleanly', async () => {
  const kafka = new Kafka({ clientId: 'group-metadata', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'events', messages: [{ value: 'a' }, { value: 'b' }] });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: 'kafkajs-group', maxWaitTimeInMs: 100 });
  const got: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: 'events', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    const deadline = Date.now() + 15_000;
    while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(got.sort(), ['a', 'b']);
    const admin = kafka.admin();
    await admin.connect();
    const { groups } = await admin.describeGroups(['kafkajs-group']);
    await admin.disconnect();
    const meta = AssignerProtocol.MemberMetadata.decode(groups[0]!.members[0]!.memberMetadata);
    assert.deepEqual(meta?.topics, ['events']);
  } finally {
    await consumer.disconnect();
  }
});

test('the broker-wide group limit refuses a new group with COORDINATOR_NOT_AVAILABLE and says so', async () => {
  const subscription = encodeConsumerSubscription({ version: 0, topics: ['events'] });
  // connect-cluster, raw-group, raw-empty and kafkajs-group exist; --max-groups 5 leaves room for one more.
  assert.equal((await join('fifth', 'consumer', subscription)).errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.equal((await join('sixth', 'consumer', subscription)).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  await logged(broker, '--max-groups 5');
});
