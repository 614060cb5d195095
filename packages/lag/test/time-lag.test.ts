/** Time lag by interpolating the log-end offset history (Kafka Lag Exporter's method). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EndOffsetHistory, EndOffsetTable } from '../src/time-lag.ts';

test('interpolates the time the log end passed the committed offset', () => {
  const t = new EndOffsetTable();
  // 100 messages per 10 s.
  for (let i = 0; i <= 6; i++) t.add(1000 + i * 100, i * 10_000);
  // At t=60 s the log end is 1600; a consumer at 1250 is where the log end was at 25 s: 35 s behind.
  assert.equal(t.timeLagMs(1250, 60_000), 35_000);
  assert.equal(t.timeLagMs(1600, 60_000), 0, 'caught up');
  assert.equal(t.timeLagMs(1700, 60_000), 0, 'ahead (a just-committed offset) counts as caught up');
});

test('extrapolates below the table from its overall rate; unknown with fewer than two points', () => {
  const t = new EndOffsetTable();
  t.add(500, 0);
  assert.equal(t.timeLagMs(100, 1000), null);
  t.add(600, 10_000);
  // 10 msgs/s: offset 300 was reached 20 s before t=0.
  assert.equal(t.timeLagMs(300, 10_000), 30_000);
});

test('flat runs keep their first and last point, so idle producers do not skew the estimate', () => {
  const t = new EndOffsetTable();
  t.add(100, 0);
  t.add(200, 10_000);
  for (let s = 20; s <= 300; s += 10) t.add(200, s * 1000); // idle for almost 5 minutes
  assert.equal(t.points.length, 3);
  t.add(300, 310_000);
  // Offset 250 falls between (200, 300 s) and (300, 310 s): reached at 305 s.
  assert.equal(t.timeLagMs(250, 320_000), 15_000);
  // Offset 150 falls in the first segment: reached at 5 s.
  assert.equal(t.timeLagMs(150, 320_000), 315_000);
});

test('bounded tables; a truncated log starts over; history drops partitions that went away', () => {
  const t = new EndOffsetTable(5);
  for (let i = 0; i < 20; i++) t.add(i * 10, i * 1000);
  assert.equal(t.points.length, 5);
  t.add(3, 21_000);
  assert.deepEqual(t.points, [{ offset: 3, atMs: 21_000 }]);
  const h = new EndOffsetHistory(5);
  h.table('a', 0).add(1, 1);
  h.table('a', 1).add(1, 1);
  h.table('b', 0).add(1, 1);
  h.retain(new Map([['a', new Set([1])]]));
  assert.equal(h.size, 1);
});
