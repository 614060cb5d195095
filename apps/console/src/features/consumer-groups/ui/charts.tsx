'use client';
/**
 * The group page's charts on recharts: lag over time (stacked areas or small multiples, per topic or per
 * partition, top series + "others"), time lag, and the list's sparklines. Every chart carries its data in
 * data-* attributes (e.g. `data-total-lag`), so tests and scripts read what is drawn without parsing SVG.
 */
import {
  Area,
  AreaChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { LagHistoryView } from '../schemas.ts';
import { type ChartData, OTHERS_KEY, partitionChartData, topicChartData } from './chart-data.ts';
import { formatCount, formatDuration, formatTime } from './format.ts';

const PALETTE = [
  '#4f46e5',
  '#0891b2',
  '#059669',
  '#d97706',
  '#dc2626',
  '#7c3aed',
  '#db2777',
  '#65a30d',
  '#0284c7',
  '#ea580c',
  '#9333ea',
  '#0d9488',
];
const OTHERS_COLOR = '#94a3b8';
const colorOf = (key: string, i: number) => (key === OTHERS_KEY ? OTHERS_COLOR : PALETTE[i % PALETTE.length]);

/** Series drawn on their own before the rest become "others". */
const STACKED_LIMIT = 10;
const MULTIPLES_LIMIT = 11;

export type ChartBy = 'topic' | 'partition';
export type ChartLayout = 'stacked' | 'multiples';

/** The window, or from the first sample when the group is younger than the window (so its data is not a sliver). */
function timeAxis(h: LagHistoryView) {
  const withDate = h.toMs - h.fromMs > 86_400_000;
  const from = Math.max(h.fromMs, h.total[0]?.t ?? h.fromMs);
  return (
    <XAxis
      dataKey="t"
      type="number"
      scale="time"
      domain={[from, h.toMs]}
      tickFormatter={(t: number) => formatTime(t, withDate)}
      minTickGap={40}
      tick={{ fontSize: 11 }}
    />
  );
}

function tooltipLabel(t: unknown) {
  return formatTime(Number(t), true);
}

export function LagChart({ history, by, layout }: { history: LagHistoryView; by: ChartBy; layout: ChartLayout }) {
  const limit = layout === 'stacked' ? STACKED_LIMIT : MULTIPLES_LIMIT;
  const data: ChartData = by === 'topic' ? topicChartData(history, limit) : partitionChartData(history, limit);
  return (
    <figure
      data-testid="lag-chart"
      data-window={history.window}
      data-by={by}
      data-layout={layout}
      data-series={data.series.length}
      data-total-lag={history.total.map((p) => p.lag).join(',')}
      className="rounded-lg border border-slate-200 bg-white p-3"
    >
      <figcaption className="mb-2 text-sm text-slate-600">
        Lag in messages per {by}
        {data.series.some((s) => s.key === OTHERS_KEY) ? ' (highest peaks; the rest summed as “others”)' : ''}, every{' '}
        {formatDuration(history.stepMs)} ({history.resolution} data; a bucket shows its highest lag)
      </figcaption>
      {history.total.length === 0 ? (
        <p className="p-6 text-center text-sm text-slate-500">No samples in this window yet.</p>
      ) : layout === 'stacked' ? (
        <div className="h-72">
          <ResponsiveContainer width="100%" height="100%">
            <AreaChart data={data.rows} margin={{ top: 4, right: 12, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
              {timeAxis(history)}
              <YAxis tickFormatter={(v: number) => formatCount(v)} width={64} tick={{ fontSize: 11 }} />
              <Tooltip labelFormatter={tooltipLabel} formatter={(v) => formatCount(Number(v))} />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              {data.series.map((s, i) => (
                <Area
                  key={s.key}
                  dataKey={s.key}
                  name={s.label}
                  stackId="lag"
                  type="stepAfter"
                  stroke={colorOf(s.key, i)}
                  fill={colorOf(s.key, i)}
                  fillOpacity={0.35}
                  isAnimationActive={false}
                />
              ))}
            </AreaChart>
          </ResponsiveContainer>
        </div>
      ) : (
        <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
          {data.series.map((s, i) => (
            <div key={s.key} data-testid="lag-multiple" className="rounded border border-slate-100 p-2">
              <p className="truncate text-xs font-medium text-slate-700" title={s.label}>
                {s.label}
              </p>
              <div className="h-28">
                <ResponsiveContainer width="100%" height="100%">
                  <AreaChart data={data.rows} margin={{ top: 2, right: 4, bottom: 0, left: 0 }}>
                    {timeAxis(history)}
                    <YAxis tickFormatter={(v: number) => formatCount(v)} width={48} tick={{ fontSize: 10 }} />
                    <Tooltip labelFormatter={tooltipLabel} formatter={(v) => formatCount(Number(v))} />
                    <Area
                      dataKey={s.key}
                      name={s.label}
                      type="stepAfter"
                      stroke={colorOf(s.key, i)}
                      fill={colorOf(s.key, i)}
                      fillOpacity={0.3}
                      isAnimationActive={false}
                    />
                  </AreaChart>
                </ResponsiveContainer>
              </div>
            </div>
          ))}
        </div>
      )}
    </figure>
  );
}

export function TimeLagChart({ history }: { history: LagHistoryView }) {
  const rows = history.total.map((p) => ({ t: p.t, seconds: p.timeLagMs === null ? null : p.timeLagMs / 1000 }));
  return (
    <figure
      data-testid="time-lag-chart"
      data-time-lag-ms={history.total.map((p) => p.timeLagMs ?? '').join(',')}
      className="rounded-lg border border-slate-200 bg-white p-3"
    >
      <figcaption className="mb-2 text-sm text-slate-600">
        Time lag: how far behind the group is in time (its slowest partition)
      </figcaption>
      {rows.every((r) => r.seconds === null) ? (
        <p className="p-6 text-center text-sm text-slate-500">Time lag is not known yet (it needs two samples).</p>
      ) : (
        <div className="h-48">
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={rows} margin={{ top: 4, right: 12, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
              {timeAxis(history)}
              <YAxis tickFormatter={(v: number) => formatDuration(v * 1000)} width={64} tick={{ fontSize: 11 }} />
              <Tooltip labelFormatter={tooltipLabel} formatter={(v) => formatDuration(Number(v) * 1000)} />
              <Line
                dataKey="seconds"
                name="time lag"
                type="stepAfter"
                stroke="#d97706"
                dot={false}
                connectNulls={false}
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}

/** Total lag over the last hour, in the groups list. */
export function Sparkline({ points }: { points: { t: number; lag: number }[] }) {
  if (points.length < 2) return <span className="text-xs text-slate-500">—</span>;
  return (
    <div className="h-7 w-28" data-testid="sparkline" data-lag={points.map((p) => p.lag).join(',')}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={points} margin={{ top: 2, right: 2, bottom: 2, left: 2 }}>
          <YAxis hide domain={[0, 'dataMax']} />
          <Line
            dataKey="lag"
            type="monotone"
            stroke="#4f46e5"
            strokeWidth={1.5}
            dot={false}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
