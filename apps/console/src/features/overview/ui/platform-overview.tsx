'use client';
/**
 * The platform admin's home: hub health with the reason for anything not ok, totals, throughput and storage over
 * time, top tenants and topics by traffic and storage, groups needing attention and recent audit events.
 */
import { useQuery } from '@tanstack/react-query';
import { Badge } from '../../../components/ui/badge.tsx';
import { ErrorState, Loading } from '../../../components/ui/states.tsx';
import { api, formatBytes } from '../../../lib/api-client.ts';
import type { HealthCheck, PlatformOverview as Overview } from '../schemas.ts';
import { AttentionGroups, RecentAudit } from './attention.tsx';
import { formatPerSec, formatRate } from './format.ts';
import { RankedTable } from './ranked-table.tsx';
import { TrafficCharts } from './traffic-charts.tsx';

const HEALTH_LABEL: Record<HealthCheck['name'], string> = {
  broker: 'Broker',
  database: 'Database',
  lag_collector: 'Lag collector',
  processors: 'Processors',
};
const HEALTH_TONE = { ok: 'good', degraded: 'warn', down: 'bad', off: 'neutral' } as const;

function HealthCard({ check }: { check: HealthCheck }) {
  return (
    <li
      data-testid={`health-${check.name}`}
      data-status={check.status}
      className="rounded border border-slate-200 bg-white p-3"
    >
      <div className="flex items-center justify-between gap-2">
        <span className="font-medium text-slate-700">{HEALTH_LABEL[check.name]}</span>
        <Badge tone={HEALTH_TONE[check.status]}>{check.status}</Badge>
      </div>
      {check.reason ? <p className="mt-1 text-sm text-slate-600">{check.reason}</p> : null}
      {check.name === 'broker' && typeof check.detail.minFreeBytes === 'number' ? (
        <p className="mt-1 text-xs text-slate-500" data-testid="broker-disk">
          Disk:{' '}
          {typeof check.detail.freeBytes === 'number'
            ? `${formatBytes(check.detail.freeBytes)} free`
            : 'free space unknown'}{' '}
          (writes refused below {formatBytes(check.detail.minFreeBytes)})
          {Number(check.detail.offlineLogs) > 0 ? `; ${check.detail.offlineLogs} log(s) offline` : ''}
          {Number(check.detail.corruptBatches) > 0 ? `; ${check.detail.corruptBatches} corrupt batch(es)` : ''}
        </p>
      ) : null}
      {check.name === 'processors' && typeof check.detail.total === 'number' ? (
        <p className="mt-1 text-xs text-slate-500">
          {check.detail.total} processors: {check.detail.running} running, {check.detail.errored} errored,{' '}
          {check.detail.paused} paused; {check.detail.liveHosts} live hosts
        </p>
      ) : null}
    </li>
  );
}

export function PlatformOverview() {
  const overview = useQuery({
    queryKey: ['overview'],
    queryFn: () => api<Overview>('/overview'),
    refetchInterval: 5_000,
  });
  if (overview.error) return <ErrorState error={overview.error} />;
  if (!overview.data) return <Loading what="the overview" />;
  const o = overview.data;
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Hub overview</h1>
      <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4" aria-label="Hub health">
        {o.health.map((c) => (
          <HealthCard key={c.name} check={c} />
        ))}
      </ul>
      <dl className="grid grid-cols-2 gap-3 rounded border border-slate-200 bg-white p-3 text-sm md:grid-cols-5">
        <div>
          <dt className="text-slate-500">Produce (5 min)</dt>
          <dd data-testid="total-produce" title={`${Math.round(o.totals.produceBytesPerSec)} B/s`}>
            {formatRate(o.totals.produceBytesPerSec)}
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Fetch (5 min)</dt>
          <dd title={`${Math.round(o.totals.fetchBytesPerSec)} B/s`}>{formatRate(o.totals.fetchBytesPerSec)}</dd>
        </div>
        <div>
          <dt className="text-slate-500">Records in / out</dt>
          <dd>
            {formatPerSec(o.totals.produceRecordsPerSec)} / {formatPerSec(o.totals.fetchRecordsPerSec)}
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Storage</dt>
          <dd title={`${o.totals.storageBytes} B`}>{formatBytes(o.totals.storageBytes)}</dd>
        </div>
        <div>
          <dt className="text-slate-500">Tenants</dt>
          <dd>{o.totals.tenants}</dd>
        </div>
      </dl>
      <TrafficCharts path="/overview/traffic" title="Hub traffic and storage" />
      <div className="grid gap-3 lg:grid-cols-2">
        <RankedTable
          title="Top tenants by traffic (last 5 min)"
          rows={o.topTenantsByTraffic}
          testId="top-tenants-traffic"
        />
        <RankedTable title="Top tenants by storage" rows={o.topTenantsByStorage} testId="top-tenants-storage" />
        <RankedTable
          title="Top topics by traffic (last 5 min)"
          rows={o.topTopicsByTraffic}
          testId="top-topics-traffic"
        />
        <RankedTable title="Top topics by storage" rows={o.topTopicsByStorage} testId="top-topics-storage" />
      </div>
      <div className="grid gap-3 lg:grid-cols-2">
        <AttentionGroups groups={o.groupsNeedingAttention} />
        <RecentAudit title="Recent audit events" entries={o.recentAudit} moreHref="/admin/audit" />
      </div>
    </div>
  );
}
