'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { Table, Td, Th, Tr } from '../../../components/ui/table.tsx';
import { api, fieldErrors } from '../../../lib/api-client.ts';
import { type AclDraft, AclBindingFields, aclDraftBindings, emptyAclDraft } from './acl-binding-fields.tsx';

interface Acl {
  id: string;
  principal: string;
  resourceType: string;
  patternType: string;
  resourceName: string;
  operation: string;
  permission: string;
  host: string;
}

export function AclEditor({ tenant }: { tenant: string }) {
  const qc = useQueryClient();
  const acls = useQuery({ queryKey: ['acls', tenant], queryFn: () => api<Acl[]>(`/tenants/${tenant}/acls`) });
  const [draft, setDraft] = useState<AclDraft>(() => emptyAclDraft());
  const add = useMutation({
    mutationFn: () =>
      api(`/tenants/${tenant}/acls`, {
        method: 'POST',
        body:
          draft.preset === 'raw'
            ? { bindings: aclDraftBindings(draft) }
            : draft.preset === 'tenant_admin'
              ? { preset: draft.preset, serviceAccount: draft.serviceAccount }
              : draft.preset === 'producer'
                ? { preset: draft.preset, serviceAccount: draft.serviceAccount, topic: draft.topic }
                : {
                    preset: draft.preset,
                    serviceAccount: draft.serviceAccount,
                    topic: draft.topic,
                    groupPrefix: draft.groupPrefix,
                  },
      }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['acls', tenant] }),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api(`/tenants/${tenant}/acls/${id}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['acls', tenant] }),
  });
  const fe = fieldErrors(add.error);
  return (
    <section className="space-y-6">
      <PageHeader title={`ACLs · ${tenant}`} />
      <form
        className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-4"
        onSubmit={(e) => {
          e.preventDefault();
          add.mutate();
        }}
      >
        <AclBindingFields
          tenant={tenant}
          value={draft}
          onChange={setDraft}
          errorOf={(f) =>
            f === 'serviceAccount'
              ? (fe.serviceAccount ?? fe.principal ?? fe['bindings.0.principal'])
              : f === 'resourceName' || f === 'operation'
                ? fe[`bindings.0.${f}`]
                : fe[f]
          }
        />
        <div className="self-end">
          <Button type="submit" disabled={add.isPending}>
            Add
          </Button>
        </div>
        {add.error && !Object.keys(fe).length ? (
          <div className="sm:col-span-4">
            <ErrorState error={add.error} />
          </div>
        ) : null}
      </form>
      {acls.isPending ? (
        <Loading what="ACLs" />
      ) : acls.error ? (
        <ErrorState error={acls.error} />
      ) : acls.data.length === 0 ? (
        <Empty>No ACL bindings. Without any, service accounts are denied by default.</Empty>
      ) : (
        <Table>
          <thead>
            <tr>
              <Th>Principal</Th>
              <Th>Resource</Th>
              <Th>Operation</Th>
              <Th>Permission</Th>
              <Th>Host</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </thead>
          <tbody>
            {acls.data.map((a) => (
              <Tr key={a.id}>
                <Td>{a.principal}</Td>
                <Td>
                  {a.resourceType.toLowerCase()} <code>{a.resourceName}</code>
                  {a.patternType === 'PREFIXED' ? <Badge className="ml-1">prefix</Badge> : null}
                </Td>
                <Td>{a.operation}</Td>
                <Td>
                  <Badge tone={a.permission === 'ALLOW' ? 'good' : 'bad'}>{a.permission.toLowerCase()}</Badge>
                </Td>
                <Td>{a.host}</Td>
                <Td className="text-right">
                  <Button variant="ghost" size="sm" className="text-red-700" onClick={() => remove.mutate(a.id)}>
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
