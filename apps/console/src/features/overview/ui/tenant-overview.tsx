'use client';
/**
 * A tenant's home: traffic and storage over time, its topics by traffic, groups needing attention, quota usage
 * against limits and, for tenant admins, recent changes.
 */
import { useQuery } from '@tanstack/react-query';
import { Badge } from '../../../components/ui/badge.tsx';
import { ErrorState, Loading } from '../../../components/ui/states.tsx';
import { api } from '../../../lib/api-client.ts';
import type { TenantOverview as Overview } from '../schemas.ts';
import { AttentionGroups, RecentAudit } from './attention.tsx';
import { QuotaBars } from './quota-bars.tsx';
import { RankedTable } from './ranked-table.tsx';
import { TrafficCharts } from './traffic-charts.tsx';

export function TenantOverview({ tenant }: { tenant: string }) {
  const overview = useQuery({
    queryKey: ['tenant-overview', tenant],
    queryFn: () => api<Overview>(`/tenants/${tenant}/overview`),
    refetchInterval: 5_000,
  });
  if (overview.error) return <ErrorState error={overview.error} />;
  if (!overview.data) return <Loading what="the overview" />;
  const o = overview.data;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-2">
        <h1 className="text-xl font-semibold">{o.tenant.displayName}</h1>
        <span className="text-sm text-slate-500">{o.tenant.slug}</span>
        {o.tenant.status !== 'ACTIVE' ? <Badge tone="warn">{o.tenant.status.toLowerCase()}</Badge> : null}
        {o.throttled ? (
          <Badge tone="warn" data-testid="tenant-throttled">
            throttled
          </Badge>
        ) : null}
      </div>
      <TrafficCharts path={`/tenants/${tenant}/traffic/history`} title="Traffic and storage" />
      <div className="grid gap-3 lg:grid-cols-2">
        <RankedTable title="Topics by traffic (last 5 min)" rows={o.topicsByTraffic} testId="tenant-topics-traffic" />
        <section aria-label="Quota usage" className="rounded border border-slate-200 bg-white p-3">
          <h3 className="mb-2 text-sm font-semibold text-slate-700">Quota usage</h3>
          <QuotaBars usage={o.quotaUsage} />
        </section>
      </div>
      <div className="grid gap-3 lg:grid-cols-2">
        <AttentionGroups groups={o.groupsNeedingAttention} />
        {o.recentChanges ? (
          <RecentAudit title="Recent changes" entries={o.recentChanges} moreHref={`/t/${tenant}/audit`} />
        ) : null}
      </div>
    </div>
  );
}
