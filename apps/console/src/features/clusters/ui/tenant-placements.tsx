'use client';
/** On a tenant's page: where its keys and ACLs are placed on each managed cluster, or why not. */
import { useQuery } from '@tanstack/react-query';
import { Badge } from '../../../components/ui/badge.tsx';
import { ErrorState } from '../../../components/ui/states.tsx';
import { Table, TableHead, Td, Tr } from '../../../components/ui/table.tsx';
import { api } from '../../../lib/api-client.ts';
import type { ClusterStatus } from '../schemas.ts';
import { ClusterStatusBadge } from './status-badge.tsx';

interface Placement {
  cluster: string;
  bootstrap: string[];
  status: ClusterStatus | null;
  items: { what: string; state: 'placed' | 'pending' | 'refused' | 'skipped'; reason: string | null }[];
}

const TONE = { placed: 'good', pending: 'neutral', refused: 'bad', skipped: 'warn' } as const;

export function TenantPlacements({ slug }: { slug: string }) {
  const placements = useQuery({
    queryKey: ['cluster-placements', slug],
    queryFn: () => api<Placement[]>(`/tenants/${encodeURIComponent(slug)}/cluster-placements`),
    refetchInterval: 10_000,
  });
  if (placements.error) return <ErrorState error={placements.error} />;
  if (!placements.data || placements.data.length === 0) return null;
  return (
    <section className="mt-8 space-y-4" aria-labelledby="placements">
      <h2 id="placements" className="text-sm font-semibold text-slate-700">
        On managed Kafka clusters
      </h2>
      {placements.data.map((p) => (
        <div key={p.cluster}>
          <p className="mb-1 text-sm">
            <span className="font-medium">{p.cluster}</span>{' '}
            <span className="font-mono text-xs text-slate-500">{p.bootstrap.join(', ')}</span>{' '}
            <ClusterStatusBadge status={p.status} />
          </p>
          <Table>
            <TableHead columns={['What', 'State', 'Why']} />
            <tbody>
              {p.items.map((i) => (
                <Tr key={i.what}>
                  <Td className="text-xs">{i.what}</Td>
                  <Td>
                    <Badge tone={TONE[i.state]}>{i.state}</Badge>
                  </Td>
                  <Td className="text-xs">{i.reason ?? ''}</Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        </div>
      ))}
    </section>
  );
}
