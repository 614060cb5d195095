'use client';
/**
 * The group page: status and why, lag over time (window picker; per topic or per partition; stacked or small
 * multiples) and time lag, members and their assignments, committed vs end offsets per partition, the status
 * history, and the reset-offsets dialog for tenant admins. Everything is polled at the collector's interval.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { cn } from '../../../components/ui/cn.ts';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { Table, Td, Th, Tr } from '../../../components/ui/table.tsx';
import { api } from '../../../lib/api-client.ts';
import { type GroupDetailView, LAG_WINDOWS, type LagHistoryView, type LagWindowName } from '../schemas.ts';
import { type ChartBy, type ChartLayout, LagChart, TimeLagChart } from './charts.tsx';
import { formatCount, formatDuration, formatTime } from './format.ts';
import { CollectorNotice, pollMs } from './groups-list.tsx';
import { ResetOffsetsDialog } from './reset-offsets-dialog.tsx';
import { StatusBadge } from './status-badge.tsx';

/** Partition rows shown before "show all", so a 500-partition group stays a readable page. */
const PARTITION_ROWS = 50;

function Toggle<T extends string>(props: {
  label: string;
  value: T;
  options: readonly { value: T; label: string }[];
  onChange: (v: T) => void;
}) {
  return (
    <fieldset className="inline-flex overflow-hidden rounded-md border border-slate-300">
      <legend className="sr-only">{props.label}</legend>
      {props.options.map((o) => (
        <button
          key={o.value}
          type="button"
          aria-pressed={props.value === o.value}
          onClick={() => props.onChange(o.value)}
          className={cn(
            'px-2.5 py-1 text-sm',
            props.value === o.value ? 'bg-accent text-on-accent' : 'bg-white text-slate-700 hover:bg-slate-100',
          )}
        >
          {o.label}
        </button>
      ))}
    </fieldset>
  );
}

export function GroupDetail({ tenant, group }: { tenant: string; group: string }) {
  const base = `/tenants/${tenant}/groups/${encodeURIComponent(group)}`;
  const [lagWindow, setLagWindow] = useState<LagWindowName>('1h');
  const [by, setBy] = useState<ChartBy>('topic');
  const [layout, setLayout] = useState<ChartLayout>('stacked');
  const [resetting, setResetting] = useState(false);
  const [allPartitions, setAllPartitions] = useState(false);
  const detail = useQuery({
    queryKey: ['group', tenant, group],
    queryFn: () => api<GroupDetailView>(base),
    refetchInterval: (q) => pollMs(q.state.data?.collector),
  });
  const interval = pollMs(detail.data?.collector);
  const history = useQuery({
    queryKey: ['group', tenant, group, 'lag', lagWindow],
    queryFn: () => api<LagHistoryView>(`${base}/lag?window=${lagWindow}`),
    placeholderData: keepPreviousData,
    // Longer windows change only when a new roll-up bucket closes.
    refetchInterval: lagWindow === '15m' || lagWindow === '1h' ? interval : Math.max(interval, 60_000),
  });
  const role = useQuery({
    queryKey: ['tenant', tenant],
    queryFn: () => api<{ role?: string }>(`/tenants/${tenant}`),
  });
  const canReset = role.data?.role === 'admin' || role.data?.role === 'platform_admin';

  if (detail.isPending) return <Loading what="consumer group" />;
  if (detail.error) return <ErrorState error={detail.error} />;
  const d = detail.data;
  const partitions = allPartitions ? d.partitions : d.partitions.slice(0, PARTITION_ROWS);
  return (
    <section className="space-y-6">
      <PageHeader title={`Consumer group ${d.name}`}>
        {canReset ? (
          <Button variant="secondary" onClick={() => setResetting(true)}>
            Reset offsets…
          </Button>
        ) : null}
      </PageHeader>
      <p className="-mt-2 text-sm text-slate-600">
        <Link href={`/t/${tenant}/groups`} className="text-indigo-700 underline">
          All groups
        </Link>{' '}
        · on the broker as <code>{d.groupId}</code>
      </p>
      <CollectorNotice collector={d.collector} />
      {d.error ? (
        <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800" data-testid="group-error">
          The lag collector could not fully read this group: {d.error}. Lag is measured from the committed offsets it
          could read; fix or stop the client named here, and the error clears on the next pass.
        </p>
      ) : null}
      <div className="flex flex-wrap items-start gap-3 rounded-lg border border-slate-200 bg-white p-4">
        <StatusBadge status={d.status} reason={d.reason} />
        <p className="min-w-0 flex-1 text-sm text-slate-700" data-testid="group-reason">
          {d.reason}
        </p>
      </div>
      <dl className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 text-sm sm:grid-cols-5">
        <div>
          <dt className="text-slate-500">State</dt>
          <dd className="text-lg font-semibold">{d.state}</dd>
        </div>
        <div>
          <dt className="text-slate-500">Members</dt>
          <dd className="text-lg font-semibold">{d.members.length}</dd>
        </div>
        <div>
          <dt className="text-slate-500">Total lag</dt>
          <dd className="text-lg font-semibold" data-testid="group-total-lag">
            {formatCount(d.totalLag)}
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Time lag</dt>
          <dd className="text-lg font-semibold">{formatDuration(d.maxTimeLagMs)}</dd>
        </div>
        <div>
          <dt className="text-slate-500">Sampled</dt>
          <dd className="text-lg font-semibold">{formatTime(d.evaluatedAtMs)}</dd>
        </div>
      </dl>

      <div className="space-y-3">
        <div className="flex flex-wrap items-center gap-3">
          <h2 className="mr-auto text-lg font-semibold">Lag over time</h2>
          <Toggle
            label="Window"
            value={lagWindow}
            options={LAG_WINDOWS.map((w) => ({ value: w, label: w }))}
            onChange={setLagWindow}
          />
          <Toggle
            label="Series"
            value={by}
            options={[
              { value: 'topic', label: 'per topic' },
              { value: 'partition', label: 'per partition' },
            ]}
            onChange={setBy}
          />
          <Toggle
            label="Layout"
            value={layout}
            options={[
              { value: 'stacked', label: 'stacked' },
              { value: 'multiples', label: 'small multiples' },
            ]}
            onChange={setLayout}
          />
        </div>
        {history.isPending ? (
          <Loading what="lag history" />
        ) : history.error ? (
          <ErrorState error={history.error} />
        ) : (
          <>
            <LagChart history={history.data} by={by} layout={layout} />
            <TimeLagChart history={history.data} />
          </>
        )}
      </div>

      <div>
        <h2 className="mb-2 text-lg font-semibold">Members and assignments</h2>
        {d.members.length === 0 ? (
          <Empty>No live members: nobody is consuming with this group right now.</Empty>
        ) : (
          <Table aria-label="Members">
            <thead>
              <tr>
                <Th>Client</Th>
                <Th>Host</Th>
                <Th>Member id</Th>
                <Th>Assigned partitions</Th>
              </tr>
            </thead>
            <tbody>
              {d.members.map((m) => (
                <Tr key={m.memberId}>
                  <Td>{m.clientId}</Td>
                  <Td>{m.clientHost}</Td>
                  <Td className="max-w-[16rem] truncate font-mono text-xs" title={m.memberId}>
                    {m.memberId}
                  </Td>
                  <Td className="text-xs">
                    {m.assignments.length === 0
                      ? '—'
                      : m.assignments.map((a) => `${a.topic} [${a.partitions.join(', ')}]`).join('; ')}
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </div>

      <div>
        <h2 className="mb-2 text-lg font-semibold">Committed vs end offsets</h2>
        {d.partitions.length === 0 ? (
          <Empty>The group has not committed any offsets and is assigned no partitions.</Empty>
        ) : (
          <>
            <Table aria-label="Partitions">
              <thead>
                <tr>
                  <Th>Topic</Th>
                  <Th>Partition</Th>
                  <Th>Committed</Th>
                  <Th>End</Th>
                  <Th>Lag</Th>
                  <Th>Time lag</Th>
                  <Th>Status</Th>
                  <Th>Consumer</Th>
                </tr>
              </thead>
              <tbody>
                {partitions.map((p) => (
                  <Tr key={`${p.topic}-${p.partition}`} data-testid={`partition-${p.topic}-${p.partition}`}>
                    <Td>{p.topic}</Td>
                    <Td>{p.partition}</Td>
                    <Td data-testid="partition-committed">
                      {p.noCommittedOffset ? (
                        <span
                          className="text-amber-700"
                          title={`No committed offset: lag counts from offset ${formatCount(p.positionOffset)}, where the group starts reading (its reset position)`}
                        >
                          no committed offset
                        </span>
                      ) : (
                        formatCount(p.committedOffset)
                      )}
                    </Td>
                    <Td>{formatCount(p.logEndOffset)}</Td>
                    <Td data-testid="partition-lag">{formatCount(p.lag)}</Td>
                    <Td>{formatDuration(p.timeLagMs)}</Td>
                    <Td>
                      <StatusBadge status={p.status} reason={p.reason} />
                    </Td>
                    <Td className="text-xs">{p.clientId ?? <span className="text-slate-500">unassigned</span>}</Td>
                  </Tr>
                ))}
              </tbody>
            </Table>
            {d.partitions.length > PARTITION_ROWS ? (
              <Button variant="ghost" size="sm" className="mt-2" onClick={() => setAllPartitions((v) => !v)}>
                {allPartitions ? 'Show the first 50' : `Show all ${d.partitions.length} partitions`}
              </Button>
            ) : null}
          </>
        )}
      </div>

      <div>
        <h2 className="mb-2 text-lg font-semibold">Status history</h2>
        {d.statusHistory.length === 0 ? (
          <Empty>No status changes since the collector started.</Empty>
        ) : (
          <Table aria-label="Status history">
            <thead>
              <tr>
                <Th>When</Th>
                <Th>Change</Th>
                <Th>Total lag</Th>
                <Th>Why</Th>
              </tr>
            </thead>
            <tbody>
              {[...d.statusHistory].reverse().map((s) => (
                <Tr key={`${s.atMs}-${s.to}`}>
                  <Td className="whitespace-nowrap">{formatTime(s.atMs, true)}</Td>
                  <Td className="whitespace-nowrap">
                    {s.from ? <StatusBadge status={s.from} /> : <span className="text-slate-500">start</span>} →{' '}
                    <StatusBadge status={s.to} />
                  </Td>
                  <Td>{formatCount(s.totalLag)}</Td>
                  <Td className="text-xs">{s.reason}</Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </div>
      {canReset ? (
        <ResetOffsetsDialog
          tenant={tenant}
          group={d.name}
          topics={d.topics}
          open={resetting}
          onClose={() => setResetting(false)}
        />
      ) : null}
    </section>
  );
}
