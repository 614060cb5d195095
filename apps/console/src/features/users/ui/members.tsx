'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Field, Input, Select } from '../../../components/ui/input.tsx';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { Table, Td, Th, Tr } from '../../../components/ui/table.tsx';
import { api, fieldErrors } from '../../../lib/api-client.ts';

interface Member {
  userId: string;
  email: string;
  role: string;
}

export function Members({ tenant }: { tenant: string }) {
  const qc = useQueryClient();
  const members = useQuery({
    queryKey: ['members', tenant],
    queryFn: () => api<Member[]>(`/tenants/${tenant}/members`),
  });
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState('TENANT_MEMBER');
  const add = useMutation({
    mutationFn: () =>
      api(`/tenants/${tenant}/members`, { method: 'POST', body: { email, role, password: password || undefined } }),
    onSuccess: () => {
      setEmail('');
      setPassword('');
      qc.invalidateQueries({ queryKey: ['members', tenant] });
    },
  });
  const remove = useMutation({
    mutationFn: (m: Member) => api(`/tenants/${tenant}/members/${m.userId}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['members', tenant] }),
  });
  const fe = fieldErrors(add.error);
  return (
    <section className="space-y-6">
      <PageHeader title={`Members · ${tenant}`} />
      <form
        className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-4"
        onSubmit={(e) => {
          e.preventDefault();
          add.mutate();
        }}
      >
        <Field label="Email" error={fe.email}>
          {(p) => <Input {...p} type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />}
        </Field>
        <Field label="Password (new accounts only)" error={fe.password}>
          {(p) => (
            <Input
              {...p}
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <Field label="Role">
          {(p) => (
            <Select {...p} value={role} onChange={(e) => setRole(e.target.value)}>
              <option value="TENANT_MEMBER">member</option>
              <option value="TENANT_ADMIN">admin</option>
            </Select>
          )}
        </Field>
        <div className="self-end">
          <Button type="submit" disabled={add.isPending}>
            Add member
          </Button>
        </div>
        {add.error && !Object.keys(fe).length ? (
          <div className="sm:col-span-4">
            <ErrorState error={add.error} />
          </div>
        ) : null}
      </form>
      {members.isPending ? (
        <Loading what="members" />
      ) : members.error ? (
        <ErrorState error={members.error} />
      ) : members.data.length === 0 ? (
        <Empty>No members yet.</Empty>
      ) : (
        <Table>
          <thead>
            <tr>
              <Th>Email</Th>
              <Th>Role</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </thead>
          <tbody>
            {members.data.map((m) => (
              <Tr key={m.userId}>
                <Td>{m.email}</Td>
                <Td>
                  <Badge tone={m.role === 'TENANT_ADMIN' ? 'info' : 'neutral'}>
                    {m.role === 'TENANT_ADMIN' ? 'admin' : 'member'}
                  </Badge>
                </Td>
                <Td className="text-right">
                  <Button variant="ghost" size="sm" className="text-red-700" onClick={() => remove.mutate(m)}>
                    Remove
                  </Button>
                </Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
    </section>
  );
}
