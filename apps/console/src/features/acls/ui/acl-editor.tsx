'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Field, Input, Select } from '../../../components/ui/input.tsx';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { Table, Td, Th, Tr } from '../../../components/ui/table.tsx';
import { api, fieldErrors } from '../../../lib/api-client.ts';
import { aclOperations } from '../schemas.ts';

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
  const accounts = useQuery({
    queryKey: ['service-accounts', tenant],
    queryFn: () => api<{ name: string }[]>(`/tenants/${tenant}/service-accounts`),
  });
  const [preset, setPreset] = useState<'producer' | 'consumer' | 'tenant_admin' | 'raw'>('producer');
  const [sa, setSa] = useState('');
  const [topic, setTopic] = useState('');
  const [groupPrefix, setGroupPrefix] = useState('');
  const [raw, setRaw] = useState({
    resourceType: 'TOPIC',
    patternType: 'LITERAL',
    resourceName: '',
    operation: 'READ',
    permission: 'ALLOW',
    host: '*',
  });
  const add = useMutation({
    mutationFn: () =>
      api(`/tenants/${tenant}/acls`, {
        method: 'POST',
        body:
          preset === 'raw'
            ? { bindings: [{ principal: `User:${sa}`, ...raw }] }
            : preset === 'tenant_admin'
              ? { preset, serviceAccount: sa }
              : preset === 'producer'
                ? { preset, serviceAccount: sa, topic }
                : { preset, serviceAccount: sa, topic, groupPrefix },
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
        <Field label="Template">
          {(p) => (
            <Select {...p} value={preset} onChange={(e) => setPreset(e.target.value as typeof preset)}>
              <option value="producer">Producer on a topic</option>
              <option value="consumer">Consumer on a topic with a group prefix</option>
              <option value="tenant_admin">Tenant admin</option>
              <option value="raw">Raw binding</option>
            </Select>
          )}
        </Field>
        <Field label="Service account" error={fe.serviceAccount ?? fe.principal}>
          {(p) => (
            <Select {...p} value={sa} onChange={(e) => setSa(e.target.value)} required>
              <option value="">Choose…</option>
              {(accounts.data ?? []).map((a) => (
                <option key={a.name} value={a.name}>
                  {a.name}
                </option>
              ))}
            </Select>
          )}
        </Field>
        {preset === 'producer' || preset === 'consumer' ? (
          <Field label="Topic" error={fe.topic}>
            {(p) => <Input {...p} value={topic} onChange={(e) => setTopic(e.target.value)} required />}
          </Field>
        ) : null}
        {preset === 'consumer' ? (
          <Field label="Consumer group prefix" error={fe.groupPrefix}>
            {(p) => <Input {...p} value={groupPrefix} onChange={(e) => setGroupPrefix(e.target.value)} required />}
          </Field>
        ) : null}
        {preset === 'raw' ? (
          <>
            <Field label="Resource type">
              {(p) => (
                <Select
                  {...p}
                  value={raw.resourceType}
                  onChange={(e) => setRaw({ ...raw, resourceType: e.target.value })}
                >
                  {['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID'].map((v) => (
                    <option key={v}>{v}</option>
                  ))}
                </Select>
              )}
            </Field>
            <Field label="Pattern">
              {(p) => (
                <Select
                  {...p}
                  value={raw.patternType}
                  onChange={(e) => setRaw({ ...raw, patternType: e.target.value })}
                >
                  <option>LITERAL</option>
                  <option>PREFIXED</option>
                </Select>
              )}
            </Field>
            <Field label="Resource name" error={fe['bindings.0.resourceName']}>
              {(p) => (
                <Input
                  {...p}
                  value={raw.resourceName}
                  onChange={(e) => setRaw({ ...raw, resourceName: e.target.value })}
                  required
                />
              )}
            </Field>
            <Field label="Operation">
              {(p) => (
                <Select {...p} value={raw.operation} onChange={(e) => setRaw({ ...raw, operation: e.target.value })}>
                  {aclOperations.map((v) => (
                    <option key={v}>{v}</option>
                  ))}
                </Select>
              )}
            </Field>
            <Field label="Permission">
              {(p) => (
                <Select {...p} value={raw.permission} onChange={(e) => setRaw({ ...raw, permission: e.target.value })}>
                  <option>ALLOW</option>
                  <option>DENY</option>
                </Select>
              )}
            </Field>
            <Field label="Host">
              {(p) => <Input {...p} value={raw.host} onChange={(e) => setRaw({ ...raw, host: e.target.value })} />}
            </Field>
          </>
        ) : null}
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
