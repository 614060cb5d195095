/** The classic group state machine, transition by transition, with a manual clock (no sockets, no sleeps). */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { ManualClock } from '../../src/groups/clock.ts';
import { DEFAULT_GROUP_CONFIG, GroupCoordinator, type JoinRequest } from '../../src/groups/group-coordinator.ts';
import { GroupStore } from '../../src/groups/group-store.ts';

const CONFIG = { ...DEFAULT_GROUP_CONFIG, groupInitialRebalanceDelayMs: 100 };

function joinReq(overrides: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('m') }],
    requireKnownMemberId: true,
    ...overrides,
  };
}

/** Lets promise callbacks run after timers fire. */
const tick = () => new Promise((r) => setImmediate(r));

async function joinNew(coord: GroupCoordinator, _clock: ManualClock, overrides: Partial<JoinRequest> = {}) {
  const first = await coord.join(joinReq(overrides));
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.ok(first.memberId.startsWith(`${overrides.clientId ?? 'client'}-`), 'member ids start with the client id');
  return coord.join(joinReq({ ...overrides, memberId: first.memberId }));
}

test('a single member: MEMBER_ID_REQUIRED, join after the initial delay, sync, Stable', async () => {
  const clock = new ManualClock();
  const coord = new GroupCoordinator(CONFIG, clock, null);
  const joining = joinNew(coord, clock);
  await tick();
  assert.equal(coord.group('g')!.state, 'PreparingRebalance');
  clock.advance(100);
  const joined = await joining;
  assert.equal(joined.errorCode, ErrorCode.NONE);
  assert.equal(joined.generationId, 1);
  assert.equal(joined.leader, joined.memberId);
  assert.equal(joined.protocolName, 'range');
  assert.equal(joined.members.length, 1);
  assert.equal(coord.group('g')!.state, 'CompletingRebalance');
  const synced = await coord.sync({
    groupId: 'g',
    generationId: 1,
    memberId: joined.memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments: [{ memberId: joined.memberId, assignment: Buffer.from('all') }],
  });
  assert.equal(synced.errorCode, ErrorCode.NONE);
  assert.equal(synced.assignment.toString(), 'all');
  assert.equal(coord.group('g')!.state, 'Stable');
  assert.equal(coord.heartbeat('g', joined.memberId, null, 1), ErrorCode.NONE);
});

async function stableGroupOfTwo(clock: ManualClock, coord: GroupCoordinator) {
  const a = joinNew(coord, clock);
  const b = joinNew(coord, clock, { clientId: 'other' });
  await tick();
  clock.advance(100);
  const [ja, jb] = await Promise.all([a, b]);
  assert.equal(ja.generationId, jb.generationId);
  const leader = ja.members.length > 0 ? ja : jb;
  const follower = leader === ja ? jb : ja;
  assert.equal(follower.members.length, 0, 'only the leader gets the member list');
  const followerSync = coord.sync({
    groupId: 'g',
    generationId: follower.generationId,
    memberId: follower.memberId,
    groupInstanceId: null,
    protocolType: null,
    protocolName: null,
    assignments: [],
  });
  const leaderSync = coord.sync({
    groupId: 'g',
    generationId: leader.generationId,
    memberId: leader.memberId,
    groupInstanceId: null,
    protocolType: null,
    protocolName: null,
    assignments: [
      { memberId: leader.memberId, assignment: Buffer.from('p0') },
      { memberId: follower.memberId, assignment: Buffer.from('p1') },
    ],
  });
  const [fs, ls] = await Promise.all([followerSync, leaderSync]);
  assert.equal(fs.assignment.toString(), 'p1', 'the follower waits for the leader and gets its share');
  assert.equal(ls.assignment.toString(), 'p0');
  return { leader, follower };
}

test('a second member triggers a rebalance; the first learns it from its heartbeat and rejoins', async () => {
  const clock = new ManualClock();
  const coord = new GroupCoordinator(CONFIG, clock, null);
  const { leader, follower } = await stableGroupOfTwo(clock, coord);
  const gen = leader.generationId;
  const third = joinNew(coord, clock, { clientId: 'third' });
  await tick();
  assert.equal(coord.group('g')!.state, 'PreparingRebalance');
  assert.equal(coord.heartbeat('g', leader.memberId, null, gen), ErrorCode.REBALANCE_IN_PROGRESS);
  const r1 = coord.join(joinReq({ memberId: leader.memberId }));
  const r2 = coord.join(joinReq({ memberId: follower.memberId, clientId: 'other' }));
  const [a, b, c] = await Promise.all([r1, r2, third]);
  for (const r of [a, b, c]) assert.equal(r.generationId, gen + 1);
  assert.equal(a.leader, leader.memberId, 'the leader keeps its role');
  assert.equal(a.members.length, 3);
  assert.equal(coord.heartbeat('g', follower.memberId, null, gen), ErrorCode.ILLEGAL_GENERATION);
});

test('leave: the others rebalance; the last member leaving makes the group Empty', async () => {
  const clock = new ManualClock();
  const coord = new GroupCoordinator(CONFIG, clock, null);
  const { leader, follower } = await stableGroupOfTwo(clock, coord);
  const res = coord.leave('g', [{ memberId: leader.memberId, groupInstanceId: null }]);
  assert.equal(res.members[0]!.errorCode, ErrorCode.NONE);
  assert.equal(coord.group('g')!.state, 'PreparingRebalance');
  const rejoin = await coord.join(joinReq({ memberId: follower.memberId, clientId: 'other' }));
  assert.equal(rejoin.leader, follower.memberId, 'the remaining member becomes leader');
  assert.equal(
    coord.leave('g', [{ memberId: 'nobody', groupInstanceId: null }]).members[0]!.errorCode,
    ErrorCode.UNKNOWN_MEMBER_ID,
  );
  coord.leave('g', [{ memberId: follower.memberId, groupInstanceId: null }]);
  assert.equal(coord.group('g')!.state, 'Empty');
});

test('a member that stops heartbeating is removed after its session timeout and the rest rebalance', async () => {
  const clock = new ManualClock();
  const coord = new GroupCoordinator(CONFIG, clock, null);
  const { leader, follower } = await stableGroupOfTwo(clock, coord);
  for (let i = 0; i < 3; i++) {
    clock.advance(3_000);
    assert.equal(coord.heartbeat('g', follower.memberId, null, follower.generationId), ErrorCode.NONE);
  }
  assert.ok(coord.group('g')!.members.has(leader.memberId), 'alive within its session timeout');
  clock.advance(2_000);
  assert.equal(coord.group('g')!.members.has(leader.memberId), false, 'the silent leader expired');
  assert.equal(coord.group('g')!.state, 'PreparingRebalance');
  assert.equal(coord.heartbeat('g', follower.memberId, null, follower.generationId), ErrorCode.REBALANCE_IN_PROGRESS);
  assert.equal(coord.heartbeat('g', leader.memberId, null, leader.generationId), ErrorCode.UNKNOWN_MEMBER_ID);
});

test('a member that does not rejoin within the rebalance timeout is dropped from the new generation', async () => {
  const clock = new ManualClock();
  const coord = new GroupCoordinator(CONFIG, clock, null);
  const { leader, follower } = await stableGroupOfTwo(clock, coord);
  const rejoin = coord.join(joinReq({ memberId: leader.memberId }));
  await tick();
  // The follower keeps heartbeating (REBALANCE_IN_PROGRESS) but never rejoins.
  for (let i = 0; i < 10; i++) {
    clock.advance(3_000);
    coord.heartbeat('g', follower.memberId, null, follower.generationId);
  }
  const res = await rejoin;
  assert.equal(res.errorCode, ErrorCode.NONE);
  assert.deepEqual(
    res.members.map((m) => m.memberId),
    [leader.memberId],
  );
});

test('fencing: unknown members, stale generations and SyncGroup during a rebalance', async () => {
  const clock = new ManualClock();
  const coord = new GroupCoordinator(CONFIG, clock, null);
  const { leader } = await stableGroupOfTwo(clock, coord);
  assert.equal((await coord.join(joinReq({ memberId: 'forged' }))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const stale = await coord.sync({
    groupId: 'g',
    generationId: leader.generationId - 1,
    memberId: leader.memberId,
    groupInstanceId: null,
    protocolType: null,
    protocolName: null,
    assignments: [],
  });
  assert.equal(stale.errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal(coord.validateCommit('g', leader.generationId, 'forged', null), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(coord.validateCommit('g', leader.generationId + 5, leader.memberId, null), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(coord.validateCommit('g', leader.generationId, leader.memberId, null), ErrorCode.NONE);
  void coord.join(joinReq({ clientId: 'new', requireKnownMemberId: false }));
  await tick();
  const during = await coord.sync({
    groupId: 'g',
    generationId: leader.generationId,
    memberId: leader.memberId,
    groupInstanceId: null,
    protocolType: null,
    protocolName: null,
    assignments: [],
  });
  assert.equal(during.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
});

test('protocols: an incompatible member is refused; the protocol is chosen by vote', async () => {
  const clock = new ManualClock();
  const coord = new GroupCoordinator({ ...CONFIG, groupInitialRebalanceDelayMs: 0 }, clock, null);
  const both = [
    { name: 'cooperative-sticky', metadata: Buffer.from('c') },
    { name: 'range', metadata: Buffer.from('r') },
  ];
  const a = coord.join(joinReq({ requireKnownMemberId: false, protocols: both }));
  const ja = await a;
  assert.equal(ja.protocolName, 'cooperative-sticky');
  const bad = await coord.join(
    joinReq({ requireKnownMemberId: false, protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }] }),
  );
  assert.equal(bad.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const wrongType = await coord.join(joinReq({ requireKnownMemberId: false, protocolType: 'connect' }));
  assert.equal(wrongType.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal((await coord.join(joinReq({ sessionTimeoutMs: 10 }))).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal((await coord.join(joinReq({ groupId: '' }))).errorCode, ErrorCode.INVALID_GROUP_ID);
});

test('static membership: a restarted member keeps its assignment without a rebalance; the old id is fenced', async () => {
  const clock = new ManualClock();
  const coord = new GroupCoordinator(CONFIG, clock, null);
  const a = coord.join(joinReq({ groupInstanceId: 'host-a' }));
  await tick();
  clock.advance(100);
  const ja = await a;
  assert.equal(ja.errorCode, ErrorCode.NONE, 'static members skip MEMBER_ID_REQUIRED');
  await coord.sync({
    groupId: 'g',
    generationId: ja.generationId,
    memberId: ja.memberId,
    groupInstanceId: 'host-a',
    protocolType: null,
    protocolName: null,
    assignments: [{ memberId: ja.memberId, assignment: Buffer.from('mine') }],
  });
  // The process restarts: a join with no member id but the same instance id.
  const again = await coord.join(joinReq({ groupInstanceId: 'host-a' }));
  assert.equal(again.errorCode, ErrorCode.NONE);
  assert.equal(again.generationId, ja.generationId, 'no new generation');
  assert.notEqual(again.memberId, ja.memberId);
  assert.equal(coord.group('g')!.state, 'Stable');
  const synced = await coord.sync({
    groupId: 'g',
    generationId: again.generationId,
    memberId: again.memberId,
    groupInstanceId: 'host-a',
    protocolType: null,
    protocolName: null,
    assignments: [],
  });
  assert.equal(synced.assignment.toString(), 'mine');
  assert.equal(coord.heartbeat('g', ja.memberId, 'host-a', ja.generationId), ErrorCode.FENCED_INSTANCE_ID);
  assert.equal(coord.validateCommit('g', ja.generationId, ja.memberId, 'host-a'), ErrorCode.FENCED_INSTANCE_ID);
});

test('offsets and membership survive a restart of the store; deleting needs an empty group', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-groups-'));
  try {
    const clock = new ManualClock();
    let opened = await GroupStore.open(dir);
    let coord = new GroupCoordinator(CONFIG, clock, opened.store, opened.records);
    const { leader } = await stableGroupOfTwo(clock, coord);
    const codes = await coord.commitOffsets('g', [
      { topic: 't', partitions: [{ partition: 0, offset: 42n, leaderEpoch: 0, metadata: 'meta' }] },
    ]);
    assert.equal(codes.get('t')!.get(0), ErrorCode.NONE);
    const tooLarge = await coord.commitOffsets('g', [
      { topic: 't', partitions: [{ partition: 1, offset: 1n, leaderEpoch: 0, metadata: 'x'.repeat(5000) }] },
    ]);
    assert.equal(tooLarge.get('t')!.get(1), ErrorCode.OFFSET_METADATA_TOO_LARGE);
    assert.deepEqual(await coord.deleteGroups(['g']), new Map([['g', ErrorCode.NON_EMPTY_GROUP]]));
    coord.shutdown();
    await opened.store.close();

    opened = await GroupStore.open(dir);
    coord = new GroupCoordinator(CONFIG, clock, opened.store, opened.records);
    const committed = coord.committedOffsets('g').get('t')!.get(0)!;
    assert.equal(committed.offset, 42n);
    assert.equal(committed.metadata, 'meta');
    assert.equal(coord.group('g')!.state, 'Stable', 'membership reloaded');
    assert.ok(coord.group('g')!.members.has(leader.memberId));
    // Reloaded members must heartbeat within their session timeout.
    clock.advance(20_000);
    assert.equal(coord.group('g')!.state, 'Empty');
    assert.deepEqual(
      await coord.deleteGroups(['g', 'missing']),
      new Map([
        ['g', ErrorCode.NONE],
        ['missing', ErrorCode.GROUP_ID_NOT_FOUND],
      ]),
    );
    assert.equal(coord.committedOffsets('g').size, 0);
    coord.shutdown();
    await opened.store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('offsets of a group empty for longer than the retention expire', async () => {
  const clock = new ManualClock();
  const coord = new GroupCoordinator({ ...CONFIG, offsetsRetentionMs: 60_000 }, clock, null);
  await coord.commitOffsets('idle', [
    { topic: 't', partitions: [{ partition: 0, offset: 5n, leaderEpoch: -1, metadata: null }] },
  ]);
  clock.advance(30_000);
  assert.equal(await coord.expireOffsets(), 0);
  clock.advance(31_000);
  assert.equal(await coord.expireOffsets(), 1);
  assert.equal(coord.group('idle'), undefined);
});

test('namespace limits: usage is counted from the store at start-up, pipelined commits cannot overshoot, deletes free room', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-groups-'));
  const namespaceOf = (id: string) => (id.includes('.') ? id.slice(0, id.indexOf('.')) : null);
  const limits = { maxGroups: 2, maxCommittedOffsets: 3 };
  const commit = (coord: GroupCoordinator, group: string, partitions: number[]) =>
    coord.commitOffsets(
      group,
      [
        {
          topic: 't',
          partitions: partitions.map((p) => ({ partition: p, offset: 1n, leaderEpoch: -1, metadata: null })),
        },
      ],
      limits,
    );
  try {
    const clock = new ManualClock();
    let opened = await GroupStore.open(dir);
    let coord = new GroupCoordinator(CONFIG, clock, opened.store, opened.records, namespaceOf);
    // Ten commits to new partitions at once: only the room left (3) is granted, whatever the interleaving.
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => commit(coord, 'a.g1', [i])));
    const granted = results.filter((r) => r.get('t')!.values().next().value === ErrorCode.NONE).length;
    assert.equal(granted, 3);
    assert.deepEqual(coord.usage('a'), { groups: 1, offsets: 3 });
    assert.deepEqual(coord.usage('b'), { groups: 0, offsets: 0 }, 'another namespace is untouched');
    coord.shutdown();
    await opened.store.close();

    opened = await GroupStore.open(dir);
    coord = new GroupCoordinator(CONFIG, clock, opened.store, opened.records, namespaceOf);
    assert.deepEqual(coord.usage('a'), { groups: 1, offsets: 3 }, 'recounted from the store');
    assert.equal((await commit(coord, 'a.g2', [0])).get('t')!.get(0), ErrorCode.POLICY_VIOLATION, 'offsets full');
    assert.equal(coord.group('a.g2'), undefined, 'a refused commit creates no group');
    assert.equal((await coord.join(joinReq({ groupId: 'a.g2' }), limits)).errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.equal((await coord.join(joinReq({ groupId: 'a.g3' }), limits)).errorCode, ErrorCode.POLICY_VIOLATION);
    assert.equal((await coord.join(joinReq({ groupId: 'b.g3' }), limits)).errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.deepEqual(await coord.deleteGroups(['a.g1']), new Map([['a.g1', ErrorCode.NONE]]));
    assert.deepEqual(coord.usage('a'), { groups: 1, offsets: 0 }, 'deleting a group frees its groups and offsets');
    assert.equal((await commit(coord, 'a.g2', [0, 1])).get('t')!.get(1), ErrorCode.NONE);
    coord.shutdown();
    await opened.store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
