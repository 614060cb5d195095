'use client';
/** Recent tenant deletions for platform admins: running ones (with the last error of a failed run) and what each removed. */
import { useQuery } from '@tanstack/react-query';
import { Badge } from '../../../components/ui/badge.tsx';
import { ErrorState } from '../../../components/ui/states.tsx';
import { Table, Td, Th, Tr } from '../../../components/ui/table.tsx';
import { api } from '../../../lib/api-client.ts';

interface DeletionRow {
  id: string;
  slug: string;
  state: 'deleting' | 'deleted';
  requestedBy: string;
  startedAt: string;
  finishedAt: string | null;
  lastError: string | null;
  removed: Record<string, number>;
}

const COLUMNS = ['Tenant', 'State', 'By', 'Started', 'Removed'];

function removedText(r: Record<string, number>): string {
  return `${r.topics} topics, ${r.groups} groups, ${r.offsets} offsets, ${r.apiKeys} keys, ${r.aclBindings} ACLs`;
}

export function TenantDeletions() {
  const deletions = useQuery({
    queryKey: ['tenant-deletions'],
    queryFn: () => api<DeletionRow[]>('/tenant-deletions?limit=20'),
    refetchInterval: 5_000,
  });
  if (deletions.error) return <ErrorState error={deletions.error} />;
  if (!deletions.data || deletions.data.length === 0) return null;
  return (
    <section className="mt-8" aria-labelledby="tenant-deletions">
      <h2 id="tenant-deletions" className="mb-2 text-sm font-semibold text-slate-700">
        Deletions
      </h2>
      <Table>
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <Th key={c}>{c}</Th>
            ))}
          </tr>
        </thead>
        <tbody>
          {deletions.data.map((d) => (
            <Tr key={d.id}>
              <Td>{d.slug}</Td>
              <Td>
                <Badge tone={d.state === 'deleted' ? 'neutral' : 'warn'}>{d.state}</Badge>
                {d.lastError ? <div className="text-xs text-red-700">retrying: {d.lastError}</div> : null}
              </Td>
              <Td>{d.requestedBy}</Td>
              <Td>{new Date(d.startedAt).toLocaleString()}</Td>
              <Td className="text-xs">{removedText(d.removed)}</Td>
            </Tr>
          ))}
        </tbody>
      </Table>
    </section>
  );
}
