/**
 * The collector against a cluster that misbehaves for one group (the decoding of member bytes is tested in
 * @samsa/cluster's consumer-protocol.test.ts): a call that fails for one group is retried group by group so only
 * that group carries the error, a call that hangs hits the request deadline, a pass that hangs hits the pass
 * deadline, and the timer always schedules the next pass.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LagCollector } from '../src/collector.ts';
import { renderPrometheus } from '../src/prometheus.ts';
import { FakeCluster } from './support/fake-cluster.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
