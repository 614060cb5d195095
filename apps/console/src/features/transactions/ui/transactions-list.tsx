'use client';
/**
 * A tenant's transactions (or every tenant's, for platform admins): open ones first with their age against their
 * timeout, hanging ones flagged with the reason, and, for tenant and platform admins, an abort that fences the
 * transactional id after a confirmation in a dialog.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { ConfirmDialog } from '../../../components/ui/dialog.tsx';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { Table, TableHead, Td, Tr } from '../../../components/ui/table.tsx';
import { api } from '../../../lib/api-client.ts';
import { formatDuration, formatShortDuration, formatTime } from '../../consumer-groups/ui/format.ts';
import { useCanManage } from '../../processors/ui/use-tenant-role.ts';
import type { AbortedTransactionView, TransactionListView, TransactionView } from '../schemas.ts';

const REFRESH_MS = 5_000;

function StateBadge({ t }: { t: TransactionView }) {
  if (t.hanging.length > 0) return <Badge tone="bad">Hanging · {t.state}</Badge>;
  if (t.open) return <Badge tone="info">{t.state}</Badge>;
  return <Badge tone={/Abort/.test(t.state) ? 'warn' : 'neutral'}>{t.state}</Badge>;
}

function partitionsText(t: TransactionView): string {
  if (t.partitions.length === 0) return '—';
  return t.partitions.map((p) => `${p.topic}-${p.partition}`).join(', ');
}

export function TransactionsList({ tenant }: { tenant?: string }) {
  const qc = useQueryClient();
  const canManageTenant = useCanManage(tenant ?? '');
  const canAbort = tenant === undefined ? true : canManageTenant === true;
  const key = ['transactions', tenant ?? '*'];
  const list = useQuery({
    queryKey: key,
    queryFn: () => api<TransactionListView>(tenant ? `/tenants/${tenant}/transactions` : '/transactions'),
    refetchInterval: REFRESH_MS,
  });
  const [target, setTarget] = useState<TransactionView | null>(null);
  const abort = useMutation({
    mutationFn: (t: TransactionView) =>
      api<AbortedTransactionView>(
        `/tenants/${tenant ?? t.tenant}/transactions/${encodeURIComponent(t.transactionalId)}/abort`,
        { method: 'POST' },
      ),
    onSuccess: () => {
      setTarget(null);
      qc.invalidateQueries({ queryKey: key });
    },
  });
  const data = list.data;
  return (
    <div>
      <PageHeader title={tenant ? `Transactions · ${tenant}` : 'Transactions · all tenants'} />
      <p className="mb-3 text-sm text-slate-600">
        Transactional ids of {tenant ? 'the tenant' : 'every tenant'} as the transaction coordinator knows them, open
        ones first. A transaction open longer than its <code>transaction.timeout.ms</code> is flagged hanging; so is a
        partition holding an open transaction the coordinator does not know (when the broker answers DescribeProducers).
        Aborting fences the id: its epoch is bumped, the open transaction is aborted and the old producer can no longer
        write.
      </p>
      {abort.isSuccess ? (
        <p
          role="status"
          className="mb-3 rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900"
        >
          {abort.data.aborted
            ? `Aborted the open transaction of ${abort.data.transactionalId}; `
            : `${abort.data.transactionalId} had no open transaction; `}
          its producer is fenced (epoch now {abort.data.producerEpoch}).
        </p>
      ) : null}
      {list.isPending ? (
        <Loading what="transactions" />
      ) : list.error ? (
        <ErrorState error={list.error} />
      ) : !data || data.transactions.length === 0 ? (
        <Empty>No transactional ids yet: they appear when a producer with a transactional.id starts.</Empty>
      ) : (
        <>
          <Table aria-label="Transactions">
            <TableHead
              columns={[
                ...(tenant ? [] : ['Tenant']),
                'Transactional id',
                'State',
                'Producer (epoch)',
                'Partitions',
                'Started',
                'Open for',
                'Timeout',
              ]}
              actions={canAbort}
            />
            <tbody>
              {data.transactions.map((t) => (
                <Tr key={`${t.tenant ?? ''}/${t.transactionalId}`}>
                  {tenant ? null : <Td>{t.tenant ?? '—'}</Td>}
                  <Td className="font-mono break-all">
                    {t.transactionalId}
                    {t.hanging.map((h) => (
                      <p key={h} className="mt-1 font-sans text-xs text-red-800">
                        {h}
                      </p>
                    ))}
                  </Td>
                  <Td>
                    <StateBadge t={t} />
                  </Td>
                  <Td className="whitespace-nowrap">
                    {t.producerId} ({t.producerEpoch})
                  </Td>
                  <Td className="break-all">{partitionsText(t)}</Td>
                  <Td className="whitespace-nowrap">
                    {t.startedAtMs === null ? '—' : formatTime(t.startedAtMs, true)}
                  </Td>
                  <Td className="whitespace-nowrap">{formatDuration(t.openForMs)}</Td>
                  <Td className="whitespace-nowrap">{formatShortDuration(t.timeoutMs)}</Td>
                  {canAbort ? (
                    <Td>
                      {t.open && (tenant || t.tenant) ? (
                        <Button
                          variant="danger"
                          size="sm"
                          onClick={() => {
                            abort.reset();
                            setTarget(t);
                          }}
                        >
                          Abort
                        </Button>
                      ) : null}
                    </Td>
                  ) : null}
                </Tr>
              ))}
            </tbody>
          </Table>
          <p className="mt-2 text-xs text-slate-500">
            {data.transactions.length} of {data.total} transactional ids · checked {formatTime(data.checkedAtMs)} ·{' '}
            {data.producersChecked
              ? `${data.partitionsChecked} partitions checked for open transactions the coordinator does not know`
              : 'the broker does not answer DescribeProducers: partitions were not checked'}
          </p>
        </>
      )}
      {data && data.hangingPartitions.length > 0 ? (
        <section className="mt-4">
          <h2 className="mb-2 text-lg font-semibold">Partitions with a hanging transaction</h2>
          <ul className="list-disc space-y-1 pl-5 text-sm text-red-800">
            {data.hangingPartitions.map((p) => (
              <li key={`${p.tenant ?? ''}/${p.topic}/${p.partition}/${p.producerId}`}>
                {p.tenant ? `${p.tenant}: ` : ''}
                {p.reason}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <ConfirmDialog
        open={target !== null}
        // Closing keeps the outcome shown above the table; a new abort starts afresh.
        onClose={() => setTarget(null)}
        onConfirm={() => target && abort.mutate(target)}
        title={`Abort the transaction of ${target?.transactionalId ?? ''}?`}
        message={
          <div className="space-y-2">
            <p>
              The transactional id is fenced as Kafka&apos;s <code>Admin.fenceProducers</code> does: its epoch is
              bumped, the open transaction is aborted (its records are never read by read_committed consumers), and the
              producer using it gets PRODUCER_FENCED on its next request and must be restarted.
            </p>
            {abort.error ? <ErrorState error={abort.error} /> : null}
          </div>
        }
        confirmLabel="Abort transaction"
        confirmText={target?.transactionalId}
        pending={abort.isPending}
      />
    </div>
  );
}
