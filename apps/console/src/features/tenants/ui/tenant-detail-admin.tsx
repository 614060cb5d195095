'use client';
import Link from 'next/link';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Field, Input } from '../../../components/ui/input.tsx';
import { ErrorState, Loading, PageHeader, SaveOutcome } from '../../../components/ui/states.tsx';
import { api, fieldErrors, formatBytes } from '../../../lib/api-client.ts';
import { TenantPlacements } from '../../clusters/ui/tenant-placements.tsx';
import { draftFromQuota, QuotaFields, quotaFromDraft } from './quota-fields.tsx';

interface Tenant {
  slug: string;
  displayName: string;
  plan: string;
  status: string;
  quota: Record<string, number | null>;
  usage: { topics: number | null; partitions: number | null; storageBytes: number | null };
}

export function TenantDetailAdmin({ slug }: { slug: string }) {
  const qc = useQueryClient();
  const tenant = useQuery({ queryKey: ['tenant', slug], queryFn: () => api<Tenant>(`/tenants/${slug}`) });
  const [displayName, setDisplayName] = useState('');
  const [plan, setPlan] = useState('');
  const [quota, setQuota] = useState(draftFromQuota({}));
  useEffect(() => {
    if (!tenant.data) return;
    setDisplayName(tenant.data.displayName);
    setPlan(tenant.data.plan);
    setQuota(draftFromQuota(tenant.data.quota));
  }, [tenant.data]);
  const save = useMutation({
    mutationFn: async () => {
      await api(`/tenants/${slug}`, { method: 'PATCH', body: { displayName, plan } });
      await api(`/tenants/${slug}/quota`, { method: 'PUT', body: quotaFromDraft(quota) });
    },
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['tenant', slug] });
      qc.invalidateQueries({ queryKey: ['tenants'] });
    },
  });
  const fe = fieldErrors(save.error);
  if (tenant.isPending) return <Loading what="tenant" />;
  if (tenant.error) return <ErrorState error={tenant.error} />;
  return (
    <section className="max-w-3xl">
      <PageHeader title={`Tenant ${tenant.data.displayName}`}>
        <Link className="text-sm text-indigo-700 hover:underline" href={`/t/${tenant.data.slug}`}>
          Open the tenant's home
        </Link>
      </PageHeader>
      <p className="mb-3 text-sm text-slate-600" data-testid="tenant-usage">
        Uses {tenant.data.usage.topics ?? '—'} topics, {tenant.data.usage.partitions ?? '—'} partitions and{' '}
        {formatBytes(tenant.data.usage.storageBytes)} on the broker.
      </p>
      <form
        className="space-y-4 rounded-lg border border-slate-200 bg-white p-4"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Display name" error={fe.displayName}>
            {(p) => (
              <Input {...p} name="displayName" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
            )}
          </Field>
          <Field label="Plan" error={fe.plan}>
            {(p) => <Input {...p} name="plan" value={plan} onChange={(e) => setPlan(e.target.value)} />}
          </Field>
        </div>
        <fieldset className="space-y-2">
          <legend className="text-sm font-semibold">
            Quotas (empty = unlimited, or the broker default where shown)
          </legend>
          <QuotaFields value={quota} onChange={setQuota} errors={fe} />
        </fieldset>
        <SaveOutcome save={save} fieldErrors={fe} />
        <Button type="submit" disabled={save.isPending}>
          Save
        </Button>
      </form>
      <TenantPlacements slug={tenant.data.slug} />
    </section>
  );
}
