'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { ConfirmDialog, Dialog } from '../../../components/ui/dialog.tsx';
import { Field, Input } from '../../../components/ui/input.tsx';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { Table, Td, Th, Tr } from '../../../components/ui/table.tsx';
import { api, fieldErrors, formatBytes } from '../../../lib/api-client.ts';
import { rateText, useMessageRates } from '../../../lib/use-message-rates.ts';
import { emptyQuotaDraft, QuotaFields, quotaFromDraft } from './quota-fields.tsx';
import { TenantDeletions } from './tenant-deletions.tsx';

export interface TenantRow {
  slug: string;
  displayName: string;
  status: 'ACTIVE' | 'SUSPENDED' | 'DELETING';
  plan: string;
  usage: { topics: number | null; partitions: number | null; storageBytes: number | null; messages: number | null };
  quota: Record<string, number | null>;
}

function limitText(used: number | null, max: number | null | undefined) {
  const u = used === null ? '—' : `${used}`;
  return max === null || max === undefined ? u : `${u} / ${max}`;
}

export function TenantsAdmin() {
  const qc = useQueryClient();
  const tenants = useQuery({
    queryKey: ['tenants'],
    queryFn: () => api<TenantRow[]>('/tenants'),
    refetchInterval: 10_000,
  });
  const counts = useMemo(() => tenants.data?.map((t) => ({ key: t.slug, messages: t.usage.messages })), [tenants.data]);
  const rates = useMessageRates(counts, tenants.dataUpdatedAt);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<TenantRow | null>(null);
  const suspend = useMutation({
    mutationFn: (t: TenantRow) =>
      api(`/tenants/${t.slug}`, { method: 'PATCH', body: { status: t.status === 'ACTIVE' ? 'SUSPENDED' : 'ACTIVE' } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['tenants'] }),
  });
  const remove = useMutation({
    mutationFn: (t: TenantRow) => api(`/tenants/${t.slug}`, { method: 'DELETE' }),
    onSuccess: () => {
      setDeleting(null);
      qc.invalidateQueries({ queryKey: ['tenants'] });
      qc.invalidateQueries({ queryKey: ['tenant-deletions'] });
      qc.invalidateQueries({ queryKey: ['me'] });
    },
  });
  return (
    <section>
      <PageHeader title="Tenants">
        <Button onClick={() => setCreating(true)}>New tenant</Button>
      </PageHeader>
      {suspend.error ? <ErrorState error={suspend.error} /> : null}
      {tenants.isPending ? (
        <Loading what="tenants" />
      ) : tenants.error ? (
        <ErrorState error={tenants.error} />
      ) : tenants.data.length === 0 ? (
        <Empty>No tenants yet. Create the first one.</Empty>
      ) : (
        <Table>
          <thead>
            <tr>
              <Th>Tenant</Th>
              <Th>Status</Th>
              <Th>Plan</Th>
              <Th>Topics</Th>
              <Th>Partitions</Th>
              <Th>Storage</Th>
              <Th>Messages</Th>
              <Th>Produce quota</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </thead>
          <tbody>
            {tenants.data.map((t) => (
              <Tr key={t.slug}>
                <Td>
                  <Link className="font-medium text-indigo-700 hover:underline" href={`/t/${t.slug}`}>
                    {t.displayName}
                  </Link>
                  <div className="text-xs text-slate-500">{t.slug}</div>
                </Td>
                <Td>
                  <Badge tone={t.status === 'ACTIVE' ? 'good' : 'warn'}>
                    {t.status === 'DELETING' ? 'deleting…' : t.status.toLowerCase()}
                  </Badge>
                </Td>
                <Td>{t.plan}</Td>
                <Td>{limitText(t.usage.topics, t.quota.maxTopics)}</Td>
                <Td>{limitText(t.usage.partitions, t.quota.maxPartitions)}</Td>
                <Td>
                  {formatBytes(t.usage.storageBytes)}
                  <span className="text-slate-500">
                    {' / '}
                    {t.quota.storageBytes ? formatBytes(t.quota.storageBytes) : 'unlimited'}
                  </span>
                </Td>
                <Td>
                  {t.usage.messages === null ? '—' : t.usage.messages.toLocaleString()}
                  <div className="text-xs text-slate-500">{rateText(rates.get(t.slug))}</div>
                </Td>
                <Td>{t.quota.produceBytesPerSec ? `${formatBytes(t.quota.produceBytesPerSec)}/s` : 'unlimited'}</Td>
                <Td className="whitespace-nowrap text-right">
                  <Link className="mr-2 text-sm text-indigo-700 hover:underline" href={`/admin/tenants/${t.slug}`}>
                    Settings
                  </Link>
                  {t.status === 'DELETING' ? null : (
                    <>
                      <Button variant="ghost" size="sm" onClick={() => suspend.mutate(t)}>
                        {t.status === 'ACTIVE' ? 'Suspend' : 'Resume'}
                      </Button>
                      <Button variant="ghost" size="sm" className="text-red-700" onClick={() => setDeleting(t)}>
                        Delete
                      </Button>
                    </>
                  )}
                </Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
      <TenantDeletions />
      <CreateTenantDialog open={creating} onClose={() => setCreating(false)} />
      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting)}
        pending={remove.isPending}
        title={`Delete tenant ${deleting?.slug ?? ''}?`}
        message={
          <>
            This cuts the tenant's connections at once, then deletes every topic under its namespace and all their data,
            its consumer groups and offsets, service accounts, API keys, ACLs and lag history. The slug is free again
            once the deletion has finished. It cannot be undone.
            {remove.error ? <p className="mt-2 text-red-600">{remove.error.message}</p> : null}
          </>
        }
        confirmText={deleting?.slug}
        confirmLabel="Delete tenant"
      />
    </section>
  );
}

function CreateTenantDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const [slug, setSlug] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [plan, setPlan] = useState('free');
  const [quota, setQuota] = useState(emptyQuotaDraft());
  const create = useMutation({
    mutationFn: () =>
      api('/tenants', { method: 'POST', body: { slug, displayName, plan, quota: quotaFromDraft(quota) } }),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['tenants'] });
      qc.invalidateQueries({ queryKey: ['me'] });
      setSlug('');
      setDisplayName('');
      setQuota(emptyQuotaDraft());
      onClose();
    },
  });
  const fe = fieldErrors(create.error);
  return (
    <Dialog open={open} onClose={onClose} title="New tenant">
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Field label="Slug" error={fe.slug} hint="Used in URLs and topic prefixes, e.g. acme">
          {(p) => <Input {...p} name="slug" value={slug} onChange={(e) => setSlug(e.target.value)} required />}
        </Field>
        <Field label="Display name" error={fe.displayName}>
          {(p) => (
            <Input
              {...p}
              name="displayName"
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
              required
            />
          )}
        </Field>
        <Field label="Plan" error={fe.plan}>
          {(p) => <Input {...p} name="plan" value={plan} onChange={(e) => setPlan(e.target.value)} />}
        </Field>
        <fieldset className="space-y-2">
          <legend className="text-sm font-semibold">
            Quotas (empty = unlimited, or the broker default where shown)
          </legend>
          <QuotaFields value={quota} onChange={setQuota} errors={fe} />
        </fieldset>
        {create.error && !Object.keys(fe).length ? <ErrorState error={create.error} /> : null}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" disabled={create.isPending}>
            Create tenant
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
