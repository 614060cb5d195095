'use client';
/**
 * One managed cluster (platform admins): its settings, the brokers and tenants its last run saw, "Reconcile now" (and
 * a dry run), pause and resume, and the last reports with drift and refusals in words.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { Table, TableHead, Td, Tr } from '../../../components/ui/table.tsx';
import { api } from '../../../lib/api-client.ts';
import type { ClusterStatus } from '../schemas.ts';
import type { ClusterRow } from './clusters-admin.tsx';
import { ClusterStatusBadge } from './status-badge.tsx';

interface Run {
  id: string;
  startedAt: string;
  trigger: string;
  status: ClusterStatus;
  counts: Record<'created' | 'repaired' | 'deleted' | 'refused' | 'skipped', number>;
  summary: string[];
}

interface ClusterDetail extends ClusterRow {
  brokers: { id: number; host: string; port: number }[];
  tenants: { slug: string; topics: number }[];
  reports: Run[];
}

interface Report {
  status: ClusterStatus;
  dryRun: boolean;
  created: { tenant: string; what: string }[];
  repaired: { tenant: string; what: string }[];
  deleted: { tenant: string; what: string }[];
  errors: { tenant: string; what: string; message: string }[];
}

export function ClusterDetailAdmin({ name }: { name: string }) {
  const qc = useQueryClient();
  const path = `/clusters/${encodeURIComponent(name)}`;
  const cluster = useQuery({
    queryKey: ['cluster', name],
    queryFn: () => api<ClusterDetail>(path),
    refetchInterval: 5_000,
  });
  const [last, setLast] = useState<Report | null>(null);
  const reconcile = useMutation({
    mutationFn: (dryRun: boolean) => api<Report>(`${path}/reconcile`, { method: 'POST', body: { dryRun } }),
    onSuccess: (r) => {
      setLast(r);
      qc.invalidateQueries({ queryKey: ['cluster', name] });
    },
  });
  const pause = useMutation({
    mutationFn: (paused: boolean) => api(path, { method: 'PATCH', body: { paused } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['cluster', name] }),
  });
  if (cluster.isPending) return <Loading what="the cluster" />;
  if (cluster.error) return <ErrorState error={cluster.error} />;
  const c = cluster.data;
  return (
    <section className="space-y-6">
      <PageHeader title={`Cluster ${c.name}`}>
        <Button variant="secondary" disabled={reconcile.isPending} onClick={() => reconcile.mutate(true)}>
          Dry run
        </Button>
        <Button disabled={reconcile.isPending} onClick={() => reconcile.mutate(false)}>
          {reconcile.isPending ? 'Reconciling…' : 'Reconcile now'}
        </Button>
        <Button variant="ghost" onClick={() => pause.mutate(!c.paused)}>
          {c.paused ? 'Resume' : 'Pause'}
        </Button>
      </PageHeader>
      {reconcile.error ? <ErrorState error={reconcile.error} /> : null}
      {pause.error ? <ErrorState error={pause.error} /> : null}
      {last ? <ReportResult report={last} /> : null}
      <dl className="grid max-w-3xl grid-cols-[max-content_1fr] gap-x-6 gap-y-1 text-sm">
        <dt className="text-slate-500">Status</dt>
        <dd>
          <ClusterStatusBadge status={c.status} /> {c.paused ? <Badge tone="warn">paused</Badge> : null}
          {c.lastError ? <div className="text-xs text-red-700">{c.lastError}</div> : null}
        </dd>
        <dt className="text-slate-500">Last reconcile</dt>
        <dd>{c.lastReconcileAt ? new Date(c.lastReconcileAt).toLocaleString() : '—'}</dd>
        <dt className="text-slate-500">Bootstrap</dt>
        <dd className="font-mono text-xs">{c.bootstrap.join(', ')} (SASL_PLAINTEXT)</dd>
        <dt className="text-slate-500">Admin principal</dt>
        <dd>
          {c.saslUsername} ({c.saslMechanism})
        </dd>
        <dt className="text-slate-500">Interval</dt>
        <dd>{Math.round(c.reconcileIntervalMs / 1000)} s</dd>
        <dt className="text-slate-500">Brokers seen</dt>
        <dd>{c.brokers.map((b) => `${b.id} (${b.host}:${b.port})`).join(', ') || '—'}</dd>
        <dt className="text-slate-500">Tenants placed</dt>
        <dd>{c.tenants.map((t) => `${t.slug} (${t.topics} topics)`).join(', ') || '—'}</dd>
      </dl>
      <section aria-labelledby="reports">
        <h2 id="reports" className="mb-2 text-sm font-semibold text-slate-700">
          Last reconciles
        </h2>
        {c.reports.length === 0 ? (
          <Empty>No reconcile yet.</Empty>
        ) : (
          <Table>
            <TableHead columns={['Started', 'Trigger', 'Status', 'Changes', 'Drift and refusals']} />
            <tbody>
              {c.reports.map((r) => (
                <Tr key={r.id}>
                  <Td className="whitespace-nowrap">{new Date(r.startedAt).toLocaleString()}</Td>
                  <Td>{r.trigger}</Td>
                  <Td>
                    <ClusterStatusBadge status={r.status} />
                  </Td>
                  <Td className="text-xs">
                    {r.counts.created} created, {r.counts.repaired} repaired, {r.counts.deleted} deleted,{' '}
                    {r.counts.refused} refused, {r.counts.skipped} skipped
                  </Td>
                  <Td className="text-xs">
                    <ul>
                      {r.summary.map((s) => (
                        <li key={s}>{s}</li>
                      ))}
                    </ul>
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </section>
    </section>
  );
}

function ReportResult({ report }: { report: Report }) {
  const verb = report.dryRun ? 'would ' : '';
  const lines = [
    ...report.created.map((c) => `${c.tenant}: ${verb}${c.what}`),
    ...report.repaired.map((c) => `${c.tenant}: ${verb}${c.what} (drift)`),
    ...report.deleted.map((c) => `${c.tenant}: ${verb}${c.what}`),
    ...report.errors.map((c) => `${c.tenant}: ${c.what} — refused: ${c.message}`),
  ];
  return (
    <div role="status" className="rounded-lg border border-slate-200 bg-slate-50 p-3 text-sm">
      <p className="font-medium">
        {report.dryRun ? 'Dry run' : 'Reconciled'}: <ClusterStatusBadge status={report.status} />
        {lines.length === 0 ? ' — nothing to change.' : null}
      </p>
      <ul className="mt-1 text-xs">
        {lines.map((l) => (
          <li key={l}>{l}</li>
        ))}
      </ul>
    </div>
  );
}
