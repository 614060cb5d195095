/**
 * Turns a lag history into chart rows that stay readable for groups with hundreds of partitions: the `limit`
 * series with the highest peak lag in the window are drawn on their own and the rest are summed into one
 * "others" series, so a chart never has more than limit + 1 series. Pure, so it is unit-tested.
 */
import type { LagHistoryView } from '../schemas.ts';

export interface ChartSeries {
  key: string;
  label: string;
  /** How many partitions the series sums (1 for a partition, more for a topic or "others"). */
  partitions: number;
}

export interface ChartData {
  series: ChartSeries[];
  /** One row per bucket: `t` and one numeric value per series key (0 where the series has no point). */
  rows: Record<string, number>[];
}

export const OTHERS_KEY = '__others';

interface Input {
  key: string;
  label: string;
  partitions: number;
  points: { t: number; lag: number }[];
}

export function topSeries(inputs: Input[], limit: number): ChartData {
  const peak = (s: Input) => s.points.reduce((m, p) => Math.max(m, p.lag), 0);
  const ranked = [...inputs].sort((a, b) => peak(b) - peak(a) || a.label.localeCompare(b.label));
  const shown = ranked.slice(0, limit);
  const rest = ranked.slice(limit);
  const byT = new Map<number, Record<string, number>>();
  const row = (t: number) => {
    let r = byT.get(t);
    if (!r) {
      r = { t };
      for (const s of shown) r[s.key] = 0;
      if (rest.length > 0) r[OTHERS_KEY] = 0;
      byT.set(t, r);
    }
    return r;
  };
  for (const s of shown) for (const p of s.points) row(p.t)[s.key] = p.lag;
  for (const s of rest) for (const p of s.points) row(p.t)[OTHERS_KEY] += p.lag;
  const series: ChartSeries[] = shown.map((s) => ({ key: s.key, label: s.label, partitions: s.partitions }));
  if (rest.length > 0) {
    series.push({
      key: OTHERS_KEY,
      label: `others (${rest.length} series)`,
      partitions: rest.reduce((n, s) => n + s.partitions, 0),
    });
  }
  return { series, rows: [...byT.values()].sort((a, b) => a.t - b.t) };
}

export function partitionChartData(h: LagHistoryView, limit: number): ChartData {
  return topSeries(
    h.partitions.map((p) => ({
      key: `${p.topic}:${p.partition}`,
      label: `${p.topic}[${p.partition}]`,
      partitions: 1,
      points: p.points,
    })),
    limit,
  );
}

export function topicChartData(h: LagHistoryView, limit: number): ChartData {
  const counts = new Map<string, number>();
  for (const p of h.partitions) counts.set(p.topic, (counts.get(p.topic) ?? 0) + 1);
  return topSeries(
    h.topics.map((t) => ({
      key: `topic:${t.topic}`,
      label: t.topic,
      partitions: counts.get(t.topic) ?? 0,
      points: t.points,
    })),
    limit,
  );
}
