/**
 * Read side for charts: picks the resolution that fits a window (raw for 15 m and 1 h, minute roll-ups for 6 h
 * and 24 h, hour roll-ups for 7 d and 30 d), buckets to at most `maxPoints` points per partition, and sums
 * partitions into per-topic and per-group series. Everything returned is plain JSON (numbers, ms timestamps).
 */
import { z } from 'zod';
import type { LagPoint, LagStore, Resolution } from './store.ts';

export const LAG_WINDOWS = ['15m', '1h', '6h', '24h', '7d', '30d'] as const;
export type LagWindow = (typeof LAG_WINDOWS)[number];
export const LagWindowSchema = z.enum(LAG_WINDOWS);

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
export const WINDOW_MS: Record<LagWindow, number> = {
  '15m': 15 * MINUTE_MS,
  '1h': HOUR_MS,
  '6h': 6 * HOUR_MS,
  '24h': 24 * HOUR_MS,
  '7d': 7 * 24 * HOUR_MS,
  '30d': 30 * 24 * HOUR_MS,
};
const WINDOW_RESOLUTION: Record<LagWindow, Resolution> = {
  '15m': 'raw',
  '1h': 'raw',
  '6h': 'minute',
  '24h': 'minute',
  '7d': 'hour',
  '30d': 'hour',
};

export const GroupLagHistoryQuerySchema = z.object({
  /** Restrict to one tenant's rows; omit for admins looking across tenants. */
  tenantId: z.string().uuid().nullable().optional(),
  groupId: z.string().min(1),
  window: LagWindowSchema,
  topic: z.string().min(1).optional(),
  /** Upper bound of points per partition (the bucket width grows to fit). */
  maxPoints: z.number().int().min(10).max(2000).default(300),
  /** End of the window, ms since the epoch; defaults to now. */
  nowMs: z.number().optional(),
});
export type GroupLagHistoryQuery = z.input<typeof GroupLagHistoryQuerySchema>;

export interface SeriesPoint {
  t: number;
  lag: number;
  timeLagMs: number | null;
}

export interface GroupLagHistory {
  groupId: string;
  window: LagWindow;
  resolution: Resolution;
  fromMs: number;
  toMs: number;
  /** Width of one bucket. */
  stepMs: number;
  /** Per partition, sorted by topic then partition. `lag` of a point is the highest lag in its bucket. */
  partitions: { topic: string; partition: number; points: LagPoint[] }[];
  /** Per topic: the partitions' lags summed per bucket; timeLagMs is the partitions' maximum. */
  topics: { topic: string; points: SeriesPoint[] }[];
  /** The whole group, summed the same way. */
  total: SeriesPoint[];
}

function sumSeries(series: { points: LagPoint[] }[]): SeriesPoint[] {
  const byT = new Map<number, SeriesPoint>();
  for (const s of series) {
    for (const p of s.points) {
      const cur = byT.get(p.t) ?? { t: p.t, lag: 0, timeLagMs: null };
      cur.lag += p.lag;
      if (p.timeLagMs !== null) cur.timeLagMs = Math.max(cur.timeLagMs ?? 0, p.timeLagMs);
      byT.set(p.t, cur);
    }
  }
  return [...byT.values()].sort((a, b) => a.t - b.t);
}

/** The minimal bucket of each resolution: the collector's interval for raw samples. */
export function resolutionStepMs(resolution: Resolution, sampleIntervalMs: number): number {
  return resolution === 'raw' ? sampleIntervalMs : resolution === 'minute' ? MINUTE_MS : HOUR_MS;
}

export async function getGroupLagHistory(
  store: LagStore,
  query: GroupLagHistoryQuery,
  options: { sampleIntervalMs?: number } = {},
): Promise<GroupLagHistory> {
  const q = GroupLagHistoryQuerySchema.parse(query);
  const toMs = q.nowMs ?? Date.now();
  const fromMs = toMs - WINDOW_MS[q.window];
  const resolution = WINDOW_RESOLUTION[q.window];
  const minStep = resolutionStepMs(resolution, options.sampleIntervalMs ?? 10_000);
  const stepMs = Math.max(minStep, Math.ceil(WINDOW_MS[q.window] / q.maxPoints / minStep) * minStep);
  const partitions = await store.partitionHistory({
    tenantId: q.tenantId,
    groupId: q.groupId,
    topic: q.topic,
    resolution,
    fromMs,
    toMs,
    stepMs,
  });
  const topicNames = [...new Set(partitions.map((p) => p.topic))];
  return {
    groupId: q.groupId,
    window: q.window,
    resolution,
    fromMs,
    toMs,
    stepMs,
    partitions,
    topics: topicNames.map((topic) => ({ topic, points: sumSeries(partitions.filter((p) => p.topic === topic)) })),
    total: sumSeries(partitions),
  };
}
