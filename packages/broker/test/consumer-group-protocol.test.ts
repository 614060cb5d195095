/**
 * KIP-848 over the wire, against a real broker process: ConsumerGroupHeartbeat joins and assigns by topic id,
 * OffsetCommit checks the member epoch, ListGroups and ConsumerGroupDescribe show the group as a consumer group, and
 * DescribeGroups, like Kafka's, does not describe it. (The Java consumer runs the whole protocol in
 * packages/compat/test/java-clients.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ConsumerGroupDescribe,
  ConsumerGroupHeartbeat,
  DescribeGroups,
  ErrorCode,
  ListGroups,
  OffsetCommit,
} from '@samsa/protocol';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { RawClient } from '@samsa/test-support/raw-client';
import { Kafka, logLevel } from 'kafkajs';

let broker: BrokerProcess;
let topicId: string;
const METADATA_MAX = 4_096;

before(async () => {
  broker = await startBroker({
    args: ['--group-consumer-heartbeat-interval-ms', '700', '--group-member-metadata-max-bytes', String(METADATA_MAX)],
  });
  const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'kip848', numPartitions: 3 }] });
  const md = await admin.fetchTopicMetadata({ topics: ['kip848'] });
  await admin.disconnect();
  assert.equal(md.topics[0]!.partitions.length, 3);
});
after(async () => {
  await broker?.cleanup();
});

test('a member joins, gets every partition by topic id, commits at its epoch and is described as a consumer group', async () => {
  const c = await RawClient.connect(broker.port);
  try {
    const joined = (await c.request(ConsumerGroupHeartbeat, 0, {
      groupId: 'g848',
      memberId: '',
      memberEpoch: 0,
      rebalanceTimeoutMs: 30_000,
      subscribedTopicNames: ['kip848'],
      topicPartitions: [],
    })) as any;
    assert.equal(joined.errorCode, ErrorCode.NONE);
    assert.equal(joined.heartbeatIntervalMs, 700);
    assert.ok(joined.memberId.length > 0, 'v0: the broker names the member');
    assert.ok(joined.memberEpoch > 0);
    assert.equal(joined.assignment.topicPartitions.length, 1);
    topicId = joined.assignment.topicPartitions[0].topicId;
    assert.deepEqual(joined.assignment.topicPartitions[0].partitions, [0, 1, 2]);

    const commit = async (epoch: number) =>
      (
        (await c.request(OffsetCommit, 9, {
          groupId: 'g848',
          generationIdOrMemberEpoch: epoch,
          memberId: joined.memberId,
          groupInstanceId: null,
          topics: [
            {
              name: 'kip848',
              partitions: [{ partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: '' }],
            },
          ],
        })) as any
      ).topics[0].partitions[0].errorCode;
    assert.equal(await commit(joined.memberEpoch), ErrorCode.NONE);
    assert.equal(await commit(joined.memberEpoch + 5), ErrorCode.STALE_MEMBER_EPOCH);

    const listed = (await c.request(ListGroups, 5, { statesFilter: [], typesFilter: ['consumer'] })) as any;
    assert.deepEqual(listed.groups, [
      { groupId: 'g848', protocolType: 'consumer', groupState: 'Stable', groupType: 'consumer' },
    ]);
    const described = (await c.request(ConsumerGroupDescribe, 0, {
      groupIds: ['g848', 'no-such-group'],
      includeAuthorizedOperations: false,
    })) as any;
    const [g, missing] = described.groups;
    assert.equal(g.errorCode, ErrorCode.NONE);
    assert.equal(g.groupState, 'Stable');
    assert.equal(g.members.length, 1);
    assert.deepEqual(g.members[0].assignment.topicPartitions, [
      { topicId, topicName: 'kip848', partitions: [0, 1, 2] },
    ]);
    assert.deepEqual(g.members[0].subscribedTopicNames, ['kip848']);
    assert.equal(missing.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    const classic = (await c.request(DescribeGroups, 5, {
      groups: ['g848'],
      includeAuthorizedOperations: false,
    })) as any;
    assert.equal(classic.groups[0].errorCode, ErrorCode.GROUP_ID_NOT_FOUND);

    // A stale epoch is fenced; leaving ends the membership and empties the group.
    const stale = (await c.request(ConsumerGroupHeartbeat, 0, {
      groupId: 'g848',
      memberId: joined.memberId,
      memberEpoch: joined.memberEpoch + 1,
    })) as any;
    assert.equal(stale.errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
    const left = (await c.request(ConsumerGroupHeartbeat, 0, {
      groupId: 'g848',
      memberId: joined.memberId,
      memberEpoch: -1,
    })) as any;
    assert.deepEqual([left.errorCode, left.memberEpoch], [ErrorCode.NONE, -1]);
    const emptied = (await c.request(ListGroups, 5, { statesFilter: [], typesFilter: [] })) as any;
    assert.deepEqual(
      emptied.groups.map((x: any) => [x.groupId, x.groupState, x.groupType]),
      [['g848', 'Empty', 'consumer']],
    );
  } finally {
    c.close();
  }
});

test('a member whose subscription is larger than --group-member-metadata-max-bytes is refused and not kept', async () => {
  const c = await RawClient.connect(broker.port);
  try {
    const join = (names: string[]) =>
      c.request(ConsumerGroupHeartbeat, 0, {
        groupId: 'g848-big',
        memberId: '',
        memberEpoch: 0,
        rebalanceTimeoutMs: 30_000,
        subscribedTopicNames: names,
        topicPartitions: [],
      }) as Promise<any>;
    // 200 names of 30 bytes: 6,000 bytes of subscription, over the 4,096 allowed.
    const big = await join(Array.from({ length: 200 }, (_, i) => `not-a-topic-${String(i).padStart(18, '0')}`));
    assert.equal(big.errorCode, ErrorCode.INVALID_REQUEST);
    assert.match(big.errorMessage, /more than the 4096 allowed/);
    const described = (await c.request(ConsumerGroupDescribe, 0, {
      groupIds: ['g848-big'],
      includeAuthorizedOperations: false,
    })) as any;
    assert.equal(described.groups[0].errorCode, ErrorCode.GROUP_ID_NOT_FOUND, 'no group was made for it');
    // Within the bound the same member joins.
    assert.equal((await join(['kip848'])).errorCode, ErrorCode.NONE);
  } finally {
    c.close();
  }
});
