'use client';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Input } from '../../../components/ui/input.tsx';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { Table, Td, Th, Tr } from '../../../components/ui/table.tsx';
import { api } from '../../../lib/api-client.ts';

interface Entry {
  id: number;
  at: string;
  actorEmail: string;
  action: string;
  targetType: string;
  targetId: string;
  before: unknown;
  after: unknown;
}

export function AuditLog({ path, showTenantFilter = false }: { path: string; showTenantFilter?: boolean }) {
  const [action, setAction] = useState('');
  const [actor, setActor] = useState('');
  const [tenant, setTenant] = useState('');
  const qs = new URLSearchParams();
  if (action) qs.set('action', action);
  if (actor) qs.set('actor', actor);
  if (tenant) qs.set('tenant', tenant);
  const entries = useQuery({
    queryKey: ['audit', path, qs.toString()],
    queryFn: () => api<Entry[]>(`${path}?${qs}`),
    placeholderData: keepPreviousData,
  });
  return (
    <section className="space-y-4">
      <PageHeader title="Audit log" />
      <search className="grid gap-2 sm:grid-cols-3">
        <Input
          aria-label="Filter by action"
          placeholder="action, e.g. topic.create"
          value={action}
          onChange={(e) => setAction(e.target.value)}
        />
        <Input
          aria-label="Filter by actor"
          placeholder="actor email"
          value={actor}
          onChange={(e) => setActor(e.target.value)}
        />
        {showTenantFilter ? (
          <Input
            aria-label="Filter by tenant"
            placeholder="tenant slug"
            value={tenant}
            onChange={(e) => setTenant(e.target.value)}
          />
        ) : null}
      </search>
      {entries.isPending ? (
        <Loading what="audit log" />
      ) : entries.error ? (
        <ErrorState error={entries.error} />
      ) : entries.data.length === 0 ? (
        <Empty>No entries match.</Empty>
      ) : (
        <Table>
          <thead>
            <tr>
              <Th>Time</Th>
              <Th>Actor</Th>
              <Th>Action</Th>
              <Th>Target</Th>
              <Th>Change</Th>
            </tr>
          </thead>
          <tbody>
            {entries.data.map((e) => (
              <Tr key={e.id}>
                <Td className="whitespace-nowrap">{new Date(e.at).toLocaleString()}</Td>
                <Td>{e.actorEmail}</Td>
                <Td>
                  <code>{e.action}</code>
                </Td>
                <Td>
                  {e.targetType} {e.targetId}
                </Td>
                <Td>
                  <details>
                    <summary className="cursor-pointer text-indigo-700">before / after</summary>
                    <pre className="max-w-md overflow-x-auto text-xs">
                      {JSON.stringify({ before: e.before, after: e.after }, null, 2)}
                    </pre>
                  </details>
                </Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
    </section>
  );
}
