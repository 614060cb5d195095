'use client';
/** Consumer-lag alerts: where the tenant's alerts go (URL, signing secret, on/off), a test button, and every delivery. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { ConfirmDialog } from '../../../components/ui/dialog.tsx';
import { Field, Input } from '../../../components/ui/input.tsx';
import { Empty, ErrorState, Loading, PageHeader, SaveOutcome } from '../../../components/ui/states.tsx';
import { Table, Td, Th, Tr } from '../../../components/ui/table.tsx';
import { api, fieldErrors } from '../../../lib/api-client.ts';

interface Webhook {
  url: string;
  hasSecret: boolean;
  enabled: boolean;
  updatedAt: string;
}

interface Delivery {
  eventId: string;
  groupId: string;
  from: string | null;
  to: string;
  url: string;
  attempt: number;
  at: string;
  outcome: 'delivered' | 'retrying' | 'failed' | 'dropped';
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

/** `HTTP 302 · redirects are not followed…`: the status when there was one, and the error when there was one. */
function outcomeText(d: { httpStatus: number | null; error: string | null }): string {
  const status = d.httpStatus !== null ? `HTTP ${d.httpStatus}` : null;
  const error = d.error && d.error !== status ? d.error : null;
  return [status, error].filter(Boolean).join(' · ');
}

const OUTCOME_TONE = { delivered: 'good', retrying: 'warn', failed: 'bad', dropped: 'bad' } as const;

export function Alerts({ tenant }: { tenant: string }) {
  const qc = useQueryClient();
  const webhook = useQuery({
    queryKey: ['webhook', tenant],
    queryFn: () => api<Webhook | null>(`/tenants/${tenant}/webhook`),
  });
  const deliveries = useQuery({
    queryKey: ['deliveries', tenant],
    queryFn: () => api<{ deliveries: Delivery[] }>(`/tenants/${tenant}/webhook/deliveries`),
    refetchInterval: 5_000,
  });
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const [enabled, setEnabled] = useState(true);
  const [removing, setRemoving] = useState(false);
  useEffect(() => {
    if (webhook.data) {
      setUrl(webhook.data.url);
      setEnabled(webhook.data.enabled);
    }
  }, [webhook.data]);
  const refresh = () => {
    qc.invalidateQueries({ queryKey: ['webhook', tenant] });
    qc.invalidateQueries({ queryKey: ['deliveries', tenant] });
  };
  const save = useMutation({
    mutationFn: () =>
      api<Webhook>(`/tenants/${tenant}/webhook`, {
        method: 'PUT',
        // An empty secret field keeps the current secret.
        body: { url, enabled, ...(secret ? { secret } : {}) },
      }),
    onSuccess: () => {
      setSecret('');
      refresh();
    },
  });
  const test = useMutation({
    mutationFn: () => api<Delivery>(`/tenants/${tenant}/webhook/test`, { method: 'POST' }),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: () => api(`/tenants/${tenant}/webhook`, { method: 'DELETE' }),
    onSuccess: () => {
      setRemoving(false);
      setUrl('');
      setSecret('');
      refresh();
    },
  });
  const fe = fieldErrors(save.error);
  return (
    <section className="space-y-6">
      <PageHeader title={`Alerts · ${tenant}`} />
      <p className="max-w-3xl text-sm text-slate-600">
        When one of this tenant&apos;s consumer groups goes into or out of WARNING, STALLED or STOPPED, Samsa POSTs a
        JSON event to this URL, retrying failures with backoff. With a secret, each delivery carries{' '}
        <code className="text-xs">x-samsa-signature: sha256=HMAC(secret, timestamp + &quot;.&quot; + body)</code> and{' '}
        <code className="text-xs">x-samsa-timestamp</code>, so the receiver can check it came from here.
      </p>
      {webhook.isPending ? (
        <Loading what="the webhook" />
      ) : webhook.error ? (
        <ErrorState error={webhook.error} />
      ) : (
        <form
          className="grid max-w-3xl gap-3 rounded-lg border border-slate-200 bg-white p-4"
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate();
          }}
        >
          <Field
            label="Webhook URL"
            error={fe.url}
            hint="Must resolve to public addresses unless the operator allows private ones; redirects are not followed."
          >
            {(p) => (
              <Input
                {...p}
                name="url"
                type="url"
                placeholder="https://alerts.example.com/samsa"
                value={url}
                onChange={(e) => setUrl(e.target.value)}
              />
            )}
          </Field>
          <Field
            label="Signing secret"
            error={fe.secret}
            hint={
              webhook.data?.hasSecret
                ? 'A secret is set and never shown again. Leave empty to keep it, or type a new one.'
                : 'Optional, at least 16 characters. Stored to sign deliveries; never shown again.'
            }
          >
            {(p) => (
              <Input
                {...p}
                name="secret"
                type="password"
                autoComplete="new-password"
                value={secret}
                onChange={(e) => setSecret(e.target.value)}
              />
            )}
          </Field>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
            Send alerts
          </label>
          <SaveOutcome save={save} fieldErrors={fe} />
          <div className="flex flex-wrap gap-2">
            <Button type="submit" disabled={save.isPending}>
              Save
            </Button>
            <Button
              type="button"
              variant="secondary"
              disabled={!webhook.data || test.isPending}
              onClick={() => test.mutate()}
            >
              Send test event
            </Button>
            {webhook.data ? (
              <Button type="button" variant="ghost" className="text-red-700" onClick={() => setRemoving(true)}>
                Remove
              </Button>
            ) : null}
          </div>
          {test.data ? (
            <p role="status" data-testid="test-outcome" className="text-sm">
              Test event: <Badge tone={OUTCOME_TONE[test.data.outcome]}>{test.data.outcome}</Badge>{' '}
              {outcomeText(test.data)}
            </p>
          ) : test.error ? (
            <ErrorState error={test.error} />
          ) : null}
        </form>
      )}

      <h2 className="text-lg font-semibold">Deliveries</h2>
      {deliveries.isPending ? (
        <Loading what="deliveries" />
      ) : deliveries.error ? (
        <ErrorState error={deliveries.error} />
      ) : deliveries.data.deliveries.length === 0 ? (
        <Empty>No deliveries yet. They appear here when a group changes status, or after a test.</Empty>
      ) : (
        <Table>
          <thead>
            <tr>
              <Th>When</Th>
              <Th>Group</Th>
              <Th>Change</Th>
              <Th>Attempt</Th>
              <Th>Outcome</Th>
              <Th>Response</Th>
            </tr>
          </thead>
          <tbody>
            {deliveries.data.deliveries.map((d) => (
              <Tr key={`${d.eventId}-${d.attempt}`}>
                <Td className="whitespace-nowrap">{new Date(d.at).toLocaleString()}</Td>
                <Td>{d.groupId || <span className="text-slate-500">test</span>}</Td>
                <Td>{d.groupId ? `${d.from ?? 'start'} → ${d.to}` : '—'}</Td>
                <Td>{d.attempt}</Td>
                <Td>
                  <Badge tone={OUTCOME_TONE[d.outcome]}>{d.outcome}</Badge>
                </Td>
                <Td className="text-xs">
                  {outcomeText(d) || '—'} · {d.durationMs} ms
                </Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
      <ConfirmDialog
        open={removing}
        title="Remove the webhook?"
        confirmLabel="Remove"
        onClose={() => setRemoving(false)}
        onConfirm={() => remove.mutate()}
        pending={remove.isPending}
        message={`Consumer-group alerts will no longer be sent for ${tenant}.`}
      />
      {remove.error ? <ErrorState error={remove.error} /> : null}
    </section>
  );
}
