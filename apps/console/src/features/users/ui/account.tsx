'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { TextField } from '../../../components/ui/input.tsx';
import { Empty, ErrorState, Loading, PageHeader, SaveOutcome } from '../../../components/ui/states.tsx';
import { Table, TableHead, Td, Tr } from '../../../components/ui/table.tsx';
import { api, fieldErrors } from '../../../lib/api-client.ts';

interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
}

const TONE = { active: 'good', expired: 'neutral', revoked: 'bad' } as const;

/** Personal API tokens under `base` (/auth/tokens: your own; /users/<id>/tokens: a platform admin's view), with revoke. */
export function ApiTokensTable({ base }: { base: string }) {
  const qc = useQueryClient();
  const tokens = useQuery({ queryKey: ['api-tokens', base], queryFn: () => api<ApiToken[]>(base) });
  const revoke = useMutation({
    mutationFn: (t: ApiToken) => api(`${base}/${t.id}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['api-tokens', base] }),
  });
  return (
    <>
      {tokens.isPending ? (
        <Loading what="tokens" />
      ) : tokens.error ? (
        <ErrorState error={tokens.error} />
      ) : tokens.data.length === 0 ? (
        <Empty>No API tokens.</Empty>
      ) : (
        <Table>
          <TableHead columns={['Name', 'Token', 'Created', 'Last used', 'Expires', 'Status']} actions />
          <tbody>
            {tokens.data.map((t) => (
              <Tr key={t.id}>
                <Td>{t.name}</Td>
                <Td>
                  <code>{t.prefix}…</code>
                </Td>
                <Td>{new Date(t.createdAt).toLocaleString()}</Td>
                <Td>{t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : 'never'}</Td>
                <Td>{new Date(t.expiresAt).toLocaleString()}</Td>
                <Td>
                  <Badge tone={TONE[t.status]}>{t.status}</Badge>
                </Td>
                <Td className="text-right">
                  {t.status === 'active' ? (
                    <Button variant="ghost" size="sm" className="text-red-700" onClick={() => revoke.mutate(t)}>
                      Revoke
                    </Button>
                  ) : null}
                </Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
    </>
  );
}

/** The signed-in user's personal API tokens (list, revoke) and password change (which revokes every token). */
export function Account() {
  const qc = useQueryClient();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const change = useMutation({
    mutationFn: () =>
      api<{ tokens: number; sessions: number }>('/auth/password', {
        method: 'POST',
        body: { currentPassword, newPassword },
      }),
    onSuccess: () => {
      setCurrentPassword('');
      setNewPassword('');
      qc.invalidateQueries({ queryKey: ['api-tokens'] });
    },
  });
  const fe = fieldErrors(change.error);
  return (
    <section className="space-y-6">
      <PageHeader title="Your account" />
      <div className="space-y-2">
        <h2 className="text-sm font-semibold text-slate-700">Personal API tokens</h2>
        <p className="text-sm text-slate-500">
          Created by <code>samsa login</code> or <code>POST /api/v1/auth/token</code>; each expires (90 days unless
          chosen otherwise).
        </p>
        <ApiTokensTable base="/auth/tokens" />
      </div>
      <form
        className="grid max-w-xl gap-3 rounded-lg border border-slate-200 bg-white p-4"
        onSubmit={(e) => {
          e.preventDefault();
          change.mutate();
        }}
      >
        <h2 className="text-sm font-semibold text-slate-700">Change password</h2>
        <p className="text-sm text-slate-500">Revokes all your API tokens and signs out your other sessions.</p>
        <TextField
          label="Current password"
          error={fe.currentPassword}
          type="password"
          autoComplete="current-password"
          value={currentPassword}
          onValue={setCurrentPassword}
          required
        />
        <TextField
          label="New password"
          error={fe.newPassword}
          hint="At least 8 characters"
          type="password"
          autoComplete="new-password"
          value={newPassword}
          onValue={setNewPassword}
          required
        />
        <div className="flex items-center gap-3">
          <Button type="submit" disabled={change.isPending}>
            Change password
          </Button>
        </div>
        <SaveOutcome save={change} fieldErrors={fe} />
      </form>
    </section>
  );
}
