/** Committed-offset storage on its own: no membership, no files. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { CommittedOffsets, type OffsetCommitPartition } from '../../src/groups/committed-offsets.ts';
import { NamespaceUsage } from '../../src/groups/namespace-usage.ts';

const namespaceOf = (id: string) => (id.includes('.') ? id.slice(0, id.indexOf('.')) : null);

function newStore(offsetMetadataMaxBytes = 4_096) {
  const usage = new NamespaceUsage(namespaceOf);
  return { usage, offsets: new CommittedOffsets({ offsetMetadataMaxBytes }, usage) };
}

const at = (partition: number, offset = 1n, metadata: string | null = null): OffsetCommitPartition => ({
  partition,
  offset,
  leaderEpoch: -1,
  metadata,
});

/** Plans a commit and stores what it accepts, as the coordinator does once the records are durable. */
function commit(
  offsets: CommittedOffsets,
  group: string,
  partitions: OffsetCommitPartition[],
  limits: { maxGroups: number; maxCommittedOffsets: number } | null = null,
  nowMs = 1_000,
) {
  const plan = offsets.plan(group, [{ topic: 't', partitions }], limits);
  for (const a of plan.accepted) {
    offsets.put(group, a.topic, a.partition.partition, { ...a.partition, commitTimestampMs: nowMs });
  }
  return plan;
}

test('stores offset, leader epoch, metadata and commit time per group, topic and partition', () => {
  const { offsets } = newStore();
  offsets.put('g', 't', 0, { offset: 42n, leaderEpoch: 3, metadata: 'meta', commitTimestampMs: 5 });
  offsets.put('g', 't', 1, { offset: 7n, leaderEpoch: 3, metadata: null, commitTimestampMs: 6 });
  offsets.put('other', 't', 0, { offset: 1n, leaderEpoch: -1, metadata: null, commitTimestampMs: 7 });
  assert.deepEqual(offsets.get('g', 't', 0), { offset: 42n, leaderEpoch: 3, metadata: 'meta', commitTimestampMs: 5 });
  assert.deepEqual([...offsets.of('g').get('t')!.keys()], [0, 1]);
  assert.equal(offsets.count('g'), 2);
  assert.equal(offsets.size, 3);
  offsets.put('g', 't', 0, { offset: 50n, leaderEpoch: 4, metadata: null, commitTimestampMs: 8 });
  assert.equal(offsets.get('g', 't', 0)!.offset, 50n, 'a later commit replaces the offset');
  assert.equal(offsets.size, 3, 'replacing is not adding');
  assert.equal(offsets.of('missing').size, 0);
});

test('an offset moves only by a commit: what the store hands out cannot be changed', () => {
  const { offsets } = newStore();
  offsets.put('g', 't', 0, { offset: 42n, leaderEpoch: 0, metadata: null, commitTimestampMs: 5 });
  const held = offsets.get('g', 't', 0)!;
  assert.throws(() => {
    (held as { offset: bigint }).offset = 0n;
  }, TypeError);
  const given = { offset: 43n, leaderEpoch: 0, metadata: null, commitTimestampMs: 6 };
  offsets.put('g', 't', 0, given);
  given.offset = 0n;
  assert.equal(offsets.get('g', 't', 0)!.offset, 43n, "the caller's object is copied, not kept");
});

test('metadata longer than offset.metadata.max.bytes is refused per partition, the rest is accepted', () => {
  const { offsets } = newStore(10);
  const plan = commit(offsets, 'g', [at(0, 1n, 'x'.repeat(11)), at(1, 1n, 'x'.repeat(10)), at(2, 1n, 'é'.repeat(6))]);
  assert.deepEqual(
    [...plan.results.get('t')!],
    [
      [0, ErrorCode.OFFSET_METADATA_TOO_LARGE],
      [1, ErrorCode.NONE],
      [2, ErrorCode.OFFSET_METADATA_TOO_LARGE],
    ],
    'the bound is in UTF-8 bytes',
  );
  assert.equal(offsets.get('g', 't', 0), undefined);
  assert.equal(offsets.get('g', 't', 1)!.metadata, 'x'.repeat(10));
});

test('the namespace quota counts new partitions only; another namespace and groups outside any namespace are free', () => {
  const { offsets, usage } = newStore();
  const limits = { maxGroups: 10, maxCommittedOffsets: 3 };
  const first = commit(offsets, 'a.g1', [at(0), at(1)], limits);
  assert.equal(first.newOffsets, 2);
  const second = commit(offsets, 'a.g2', [at(0), at(1)], limits);
  assert.deepEqual([...second.results.get('t')!.values()], [ErrorCode.NONE, ErrorCode.POLICY_VIOLATION]);
  assert.deepEqual(usage.usage('a'), { groups: 0, offsets: 3 });
  const again = commit(offsets, 'a.g1', [at(0, 9n), at(1, 9n)], limits);
  assert.equal(again.newOffsets, 0, 'moving an existing offset needs no room');
  assert.equal(offsets.get('a.g1', 't', 1)!.offset, 9n);
  assert.equal(commit(offsets, 'b.g1', [at(0), at(1), at(2)], limits).newOffsets, 3);
  assert.equal(commit(offsets, 'loose', [at(0), at(1), at(2), at(3)], limits).accepted.length, 4);
  assert.deepEqual(usage.usage('b'), { groups: 0, offsets: 3 });
  assert.equal(commit(offsets, 'a.g3', [at(0)], null).accepted.length, 1, 'no limits: the superuser');
});

test('remove and removeGroup free their room; a topic without offsets disappears from the group', () => {
  const { offsets, usage } = newStore();
  commit(offsets, 'a.g', [at(0), at(1)]);
  assert.equal(offsets.remove('a.g', 't', 0), true);
  assert.equal(offsets.remove('a.g', 't', 0), false, 'nothing left to remove');
  assert.deepEqual(usage.usage('a'), { groups: 0, offsets: 1 });
  assert.equal(offsets.remove('a.g', 't', 1), true);
  assert.equal(offsets.of('a.g').size, 0, 'no empty topic left behind for OffsetFetch to list');
  commit(offsets, 'a.g', [at(0), at(1)]);
  offsets.removeGroup('a.g');
  assert.equal(offsets.count('a.g'), 0);
  assert.equal(offsets.size, 0);
  assert.deepEqual(usage.usage('a'), { groups: 0, offsets: 0 });
});

test('expired lists the offsets old enough to expire, and those past their own expiry time', () => {
  const { offsets } = newStore();
  commit(offsets, 'g', [at(0)], null, 1_000);
  commit(offsets, 'g', [at(1)], null, 2_000);
  // nowMs 10_000 throughout: only the retention cutoff and the time the group became empty move.
  assert.deepEqual(offsets.expired('g', 10_000, 999, 0), []);
  assert.deepEqual(offsets.expired('g', 10_000, 1_000, 0), [{ topic: 't', partition: 0 }]);
  assert.equal(offsets.expired('g', 10_000, 2_000, 0).length, 2);
  assert.deepEqual(offsets.expired('g', 10_000, 2_000, 2_001), [], 'not empty for long enough');
  // OffsetCommit v2-4's retention time: the offset's own expiry decides, whatever the cutoff.
  offsets.put('g', 't', 0, {
    offset: 5n,
    leaderEpoch: -1,
    metadata: null,
    commitTimestampMs: 1_000,
    expireTimestampMs: 3_000,
  });
  assert.deepEqual(offsets.expired('g', 2_999, 0, 0), []);
  assert.deepEqual(offsets.expired('g', 3_000, 0, 10_000), [{ topic: 't', partition: 0 }]);
});
