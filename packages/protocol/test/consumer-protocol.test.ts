/**
 * ConsumerProtocolSubscription and ConsumerProtocolAssignment: bytes assembled by hand from Kafka's schemas decode to
 * the expected values and encode back to the same bytes; garbage, truncated and negative-version payloads are refused
 * with ProtocolDecodeError; newer versions are read as the newest known one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeConsumerAssignment,
  decodeConsumerSubscription,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
  ProtocolDecodeError,
} from '../src/index.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// v0: version 0, topics ["orders"], user data null.
const SUB_V0 = hex('0000 00000001 0006 6f7264657273 ffffffff');
// v3: version 3, topics ["a"], user data 0x01, owned [a:[0,2]], generation 7, rack "r1".
const SUB_V3 = hex('0003 00000001 0001 61 00000001 01 00000001 0001 61 00000002 00000000 00000002 00000007 0002 7231');
// v1 assignment: version 1, [orders:[1]], user data empty (not null).
const ASSIGN_V1 = hex('0001 00000001 0006 6f7264657273 00000001 00000001 00000000');

test('subscriptions decode and encode both ways (v0 and v3)', () => {
  const v0 = decodeConsumerSubscription(SUB_V0);
  assert.equal(v0.version, 0);
  assert.deepEqual(v0.topics, ['orders']);
  assert.equal(v0.userData, null);
  assert.deepEqual(encodeConsumerSubscription({ version: 0, topics: ['orders'] }), SUB_V0);

  const v3 = decodeConsumerSubscription(SUB_V3);
  assert.equal(v3.version, 3);
  assert.deepEqual(v3.topics, ['a']);
  assert.deepEqual([...v3.userData!], [1]);
  assert.deepEqual(v3.ownedPartitions, [{ topic: 'a', partitions: [0, 2] }]);
  assert.equal(v3.generationId, 7);
  assert.equal(v3.rackId, 'r1');
  assert.deepEqual(encodeConsumerSubscription(v3), SUB_V3);
});

test('assignments decode and encode both ways; empty bytes are an empty assignment', () => {
  const a = decodeConsumerAssignment(ASSIGN_V1);
  assert.equal(a.version, 1);
  assert.deepEqual(a.assignedPartitions, [{ topic: 'orders', partitions: [1] }]);
  assert.equal(a.userData?.length, 0);
  assert.deepEqual(encodeConsumerAssignment(a), ASSIGN_V1);
  assert.deepEqual(decodeConsumerAssignment(Buffer.alloc(0)).assignedPartitions, []);
});

test('a newer version is read as v3 and may append fields', () => {
  const v9 = Buffer.concat([hex('0009'), SUB_V3.subarray(2), hex('deadbeef')]);
  const s = decodeConsumerSubscription(v9);
  assert.equal(s.version, 9);
  assert.equal(s.rackId, 'r1');
});

test('garbage, truncated and negative-version payloads are refused', () => {
  const bad = [
    Buffer.alloc(0),
    Buffer.from('not a subscription at all'),
    hex('0000 7fffffff'),
    SUB_V0.subarray(0, SUB_V0.length - 2),
    hex('ffff 00000000 ffffffff'),
    hex('0000 00000001 7fff 61'),
  ];
  for (const b of bad) assert.throws(() => decodeConsumerSubscription(b), ProtocolDecodeError, b.toString('hex'));
  for (const b of bad.slice(1))
    assert.throws(() => decodeConsumerAssignment(b), ProtocolDecodeError, b.toString('hex'));
});
