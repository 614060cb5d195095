'use client';
/**
 * The processor page's charts over a window: lag in records (with lag in seconds on the right axis) and
 * throughput in/out/errors per second. Each figure carries what it draws in data-* attributes (data-lag,
 * data-in, data-out), so tests read the values without parsing SVG.
 */
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatCount, formatDuration, formatTime, rateText } from './format.ts';
import type { MetricSampleView } from './view-types.ts';

const ms = (at: string | number) => (typeof at === 'number' ? at : new Date(at).getTime());

function axis(rows: { t: number }[], windowMs: number) {
  const to = rows.at(-1)?.t ?? Date.now();
  return (
    <XAxis
      dataKey="t"
      type="number"
      scale="time"
      domain={[Math.max(to - windowMs, rows[0]?.t ?? to - windowMs), to]}
      tickFormatter={(t: number) => formatTime(t, windowMs > 86_400_000 / 2)}
      minTickGap={40}
      tick={{ fontSize: 11 }}
    />
  );
}

export function ProcessorCharts({ series, windowMs }: { series: MetricSampleView[]; windowMs: number }) {
  const rows = series
    .map((s) => ({
      t: ms(s.at),
      lag: s.lagRecords,
      lagSeconds: s.lagSeconds,
      in: s.inPerSec,
      out: s.outPerSec,
      errors: s.errorPerSec,
    }))
    .sort((a, b) => a.t - b.t);
  const empty = rows.length === 0;
  return (
    <div className="grid gap-3 lg:grid-cols-2">
      <figure
        data-testid="processor-lag-chart"
        data-lag={rows.map((r) => r.lag).join(',')}
        className="rounded-lg border border-slate-200 bg-white p-3"
      >
        <figcaption className="mb-2 text-sm text-slate-600">
          Lag: records behind the input topic, and seconds
        </figcaption>
        {empty ? (
          <p className="p-6 text-center text-sm text-slate-500">No samples in this window yet.</p>
        ) : (
          <div className="h-56">
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={rows} margin={{ top: 4, right: 12, bottom: 0, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
                {axis(rows, windowMs)}
                <YAxis
                  yAxisId="records"
                  tickFormatter={(v: number) => formatCount(v)}
                  width={64}
                  tick={{ fontSize: 11 }}
                />
                <YAxis
                  yAxisId="seconds"
                  orientation="right"
                  tickFormatter={(v: number) => formatDuration(v * 1000)}
                  width={56}
                  tick={{ fontSize: 11 }}
                />
                <Tooltip labelFormatter={(t) => formatTime(Number(t), true)} />
                <Legend wrapperStyle={{ fontSize: 12 }} />
                <Line
                  yAxisId="records"
                  dataKey="lag"
                  name="lag (records)"
                  type="stepAfter"
                  stroke="#4f46e5"
                  dot={false}
                  isAnimationActive={false}
                />
                <Line
                  yAxisId="seconds"
                  dataKey="lagSeconds"
                  name="lag (s)"
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
      <figure
        data-testid="processor-throughput-chart"
        data-in={rows.map((r) => r.in).join(',')}
        data-out={rows.map((r) => r.out).join(',')}
        data-errors={rows.map((r) => r.errors).join(',')}
        className="rounded-lg border border-slate-200 bg-white p-3"
      >
        <figcaption className="mb-2 text-sm text-slate-600">
          Throughput: records per second in, out and failing
        </figcaption>
        {empty ? (
          <p className="p-6 text-center text-sm text-slate-500">No samples in this window yet.</p>
        ) : (
          <div className="h-56">
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={rows} margin={{ top: 4, right: 12, bottom: 0, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
                {axis(rows, windowMs)}
                <YAxis tickFormatter={(v: number) => rateText(v)} width={64} tick={{ fontSize: 11 }} />
                <Tooltip labelFormatter={(t) => formatTime(Number(t), true)} formatter={(v) => rateText(Number(v))} />
                <Legend wrapperStyle={{ fontSize: 12 }} />
                <Line dataKey="in" name="in" type="monotone" stroke="#0891b2" dot={false} isAnimationActive={false} />
                <Line dataKey="out" name="out" type="monotone" stroke="#059669" dot={false} isAnimationActive={false} />
                <Line
                  dataKey="errors"
                  name="errors"
                  type="monotone"
                  stroke="#dc2626"
                  dot={false}
                  isAnimationActive={false}
                />
              </LineChart>
            </ResponsiveContainer>
          </div>
        )}
      </figure>
    </div>
  );
}
