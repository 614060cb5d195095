/**
 * KIP-848 consumer groups, step by step with a manual clock: the first member gets every partition; a second one
 * gets its share only after the first has acknowledged giving it up; a leave or a silent member hands partitions
 * back; stale epochs and unknown members are fenced; offset commits check the member epoch.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { ManualClock } from '../../src/groups/clock.ts';
import {
  type ConsumerHeartbeat,
  type ConsumerHeartbeatResult,
  ConsumerProtocolGroups,
  type SubscribedTopic,
} from '../../src/groups/consumer-protocol-groups.ts';

const TOPIC: SubscribedTopic = { name: 'orders', id: 'T1', partitions: 4 };

function setup(topics: SubscribedTopic[] = [TOPIC]) {
  const clock = new ManualClock();
  const groups = new ConsumerProtocolGroups(
    { heartbeatIntervalMs: 500, sessionTimeoutMs: 10_000, groupMaxSize: 3 },
    clock,
  );
  const beat = (overrides: Partial<ConsumerHeartbeat>): ConsumerHeartbeatResult =>
    groups.heartbeat(
      {
        groupId: 'g',
        memberId: 'm1',
        memberEpoch: 0,
        instanceId: null,
        rackId: null,
        rebalanceTimeoutMs: 30_000,
        subscribedTopicNames: null,
        serverAssignor: null,
        topicPartitions: null,
        clientId: 'c',
        clientHost: '/127.0.0.1',
        ...overrides,
      },
      (names) => topics.filter((t) => names.includes(t.name)),
      () => ErrorCode.NONE,
    );
  const join = (memberId: string) =>
    beat({ memberId, memberEpoch: 0, subscribedTopicNames: ['orders'], topicPartitions: [] });
  return { clock, groups, beat, join };
}

const owned = (r: ConsumerHeartbeatResult) => r.assignment?.topicPartitions.flatMap((t) => t.partitions) ?? null;
const report = (partitions: number[]) => [{ topicId: 'T1', partitions }];

test('a lone member gets every partition at once, at the group epoch', () => {
  const { join } = setup();
  const r = join('m1');
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.equal(r.memberId, 'm1');
  assert.equal(r.memberEpoch, 2, 'joining and the topic metadata each moved the group epoch');
  assert.equal(r.heartbeatIntervalMs, 500);
  assert.deepEqual(owned(r), [0, 1, 2, 3]);
});

test('a second member gets its share only after the first acknowledged revoking it', () => {
  const { join, beat, groups } = setup();
  const first = join('m1');
  const second = join('m2');
  assert.deepEqual(owned(second), [], 'nothing is free yet');
  assert.equal(groups.get('g')!.state, 'Reconciling');
  // m1 is told to keep half; its epoch stays until it acknowledges.
  const revoke = beat({ memberId: 'm1', memberEpoch: first.memberEpoch });
  assert.equal(revoke.memberEpoch, first.memberEpoch);
  const kept = owned(revoke)!;
  assert.equal(kept.length, 2);
  // m2 still waits: the partitions are not released.
  assert.equal(owned(beat({ memberId: 'm2', memberEpoch: second.memberEpoch })), null);
  const ack = beat({ memberId: 'm1', memberEpoch: first.memberEpoch, topicPartitions: report(kept) });
  assert.ok(ack.memberEpoch > first.memberEpoch, 'the acknowledgement moves m1 to the new epoch');
  const got = owned(beat({ memberId: 'm2', memberEpoch: second.memberEpoch }))!;
  assert.deepEqual([...kept, ...got].sort(), [0, 1, 2, 3]);
  assert.equal(groups.get('g')!.state, 'Stable');
});

test('a leave or a silent member gives its partitions back; stale and unknown members are fenced', () => {
  const { join, beat, clock, groups } = setup();
  const a = join('m1');
  const b = join('m2');
  const revoke = beat({ memberId: 'm1', memberEpoch: a.memberEpoch });
  const ack = beat({ memberId: 'm1', memberEpoch: a.memberEpoch, topicPartitions: report(owned(revoke)!) });
  beat({ memberId: 'm2', memberEpoch: b.memberEpoch });
  assert.equal(beat({ memberId: 'm2', memberEpoch: -1 }).memberEpoch, -1);
  assert.deepEqual(owned(beat({ memberId: 'm1', memberEpoch: ack.memberEpoch })), [0, 1, 2, 3]);
  assert.equal(beat({ memberId: 'm2', memberEpoch: b.memberEpoch }).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(beat({ memberId: 'm1', memberEpoch: 1 }).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);

  join('m3');
  clock.advance(10_001);
  const current = groups.get('g')!.members.get('m1')!.memberEpoch;
  // m1 kept quiet for longer than the session timeout: it is gone, and m3 (heartbeating now) takes everything.
  const m3 = groups.get('g')!.members.get('m3')!;
  m3.lastSeenMs = clock.nowMs();
  assert.equal(beat({ memberId: 'm1', memberEpoch: current }).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.deepEqual(owned(beat({ memberId: 'm3', memberEpoch: m3.memberEpoch })), [0, 1, 2, 3]);
});

test('a member that keeps revoked partitions past its rebalance timeout is removed and they move on', () => {
  const { join, beat, clock } = setup();
  const a = beat({ memberId: 'm1', subscribedTopicNames: ['orders'], topicPartitions: [], rebalanceTimeoutMs: 5_000 });
  const b = join('m2');
  const revoke = beat({ memberId: 'm1', memberEpoch: a.memberEpoch, rebalanceTimeoutMs: 5_000 });
  assert.equal(owned(revoke)!.length, 2);
  clock.advance(4_000);
  // m1 heartbeats but still reports all four partitions: it is within its rebalance timeout.
  const holding = beat({
    memberId: 'm1',
    memberEpoch: a.memberEpoch,
    rebalanceTimeoutMs: 5_000,
    topicPartitions: report([0, 1, 2, 3]),
  });
  assert.equal(holding.errorCode, ErrorCode.NONE);
  clock.advance(2_000);
  assert.deepEqual(owned(beat({ memberId: 'm2', memberEpoch: b.memberEpoch })), [0, 1, 2, 3]);
  assert.equal(beat({ memberId: 'm1', memberEpoch: a.memberEpoch }).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('offset commits check the member and its epoch; bad requests get clear errors', () => {
  const { join, beat, groups } = setup();
  const r = join('m1');
  const g = groups.get('g')!;
  assert.equal(groups.validateCommit(g, r.memberEpoch, 'm1'), ErrorCode.NONE);
  assert.equal(groups.validateCommit(g, r.memberEpoch + 1, 'm1'), ErrorCode.STALE_MEMBER_EPOCH);
  assert.equal(groups.validateCommit(g, r.memberEpoch, 'nobody'), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(groups.validateCommit(g, -1, ''), ErrorCode.UNKNOWN_MEMBER_ID, 'not while the group has members');
  assert.equal(groups.drop('g'), false, 'a group with members is not deleted');
  beat({ memberId: 'm1', memberEpoch: -1 });
  assert.equal(groups.validateCommit(g, -1, ''), ErrorCode.NONE);
  assert.equal(groups.drop('g'), true);

  assert.equal(beat({ memberId: 'x', memberEpoch: 0 }).errorCode, ErrorCode.INVALID_REQUEST, 'no subscription');
  assert.equal(
    beat({ memberId: 'x', memberEpoch: 0, subscribedTopicNames: ['orders'], serverAssignor: 'sticky' }).errorCode,
    ErrorCode.UNSUPPORTED_ASSIGNOR,
  );
  for (const id of ['a', 'b', 'c']) assert.equal(join(id).errorCode, ErrorCode.NONE);
  assert.equal(join('d').errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
});

test('members subscribed to different topics share only what they subscribe to; a new topic bumps the epoch', () => {
  const topics = [TOPIC, { name: 'refunds', id: 'T2', partitions: 2 }];
  const { beat } = setup(topics);
  const a = beat({ memberId: 'm1', memberEpoch: 0, subscribedTopicNames: ['orders', 'refunds'], topicPartitions: [] });
  assert.deepEqual(a.assignment!.topicPartitions, [
    { topicId: 'T1', partitions: [0, 1, 2, 3] },
    { topicId: 'T2', partitions: [0, 1] },
  ]);
  const b = beat({ memberId: 'm2', memberEpoch: 0, subscribedTopicNames: ['refunds'], topicPartitions: [] });
  const revoke = beat({ memberId: 'm1', memberEpoch: a.memberEpoch });
  assert.deepEqual(revoke.assignment!.topicPartitions, [
    { topicId: 'T1', partitions: [0, 1, 2, 3] },
    { topicId: 'T2', partitions: [0] },
  ]);
  beat({ memberId: 'm1', memberEpoch: a.memberEpoch, topicPartitions: revoke.assignment!.topicPartitions });
  assert.deepEqual(beat({ memberId: 'm2', memberEpoch: b.memberEpoch }).assignment!.topicPartitions, [
    { topicId: 'T2', partitions: [1] },
  ]);
  topics.push({ name: 'orders', id: 'T1', partitions: 6 });
  topics.shift();
  const grown = beat({ memberId: 'm2', memberEpoch: b.memberEpoch });
  assert.ok(grown.memberEpoch > b.memberEpoch, 'more partitions: a new epoch');
});
