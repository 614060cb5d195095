'use client';
/** The tenant's live traffic as the broker reports it: rates, connections, and a clear note when quotas throttle it. */
import { useQuery } from '@tanstack/react-query';
import { Badge } from '../../../components/ui/badge.tsx';
import { api, formatBytes } from '../../../lib/api-client.ts';

interface Traffic {
  reportedAt: string | null;
  stale: boolean;
  produceBytesPerSec: number;
  fetchBytesPerSec: number;
  produceThrottledShare: number;
  fetchThrottledShare: number;
  throttled: boolean;
  connections: number;
}

interface Quota {
  produceBytesPerSec: number | null;
  fetchBytesPerSec: number | null;
}

function rate(bytesPerSec: number, quota: number | null): string {
  const r = `${formatBytes(Math.round(bytesPerSec))}/s`;
  return quota === null ? r : `${r} of ${formatBytes(quota)}/s`;
}

export function TrafficStrip({ tenant }: { tenant: string }) {
  const traffic = useQuery({
    queryKey: ['traffic', tenant],
    queryFn: () => api<Traffic>(`/tenants/${tenant}/traffic`),
    refetchInterval: 3_000,
  });
  const quota = useQuery({ queryKey: ['quota', tenant], queryFn: () => api<Quota>(`/tenants/${tenant}/quota`) });
  const t = traffic.data;
  if (!t) return null;
  const q = quota.data ?? { produceBytesPerSec: null, fetchBytesPerSec: null };
  const throttledKinds = [
    t.produceThrottledShare > 0 ? `producers waited ${Math.round(t.produceThrottledShare * 100)}% of the time` : null,
    t.fetchThrottledShare > 0 ? `consumers waited ${Math.round(t.fetchThrottledShare * 100)}% of the time` : null,
  ].filter((x) => x !== null);
  return (
    <section
      aria-label="Traffic"
      className="mb-4 flex flex-wrap items-center gap-x-6 gap-y-2 rounded border border-slate-200 bg-white px-4 py-2 text-sm"
    >
      <span>
        <span className="text-slate-500">Produce </span>
        <span data-testid="traffic-produce">{rate(t.produceBytesPerSec, q.produceBytesPerSec)}</span>
      </span>
      <span>
        <span className="text-slate-500">Fetch </span>
        {rate(t.fetchBytesPerSec, q.fetchBytesPerSec)}
      </span>
      <span>
        <span className="text-slate-500">Connections </span>
        {t.connections}
      </span>
      {t.throttled ? (
        <span role="status" data-testid="tenant-throttled" className="flex items-center gap-2">
          <Badge tone="warn">throttled</Badge>
          <span className="text-amber-800">
            Over the byte-rate quota: {throttledKinds.join(', ')}. Clients slow down; nothing is lost. Ask a platform
            admin to raise the quota if this is expected load.
          </span>
        </span>
      ) : t.stale ? (
        <span className="text-slate-500">No recent traffic reported by the broker.</span>
      ) : null}
    </section>
  );
}
