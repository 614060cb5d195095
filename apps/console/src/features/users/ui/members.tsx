'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { CopyButton } from '../../../components/app/copy-button.tsx';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Dialog } from '../../../components/ui/dialog.tsx';
import { Field, Select, TextField } from '../../../components/ui/input.tsx';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { Table, TableHead, Td, Tr } from '../../../components/ui/table.tsx';
import { api, fieldErrors } from '../../../lib/api-client.ts';

interface Member {
  userId: string;
  email: string;
  role: string;
}

interface Invitation {
  id: string;
  email: string;
  role: string;
  createdAt: string;
  expiresAt: string;
  invitedBy: string | null;
}

function DangerButton({ onClick, children }: { onClick: () => void; children: string }) {
  return (
    <Button variant="ghost" size="sm" className="text-red-700" onClick={onClick}>
      {children}
    </Button>
  );
}

function RoleBadge({ role }: { role: string }) {
  return (
    <Badge tone={role === 'TENANT_ADMIN' ? 'info' : 'neutral'}>{role === 'TENANT_ADMIN' ? 'admin' : 'member'}</Badge>
  );
}

/** A tenant's members and pending invitations. Admins invite by email and get a link to hand over, shown once. */
export function Members({ tenant }: { tenant: string }) {
  const qc = useQueryClient();
  const members = useQuery({
    queryKey: ['members', tenant],
    queryFn: () => api<Member[]>(`/tenants/${tenant}/members`),
  });
  const invitations = useQuery({
    queryKey: ['invitations', tenant],
    queryFn: () => api<Invitation[]>(`/tenants/${tenant}/invitations`),
    retry: false,
  });
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('TENANT_MEMBER');
  const [link, setLink] = useState<{ email: string; url: string; expiresAt: string } | null>(null);
  const invite = useMutation({
    mutationFn: () =>
      api<{ invitation: Invitation; inviteUrl: string }>(`/tenants/${tenant}/members`, {
        method: 'POST',
        body: { email, role },
      }),
    onSuccess: (r) => {
      setLink({ email: r.invitation.email, url: r.inviteUrl, expiresAt: r.invitation.expiresAt });
      setEmail('');
      qc.invalidateQueries({ queryKey: ['invitations', tenant] });
    },
  });
  const remove = useMutation({
    mutationFn: (m: Member) => api(`/tenants/${tenant}/members/${m.userId}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['members', tenant] }),
  });
  const revoke = useMutation({
    mutationFn: (i: Invitation) => api(`/tenants/${tenant}/invitations/${i.id}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['invitations', tenant] }),
  });
  const fe = fieldErrors(invite.error);
  return (
    <section className="space-y-6">
      <PageHeader title={`Members · ${tenant}`} />
      <form
        className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-3"
        onSubmit={(e) => {
          e.preventDefault();
          invite.mutate();
        }}
      >
        <TextField
          label="Email"
          error={fe.email}
          hint="They choose their own password through the invitation link"
          type="email"
          value={email}
          onValue={setEmail}
          required
        />
        <Field label="Role">
          {(p) => (
            <Select {...p} value={role} onChange={(e) => setRole(e.target.value)}>
              <option value="TENANT_MEMBER">member</option>
              <option value="TENANT_ADMIN">admin</option>
            </Select>
          )}
        </Field>
        <div className="self-end">
          <Button type="submit" disabled={invite.isPending}>
            Invite
          </Button>
        </div>
        {invite.error && !Object.keys(fe).length ? (
          <div className="sm:col-span-3">
            <ErrorState error={invite.error} />
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
          <TableHead columns={['Email', 'Role']} actions />
          <tbody>
            {members.data.map((m) => (
              <Tr key={m.userId}>
                <Td>{m.email}</Td>
                <Td>
                  <RoleBadge role={m.role} />
                </Td>
                <Td className="text-right">
                  <DangerButton onClick={() => remove.mutate(m)}>Remove</DangerButton>
                </Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
      {invitations.data && invitations.data.length > 0 ? (
        <div className="space-y-2">
          <h2 className="text-sm font-semibold text-slate-700">Pending invitations</h2>
          <Table>
            <TableHead columns={['Email', 'Role', 'Invited by', 'Expires']} actions />
            <tbody>
              {invitations.data.map((i) => (
                <Tr key={i.id}>
                  <Td>{i.email}</Td>
                  <Td>
                    <RoleBadge role={i.role} />
                  </Td>
                  <Td>{i.invitedBy ?? '—'}</Td>
                  <Td>{new Date(i.expiresAt).toLocaleString()}</Td>
                  <Td className="text-right">
                    <DangerButton onClick={() => revoke.mutate(i)}>Revoke</DangerButton>
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        </div>
      ) : null}
      <Dialog open={link !== null} onClose={() => setLink(null)} title="Invitation link">
        {link ? (
          <div className="space-y-3 text-sm">
            <p className="rounded-md bg-amber-50 p-2 text-amber-900">
              Send this link to {link.email} yourself: it is shown only once, works once, and expires{' '}
              {new Date(link.expiresAt).toLocaleString()}. Whoever opens it can join this tenant.
            </p>
            <div className="flex items-center justify-between gap-2">
              <code data-testid="invite-url" className="break-all">
                {link.url}
              </code>
              <CopyButton text={link.url} />
            </div>
          </div>
        ) : null}
      </Dialog>
    </section>
  );
}
