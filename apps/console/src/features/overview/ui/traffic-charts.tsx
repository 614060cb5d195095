'use client';
/**
 * Traffic and storage history charts (recharts) for the hub, a tenant or a topic, with the shared window picker:
 * produce and fetch bytes and records per second, and storage. Throttled periods are shaded and
 * quota changes drawn as vertical lines. Each chart carries its data in data-* attributes for tests and scripts.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { ErrorState, Loading } from '../../../components/ui/states.tsx';
import { api, formatBytes } from '../../../lib/api-client.ts';
import { formatTime } from '../../consumer-groups/ui/format.ts';
import type { TrafficHistoryView, TrafficWindow } from '../schemas.ts';
import { formatPerSec, formatRate } from './format.ts';
import { WindowPicker } from './window-picker.tsx';

interface SeriesSpec {
  key: 'produceBytesPerSec' | 'fetchBytesPerSec' | 'produceRecordsPerSec' | 'fetchRecordsPerSec' | 'storageBytes';
  name: string;
  color: string;
}

function HistoryChart({
  title,
  history,
  series,
  format,
  testId,
}: {
  title: string;
  history: TrafficHistoryView;
  series: SeriesSpec[];
  format: (n: number) => string;
  testId: string;
}) {
  const withDate = history.toMs - history.fromMs > 86_400_000;
  const throttles = history.marks.filter((m) => m.kind === 'throttle');
  const quotas = history.marks.filter((m) => m.kind === 'quota');
  return (
    <figure
      data-testid={testId}
      data-window={history.window}
      data-points={history.points.length}
      data-series={series.map((s) => history.points.map((p) => Math.round(p[s.key] ?? 0)).join(',')).join(';')}
      data-throttled-periods={throttles.length}
      data-quota-changes={quotas.length}
      className="rounded border border-slate-200 bg-white p-3"
    >
      <figcaption className="mb-1 text-sm font-medium text-slate-700">{title}</figcaption>
      <div className="h-44">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={history.points} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={[history.fromMs, history.toMs]}
              tickFormatter={(t: number) => formatTime(t, withDate)}
              minTickGap={40}
              tick={{ fontSize: 11 }}
            />
            <YAxis tickFormatter={(v: number) => format(v)} width={72} tick={{ fontSize: 11 }} />
            <Tooltip
              labelFormatter={(t) => formatTime(Number(t), true)}
              formatter={(v) => (typeof v === 'number' ? format(v) : String(v))}
            />
            {series.length > 1 ? <Legend wrapperStyle={{ fontSize: 12 }} /> : null}
            {throttles.map((m) => (
              <ReferenceArea
                key={`t${m.atMs}`}
                x1={m.atMs}
                x2={m.untilMs ?? history.toMs}
                fill="#f59e0b"
                fillOpacity={0.15}
                label={{ value: 'throttled', fontSize: 10, fill: '#92400e', position: 'insideTop' }}
              />
            ))}
            {quotas.map((m) => (
              <ReferenceLine
                key={`q${m.atMs}`}
                x={m.atMs}
                stroke="#7c3aed"
                strokeDasharray="4 2"
                label={{ value: 'quota', fontSize: 10, fill: '#5b21b6', position: 'insideTopRight' }}
              />
            ))}
            {series.map((s) => (
              <Line
                // A series with one or two known points (a new topic's size) would draw no line: show its dots.
                dot={history.points.filter((p) => p[s.key] !== null).length <= 2}
                key={s.key}
                type="monotone"
                dataKey={s.key}
                name={s.name}
                stroke={s.color}
                isAnimationActive={false}
                connectNulls
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

/** The charts of one history source (`/overview/traffic`, `/tenants/acme/traffic/history`, `…?topic=orders`). */
export function TrafficCharts({ path, title }: { path: string; title: string }) {
  const [win, setWin] = useState<TrafficWindow>('1h');
  const sep = path.includes('?') ? '&' : '?';
  const history = useQuery({
    queryKey: ['traffic-history', path, win],
    queryFn: () => api<TrafficHistoryView>(`${path}${sep}window=${win}`),
    refetchInterval: win === '15m' || win === '1h' ? 5_000 : 60_000,
  });
  return (
    <section aria-label={title} className="space-y-2">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-base font-semibold text-slate-800">{title}</h2>
        <WindowPicker value={win} onChange={setWin} />
      </div>
      {history.error ? (
        <ErrorState error={history.error} />
      ) : !history.data ? (
        <Loading what="history" />
      ) : (
        <div className="grid gap-3 lg:grid-cols-3">
          <HistoryChart
            title="Throughput"
            testId="chart-throughput"
            history={history.data}
            format={formatRate}
            series={[
              { key: 'produceBytesPerSec', name: 'produce', color: '#4f46e5' },
              { key: 'fetchBytesPerSec', name: 'fetch', color: '#059669' },
            ]}
          />
          <HistoryChart
            title="Records"
            testId="chart-records"
            history={history.data}
            format={formatPerSec}
            series={[
              { key: 'produceRecordsPerSec', name: 'produced', color: '#0891b2' },
              { key: 'fetchRecordsPerSec', name: 'fetched', color: '#65a30d' },
            ]}
          />
          <HistoryChart
            title="Storage"
            testId="chart-storage"
            history={history.data}
            format={(n) => formatBytes(n)}
            series={[{ key: 'storageBytes', name: 'storage', color: '#d97706' }]}
          />
        </div>
      )}
    </section>
  );
}
