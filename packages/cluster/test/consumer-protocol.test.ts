/**
 * Consumer-protocol bytes a tenant's client hands its group are decoded defensively: valid assignments from real
 * clients decode (lenient on trailing fields), malformed and absurd ones are typed failures that never throw, and a
 * DescribeGroups entry with one bad member keeps its good members and names the bad one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeConsumerAssignment, describedGroup, MAX_ASSIGNED_PARTITIONS_PER_MEMBER } from '@samsa/cluster';

/** KafkaJS's assignment for `orders` partitions 0 and 2 (version 0, user data null). */
const KAFKAJS_ASSIGNMENT = Buffer.from(
  '0000000000010006' + '6f7264657273' + '00000002' + '00000000' + '00000002' + 'ffffffff',
  'hex',
);

test('valid assignments decode, with lenient trailing fields', () => {
  assert.deepEqual(decodeConsumerAssignment(KAFKAJS_ASSIGNMENT), { ok: true, value: { orders: [0, 2] } });
  assert.deepEqual(decodeConsumerAssignment(Buffer.alloc(0)), { ok: true, value: {} });
  assert.deepEqual(decodeConsumerAssignment(Buffer.from([0, 3])), { ok: true, value: {} });
  // A newer version with extra bytes after the fields we read.
  const v9 = Buffer.concat([Buffer.from([0, 9]), KAFKAJS_ASSIGNMENT.subarray(2), Buffer.from([1, 2, 3])]);
  assert.deepEqual(decodeConsumerAssignment(v9), { ok: true, value: { orders: [0, 2] } });
  const proto = Buffer.from(
    '000000000001000b' + Buffer.from('__proto__xx').toString('hex') + '0000000100000001',
    'hex',
  );
  const decoded = decodeConsumerAssignment(proto);
  assert.ok(decoded.ok);
  assert.deepEqual(Object.entries(decoded.value), [['__proto__xx', [1]]]);
});

test('malformed and absurd assignments are typed failures, never throws', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['topic count past the end', Buffer.from([0, 0, 0x7f, 0xff, 0xff, 0xff]), /topics count 2147483647 does not fit/],
    ['negative topic count', Buffer.from([0, 0, 0xff, 0xff, 0xff, 0xfe, 0, 0]), /topics count is -2/],
    ['truncated topic name', Buffer.from([0, 0, 0, 0, 0, 1, 0, 9, 0x61, 0, 0, 0]), /topic name needs 9 bytes/],
    ['null topic name', Buffer.from([0, 0, 0, 0, 0, 1, 0xff, 0xff, 0, 0, 0, 0]), /topic name is null/],
    ['negative version', Buffer.from([0xff, 0xff, 0, 0]), /version -1/],
    ['one byte', Buffer.from([7]), /version needs 2 bytes/],
    ['negative partition', Buffer.from('00000000000100016100000001ffffffff', 'hex'), /partition -1/],
  ];
  for (const [name, bytes, error] of cases) {
    const r = decodeConsumerAssignment(bytes);
    assert.equal(r.ok, false, name);
    if (!r.ok) assert.match(r.error, error, name);
  }
  // Structurally valid, but more partitions than any real assignment.
  const n = MAX_ASSIGNED_PARTITIONS_PER_MEMBER + 1;
  const huge = Buffer.alloc(2 + 4 + 2 + 1 + 4 + 4 * n);
  huge.writeInt32BE(1, 2);
  huge.writeInt16BE(1, 6);
  huge.write('t', 8);
  huge.writeInt32BE(n, 9);
  const r = decodeConsumerAssignment(huge);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error, /more than 100000 partitions/);
});

test('a DescribeGroups entry with a malformed member keeps its good members and names the bad one', () => {
  const d = describedGroup({
    errorCode: 0,
    groupId: 'evil.bad',
    groupState: 'Stable',
    protocolType: 'consumer',
    protocolData: 'range',
    authorizedOperations: 0,
    members: [
      {
        memberId: 'good-1',
        groupInstanceId: null,
        clientId: 'c',
        clientHost: '/127.0.0.1',
        memberMetadata: Buffer.alloc(0),
        memberAssignment: KAFKAJS_ASSIGNMENT,
      },
      {
        memberId: 'bad-1',
        groupInstanceId: null,
        clientId: 'x',
        clientHost: '/127.0.0.1',
        memberMetadata: Buffer.from([1, 2, 3]),
        memberAssignment: Buffer.from([0, 0, 0x7f, 0xff, 0xff, 0xff]),
      },
    ],
  });
  assert.deepEqual(
    d.members.map((m) => [m.memberId, m.assignments]),
    [
      ['good-1', { orders: [0, 2] }],
      ['bad-1', {}],
    ],
  );
  assert.match(d.error ?? '', /member bad-1 .* not a valid consumer-protocol payload: topics count/);
  // Other protocols' bytes are opaque: never decoded, never an error.
  const connect = describedGroup({
    ...d,
    groupState: 'Stable',
    protocolData: '',
    members: [],
    errorCode: 0,
    protocolType: 'connect',
  } as never);
  assert.equal(connect.error, null);
});
