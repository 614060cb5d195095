/**
 * The collector against a cluster that misbehaves for one group: the member bytes a tenant's client hands its
 * group are decoded defensively (bytes captured from a real broker's DescribeGroups), a call that fails for one
 * group is retried group by group so only that group carries the error, a call that hangs hits the request
 * deadline, a pass that hangs hits the pass deadline, and the timer always schedules the next pass.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LagCollector } from '../src/collector.ts';
import { decodeConsumerAssignment, MAX_ASSIGNED_PARTITIONS_PER_MEMBER } from '../src/consumer-protocol.ts';
import { describedGroup } from '../src/kafka-admin.ts';
import { renderPrometheus } from '../src/prometheus.ts';
import { FakeCluster } from './support/fake-cluster.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

function cluster() {
  const c = new FakeCluster();
  c.setEnd('acme.orders', 0, 100);
  c.commit('acme.billing', 'acme.orders', 0, 40);
  c.commit('evil.bad', 'acme.orders', 0, 0);
  return c;
}

test('a group whose OffsetFetch fails or hangs is that group’s error; the others are measured', async () => {
  const c = cluster();
  const committed = c.committedOffsets.bind(c);
  let mode: 'fail' | 'hang' | 'ok' = 'fail';
  c.committedOffsets = async (ids) => {
    if (ids.includes('evil.bad') && mode === 'fail') throw new Error('Out of bounds.');
    if (ids.includes('evil.bad') && mode === 'hang') return new Promise(() => {});
    return committed(ids);
  };
  const collector = new LagCollector({ source: c, requestTimeoutMs: 200, passTimeoutMs: 5_000 });
  await collector.collectOnce();
  assert.equal(collector.evaluator.get('acme.billing')?.totalLag, 60);
  assert.equal(collector.evaluator.get('acme.billing')?.error, null);
  assert.match(collector.evaluator.get('evil.bad')?.error ?? '', /OffsetFetch failed for this group: Out of bounds/);

  mode = 'hang';
  c.setEnd('acme.orders', 0, 110);
  await collector.collectOnce();
  assert.equal(collector.evaluator.get('acme.billing')?.totalLag, 70);
  assert.match(collector.evaluator.get('evil.bad')?.error ?? '', /did not answer within requestTimeoutMs=200/);
  assert.equal(collector.health().groupsWithErrors, 1);
  assert.equal(collector.health().passesOk, 2);

  mode = 'ok';
  await collector.collectOnce();
  assert.equal(collector.evaluator.get('evil.bad')?.error, null);
  assert.equal(collector.evaluator.get('evil.bad')?.totalLag, 110);
  const text = renderPrometheus(collector.current(), () => undefined, collector.health());
  assert.match(text, /samsa_lag_collector_passes_total\{outcome="ok"\} 3/);
  assert.match(text, /samsa_lag_collector_groups_with_errors 0/);
});

test('a pass that hangs is abandoned at passTimeoutMs, counted, and the timer runs the next pass', async () => {
  const c = cluster();
  const list = c.listGroups.bind(c);
  let hang = true;
  c.listGroups = () => (hang ? new Promise(() => {}) : list());
  // requestTimeoutMs above passTimeoutMs so the pass deadline is the one that fires.
  const collector = new LagCollector({ source: c, intervalMs: 50, passTimeoutMs: 150, requestTimeoutMs: 10_000 });
  collector.start();
  try {
    const deadline = Date.now() + 5_000;
    while (collector.passesFailed < 2 && Date.now() < deadline) await sleep(20);
    assert.ok(collector.passesFailed >= 2, 'the timer kept scheduling passes after a hung one');
    assert.match(collector.health().lastError ?? '', /did not finish within passTimeoutMs=150/);
    hang = false;
    while (collector.passesOk < 1 && Date.now() < deadline) await sleep(20);
    assert.equal(collector.evaluator.get('acme.billing')?.totalLag, 60);
    assert.equal(collector.health().lastError, null);
    assert.ok(collector.health().lastPassAtMs !== null);
  } finally {
    await collector.stop();
  }
});

test('a pass that throws does not stop the timer', async () => {
  const c = cluster();
  c.failures = 2;
  const collector = new LagCollector({ source: c, intervalMs: 30 });
  collector.start();
  try {
    const deadline = Date.now() + 5_000;
    while (collector.passesOk < 1 && Date.now() < deadline) await sleep(20);
    assert.equal(collector.passesFailed, 2);
    assert.equal(collector.passesOk >= 1, true);
  } finally {
    await collector.stop();
  }
});

test('when Metadata fails, the pass still measures the committed partitions; it counts the others once it answers', async () => {
  const c = cluster();
  c.setEnd('acme.orders', 1, 30); // a second partition the groups never committed on
  const partitionsOf = c.topicPartitions.bind(c);
  let fail = true;
  c.topicPartitions = async (topics) => {
    if (fail) throw new Error('metadata unavailable');
    return partitionsOf(topics);
  };
  const collector = new LagCollector({ source: c, requestTimeoutMs: 200 });
  await collector.collectOnce();
  assert.equal(collector.evaluator.get('acme.billing')?.totalLag, 60);
  fail = false;
  await collector.collectOnce();
  assert.equal(collector.evaluator.get('acme.billing')?.totalLag, 60 + 30, 'partition 1 counts from its log start');
  assert.equal(collector.evaluator.get('acme.billing')?.partitions[1]?.noCommittedOffset, true);
});

test('a member assigned many made-up topics costs one bounded lookup; the group says what was left out', async () => {
  const c = cluster();
  const assignments: Record<string, number[]> = { 'acme.orders': [0] };
  for (let i = 0; i < 50; i++) assignments[`fake-${String(i).padStart(2, '0')}`] = [0];
  c.group('acme.billing').members = [{ memberId: 'm1', clientId: 'c', clientHost: 'h', assignments }];
  const asked: string[][] = [];
  const partitionsOf = c.topicPartitions.bind(c);
  c.topicPartitions = async (topics) => {
    asked.push(topics);
    return partitionsOf(topics);
  };
  const collector = new LagCollector({ source: c, maxAssignedTopicsPerGroup: 5 });
  await collector.collectOnce();
  assert.equal(asked.length, 1);
  // The committed topic, and 5 assigned names with their group-prefixed alternative each.
  assert.ok(asked[0].length <= 1 + 2 * 5, `looked up ${asked[0].length} topics`);
  const billing = collector.evaluator.get('acme.billing');
  assert.equal(billing?.totalLag, 60, 'the real topic is still measured');
  assert.match(billing?.error ?? '', /assigned 51 topics; only the first 5 by name are measured/);
  assert.equal(collector.evaluator.get('evil.bad')?.error, null, 'other groups are unaffected');
});
