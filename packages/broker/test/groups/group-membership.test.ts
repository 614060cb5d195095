/**
 * The membership state machine of one group, transition by transition, with a manual clock: no coordinator, no
 * offsets, no files, no sockets, no sleeps. `persist` is a recorder (or fails on demand).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { ManualClock } from '../../src/groups/clock.ts';
import { GroupMembership, type MembershipConfig, type MembershipSnapshot } from '../../src/groups/group-membership.ts';
import { joinNew, joinReq, stableGroupOfTwo, syncReq, tick } from './helpers.ts';

function newGroup(config: Partial<MembershipConfig> = {}) {
  const clock = new ManualClock();
  const persisted: MembershipSnapshot[] = [];
  let persistFails = false;
  const group = new GroupMembership('g', {
    config: { groupInitialRebalanceDelayMs: 100, groupMaxSize: 1_000, ...config },
    clock,
    persist: (g) => {
      persisted.push(g.snapshot());
      return persistFails ? Promise.reject(new Error('disk full')) : Promise.resolve();
    },
  });
  const advance = (ms: number) => clock.advance(ms);
  return { group, clock, persisted, advance, failPersist: () => (persistFails = true) };
}

test('a single member: MEMBER_ID_REQUIRED, join after the initial delay, sync, Stable', async () => {
  const { group, clock } = newGroup();
  const joining = joinNew(group);
  await tick();
  assert.equal(group.state, 'PreparingRebalance');
  clock.advance(100);
  const joined = await joining;
  assert.equal(joined.errorCode, ErrorCode.NONE);
  assert.equal(joined.generationId, 1);
  assert.equal(joined.leader, joined.memberId);
  assert.equal(joined.protocolName, 'range');
  assert.equal(joined.members.length, 1);
  assert.equal(group.state, 'CompletingRebalance');
  const synced = await group.sync(
    syncReq({
      generationId: 1,
      memberId: joined.memberId,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [{ memberId: joined.memberId, assignment: Buffer.from('all') }],
    }),
  );
  assert.equal(synced.errorCode, ErrorCode.NONE);
  assert.equal(synced.assignment.toString(), 'all');
  assert.equal(group.state, 'Stable');
  assert.equal(group.heartbeat(joined.memberId, null, 1), ErrorCode.NONE);
});

test('a second member triggers a rebalance; the first learns it from its heartbeat and rejoins', async () => {
  const { group, advance } = newGroup();
  const { leader, follower } = await stableGroupOfTwo(group, advance);
  const gen = leader.generationId;
  const third = joinNew(group, { clientId: 'third' });
  await tick();
  assert.equal(group.state, 'PreparingRebalance');
  assert.equal(group.heartbeat(leader.memberId, null, gen), ErrorCode.REBALANCE_IN_PROGRESS);
  const r1 = group.join(joinReq({ memberId: leader.memberId }));
  const r2 = group.join(joinReq({ memberId: follower.memberId, clientId: 'other' }));
  const [a, b, c] = await Promise.all([r1, r2, third]);
  for (const r of [a, b, c]) assert.equal(r.generationId, gen + 1);
  assert.equal(a.leader, leader.memberId, 'the leader keeps its role');
  assert.equal(a.members.length, 3);
  assert.equal(group.heartbeat(follower.memberId, null, gen), ErrorCode.ILLEGAL_GENERATION);
});

test('leave: the others rebalance; the last member leaving makes the group Empty', async () => {
  const { group, advance } = newGroup();
  const { leader, follower } = await stableGroupOfTwo(group, advance);
  const res = group.leave([{ memberId: leader.memberId, groupInstanceId: null }]);
  assert.equal(res.members[0]!.errorCode, ErrorCode.NONE);
  assert.equal(group.state, 'PreparingRebalance');
  const rejoin = await group.join(joinReq({ memberId: follower.memberId, clientId: 'other' }));
  assert.equal(rejoin.leader, follower.memberId, 'the remaining member becomes leader');
  assert.equal(
    group.leave([{ memberId: 'nobody', groupInstanceId: null }]).members[0]!.errorCode,
    ErrorCode.UNKNOWN_MEMBER_ID,
  );
  group.leave([{ memberId: follower.memberId, groupInstanceId: null }]);
  assert.equal(group.state, 'Empty');
});

test('a member that stops heartbeating is removed after its session timeout and the rest rebalance', async () => {
  const { group, clock, advance } = newGroup();
  const { leader, follower } = await stableGroupOfTwo(group, advance);
  for (let i = 0; i < 3; i++) {
    clock.advance(3_000);
    assert.equal(group.heartbeat(follower.memberId, null, follower.generationId), ErrorCode.NONE);
  }
  assert.ok(group.members.has(leader.memberId), 'alive within its session timeout');
  clock.advance(2_000);
  assert.equal(group.members.has(leader.memberId), false, 'the silent leader expired');
  assert.equal(group.state, 'PreparingRebalance');
  assert.equal(group.heartbeat(follower.memberId, null, follower.generationId), ErrorCode.REBALANCE_IN_PROGRESS);
  assert.equal(group.heartbeat(leader.memberId, null, leader.generationId), ErrorCode.UNKNOWN_MEMBER_ID);
});

test('a member that does not rejoin within the rebalance timeout is dropped from the new generation', async () => {
  const { group, clock, advance } = newGroup();
  const { leader, follower } = await stableGroupOfTwo(group, advance);
  const rejoin = group.join(joinReq({ memberId: leader.memberId }));
  await tick();
  // The follower keeps heartbeating (REBALANCE_IN_PROGRESS) but never rejoins.
  for (let i = 0; i < 10; i++) {
    clock.advance(3_000);
    group.heartbeat(follower.memberId, null, follower.generationId);
  }
  const res = await rejoin;
  assert.equal(res.errorCode, ErrorCode.NONE);
  assert.deepEqual(
    res.members.map((m) => m.memberId),
    [leader.memberId],
  );
});

test('fencing: unknown members, stale generations and SyncGroup during a rebalance', async () => {
  const { group, advance } = newGroup();
  const { leader } = await stableGroupOfTwo(group, advance);
  assert.equal((await group.join(joinReq({ memberId: 'forged' }))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const stale = await group.sync(syncReq({ generationId: leader.generationId - 1, memberId: leader.memberId }));
  assert.equal(stale.errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal(group.validateCommit(leader.generationId, 'forged', null), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(group.validateCommit(leader.generationId + 5, leader.memberId, null), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(group.validateCommit(leader.generationId, leader.memberId, null), ErrorCode.NONE);
  void group.join(joinReq({ clientId: 'new', requireKnownMemberId: false }));
  await tick();
  const during = await group.sync(syncReq({ generationId: leader.generationId, memberId: leader.memberId }));
  assert.equal(during.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
});

test('protocols: an incompatible member is refused; the protocol is chosen by vote', async () => {
  const { group } = newGroup({ groupInitialRebalanceDelayMs: 0 });
  const both = [
    { name: 'cooperative-sticky', metadata: Buffer.from('c') },
    { name: 'range', metadata: Buffer.from('r') },
  ];
  const ja = await group.join(joinReq({ requireKnownMemberId: false, protocols: both }));
  assert.equal(ja.protocolName, 'cooperative-sticky');
  const bad = await group.join(
    joinReq({ requireKnownMemberId: false, protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }] }),
  );
  assert.equal(bad.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const wrongType = await group.join(joinReq({ requireKnownMemberId: false, protocolType: 'connect' }));
  assert.equal(wrongType.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
});

test('static membership: a restarted member keeps its assignment without a rebalance; the old id is fenced', async () => {
  const { group, clock } = newGroup();
  const a = group.join(joinReq({ groupInstanceId: 'host-a' }));
  await tick();
  clock.advance(100);
  const ja = await a;
  assert.equal(ja.errorCode, ErrorCode.NONE, 'static members skip MEMBER_ID_REQUIRED');
  await group.sync(
    syncReq({
      generationId: ja.generationId,
      memberId: ja.memberId,
      groupInstanceId: 'host-a',
      assignments: [{ memberId: ja.memberId, assignment: Buffer.from('mine') }],
    }),
  );
  // The process restarts: a join with no member id but the same instance id.
  const again = await group.join(joinReq({ groupInstanceId: 'host-a' }));
  assert.equal(again.errorCode, ErrorCode.NONE);
  assert.equal(again.generationId, ja.generationId, 'no new generation');
  assert.notEqual(again.memberId, ja.memberId);
  assert.equal(group.state, 'Stable');
  const synced = await group.sync(
    syncReq({ generationId: again.generationId, memberId: again.memberId, groupInstanceId: 'host-a' }),
  );
  assert.equal(synced.assignment.toString(), 'mine');
  assert.equal(group.heartbeat(ja.memberId, 'host-a', ja.generationId), ErrorCode.FENCED_INSTANCE_ID);
  assert.equal(group.validateCommit(ja.generationId, ja.memberId, 'host-a'), ErrorCode.FENCED_INSTANCE_ID);
});

test('persist: a completed sync, a static restart and the group becoming empty are handed over; nothing else', async () => {
  const { group, clock, persisted } = newGroup();
  const a = group.join(joinReq({ groupInstanceId: 'host-a' }));
  await tick();
  clock.advance(100);
  const ja = await a;
  assert.equal(persisted.length, 0, 'joining alone is not worth keeping');
  await group.sync(
    syncReq({
      generationId: ja.generationId,
      memberId: ja.memberId,
      assignments: [{ memberId: ja.memberId, assignment: Buffer.from('mine') }],
    }),
  );
  assert.equal(persisted.length, 1);
  assert.deepEqual(
    persisted[0]!.members.map((m) => [m.memberId, m.groupInstanceId, m.assignment.toString()]),
    [[ja.memberId, 'host-a', 'mine']],
  );
  assert.equal(group.heartbeat(ja.memberId, 'host-a', ja.generationId), ErrorCode.NONE);
  assert.equal(persisted.length, 1, 'heartbeats are not persisted');
  const again = await group.join(joinReq({ groupInstanceId: 'host-a' }));
  assert.equal(persisted.length, 2, "a static member's new id is persisted");
  assert.equal(persisted[1]!.members[0]!.memberId, again.memberId);
  group.leave([{ memberId: '', groupInstanceId: 'host-a' }]);
  assert.equal(group.state, 'Empty');
  assert.equal(persisted.length, 3);
  assert.deepEqual(persisted[2]!.members, [], 'an empty group is persisted without members');
  assert.equal(persisted[2]!.generationId, ja.generationId + 1);
});

test('a SyncGroup whose membership cannot be persisted fails with COORDINATOR_NOT_AVAILABLE', async () => {
  const { group, clock, failPersist } = newGroup();
  const joining = joinNew(group);
  await tick();
  clock.advance(100);
  const joined = await joining;
  failPersist();
  const synced = await group.sync(
    syncReq({
      generationId: joined.generationId,
      memberId: joined.memberId,
      assignments: [{ memberId: joined.memberId, assignment: Buffer.from('all') }],
    }),
  );
  assert.equal(synced.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE, 'the client retries; nothing is half-done');
});

test('the generation only goes up: rebalances, expiries and the group emptying each move it by one', async () => {
  const { group, clock, advance } = newGroup();
  const seen: number[] = [group.generationId];
  const { leader, follower } = await stableGroupOfTwo(group, advance);
  seen.push(group.generationId);
  group.leave([{ memberId: leader.memberId, groupInstanceId: null }]);
  const rejoin = await group.join(joinReq({ memberId: follower.memberId, clientId: 'other' }));
  seen.push(rejoin.generationId);
  await group.sync(syncReq({ generationId: rejoin.generationId, memberId: follower.memberId }));
  clock.advance(10_001); // the last member's session expires: Empty
  assert.equal(group.state, 'Empty');
  seen.push(group.generationId);
  assert.deepEqual(seen, [0, 1, 2, 3]);
});

test('snapshot and restore: a restored Stable membership answers heartbeats, then expires without them', async () => {
  const { group, advance } = newGroup();
  const { leader, follower } = await stableGroupOfTwo(group, advance);
  const snapshot = group.snapshot();
  group.shutdown();

  const { group: reloaded, clock } = newGroup();
  reloaded.restore(snapshot);
  reloaded.startSessionTimers();
  assert.equal(reloaded.state, 'Stable');
  assert.equal(reloaded.generationId, leader.generationId);
  assert.equal(reloaded.leaderId, leader.memberId);
  assert.equal(reloaded.heartbeat(follower.memberId, null, follower.generationId), ErrorCode.NONE);
  const synced = await reloaded.sync(syncReq({ generationId: follower.generationId, memberId: follower.memberId }));
  assert.equal(synced.assignment.toString(), 'p1', 'assignments survive');
  clock.advance(10_001);
  assert.equal(reloaded.state, 'Empty', 'restored members must heartbeat within their session timeout');
});

test('a deleted (Dead) group refuses every request, also after its timers would have fired', async () => {
  const { group, clock } = newGroup();
  const first = await group.join(joinReq());
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  group.markDead();
  clock.advance(60_000);
  assert.equal(group.state, 'Dead');
  assert.equal(
    (await group.join(joinReq({ memberId: first.memberId }))).errorCode,
    ErrorCode.COORDINATOR_NOT_AVAILABLE,
  );
  assert.equal(group.heartbeat(first.memberId, null, 0), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(group.validateCommit(-1, '', null), ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal(
    group.leave([{ memberId: first.memberId, groupInstanceId: null }]).errorCode,
    ErrorCode.UNKNOWN_MEMBER_ID,
  );
});
