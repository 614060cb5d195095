/** The chart data of the group page: top series by peak lag, the rest summed into "others". */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OTHERS_KEY, partitionChartData, topicChartData } from '../src/features/consumer-groups/ui/chart-data.ts';
import type { LagHistoryView } from '../src/features/consumer-groups/schemas.ts';

function history(partitions: { topic: string; partition: number; lags: number[] }[]): LagHistoryView {
  const point = (t: number, lag: number) => ({
    t,
    lag,
    lagMin: lag,
    lagAvg: lag,
    timeLagMs: null,
    committedOffset: 0,
    logEndOffset: lag,
  });
  const ps = partitions.map((p) => ({
    topic: p.topic,
    partition: p.partition,
    points: p.lags.map((l, i) => point(i * 1000, l)),
  }));
  const topics = [...new Set(partitions.map((p) => p.topic))].map((topic) => ({
    topic,
    points: [0, 1].map((i) => ({
      t: i * 1000,
      lag: partitions.filter((p) => p.topic === topic).reduce((s, p) => s + (p.lags[i] ?? 0), 0),
      timeLagMs: null,
    })),
  }));
  return {
    name: 'g',
    window: '1h',
    resolution: 'raw',
    fromMs: 0,
    toMs: 2000,
    stepMs: 1000,
    partitions: ps,
    topics,
    total: [],
  };
}

test('120 partitions become the 3 with the highest peak plus one "others" series that sums the rest', () => {
  const parts = Array.from({ length: 120 }, (_, i) => ({
    topic: 'orders',
    partition: i,
    lags: [1, i === 7 ? 500 : 2],
  }));
  parts[50]!.lags = [300, 0];
  parts[99]!.lags = [0, 100];
  const d = partitionChartData(history(parts), 3);
  assert.deepEqual(
    d.series.map((s) => [s.label, s.partitions]),
    [
      ['orders[7]', 1],
      ['orders[50]', 1],
      ['orders[99]', 1],
      ['others (117 series)', 117],
    ],
  );
  assert.deepEqual(d.rows, [
    { t: 0, 'orders:7': 1, 'orders:50': 300, 'orders:99': 0, [OTHERS_KEY]: 117 },
    { t: 1000, 'orders:7': 500, 'orders:50': 0, 'orders:99': 100, [OTHERS_KEY]: 234 },
  ]);
});

test('few series: no "others"; topics carry their partition counts', () => {
  const h = history([
    { topic: 'a', partition: 0, lags: [1, 2] },
    { topic: 'a', partition: 1, lags: [3, 4] },
    { topic: 'b', partition: 0, lags: [9, 0] },
  ]);
  const d = topicChartData(h, 10);
  assert.deepEqual(
    d.series.map((s) => [s.label, s.partitions]),
    [
      ['b', 1],
      ['a', 2],
    ],
  );
  assert.deepEqual(d.rows, [
    { t: 0, 'topic:b': 9, 'topic:a': 4 },
    { t: 1000, 'topic:b': 0, 'topic:a': 6 },
  ]);
});
