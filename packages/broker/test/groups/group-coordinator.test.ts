/**
 * The coordinator as the handlers use it: membership, offsets and namespace limits together over a real groups.log
 * in a temp dir (or none), with a manual clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { ManualClock } from '../../src/groups/clock.ts';
import { DEFAULT_GROUP_CONFIG, GroupCoordinator } from '../../src/groups/group-coordinator.ts';
import { GroupStore, type GroupStoreOptions } from '../../src/groups/group-store.ts';
import { withTempDir } from '../log/helpers.ts';
import { joinReq, stableGroupOfTwo, syncReq, tick } from './helpers.ts';

const CONFIG = { ...DEFAULT_GROUP_CONFIG, groupInitialRebalanceDelayMs: 100 };
const namespaceOf = (id: string) => (id.includes('.') ? id.slice(0, id.indexOf('.')) : null);

async function openCoordinator(dir: string, clock: ManualClock, options: GroupStoreOptions = {}) {
  const opened = await GroupStore.open(dir, options);
  const coord = new GroupCoordinator(CONFIG, clock, opened.store, opened.records, namespaceOf);
  return {
    coord,
    store: opened.store,
    close: async () => {
      coord.shutdown();
      await opened.store.close();
    },
  };
}

const one = (partition: number, offset: bigint, metadata: string | null = null) => ({
  partition,
  offset,
  leaderEpoch: 0,
  metadata,
});

test('join: the group id and the broker session-timeout bounds are checked before any group exists', async () => {
  const coord = new GroupCoordinator(CONFIG, new ManualClock(), null);
  assert.equal((await coord.join(joinReq({ sessionTimeoutMs: 10 }))).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal((await coord.join(joinReq({ groupId: '' }))).errorCode, ErrorCode.INVALID_GROUP_ID);
  assert.equal((await coord.join(joinReq({ memberId: 'm-1' }))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(coord.groupCount(), 0, 'refused joins create no group');
  assert.equal(coord.heartbeat('g', 'm-1', null, 1), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(
    (await coord.sync(syncReq({ generationId: 1, memberId: 'm-1' }))).errorCode,
    ErrorCode.UNKNOWN_MEMBER_ID,
  );
  assert.equal(coord.describe('g').state, 'Dead');
});

test('offsets and membership survive a restart of the store; deleting needs an empty group', async () => {
  await withTempDir(async (dir) => {
    const clock = new ManualClock();
    let opened = await openCoordinator(dir, clock);
    const { leader } = await stableGroupOfTwo(opened.coord, (ms) => clock.advance(ms));
    const codes = await opened.coord.commitOffsets('g', [{ topic: 't', partitions: [one(0, 42n, 'meta')] }]);
    assert.equal(codes.get('t')!.get(0), ErrorCode.NONE);
    const tooLarge = await opened.coord.commitOffsets('g', [
      { topic: 't', partitions: [one(1, 1n, 'x'.repeat(5000))] },
    ]);
    assert.equal(tooLarge.get('t')!.get(1), ErrorCode.OFFSET_METADATA_TOO_LARGE);
    assert.deepEqual(await opened.coord.deleteGroups(['g']), new Map([['g', ErrorCode.NON_EMPTY_GROUP]]));
    await opened.close();

    opened = await openCoordinator(dir, clock);
    const { coord } = opened;
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
    await opened.close();
  });
});

test('offsets of a group empty for longer than the retention expire', async () => {
  const clock = new ManualClock();
  const coord = new GroupCoordinator({ ...CONFIG, offsetsRetentionMs: 60_000 }, clock, null);
  await coord.commitOffsets('idle', [{ topic: 't', partitions: [one(0, 5n)] }]);
  clock.advance(30_000);
  assert.equal(await coord.expireOffsets(), 0);
  clock.advance(31_000);
  assert.equal(await coord.expireOffsets(), 1);
  assert.equal(coord.group('idle'), undefined);
});

test('a commit timestamp the client gives (OffsetCommit v1) is kept, and retention counts from it', async () => {
  const clock = new ManualClock();
  const coord = new GroupCoordinator({ ...CONFIG, offsetsRetentionMs: 60_000 }, clock, null);
  const later = clock.nowMs() + 120_000;
  await coord.commitOffsets('stamped', [
    { topic: 't', partitions: [{ ...one(0, 5n), commitTimestampMs: later }, one(1, 6n)] },
  ]);
  assert.equal(coord.committedOffsets('stamped').get('t')?.get(0)?.commitTimestampMs, later);
  clock.advance(61_000);
  assert.equal(await coord.expireOffsets(), 1, 'only the offset stamped with the clock expired');
  assert.deepEqual([...(coord.committedOffsets('stamped').get('t')?.keys() ?? [])], [0]);
});

test('a retention time of its own (OffsetCommit v2-4) expires an offset then, also after a restart', async () => {
  await withTempDir(async (dir) => {
    const clock = new ManualClock();
    let opened = await openCoordinator(dir, clock);
    await opened.coord.commitOffsets('kept', [
      {
        topic: 't',
        partitions: [
          { ...one(0, 5n), retentionMs: 5_000 },
          { ...one(1, 6n), retentionMs: 3_600_000 },
        ],
      },
    ]);
    await opened.close();
    opened = await openCoordinator(dir, clock);
    const { coord } = opened;
    clock.advance(5_000);
    assert.equal(await coord.expireOffsets(), 1, 'the 5 s offset, long before offsets.retention.minutes');
    assert.deepEqual([...(coord.committedOffsets('kept').get('t')?.keys() ?? [])], [1]);
    await opened.close();
  });
});

test('namespace limits: usage is counted from the store at start-up, pipelined commits cannot overshoot, deletes free room', async () => {
  const limits = { maxGroups: 2, maxCommittedOffsets: 3 };
  const commit = (coord: GroupCoordinator, group: string, partitions: number[]) =>
    coord.commitOffsets(group, [{ topic: 't', partitions: partitions.map((p) => one(p, 1n)) }], limits);
  await withTempDir(async (dir) => {
    const clock = new ManualClock();
    let opened = await openCoordinator(dir, clock);
    // Ten commits to new partitions at once: only the room left (3) is granted, whatever the interleaving.
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => commit(opened.coord, 'a.g1', [i])));
    const granted = results.filter((r) => r.get('t')!.values().next().value === ErrorCode.NONE).length;
    assert.equal(granted, 3);
    assert.deepEqual(opened.coord.usage('a'), { groups: 1, offsets: 3 });
    assert.deepEqual(opened.coord.usage('b'), { groups: 0, offsets: 0 }, 'another namespace is untouched');
    await opened.close();

    opened = await openCoordinator(dir, clock);
    const { coord } = opened;
    assert.deepEqual(coord.usage('a'), { groups: 1, offsets: 3 }, 'recounted from the store');
    assert.equal((await commit(coord, 'a.g2', [0])).get('t')!.get(0), ErrorCode.POLICY_VIOLATION, 'offsets full');
    assert.equal(coord.group('a.g2'), undefined, 'a refused commit creates no group');
    assert.equal((await coord.join(joinReq({ groupId: 'a.g2' }), limits)).errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.equal((await coord.join(joinReq({ groupId: 'a.g3' }), limits)).errorCode, ErrorCode.POLICY_VIOLATION);
    assert.equal((await coord.join(joinReq({ groupId: 'b.g3' }), limits)).errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.deepEqual(await coord.deleteGroups(['a.g1']), new Map([['a.g1', ErrorCode.NONE]]));
    assert.deepEqual(coord.usage('a'), { groups: 1, offsets: 0 }, 'deleting a group frees its groups and offsets');
    assert.equal((await commit(coord, 'a.g2', [0, 1])).get('t')!.get(1), ErrorCode.NONE);
    await opened.close();
  });
});

test("a group's offsets move only by commits: rebalances, expiries and leaving leave them as committed", async () => {
  const clock = new ManualClock();
  const coord = new GroupCoordinator(CONFIG, clock, null);
  const { leader, follower } = await stableGroupOfTwo(coord, (ms) => clock.advance(ms));
  assert.equal(coord.validateCommit('g', leader.generationId, leader.memberId, null), ErrorCode.NONE);
  await coord.commitOffsets('g', [{ topic: 't', partitions: [one(0, 10n), one(1, 20n)] }]);
  const before = structuredClone([...coord.committedOffsets('g').get('t')!]);
  const rejoin = coord.join(joinReq({ memberId: leader.memberId }));
  await tick();
  clock.advance(30_000); // the follower never rejoins: dropped from the new generation
  await rejoin;
  clock.advance(10_001); // the leader never syncs or heartbeats: expired, the group is Empty
  assert.equal(coord.group('g')!.state, 'Empty');
  assert.equal(coord.heartbeat('g', follower.memberId, null, follower.generationId), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.deepEqual([...coord.committedOffsets('g').get('t')!], before);
  assert.equal(await coord.expireOffsets(), 0, 'within the retention');
  assert.deepEqual([...coord.committedOffsets('g').get('t')!], before);
});

test('the live state is what a restart loads, also across compactions of groups.log', async () => {
  await withTempDir(async (dir) => {
    const clock = new ManualClock();
    let opened = await openCoordinator(dir, clock, { compactSlackLines: 5 });
    for (let i = 1; i <= 40; i++) {
      await opened.coord.commitOffsets(`a.g${i % 3}`, [{ topic: 't', partitions: [one(i % 2, BigInt(i))] }]);
      if (i === 20) await opened.coord.deleteGroups(['a.g0']);
    }
    assert.ok(opened.store.compactions > 0);
    const live = (coord: GroupCoordinator) =>
      ['a.g0', 'a.g1', 'a.g2'].map((g) => [g, [...coord.committedOffsets(g).entries()].map(([t, p]) => [t, [...p]])]);
    const before = live(opened.coord);
    const usage = opened.coord.usage('a');
    await opened.close();
    opened = await openCoordinator(dir, clock);
    assert.deepEqual(live(opened.coord), before);
    assert.deepEqual(opened.coord.usage('a'), usage);
    assert.equal(opened.coord.committedOffsets('a.g1').get('t')!.get(0)!.offset, 40n);
    await opened.close();
  });
});

test('a member joining while DeleteGroups waits for its fsync keeps the group (without its offsets), as a restart would', async () => {
  await withTempDir(async (dir) => {
    const clock = new ManualClock();
    let opened = await openCoordinator(dir, clock);
    await opened.coord.commitOffsets('g', [{ topic: 't', partitions: [one(0, 7n)] }]);
    const deleting = opened.coord.deleteGroups(['g']);
    const joining = opened.coord.join(joinReq({ requireKnownMemberId: false }));
    assert.deepEqual(await deleting, new Map([['g', ErrorCode.NONE]]));
    clock.advance(100);
    const joined = await joining;
    assert.equal(joined.errorCode, ErrorCode.NONE, 'the join is answered, not left hanging on a dropped group');
    assert.equal(opened.coord.group('g')!.state, 'CompletingRebalance');
    assert.equal(opened.coord.committedOffsets('g').size, 0, 'the offsets are deleted as asked');
    await opened.close();
    opened = await openCoordinator(dir, clock);
    assert.equal(opened.coord.committedOffsets('g').size, 0);
    await opened.close();
  });
});

test('after a restart the group has the members of its last stable generation, not those of earlier ones', async () => {
  await withTempDir(async (dir) => {
    const clock = new ManualClock();
    let opened = await openCoordinator(dir, clock);
    const { coord } = opened;
    const { leader, follower } = await stableGroupOfTwo(coord, (ms) => clock.advance(ms));
    coord.leave('g', [{ memberId: follower.memberId, groupInstanceId: null }]);
    const rejoined = await coord.join(joinReq({ memberId: leader.memberId }));
    await coord.sync(syncReq({ generationId: rejoined.generationId, memberId: leader.memberId }));
    assert.equal(coord.group('g')!.state, 'Stable');
    await opened.close();

    opened = await openCoordinator(dir, clock);
    const described = opened.coord.describe('g');
    assert.equal(described.state, 'Stable');
    assert.deepEqual(
      described.members.map((m) => m.memberId),
      [leader.memberId],
      'the member that left is not brought back',
    );
    assert.equal(opened.coord.group('g')!.generationId, rejoined.generationId);
    await opened.close();
  });
});
