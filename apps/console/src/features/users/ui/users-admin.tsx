'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { ConfirmDialog, Dialog } from '../../../components/ui/dialog.tsx';
import { Field, Input, Select } from '../../../components/ui/input.tsx';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { Table, Td, Th, Tr } from '../../../components/ui/table.tsx';
import { api, fieldErrors } from '../../../lib/api-client.ts';
import { ApiTokensTable } from './account.tsx';

interface UserRow {
  id: string;
  email: string;
  name: string;
  isPlatformAdmin: boolean;
  disabled: boolean;
  memberships: { tenant: string; role: string }[];
}

export function UsersAdmin() {
  const qc = useQueryClient();
  const users = useQuery({ queryKey: ['users'], queryFn: () => api<UserRow[]>('/users') });
  const tenants = useQuery({ queryKey: ['tenants'], queryFn: () => api<{ slug: string }[]>('/tenants') });
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [tenant, setTenant] = useState('');
  const [role, setRole] = useState('TENANT_ADMIN');
  const [platformAdmin, setPlatformAdmin] = useState(false);
  const [deleting, setDeleting] = useState<UserRow | null>(null);
  const [tokensOf, setTokensOf] = useState<UserRow | null>(null);
  const create = useMutation({
    mutationFn: () =>
      api('/users', {
        method: 'POST',
        body: { email, password, isPlatformAdmin: platformAdmin, memberships: tenant ? [{ tenant, role }] : [] },
      }),
    onSuccess: () => {
      setEmail('');
      setPassword('');
      qc.invalidateQueries({ queryKey: ['users'] });
    },
  });
  const toggle = useMutation({
    mutationFn: (u: UserRow) => api(`/users/${u.id}`, { method: 'PATCH', body: { disabled: !u.disabled } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['users'] }),
  });
  const remove = useMutation({
    mutationFn: (u: UserRow) => api(`/users/${u.id}`, { method: 'DELETE' }),
    onSuccess: () => {
      setDeleting(null);
      qc.invalidateQueries({ queryKey: ['users'] });
    },
  });
  const fe = fieldErrors(create.error);
  return (
    <section className="space-y-6">
      <PageHeader title="Users" />
      <form
        className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-3"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Field label="Email" error={fe.email}>
          {(p) => (
            <Input {...p} name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
          )}
        </Field>
        <Field label="Initial password" error={fe.password}>
          {(p) => (
            <Input
              {...p}
              name="password"
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
            />
          )}
        </Field>
        <Field label="Tenant" error={fe.memberships}>
          {(p) => (
            <Select {...p} name="tenant" value={tenant} onChange={(e) => setTenant(e.target.value)}>
              <option value="">(none)</option>
              {(tenants.data ?? []).map((t) => (
                <option key={t.slug} value={t.slug}>
                  {t.slug}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Role in tenant">
          {(p) => (
            <Select {...p} name="role" value={role} onChange={(e) => setRole(e.target.value)}>
              <option value="TENANT_ADMIN">tenant admin</option>
              <option value="TENANT_MEMBER">tenant member</option>
            </Select>
          )}
        </Field>
        <label className="flex items-center gap-2 self-end text-sm">
          <input type="checkbox" checked={platformAdmin} onChange={(e) => setPlatformAdmin(e.target.checked)} />{' '}
          Platform admin
        </label>
        <div className="self-end">
          <Button type="submit" disabled={create.isPending}>
            Create user
          </Button>
        </div>
        {create.error && !Object.keys(fe).length ? (
          <div className="sm:col-span-3">
            <ErrorState error={create.error} />
          </div>
        ) : null}
      </form>
      {users.isPending ? (
        <Loading what="users" />
      ) : users.error ? (
        <ErrorState error={users.error} />
      ) : users.data.length === 0 ? (
        <Empty>No users.</Empty>
      ) : (
        <Table>
          <thead>
            <tr>
              <Th>Email</Th>
              <Th>Roles</Th>
              <Th>Status</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </thead>
          <tbody>
            {users.data.map((u) => (
              <Tr key={u.id}>
                <Td>{u.email}</Td>
                <Td className="space-x-1">
                  {u.isPlatformAdmin ? <Badge tone="info">platform admin</Badge> : null}
                  {u.memberships.map((m) => (
                    <Badge key={m.tenant}>
                      {m.tenant}: {m.role === 'TENANT_ADMIN' ? 'admin' : 'member'}
                    </Badge>
                  ))}
                </Td>
                <Td>{u.disabled ? <Badge tone="bad">disabled</Badge> : <Badge tone="good">active</Badge>}</Td>
                <Td className="whitespace-nowrap text-right">
                  <Button variant="ghost" size="sm" onClick={() => setTokensOf(u)}>
                    API tokens
                  </Button>
                  <Button variant="ghost" size="sm" onClick={() => toggle.mutate(u)}>
                    {u.disabled ? 'Enable' : 'Disable'}
                  </Button>
                  <Button variant="ghost" size="sm" className="text-red-700" onClick={() => setDeleting(u)}>
                    Delete
                  </Button>
                </Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
      <Dialog
        open={tokensOf !== null}
        onClose={() => setTokensOf(null)}
        title={`API tokens of ${tokensOf?.email ?? ''}`}
      >
        {tokensOf ? <ApiTokensTable base={`/users/${tokensOf.id}/tokens`} /> : null}
      </Dialog>
      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting)}
        pending={remove.isPending}
        title="Delete user?"
        message={
          <>
            This deletes {deleting?.email} and ends their sessions.
            {remove.error ? <p className="text-red-600">{remove.error.message}</p> : null}
          </>
        }
        confirmLabel="Delete user"
      />
    </section>
  );
}
