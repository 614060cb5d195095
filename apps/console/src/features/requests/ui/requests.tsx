'use client';
/**
 * Self-service requests of a tenant: members ask for a topic or an API key (saying why) and follow the state;
 * admins see each pending request's quota impact and approve or reject it with a comment, and choose whether
 * members must request at all. An approved key is created by its requester here, and its secret shown once.
 * Members also ask here for ACL bindings (a template or a raw binding) and for a quota raise, which the platform
 * admins decide.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Field, Select, Textarea, TextField } from '../../../components/ui/input.tsx';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { api, fieldErrors } from '../../../lib/api-client.ts';
import { AclBindingFields, type AclDraft, aclDraftBindings, emptyAclDraft } from '../../acls/ui/acl-binding-fields.tsx';
import { emptyQuotaDraft, QuotaFields, type QuotaDraft } from '../../tenants/ui/quota-fields.tsx';

interface ImpactLine {
  what: string;
  used: number | null;
  after: number | null;
  limit: number | null;
  exceeds: boolean;
}

interface AccessRequest {
  id: string;
  kind: 'TOPIC' | 'ACL' | 'API_KEY' | 'QUOTA';
  state: 'PENDING' | 'APPROVED' | 'COMPLETED' | 'REJECTED' | 'CANCELLED';
  title: string;
  reason: string;
  requesterEmail: string;
  deciderEmail: string | null;
  decisionComment: string | null;
  decidedAt: string | null;
  createdAt: string;
  approver: 'tenant_admin' | 'platform_admin';
  impact: ImpactLine[] | null;
}

interface CreatedKey {
  keyId: string;
  secret: string;
  bootstrap: string;
}

const STATE_TONE = {
  PENDING: 'warn',
  APPROVED: 'info',
  COMPLETED: 'good',
  REJECTED: 'bad',
  CANCELLED: 'neutral',
} as const;

const DAY_MS = 86_400_000;

type RequestKind = AccessRequest['kind'];

/** Only the quotas the member filled in: the others stay as they are. */
function quotaRaise(d: QuotaDraft): Partial<Record<keyof QuotaDraft, number>> {
  return Object.fromEntries(
    Object.entries(d)
      .filter(([, v]) => v.trim() !== '')
      .map(([k, v]) => [k, Number(v)]),
  );
}

function requestBody(
  kind: RequestKind,
  reason: string,
  d: {
    name: string;
    partitions: string;
    retentionDays: string;
    serviceAccount: string;
    acl: AclDraft;
    quota: QuotaDraft;
  },
) {
  switch (kind) {
    case 'TOPIC':
      return {
        kind,
        reason,
        topic: {
          name: d.name,
          partitions: Number(d.partitions),
          ...(d.retentionDays ? { retentionMs: Math.round(Number(d.retentionDays) * DAY_MS) } : {}),
        },
      };
    case 'API_KEY':
      return { kind, reason, apiKey: { serviceAccount: d.serviceAccount } };
    case 'ACL':
      return { kind, reason, bindings: aclDraftBindings(d.acl) };
    case 'QUOTA':
      return { kind, reason, quota: quotaRaise(d.quota) };
  }
}

function NewRequestForm({ tenant, onDone }: { tenant: string; onDone: () => void }) {
  const [kind, setKind] = useState<RequestKind>('TOPIC');
  const [name, setName] = useState('');
  const [partitions, setPartitions] = useState('1');
  const [retentionDays, setRetentionDays] = useState('7');
  const [serviceAccount, setServiceAccount] = useState('');
  const [acl, setAcl] = useState<AclDraft>(() => emptyAclDraft());
  const [quota, setQuota] = useState<QuotaDraft>(emptyQuotaDraft);
  const [reason, setReason] = useState('');
  const create = useMutation({
    mutationFn: () =>
      api<AccessRequest>(`/tenants/${tenant}/requests`, {
        method: 'POST',
        body: requestBody(kind, reason, { name, partitions, retentionDays, serviceAccount, acl, quota }),
      }),
    onSuccess: () => {
      setName('');
      setReason('');
      setServiceAccount('');
      setAcl(emptyAclDraft());
      setQuota(emptyQuotaDraft());
      onDone();
    },
  });
  const fe = fieldErrors(create.error);
  return (
    <form
      aria-label="New request"
      className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 md:grid-cols-2"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <Field label="What do you need?">
        {(p) => (
          <Select {...p} value={kind} onChange={(e) => setKind(e.target.value as RequestKind)}>
            <option value="TOPIC">A topic</option>
            <option value="API_KEY">An API key</option>
            <option value="ACL">Access for a service account (ACL)</option>
            <option value="QUOTA">A higher quota (decided by the platform admins)</option>
          </Select>
        )}
      </Field>
      {kind === 'TOPIC' ? (
        <>
          <TextField label="Topic name" value={name} onValue={setName} error={fe['topic.name']} required />
          <TextField
            label="Partitions"
            type="number"
            min={1}
            value={partitions}
            onValue={setPartitions}
            error={fe['topic.partitions']}
          />
          <TextField
            label="Retention (days)"
            type="number"
            min={0}
            step="any"
            value={retentionDays}
            onValue={setRetentionDays}
            error={fe['topic.retentionMs']}
            hint={retentionDays ? `retention.ms = ${Math.round(Number(retentionDays) * DAY_MS)}` : 'the broker default'}
          />
        </>
      ) : kind === 'API_KEY' ? (
        <TextField
          label="Service account"
          value={serviceAccount}
          onValue={setServiceAccount}
          error={fe['apiKey.serviceAccount']}
          hint="Created if missing; its ACLs decide what the key may do."
          required
        />
      ) : kind === 'ACL' ? (
        <AclBindingFields
          tenant={tenant}
          value={acl}
          onChange={setAcl}
          errorOf={(f) =>
            f === 'serviceAccount'
              ? fe['bindings.0.principal']
              : f === 'resourceName'
                ? fe['bindings.0.resourceName']
                : undefined
          }
        />
      ) : (
        <div className="md:col-span-2">
          <p className="mb-2 text-sm text-slate-700">Fill in only the quotas to raise; the others stay as they are.</p>
          <QuotaFields value={quota} onChange={setQuota} errors={fe} emptyMeans="keep" />
          {fe.quota ? <p className="mt-1 text-sm text-red-700">{fe.quota.join(' ')}</p> : null}
        </div>
      )}
      <div className="md:col-span-2">
        <Field
          label="Why"
          error={fe.reason}
          hint={
            kind === 'QUOTA' ? 'The platform admins see this when deciding.' : 'Your admin sees this when deciding.'
          }
        >
          {(p) => (
            <Textarea
              {...p}
              className="font-sans"
              rows={2}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          )}
        </Field>
      </div>
      {create.error && Object.keys(fe).length === 0 ? (
        <div className="md:col-span-2">
          <ErrorState error={create.error} />
        </div>
      ) : null}
      <div className="md:col-span-2">
        <Button type="submit" disabled={create.isPending}>
          Send request
        </Button>
      </div>
    </form>
  );
}

function Impact({ lines }: { lines: ImpactLine[] }) {
  return (
    <ul aria-label="Quota impact" className="space-y-1 text-sm">
      {lines.map((l) => (
        <li key={l.what} className={l.exceeds ? 'font-medium text-red-700' : 'text-slate-700'}>
          {l.what}: {l.used ?? '?'} → {l.after ?? '?'}
          {l.limit !== null ? ` of ${l.limit}` : ' (no limit)'}
          {l.exceeds ? ' — over the limit, the broker will refuse it' : ''}
        </li>
      ))}
    </ul>
  );
}

function RequestCard({
  tenant,
  r,
  canDecide,
  isMine,
  onChanged,
}: {
  tenant: string;
  r: AccessRequest;
  canDecide: boolean;
  isMine: boolean;
  onChanged: () => void;
}) {
  const [comment, setComment] = useState('');
  const [key, setKey] = useState<CreatedKey | null>(null);
  const decide = useMutation({
    mutationFn: (action: 'approve' | 'reject' | 'cancel') =>
      api<AccessRequest>(`/tenants/${tenant}/requests/${r.id}/${action}`, {
        method: 'POST',
        body: action === 'cancel' ? undefined : { comment },
      }),
    onSuccess: onChanged,
  });
  const collect = useMutation({
    mutationFn: () => api<CreatedKey>(`/tenants/${tenant}/requests/${r.id}/api-key`, { method: 'POST' }),
    onSuccess: (k) => {
      setKey(k);
      onChanged();
    },
  });
  return (
    <li className="space-y-2 rounded-lg border border-slate-200 bg-white p-4" aria-label={r.title}>
      <div className="flex flex-wrap items-center gap-2">
        <Badge tone={STATE_TONE[r.state]}>{r.state.toLowerCase()}</Badge>
        <span className="font-medium">{r.title}</span>
      </div>
      <p className="text-sm text-slate-700">
        {r.requesterEmail} asked on {new Date(r.createdAt).toLocaleString()}: “{r.reason}”
      </p>
      {r.deciderEmail ? (
        <p className="text-sm text-slate-700">
          {r.state === 'REJECTED' ? 'Rejected' : 'Approved'} by {r.deciderEmail}
          {r.decisionComment ? `: “${r.decisionComment}”` : ''}
        </p>
      ) : null}
      {r.impact ? <Impact lines={r.impact} /> : null}
      {r.state === 'PENDING' && canDecide ? (
        <div className="flex flex-wrap items-end gap-2">
          <div className="min-w-48 flex-1">
            <TextField label="Comment" value={comment} onValue={setComment} hint="Required to reject." />
          </div>
          <Button type="button" disabled={decide.isPending} onClick={() => decide.mutate('approve')}>
            Approve
          </Button>
          <Button type="button" variant="secondary" disabled={decide.isPending} onClick={() => decide.mutate('reject')}>
            Reject
          </Button>
        </div>
      ) : r.state === 'PENDING' ? (
        <p className="text-xs text-slate-500">
          Waiting for {r.approver === 'platform_admin' ? 'a platform admin' : 'a tenant admin'}.
        </p>
      ) : null}
      {isMine && r.state === 'APPROVED' && r.kind === 'API_KEY' ? (
        <Button type="button" disabled={collect.isPending} onClick={() => collect.mutate()}>
          Create the key
        </Button>
      ) : null}
      {isMine && (r.state === 'PENDING' || r.state === 'APPROVED') ? (
        <Button type="button" variant="ghost" disabled={decide.isPending} onClick={() => decide.mutate('cancel')}>
          Cancel request
        </Button>
      ) : null}
      {key ? (
        <div role="status" className="rounded-md bg-emerald-50 p-3 text-sm">
          <p>
            Key id <code>{key.keyId}</code>, secret <code data-testid="key-secret">{key.secret}</code>, bootstrap{' '}
            <code>{key.bootstrap}</code>.
          </p>
          <p className="font-medium">The secret is shown only this once: copy it now.</p>
        </div>
      ) : null}
      {decide.error ? <ErrorState error={decide.error} /> : null}
      {collect.error ? <ErrorState error={collect.error} /> : null}
    </li>
  );
}

export function Requests({ tenant }: { tenant: string }) {
  const qc = useQueryClient();
  const me = useQuery({ queryKey: ['me'], queryFn: () => api<{ email: string }>('/me') });
  const info = useQuery({ queryKey: ['tenant', tenant], queryFn: () => api<{ role: string }>(`/tenants/${tenant}`) });
  const list = useQuery({
    queryKey: ['requests', tenant],
    queryFn: () => api<{ requests: AccessRequest[]; mode: 'REQUEST' | 'DIRECT' }>(`/tenants/${tenant}/requests`),
    refetchInterval: 10_000,
  });
  const refresh = () => qc.invalidateQueries({ queryKey: ['requests', tenant] });
  const setMode = useMutation({
    mutationFn: (mode: 'REQUEST' | 'DIRECT') =>
      api(`/tenants/${tenant}/self-service`, { method: 'PUT', body: { mode } }),
    onSuccess: refresh,
  });
  const role = info.data?.role;
  const isAdmin = role === 'admin' || role === 'platform_admin';
  return (
    <section className="space-y-6">
      <PageHeader title={`Requests · ${tenant}`} />
      {list.data ? (
        <div className="max-w-3xl space-y-2 text-sm text-slate-700">
          <p>
            {list.data.mode === 'DIRECT'
              ? 'Members create topics and API keys themselves. They can still ask here for ACLs or a quota raise.'
              : 'Members request topics and API keys here; a tenant admin approves them. Quota raises go to the platform admins.'}
          </p>
          {isAdmin ? (
            <Field label="Self-service mode" hint="Tenant admins always create directly.">
              {(p) => (
                <Select
                  {...p}
                  className="max-w-sm"
                  value={list.data.mode}
                  disabled={setMode.isPending}
                  onChange={(e) => setMode.mutate(e.target.value as 'REQUEST' | 'DIRECT')}
                >
                  <option value="REQUEST">Members request, an admin approves</option>
                  <option value="DIRECT">Members create directly</option>
                </Select>
              )}
            </Field>
          ) : null}
          {setMode.error ? <ErrorState error={setMode.error} /> : null}
        </div>
      ) : null}
      <h2 className="text-lg font-semibold">New request</h2>
      <NewRequestForm tenant={tenant} onDone={refresh} />
      <h2 className="text-lg font-semibold">All requests</h2>
      {list.isPending ? (
        <Loading what="requests" />
      ) : list.error ? (
        <ErrorState error={list.error} />
      ) : list.data.requests.length === 0 ? (
        <Empty>No requests yet.</Empty>
      ) : (
        <ul className="space-y-3">
          {list.data.requests.map((r) => (
            <RequestCard
              key={r.id}
              tenant={tenant}
              r={r}
              canDecide={r.approver === 'platform_admin' ? role === 'platform_admin' : isAdmin}
              isMine={r.requesterEmail === me.data?.email}
              onChanged={refresh}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
