/**
 * The status rules against recorded sample sequences: each case is a list of (seconds, committed, end, assigned)
 * observations of one partition at 10 s intervals, replayed through the evaluator with its own clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluatePartition, GroupLagEvaluator, observe, type PartitionHistory } from '../src/evaluate.ts';
import type { GroupSnapshot, PartitionStatus } from '../src/types.ts';

const CONFIG = { windowSamples: 10, minSamples: 3, stalledAfterMs: 60_000, stoppedAfterMs: 120_000 };

/** [seconds, committed, logEnd, assigned] */
type Row = [number, number, number, boolean];

function replay(rows: Row[]): { statuses: PartitionStatus[]; history: PartitionHistory } {
  let h: PartitionHistory | undefined;
  const statuses: PartitionStatus[] = [];
  for (const [s, committed, end, assigned] of rows) {
    h = observe(
      h,
      'orders',
      0,
      {
        atMs: s * 1000,
        committedOffset: committed,
        logEndOffset: end,
        lag: end - committed,
        timeLagMs: null,
        assigned,
      },
      CONFIG,
    );
    statuses.push(evaluatePartition(h, CONFIG).status);
  }
  return { statuses, history: h! };
}

/** A consumer at `rate` msgs/10 s behind a producer at `produce` msgs/10 s, from lag `lag0`. */
function steady(n: number, produce: number, rate: number, lag0 = 0, assigned = true): Row[] {
  return Array.from({ length: n }, (_, i) => [i * 10, 1000 + i * rate, 1000 + lag0 + i * produce, assigned] as Row);
}

test('OK: a consumer that keeps up, even with a constant non-zero lag', () => {
  assert.deepEqual(replay(steady(8, 100, 100)).statuses, Array(8).fill('OK'));
  assert.deepEqual(replay(steady(8, 100, 100, 50)).statuses, Array(8).fill('OK'));
});

test('WARNING: lag grows at every sample while the consumer commits; it clears once lag falls', () => {
  const rows = steady(6, 100, 60, 10);
  // lag: 10, 50, 90, 130, 170, 210
  const { statuses } = replay(rows);
  assert.deepEqual(statuses, ['OK', 'OK', 'WARNING', 'WARNING', 'WARNING', 'WARNING']);
  // The consumer speeds up: lag falls from 210 to 150, and the window no longer shows growth at every step.
  const recovering: Row[] = [...rows, [60, 1000 + 5 * 60 + 160, 1000 + 10 + 6 * 100, true]];
  assert.equal(replay(recovering).statuses.at(-1), 'OK');
});

test('WARNING needs growth in every interval: a dip in the window keeps it OK', () => {
  const rows: Row[] = [
    [0, 100, 110, true],
    [10, 110, 150, true],
    [20, 145, 150, true], // lag fell 40 -> 5
    [30, 150, 190, true],
  ];
  assert.deepEqual(replay(rows).statuses, ['OK', 'OK', 'OK', 'OK']);
});

test('STALLED: an assigned partition whose offset stops moving while lag > 0, after stalledAfterMs', () => {
  const rows: Row[] = [[0, 500, 500, true]];
  for (let s = 10; s <= 90; s += 10) rows.push([s, 500, 500 + s, true]);
  const { statuses } = replay(rows);
  // Offset stuck since t=0: stalled from t=60 s on. Lag grows meanwhile but the offset never moved: not WARNING.
  assert.deepEqual(statuses, ['OK', 'OK', 'OK', 'OK', 'OK', 'OK', 'STALLED', 'STALLED', 'STALLED', 'STALLED']);
});

test('a caught-up idle consumer is OK however long its offset stays put', () => {
  const rows: Row[] = Array.from({ length: 30 }, (_, i) => [i * 10, 700, 700, true] as Row);
  assert.ok(replay(rows).statuses.every((s) => s === 'OK'));
});

test('STOPPED: nobody is assigned, lag > 0 and the offset has not moved for stoppedAfterMs', () => {
  const rows: Row[] = [
    [0, 100, 120, true],
    [10, 120, 140, true],
    [20, 120, 160, false], // the consumer left at ~15 s; offset 120 since t=10
  ];
  for (let s = 30; s <= 140; s += 10) rows.push([s, 120, 160 + s, false]);
  const { statuses } = replay(rows);
  const firstStopped = statuses.indexOf('STOPPED');
  assert.equal(rows[firstStopped][0], 130, 'STOPPED once 120 s passed since the offset last moved (t=10)');
  // Before that, lag grows while the window still holds the last commit: WARNING, never STALLED (nobody assigned).
  assert.deepEqual(statuses.slice(0, 4), ['OK', 'OK', 'WARNING', 'WARNING']);
  assert.ok(statuses.slice(0, firstStopped).every((s) => s === 'OK' || s === 'WARNING'));
  // A consumer comes back and commits: STOPPED clears at once.
  const resumed: Row[] = [...rows, [150, 400, 310, true]];
  assert.equal(replay(resumed).statuses.at(-1), 'OK');
});

test('REWIND: the committed offset went backwards; it stays REWIND while the drop is in the window', () => {
  const rows: Row[] = [
    [0, 900, 1000, true],
    [10, 1000, 1000, true],
    [20, 0, 1000, true], // reset to earliest
    [30, 300, 1000, true],
  ];
  const { statuses } = replay(rows);
  assert.deepEqual(statuses, ['OK', 'OK', 'REWIND', 'REWIND']);
  const later: Row[] = [...rows];
  for (let s = 40; s <= 130; s += 10) later.push([s, 300 + s * 10, 2000, true]);
  assert.equal(replay(later).statuses.at(-1), 'OK', 'once the drop leaves the 10-sample window');
});

test('the window is bounded and rejects observations from the past', () => {
  const { history } = replay(steady(50, 10, 10));
  assert.equal(history.observations.length, 10);
  assert.throws(() =>
    observe(history, 'orders', 0, {
      atMs: 0,
      committedOffset: 1,
      logEndOffset: 1,
      lag: 0,
      timeLagMs: null,
      assigned: true,
    }),
  );
});

function snap(atS: number, members: number, parts: [string, number, number, number][], state?: string): GroupSnapshot {
  return {
    groupId: 'g',
    tenantId: null,
    state: state ?? (members > 0 ? 'Stable' : 'Empty'),
    members: Array.from({ length: members }, (_, i) => ({
      memberId: `m${i}`,
      clientId: 'c',
      clientHost: '/127.0.0.1',
      assignments: { orders: parts.map((p) => p[1]) },
    })),
    partitions: parts.map(([topic, partition, committed, end]) => ({
      topic,
      partition,
      committedOffset: committed,
      positionOffset: committed,
      logEndOffset: end,
      lag: end - committed,
      timeLagMs: null,
      assigned: members > 0,
    })),
    sampledAtMs: atS * 1000,
  };
}

test('group status is the worst partition; EMPTY and INACTIVE when nobody is home; changes are reported once', () => {
  const ev = new GroupLagEvaluator(CONFIG);
  const a = ev.observeGroup(
    snap(0, 1, [
      ['orders', 0, 10, 10],
      ['orders', 1, 5, 5],
    ]),
  );
  assert.equal(a.evaluation.status, 'OK');
  assert.deepEqual(a.change && { from: a.change.from, to: a.change.to }, { from: null, to: 'OK' });
  // Partition 1 stalls while partition 0 keeps up.
  let last = a;
  for (let s = 10; s <= 60; s += 10)
    last = ev.observeGroup(
      snap(s, 1, [
        ['orders', 0, 10 + s, 10 + s],
        ['orders', 1, 5, 5 + s],
      ]),
    );
  assert.equal(last.evaluation.status, 'STALLED');
  assert.match(last.evaluation.reason, /^orders\[1\]: assigned to a live member/);
  assert.equal(last.evaluation.totalLag, 60);
  assert.deepEqual(last.change && [last.change.from, last.change.to], ['OK', 'STALLED']);
  const again = ev.observeGroup(
    snap(70, 1, [
      ['orders', 0, 80, 80],
      ['orders', 1, 5, 75],
    ]),
  );
  assert.equal(again.change, null, 'no change, no report');
  // Everyone leaves after catching up: EMPTY.
  const empty = ev.observeGroup(
    snap(80, 0, [
      ['orders', 0, 80, 80],
      ['orders', 1, 75, 75],
    ]),
  );
  assert.equal(empty.evaluation.status, 'EMPTY');
  // A group without members or offsets is INACTIVE.
  const inactive = new GroupLagEvaluator(CONFIG).observeGroup(snap(0, 0, []));
  assert.equal(inactive.evaluation.status, 'INACTIVE');
  const dead = new GroupLagEvaluator(CONFIG).observeGroup(snap(0, 0, [['orders', 0, 1, 1]], 'Dead'));
  assert.equal(dead.evaluation.status, 'INACTIVE');
});

test('observePass forgets groups that disappeared', () => {
  const ev = new GroupLagEvaluator(CONFIG);
  ev.observePass([snap(0, 1, [['orders', 0, 1, 1]])]);
  assert.equal(ev.current().length, 1);
  ev.observePass([]);
  assert.equal(ev.current().length, 0);
  const back = ev.observePass([snap(20, 1, [['orders', 0, 1, 1]])]);
  assert.equal(back.changes[0].from, null, 'a returning group starts a fresh history');
});

test('a wall clock that steps backwards restarts the window instead of failing the pass', () => {
  const ev = new GroupLagEvaluator(CONFIG);
  ev.observeGroup(snap(100, 1, [['orders', 0, 10, 10]]));
  ev.observeGroup(snap(110, 1, [['orders', 0, 10, 20]]));
  const back = ev.observeGroup(snap(50, 1, [['orders', 0, 10, 30]]));
  assert.equal(back.evaluation.status, 'OK');
  assert.equal(back.evaluation.partitions[0].lag, 20);
});

test('a partition without a committed offset: lag from the reset position, and a first commit is no REWIND', () => {
  const obs = (s: number, position: number, end: number, noCommittedOffset: boolean) => ({
    atMs: s * 1000,
    committedOffset: position,
    logEndOffset: end,
    lag: end - position,
    timeLagMs: null,
    assigned: true,
    noCommittedOffset,
  });
  // Reset position `latest`: the position follows the log end (lag 0) until the consumer commits below it.
  let h = observe(undefined, 'orders', 1, obs(0, 500, 500, true), CONFIG);
  h = observe(h, 'orders', 1, obs(10, 600, 600, true), CONFIG);
  assert.equal(evaluatePartition(h, CONFIG).reason, 'no committed offset, nothing to read (lag 0)');
  h = observe(h, 'orders', 1, obs(20, 550, 620, false), CONFIG);
  assert.equal(h.observations.length, 1, 'the first commit starts the window again');
  assert.equal(evaluatePartition(h, CONFIG).status, 'OK');
  // Earliest: 500 unread from the log start, held by a live member that commits nothing: STALLED after 60 s.
  let e = observe(undefined, 'orders', 1, obs(0, 0, 500, true), CONFIG);
  for (let s = 10; s <= 60; s += 10) e = observe(e, 'orders', 1, obs(s, 0, 500, true), CONFIG);
  const stalled = evaluatePartition(e, CONFIG);
  assert.deepEqual([stalled.status, stalled.lag, stalled.noCommittedOffset], ['STALLED', 500, true]);
  assert.match(
    stalled.reason,
    /^assigned to a live member but it has no committed offset \(lag counted from offset 0\)/,
  );
});
