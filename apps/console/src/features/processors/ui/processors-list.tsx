'use client';
/**
 * A tenant's processors: status (with the reason as tooltip and text), version, input → outputs, delivery, lag,
 * in/out rates and error rate, polled every few seconds. Tenant admins get "New processor".
 */
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { buttonVariants } from '../../../components/ui/button.tsx';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { Table, Td, Th, Tr } from '../../../components/ui/table.tsx';
import { api } from '../../../lib/api-client.ts';
import { enumText, formatCount, rateText } from './format.ts';
import { ProcessorStatusBadge } from './status-badge.tsx';
import { useCanManage } from './use-tenant-role.ts';
import type { ProcessorSummaryView } from './view-types.ts';

export const PROCESSOR_POLL_MS = 3_000;

export function ProcessorsList({ tenant }: { tenant: string }) {
  const canManage = useCanManage(tenant);
  const list = useQuery({
    queryKey: ['processors', tenant],
    queryFn: () => api<{ processors: ProcessorSummaryView[] }>(`/tenants/${tenant}/processors`),
    refetchInterval: PROCESSOR_POLL_MS,
  });
  return (
    <section>
      <PageHeader title={`Processors · ${tenant}`}>
        {canManage ? (
          <Link className={buttonVariants()} href={`/t/${tenant}/processors/new`}>
            New processor
          </Link>
        ) : null}
      </PageHeader>
      {list.isPending ? (
        <Loading what="processors" />
      ) : list.error ? (
        <ErrorState error={list.error} />
      ) : list.data.processors.length === 0 ? (
        <Empty>
          No processors yet. A processor runs your JavaScript or TypeScript function on every record of a topic and
          writes what it returns to other topics.
        </Empty>
      ) : (
        <Table aria-label="Processors">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Status</Th>
              <Th>Version</Th>
              <Th>Input → outputs</Th>
              <Th>Delivery</Th>
              <Th>Lag</Th>
              <Th>In</Th>
              <Th>Out</Th>
              <Th>Errors</Th>
            </tr>
          </thead>
          <tbody>
            {list.data.processors.map((p) => (
              <Tr key={p.name} data-testid={`processor-${p.name}`}>
                <Td>
                  <Link
                    className="font-medium text-indigo-700 hover:underline"
                    href={`/t/${tenant}/processors/${encodeURIComponent(p.name)}`}
                  >
                    {p.name}
                  </Link>
                </Td>
                <Td>
                  <ProcessorStatusBadge status={p.status} reason={p.statusReason} />
                  {enumText(p.desiredState) === 'paused' && enumText(p.status) !== 'paused' ? (
                    <span className="ml-1 text-xs text-slate-500">(pausing)</span>
                  ) : null}
                  {p.statusReason ? (
                    <div className="max-w-xs text-xs text-slate-500" data-testid="status-reason">
                      {p.statusReason}
                    </div>
                  ) : null}
                </Td>
                <Td>{p.version ? `v${p.version}` : '—'}</Td>
                <Td className="text-xs">
                  <code>{p.inputTopic}</code> →{' '}
                  {p.outputTopics.map((t) => (
                    <code key={t} className="mr-1">
                      {t}
                    </code>
                  ))}
                </Td>
                <Td>{enumText(p.delivery)}</Td>
                <Td data-testid="processor-lag">{formatCount(p.lagRecords)}</Td>
                <Td>{rateText(p.inPerSec)}</Td>
                <Td>{rateText(p.outPerSec)}</Td>
                <Td className={p.errorPerSec ? 'text-red-700' : undefined}>{rateText(p.errorPerSec)}</Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
    </section>
  );
}
