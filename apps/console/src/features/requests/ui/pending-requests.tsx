'use client';
/** For platform admins: every tenant's requests waiting for a decision, oldest first; each opens its tenant's requests. */
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Badge } from '../../../components/ui/badge.tsx';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { Table, TableHead, Td, Tr } from '../../../components/ui/table.tsx';
import { api } from '../../../lib/api-client.ts';

interface PendingRequest {
  id: string;
  tenant: string;
  title: string;
  reason: string;
  requesterEmail: string;
  createdAt: string;
  approver: 'tenant_admin' | 'platform_admin';
}

export function PendingRequests() {
  const list = useQuery({
    queryKey: ['pending-requests'],
    queryFn: () => api<{ requests: PendingRequest[] }>('/requests'),
    refetchInterval: 10_000,
  });
  return (
    <section className="space-y-4">
      <PageHeader title="Pending requests" />
      <p className="max-w-3xl text-sm text-slate-700">
        Requests of every tenant waiting for a decision. Quota raises are yours to decide; the others wait for the
        tenant&apos;s admins (you may decide them too).
      </p>
      {list.isPending ? (
        <Loading what="requests" />
      ) : list.error ? (
        <ErrorState error={list.error} />
      ) : list.data.requests.length === 0 ? (
        <Empty>No requests are waiting.</Empty>
      ) : (
        <div className="overflow-x-auto">
          <Table>
            <TableHead columns={['Tenant', 'Request', 'Asked by', 'Why', 'Decided by']} />
            <tbody>
              {list.data.requests.map((r) => (
                <Tr key={r.id}>
                  <Td>
                    <Link className="text-indigo-700 underline" href={`/t/${r.tenant}/requests`}>
                      {r.tenant}
                    </Link>
                  </Td>
                  <Td>{r.title}</Td>
                  <Td>
                    {r.requesterEmail}
                    <br />
                    <span className="text-xs text-slate-500">{new Date(r.createdAt).toLocaleString()}</span>
                  </Td>
                  <Td className="max-w-xs">{r.reason}</Td>
                  <Td>
                    {r.approver === 'platform_admin' ? (
                      <Badge tone="warn">platform admins</Badge>
                    ) : (
                      <Badge>tenant admins</Badge>
                    )}
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        </div>
      )}
    </section>
  );
}
