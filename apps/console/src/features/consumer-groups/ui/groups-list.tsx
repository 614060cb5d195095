'use client';
/**
 * The consumer groups list: a tenant's groups, or every tenant's for platform admins (`scope="all"`). Status badge,
 * members, topics, total lag, time lag and the last hour's sparkline; sorted and filtered by the server; polled at
 * the collector's interval.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { Field, Input, Select } from '../../../components/ui/input.tsx';
import { Table, Td, Th, Tr } from '../../../components/ui/table.tsx';
import { api } from '../../../lib/api-client.ts';
import { GROUP_STATUSES, type GroupListView, type GroupListItemView } from '../schemas.ts';
import { Sparkline } from './charts.tsx';
import { formatCount, formatDuration, formatTime } from './format.ts';
import { StatusBadge } from './status-badge.tsx';

type SortKey = 'status' | 'groupId' | 'totalLag' | 'maxTimeLag' | 'members';
const PROBLEMS = 'WARNING,REWIND,STALLED,STOPPED';

/** Poll as often as the collector samples, but not more than every 2 s. */
export function pollMs(collector: { intervalMs: number } | undefined): number {
  return Math.max(2_000, collector?.intervalMs ?? 10_000);
}

export function CollectorNotice({ collector }: { collector: GroupListView['collector'] | undefined }) {
  if (!collector) return null;
  if (collector.lastError)
    return (
      <p role="alert" className="mb-3 rounded-md bg-amber-50 p-3 text-sm text-amber-800">
        The lag collector's last pass failed
        {collector.lastErrorAtMs ? ` at ${formatTime(collector.lastErrorAtMs)}` : ''}: {collector.lastError}. Figures
        are from its last good pass
        {collector.lastPassAtMs ? ` (${formatTime(collector.lastPassAtMs)})` : ''}; it tries again every{' '}
        {formatDuration(collector.intervalMs)}.
      </p>
    );
  if (collector.lastPassAtMs === null)
    return (
      <p role="status" className="mb-3 rounded-md bg-slate-100 p-3 text-sm text-slate-700">
        The lag collector has not finished its first pass yet.
      </p>
    );
  return null;
}

/** The collector's health for platform admins: passes, their duration and failures, groups it cannot read. */
export function CollectorHealth({ collector }: { collector: GroupListView['collector'] | undefined }) {
  if (!collector) return null;
  const items: [string, string][] = [
    ['Last pass', collector.lastPassAtMs ? formatTime(collector.lastPassAtMs) : 'none yet'],
    ['Took', formatDuration(collector.lastPassDurationMs)],
    ['Passes ok / failed', `${formatCount(collector.passesOk)} / ${formatCount(collector.passesFailed)}`],
    ['Groups with errors', formatCount(collector.groupsWithErrors ?? 0)],
    ['Pass deadline', formatDuration(collector.passTimeoutMs)],
  ];
  return (
    <dl
      aria-label="Lag collector health"
      className="mb-3 grid gap-3 rounded-lg border border-slate-200 bg-white p-3 text-sm sm:grid-cols-5"
    >
      {items.map(([k, v]) => (
        <div key={k}>
          <dt className="text-slate-500">{k}</dt>
          <dd className="font-semibold">{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A group the collector could not fully read: a small marker whose title says why. */
export function GroupErrorMark({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <span
      className="ml-1 rounded bg-red-100 px-1 text-xs font-semibold text-red-800"
      title={error}
      data-testid="group-error"
    >
      read error
    </span>
  );
}

function SortHeader(props: {
  label: string;
  k: SortKey;
  sort: { by: SortKey; order: 'asc' | 'desc' };
  onSort: (k: SortKey) => void;
}) {
  const active = props.sort.by === props.k;
  return (
    <Th aria-sort={active ? (props.sort.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button
        type="button"
        className="inline-flex items-center gap-1 font-semibold"
        onClick={() => props.onSort(props.k)}
      >
        {props.label}
        <span aria-hidden className="text-xs text-slate-500">
          {active ? (props.sort.order === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </Th>
  );
}

function groupHref(g: GroupListItemView, tenant: string | undefined): string | null {
  const slug = tenant ?? g.tenant;
  return slug ? `/t/${slug}/groups/${encodeURIComponent(g.name)}` : null;
}

export function GroupsList({ tenant }: { tenant?: string }) {
  const [sort, setSort] = useState<{ by: SortKey; order: 'asc' | 'desc' }>({ by: 'status', order: 'desc' });
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState('');
  const qs = new URLSearchParams({ sortBy: sort.by, order: sort.order });
  if (status) qs.set('status', status);
  if (search.trim()) qs.set('search', search.trim());
  const path = tenant ? `/tenants/${tenant}/groups` : '/groups';
  const groups = useQuery({
    queryKey: ['groups', tenant ?? '*', qs.toString()],
    queryFn: () => api<GroupListView>(`${path}?${qs}`),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => pollMs(q.state.data?.collector),
  });
  const onSort = (by: SortKey) =>
    setSort((s) => ({ by, order: s.by === by && s.order === 'desc' ? 'asc' : by === 'groupId' ? 'asc' : 'desc' }));
  const data = groups.data;
  return (
    <section>
      <PageHeader title={tenant ? `Consumer groups · ${tenant}` : 'Consumer groups · all tenants'} />
      <div className="mb-3 flex flex-wrap items-end gap-2">
        <Field label="Search">
          {(p) => (
            <Input
              {...p}
              className="w-64"
              placeholder="group or topic"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
          )}
        </Field>
        <Field label="Status">
          {(p) => (
            <Select {...p} className="w-56" value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">All</option>
              <option value={PROBLEMS}>Needs attention</option>
              {GROUP_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </Select>
          )}
        </Field>
        {data?.collector.lastPassAtMs ? (
          <span className="ml-auto text-xs text-slate-500">
            sampled {formatTime(data.collector.lastPassAtMs)}, every {formatDuration(data.collector.intervalMs)}
          </span>
        ) : null}
      </div>
      <CollectorNotice collector={data?.collector} />
      {tenant ? null : <CollectorHealth collector={data?.collector} />}
      {groups.isPending ? (
        <Loading what="consumer groups" />
      ) : groups.error ? (
        <ErrorState error={groups.error} />
      ) : groups.data.groups.length === 0 ? (
        <Empty>
          {status || search
            ? 'No consumer group matches these filters.'
            : 'No consumer groups yet. A group appears here once its consumers commit offsets.'}
        </Empty>
      ) : (
        <Table aria-label="Consumer groups">
          <thead>
            <tr>
              <SortHeader label="Status" k="status" sort={sort} onSort={onSort} />
              <SortHeader label="Group" k="groupId" sort={sort} onSort={onSort} />
              {tenant ? null : <Th>Tenant</Th>}
              <SortHeader label="Members" k="members" sort={sort} onSort={onSort} />
              <Th>Topics</Th>
              <SortHeader label="Total lag" k="totalLag" sort={sort} onSort={onSort} />
              <SortHeader label="Time lag" k="maxTimeLag" sort={sort} onSort={onSort} />
              <Th>Last hour</Th>
            </tr>
          </thead>
          <tbody>
            {groups.data.groups.map((g) => {
              const href = groupHref(g, tenant);
              return (
                <Tr key={g.groupId} data-testid={`group-row-${tenant ? g.name : g.groupId}`}>
                  <Td>
                    <StatusBadge status={g.status} reason={g.reason} />
                    <GroupErrorMark error={g.error} />
                  </Td>
                  <Td className="font-medium">
                    {href ? (
                      <Link className="text-indigo-700 hover:underline" href={href}>
                        {tenant ? g.name : g.groupId}
                      </Link>
                    ) : (
                      g.groupId
                    )}
                    <span className="block text-xs font-normal text-slate-500">{g.state}</span>
                  </Td>
                  {tenant ? null : (
                    <Td>
                      {g.tenant ? (
                        <Link className="text-indigo-700 hover:underline" href={`/t/${g.tenant}`}>
                          {g.tenant}
                        </Link>
                      ) : (
                        <span className="text-slate-500">none</span>
                      )}
                    </Td>
                  )}
                  <Td>{g.members}</Td>
                  <Td className="max-w-xs text-xs">{g.topics.join(', ')}</Td>
                  <Td data-testid="total-lag">{formatCount(g.totalLag)}</Td>
                  <Td>{formatDuration(g.maxTimeLagMs)}</Td>
                  <Td>
                    <Sparkline points={g.sparkline} />
                  </Td>
                </Tr>
              );
            })}
          </tbody>
        </Table>
      )}
    </section>
  );
}
