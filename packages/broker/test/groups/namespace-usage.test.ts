/** Per-namespace (tenant) counts of groups and committed offsets, and the room held for commits in flight. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NamespaceUsage } from '../../src/groups/namespace-usage.ts';

const namespaceOf = (id: string) => (id.includes('.') ? id.slice(0, id.indexOf('.')) : null);
const limits = { maxGroups: 2, maxCommittedOffsets: 3 };

test('groups and offsets are counted per namespace; groups outside every namespace are not', () => {
  const usage = new NamespaceUsage(namespaceOf);
  usage.groupAdded('a.g1');
  usage.offsetsAdded('a.g1', 2);
  usage.groupAdded('b.g1');
  usage.groupAdded('loose');
  usage.offsetsAdded('loose', 5);
  assert.deepEqual(usage.usage('a'), { groups: 1, offsets: 2 });
  assert.deepEqual(usage.usage('b'), { groups: 1, offsets: 0 });
  assert.deepEqual(usage.usage('loose'), { groups: 0, offsets: 0 });
  usage.offsetsRemoved('a.g1', 2);
  usage.groupRemoved('a.g1');
  assert.deepEqual(usage.usage('a'), { groups: 0, offsets: 0 });
  assert.ok(usage.roomForGroup('loose2', { maxGroups: 0, maxCommittedOffsets: 0 }), 'no namespace: no bound');
});

test('room for groups and offsets against the limits; null limits (the superuser) always have room', () => {
  const usage = new NamespaceUsage(namespaceOf);
  usage.groupAdded('a.g1');
  assert.ok(usage.roomForGroup('a.g2', limits));
  usage.groupAdded('a.g2');
  assert.equal(usage.roomForGroup('a.g3', limits), false);
  assert.ok(usage.roomForGroup('a.g3', null));
  usage.offsetsAdded('a.g1', 2);
  assert.ok(usage.roomForOffset('a.g1', limits, 0));
  assert.equal(usage.roomForOffset('a.g1', limits, 1), false, 'offsets planned in the same commit count');
  assert.ok(usage.roomForOffset('b.g1', limits, 2), 'another namespace has its own room');
});

test('reservations hold room until released, a new group once however many commits create it', () => {
  const usage = new NamespaceUsage(namespaceOf);
  usage.groupAdded('a.g1');
  const first = usage.reserve('a.new', true, 2);
  const second = usage.reserve('a.new', true, 1);
  assert.ok(usage.roomForGroup('a.new', limits), 'the group being created by commits in flight has room');
  assert.equal(usage.roomForGroup('a.other', limits), false, 'a.g1 and the pending a.new fill maxGroups 2');
  assert.equal(usage.roomForOffset('a.g1', limits, 0), false, 'three offsets are in flight');
  first.release();
  assert.equal(usage.roomForGroup('a.other', limits), false, 'still held by the second commit');
  assert.ok(usage.roomForOffset('a.g1', limits, 1));
  second.release();
  assert.ok(usage.roomForGroup('a.other', limits));
  assert.deepEqual(usage.usage('a'), { groups: 1, offsets: 0 }, 'reservations are not usage');
  assert.throws(() => second.release(), /released once/);
});

test('counts never go negative', () => {
  const usage = new NamespaceUsage(namespaceOf);
  usage.groupAdded('a.g1');
  assert.throws(() => usage.offsetsRemoved('a.g1', 1), /never goes negative/);
});
