'use client';
/**
 * A processor's page: status and why, the last error (message, stack, offset, version), lag in records and
 * seconds, throughput, drop ratio, errors and the DLQ (with a link to browse it), p50/p99 per record, CPU and
 * memory against the tenant's limits, charts over a window, the captured log, the deploy history and the code that
 * runs. Tenant admins edit, pause/resume, roll back, redeploy, re-drive the DLQ and delete; members read.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Button, buttonVariants } from '../../../components/ui/button.tsx';
import { cn } from '../../../components/ui/cn.ts';
import { ConfirmDialog } from '../../../components/ui/dialog.tsx';
import { ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { api, formatBytes } from '../../../lib/api-client.ts';
import type { GroupDetailView } from '../../consumer-groups/schemas.ts';
import { CodeEditor } from './code-editor.tsx';
import { DeployHistory } from './deploy-history.tsx';
import { dateText, enumText, formatCount, formatDuration, msText, percentText, rateText } from './format.ts';
import { ProcessorCharts } from './processor-charts.tsx';
import { ProcessorLogs } from './processor-logs.tsx';
import { PROCESSOR_POLL_MS } from './processors-list.tsx';
import { ProcessorStatusBadge } from './status-badge.tsx';
import { useCanManage } from './use-tenant-role.ts';
import {
  METRIC_WINDOWS,
  type MetricsView,
  type MetricWindowName,
  type ProcessorDetailView,
  type ProcessorStatsView,
  lastErrorOf,
} from './view-types.ts';

const WINDOW_MS: Record<MetricWindowName, number> = {
  '15m': 900_000,
  '1h': 3_600_000,
  '6h': 21_600_000,
  '24h': 86_400_000,
};

function Stat({
  label,
  value,
  testId,
  children,
}: {
  label: string;
  value: string;
  testId?: string;
  children?: React.ReactNode;
}) {
  return (
    <div>
      <dt className="text-slate-500">{label}</dt>
      <dd className="text-lg font-semibold" data-testid={testId}>
        {value}
      </dd>
      {children ? <dd>{children}</dd> : null}
    </div>
  );
}

function UsageBar({ used, limit }: { used: number | undefined; limit: number }) {
  const ratio = used === undefined || limit <= 0 ? 0 : Math.min(1, used / limit);
  return (
    <div className="mt-1 h-1.5 w-full rounded bg-slate-100" aria-hidden="true">
      <div
        className={cn('h-1.5 rounded', ratio > 0.9 ? 'bg-red-500' : ratio > 0.7 ? 'bg-amber-500' : 'bg-emerald-500')}
        style={{ width: `${ratio * 100}%` }}
      />
    </div>
  );
}

export function ProcessorDetail({ tenant, name }: { tenant: string; name: string }) {
  const router = useRouter();
  const qc = useQueryClient();
  const canManage = useCanManage(tenant);
  const base = `/tenants/${tenant}/processors/${encodeURIComponent(name)}`;
  const [metricWindow, setMetricWindow] = useState<MetricWindowName>('15m');
  const [deleting, setDeleting] = useState(false);
  const detail = useQuery({
    queryKey: ['processor', tenant, name],
    queryFn: () => api<ProcessorDetailView>(base),
    refetchInterval: PROCESSOR_POLL_MS,
  });
  const metrics = useQuery({
    queryKey: ['processor-metrics', tenant, name, metricWindow],
    queryFn: () => api<MetricsView>(`${base}/metrics?window=${metricWindow}`),
    placeholderData: keepPreviousData,
    refetchInterval: metricWindow === '15m' || metricWindow === '1h' ? PROCESSOR_POLL_MS : 60_000,
  });
  // Time lag comes from the lag collector, which samples the processor's consumer group like any other group.
  const groupId = detail.data?.groupId;
  const group = useQuery({
    queryKey: ['processor-group', tenant, groupId],
    queryFn: () => api<GroupDetailView>(`/tenants/${tenant}/groups/${encodeURIComponent(groupId ?? '')}`),
    enabled: groupId !== undefined,
    refetchInterval: PROCESSOR_POLL_MS,
    retry: false,
  });
  const refresh = () => {
    qc.invalidateQueries({ queryKey: ['processor', tenant, name] });
    qc.invalidateQueries({ queryKey: ['processors', tenant] });
  };
  const action = useMutation({
    mutationFn: (what: 'pause' | 'resume') => api(`${base}/${what}`, { method: 'POST', body: {} }),
    onSuccess: refresh,
  });
  const redrive = useMutation({
    mutationFn: () => api<{ redriveId: string }>(`${base}/dlq/redrive`, { method: 'POST', body: {} }),
  });
  const remove = useMutation({
    mutationFn: () => api(base, { method: 'DELETE' }),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['processors', tenant] });
      router.push(`/t/${tenant}/processors`);
    },
  });

  if (detail.isPending) return <Loading what="processor" />;
  if (detail.error) return <ErrorState error={detail.error} />;
  const d = detail.data;
  const v = d.version;
  const current = v.version;
  const lastError = lastErrorOf(d);
  const st: Partial<ProcessorStatsView> = d.stats ?? {};
  const latest = metrics.data?.series.at(-1) ?? null;
  const lagSeconds =
    latest?.lagSeconds ?? (typeof group.data?.maxTimeLagMs === 'number' ? group.data.maxTimeLagMs / 1000 : null);
  const dropRatio = st.inRecords ? (st.drops ?? 0) / st.inRecords : (latest?.dropRatio ?? null);
  const paused = enumText(d.desiredState) === 'paused';
  const memoryLimitBytes = st.memoryLimitBytes ?? d.limits.memoryMb * 1_048_576;
  return (
    <section className="space-y-6">
      <PageHeader title={`Processor ${d.name}`}>
        {canManage ? (
          <>
            <Link
              className={buttonVariants({ variant: 'secondary' })}
              href={`/t/${tenant}/processors/${encodeURIComponent(name)}/edit`}
            >
              Edit and test
            </Link>
            <Button
              variant="secondary"
              disabled={action.isPending}
              onClick={() => action.mutate(paused ? 'resume' : 'pause')}
            >
              {paused ? 'Resume' : 'Pause'}
            </Button>
            <Button variant="danger" onClick={() => setDeleting(true)}>
              Delete
            </Button>
          </>
        ) : null}
      </PageHeader>
      <p className="-mt-2 text-sm text-slate-600">
        <Link href={`/t/${tenant}/processors`} className="text-indigo-700 underline">
          All processors
        </Link>{' '}
        · reads <code>{d.inputTopic}</code> → writes{' '}
        {d.outputTopics.map((t) => (
          <code key={t} className="mr-1">
            {t}
          </code>
        ))}
        · {enumText(d.delivery)} · consumer group{' '}
        <Link className="text-indigo-700 underline" href={`/t/${tenant}/groups/${encodeURIComponent(d.groupId)}`}>
          {d.groupId}
        </Link>
      </p>
      {action.error ? <ErrorState error={action.error} /> : null}
      <div className="flex flex-wrap items-start gap-3 rounded-lg border border-slate-200 bg-white p-4">
        <ProcessorStatusBadge status={d.status} reason={d.statusReason} />
        <span className="text-sm text-slate-600">v{current ?? '—'}</span>
        {paused && enumText(d.status) !== 'paused' ? <span className="text-sm text-slate-500">pausing…</span> : null}
        <p className="min-w-0 flex-1 text-sm text-slate-700" data-testid="processor-status-reason">
          {d.statusReason ?? ''}
          {d.stats === null && !paused
            ? ' No processor host reports this processor right now: figures appear once a host runs it.'
            : ''}
        </p>
      </div>
      {lastError ? (
        <div
          role="alert"
          className="rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-900"
          data-testid="processor-last-error"
        >
          <p className="font-semibold">
            Last error{lastError.at ? ` at ${dateText(lastError.at)}` : ''}
            {lastError.version !== undefined && lastError.version !== null ? ` in v${lastError.version}` : ''}
            {lastError.partition !== undefined && lastError.partition !== null
              ? `, partition ${lastError.partition} offset ${lastError.offset ?? '—'}`
              : ''}
            :
          </p>
          <p className="mt-1" data-testid="processor-last-error-message">
            {lastError.message}
          </p>
          {lastError.stack ? (
            <pre className="mt-2 overflow-x-auto whitespace-pre-wrap text-xs">{lastError.stack}</pre>
          ) : null}
        </div>
      ) : null}
      <dl className="grid gap-4 rounded-lg border border-slate-200 bg-white p-4 text-sm sm:grid-cols-3 lg:grid-cols-6">
        <Stat label="Lag (records)" value={formatCount(st.lagRecords ?? d.lagRecords)} testId="processor-lag" />
        <Stat
          label="Lag (time)"
          value={formatDuration(lagSeconds === null ? null : lagSeconds * 1000)}
          testId="processor-lag-seconds"
        />
        <Stat label="In" value={rateText(st.recordsPerSecIn ?? d.inPerSec)} testId="processor-in-rate" />
        <Stat label="Out" value={rateText(st.recordsPerSecOut ?? d.outPerSec)} testId="processor-out-rate" />
        <Stat label="Drop ratio" value={percentText(dropRatio)} />
        <Stat
          label="Errors"
          value={`${formatCount(st.errors ?? 0)} · ${rateText(d.errorPerSec)}`}
          testId="processor-errors"
        />
        <Stat label="Dead-letter records" value={formatCount(st.dlq ?? 0)} testId="processor-dlq-count">
          {d.dlqTopic ? (
            <div className="flex flex-wrap items-center gap-2">
              <Link
                className="text-xs text-indigo-700 underline"
                href={`/t/${tenant}/topics/${encodeURIComponent(d.dlqTopic)}`}
              >
                Browse {d.dlqTopic}
              </Link>
              {canManage ? (
                <Button variant="ghost" size="sm" disabled={redrive.isPending} onClick={() => redrive.mutate()}>
                  Re-drive
                </Button>
              ) : null}
            </div>
          ) : null}
          {redrive.data ? (
            <p role="status" className="text-xs text-emerald-700">
              Re-drive requested: the DLQ's records go through the current version.
            </p>
          ) : redrive.error ? (
            <p role="alert" className="text-xs text-red-700">
              {redrive.error.message}
            </p>
          ) : null}
        </Stat>
        <Stat label="Per record p50 / p99" value={`${msText(st.p50Ms)} / ${msText(st.p99Ms)}`} />
        <Stat
          label="Records in / out"
          value={`${formatCount(st.inRecords ?? 0)} / ${formatCount(st.outRecords ?? 0)}`}
        />
        <Stat
          label="CPU"
          value={`${formatCount(Math.round(st.cpuMsPerSec ?? 0))} of ${formatCount(d.limits.cpuMsPerSec)} ms/s`}
          testId="processor-cpu"
        >
          <UsageBar used={st.cpuMsPerSec} limit={d.limits.cpuMsPerSec} />
        </Stat>
        <Stat
          label="Memory"
          value={`${formatBytes(st.memoryBytes ?? 0)} of ${formatBytes(memoryLimitBytes)}`}
          testId="processor-memory"
        >
          <UsageBar used={st.memoryBytes} limit={memoryLimitBytes} />
        </Stat>
        <Stat
          label="Hosts"
          value={`${d.instances.length} · ${d.instances.reduce((n, i) => n + i.partitions.length, 0)} partitions`}
        />
      </dl>

      <div className="space-y-3">
        <div className="flex flex-wrap items-center gap-3">
          <h2 className="mr-auto text-lg font-semibold">Over time</h2>
          <fieldset className="inline-flex overflow-hidden rounded-md border border-slate-300">
            <legend className="sr-only">Window</legend>
            {METRIC_WINDOWS.map((w) => (
              <button
                key={w}
                type="button"
                aria-pressed={metricWindow === w}
                onClick={() => setMetricWindow(w)}
                className={cn(
                  'px-2.5 py-1 text-sm',
                  metricWindow === w ? 'bg-accent text-on-accent' : 'bg-white text-slate-700 hover:bg-slate-100',
                )}
              >
                {w}
              </button>
            ))}
          </fieldset>
        </div>
        {metrics.isPending ? (
          <Loading what="metrics" />
        ) : metrics.error ? (
          <ErrorState error={metrics.error} />
        ) : (
          <ProcessorCharts series={metrics.data.series} windowMs={WINDOW_MS[metricWindow]} />
        )}
      </div>

      <ProcessorLogs base={base} />
      <DeployHistory tenant={tenant} base={base} current={current} canManage={canManage === true} />

      {
        <div className="space-y-2">
          <h2 className="text-lg font-semibold">
            Code of v{v.version} ({enumText(v.language)})
          </h2>
          <CodeEditor
            value={v.source}
            onChange={() => {}}
            readOnly
            rows={Math.min(24, v.source.split('\n').length + 1)}
          />
          <p className="text-xs text-slate-500">
            On error: {enumText(v.settings.onError)} after {v.settings.retries} retries ({v.settings.retryBackoffMs} ms
            backoff){v.comment ? ` · “${v.comment}”` : ''} · environment: {Object.keys(v.env).join(', ') || 'none'} ·
            secrets: {v.secretNames.map((s) => `${s} (set)`).join(', ') || 'none'}
          </p>
        </div>
      }

      <ConfirmDialog
        open={deleting}
        onClose={() => setDeleting(false)}
        onConfirm={() => remove.mutate()}
        pending={remove.isPending}
        title={`Delete processor ${d.name}?`}
        message={
          <>
            Its versions, secrets and logs are deleted and its consumer group is removed from the broker. Its output and
            dead-letter topics are kept.
            {remove.error ? <p className="text-red-600">{remove.error.message}</p> : null}
          </>
        }
        confirmText={d.name}
        confirmLabel="Delete processor"
      />
    </section>
  );
}
