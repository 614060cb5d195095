'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { CopyButton } from '../../../components/app/copy-button.tsx';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { ConfirmDialog, Dialog } from '../../../components/ui/dialog.tsx';
import { Field, Input } from '../../../components/ui/input.tsx';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { Table, Td, Th, Tr } from '../../../components/ui/table.tsx';
import { api, fieldErrors } from '../../../lib/api-client.ts';

interface KeyRow {
  keyId: string;
  serviceAccount: string;
  description: string;
  createdAt: string;
  revokedAt: string | null;
}

interface CreatedKey extends KeyRow {
  secret: string;
  bootstrap: string;
  configs: { kafkajs: string; librdkafka: string; java: string };
}

export function ApiKeys({ tenant }: { tenant: string }) {
  const qc = useQueryClient();
  const keys = useQuery({ queryKey: ['keys', tenant], queryFn: () => api<KeyRow[]>(`/tenants/${tenant}/api-keys`) });
  const [serviceAccount, setServiceAccount] = useState('');
  const [description, setDescription] = useState('');
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [revoking, setRevoking] = useState<KeyRow | null>(null);
  const create = useMutation({
    mutationFn: () =>
      api<CreatedKey>(`/tenants/${tenant}/api-keys`, { method: 'POST', body: { serviceAccount, description } }),
    onSuccess: (k) => {
      setCreated(k);
      setDescription('');
      qc.invalidateQueries({ queryKey: ['keys', tenant] });
    },
  });
  const revoke = useMutation({
    mutationFn: (k: KeyRow) => api(`/tenants/${tenant}/api-keys/${k.keyId}`, { method: 'DELETE' }),
    onSuccess: () => {
      setRevoking(null);
      qc.invalidateQueries({ queryKey: ['keys', tenant] });
    },
  });
  const fe = fieldErrors(create.error);
  return (
    <section className="space-y-6">
      <PageHeader title={`API keys · ${tenant}`} />
      <form
        className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-3"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Field label="Service account" error={fe.serviceAccount} hint="Created if it does not exist, e.g. billing-app">
          {(p) => (
            <Input
              {...p}
              name="serviceAccount"
              value={serviceAccount}
              onChange={(e) => setServiceAccount(e.target.value)}
              required
            />
          )}
        </Field>
        <Field label="Description" error={fe.description}>
          {(p) => (
            <Input {...p} name="description" value={description} onChange={(e) => setDescription(e.target.value)} />
          )}
        </Field>
        <div className="self-end">
          <Button type="submit" disabled={create.isPending}>
            Create API key
          </Button>
        </div>
        {create.error && !Object.keys(fe).length ? (
          <div className="sm:col-span-3">
            <ErrorState error={create.error} />
          </div>
        ) : null}
      </form>
      {keys.isPending ? (
        <Loading what="API keys" />
      ) : keys.error ? (
        <ErrorState error={keys.error} />
      ) : keys.data.length === 0 ? (
        <Empty>No API keys yet.</Empty>
      ) : (
        <Table>
          <thead>
            <tr>
              <Th>Key id</Th>
              <Th>Service account</Th>
              <Th>Description</Th>
              <Th>Created</Th>
              <Th>Status</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </thead>
          <tbody>
            {keys.data.map((k) => (
              <Tr key={k.keyId}>
                <Td>
                  <code>{k.keyId}</code>
                </Td>
                <Td>{k.serviceAccount}</Td>
                <Td>{k.description || '—'}</Td>
                <Td>{new Date(k.createdAt).toLocaleString()}</Td>
                <Td>{k.revokedAt ? <Badge tone="bad">revoked</Badge> : <Badge tone="good">active</Badge>}</Td>
                <Td className="text-right">
                  {k.revokedAt ? null : (
                    <Button variant="ghost" size="sm" className="text-red-700" onClick={() => setRevoking(k)}>
                      Revoke
                    </Button>
                  )}
                </Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
      <Dialog open={created !== null} onClose={() => setCreated(null)} title="Your new API key">
        {created ? (
          <div className="space-y-3 text-sm">
            <p className="rounded-md bg-amber-50 p-2 text-amber-900">
              Copy the secret now: it is shown only once and cannot be recovered.
            </p>
            <div className="flex items-center justify-between gap-2">
              <div>
                <div className="text-slate-500">Key id (username)</div>
                <code data-testid="new-key-id">{created.keyId}</code>
              </div>
              <CopyButton text={created.keyId} />
            </div>
            <div className="flex items-center justify-between gap-2">
              <div className="min-w-0">
                <div className="text-slate-500">Secret (password)</div>
                <code data-testid="new-key-secret" className="break-all">
                  {created.secret}
                </code>
              </div>
              <CopyButton text={created.secret} />
            </div>
            {(['kafkajs', 'librdkafka', 'java'] as const).map((k) => (
              <details key={k}>
                <summary className="cursor-pointer font-medium">
                  {k === 'kafkajs'
                    ? 'KafkaJS'
                    : k === 'librdkafka'
                      ? 'librdkafka / kcat properties'
                      : 'Java properties'}
                </summary>
                <pre className="mt-1 overflow-x-auto rounded bg-slate-900 p-2 text-xs text-slate-100">
                  {created.configs[k]}
                </pre>
                <CopyButton text={created.configs[k]} label="Copy config" />
              </details>
            ))}
            <div className="flex justify-end">
              <Button onClick={() => setCreated(null)}>I have copied it</Button>
            </div>
          </div>
        ) : null}
      </Dialog>
      <ConfirmDialog
        open={revoking !== null}
        onClose={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate(revoking)}
        pending={revoke.isPending}
        title="Revoke API key?"
        message={<>Clients using {revoking?.keyId} will be refused.</>}
        confirmLabel="Revoke"
      />
    </section>
  );
}
