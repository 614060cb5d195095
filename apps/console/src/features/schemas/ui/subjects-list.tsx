'use client';
/**
 * A tenant's subjects in the schema registry: latest version, format, compatibility level, the topics that use each
 * (TopicNameStrategy), soft-deleted ones flagged; the tenant's level; and, for admins, registering a new subject.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { Table, TableHead, Td, Tr } from '../../../components/ui/table.tsx';
import { api } from '../../../lib/api-client.ts';
import { useCanManage } from '../../processors/ui/use-tenant-role.ts';
import type { SubjectListView, SubjectTopicView } from '../schemas.ts';
import { CompatibilitySelect } from './compatibility-select.tsx';
import { RegisterForm } from './register-form.tsx';

export function TopicLinks({ tenant, topics }: { tenant: string; topics: SubjectTopicView[] }) {
  if (topics.length === 0) return <>—</>;
  return (
    <>
      {topics.map((t) => (
        <Link
          key={`${t.topic}/${t.part}`}
          className="text-indigo-700 hover:underline"
          href={`/t/${tenant}/topics/${encodeURIComponent(t.topic)}`}
        >
          {t.topic} ({t.part})
        </Link>
      ))}
    </>
  );
}

export function SubjectsList({ tenant }: { tenant: string }) {
  const router = useRouter();
  const qc = useQueryClient();
  const canManage = useCanManage(tenant) === true;
  const [adding, setAdding] = useState(false);
  const list = useQuery({
    queryKey: ['schemas', tenant, 'list'],
    queryFn: () => api<SubjectListView>(`/tenants/${tenant}/schemas`),
  });
  const data = list.data;
  return (
    <div className="space-y-4">
      <PageHeader title={`Schemas · ${tenant}`}>
        {canManage && !adding ? <Button onClick={() => setAdding(true)}>Register a new subject</Button> : null}
      </PageHeader>
      <p className="text-sm text-slate-600">
        Subjects in the hub&apos;s schema registry (Confluent&apos;s REST API; clients reach it with the tenant&apos;s
        API keys). A subject named <code>&lt;topic&gt;-value</code> or <code>&lt;topic&gt;-key</code> holds the schemas
        of that topic&apos;s values or keys. A new version is checked against the earlier ones under the subject&apos;s
        compatibility level before it is registered.
      </p>
      {data ? (
        <CompatibilitySelect
          tenant={tenant}
          level={data.compatibility}
          own
          tenantLevel={data.compatibility}
          canEdit={canManage}
        />
      ) : null}
      {adding ? (
        <section className="rounded-lg border border-slate-200 bg-white p-4">
          <h2 className="mb-3 text-lg font-semibold">Register a new subject</h2>
          <RegisterForm
            tenant={tenant}
            onRegistered={(r) => {
              qc.invalidateQueries({ queryKey: ['schemas', tenant] });
              router.push(`/t/${tenant}/schemas/${encodeURIComponent(r.subject)}`);
            }}
          />
          <Button variant="ghost" className="mt-2" onClick={() => setAdding(false)}>
            Cancel
          </Button>
        </section>
      ) : null}
      {data?.topicsError ? (
        <p className="text-sm text-amber-800">Topics could not be read from the broker: {data.topicsError}</p>
      ) : null}
      {list.isPending ? (
        <Loading what="subjects" />
      ) : list.error ? (
        <ErrorState error={list.error} />
      ) : !data || data.subjects.length === 0 ? (
        <Empty>No subjects yet: they appear when a producer&apos;s serializer or an admin registers a schema.</Empty>
      ) : (
        <Table aria-label="Subjects">
          <TableHead columns={['Subject', 'Latest version', 'Schema id', 'Format', 'Compatibility', 'Topics']} />
          <tbody>
            {data.subjects.map((s) => (
              <Tr key={s.subject}>
                <Td className="break-all">
                  <Link
                    className="font-medium text-indigo-700 hover:underline"
                    href={`/t/${tenant}/schemas/${encodeURIComponent(s.subject)}`}
                  >
                    {s.subject}
                  </Link>{' '}
                  {s.deleted ? <Badge tone="warn">Soft-deleted</Badge> : null}
                </Td>
                <Td>{s.latestVersion}</Td>
                <Td>{s.latestId}</Td>
                <Td>{s.schemaType}</Td>
                <Td>
                  {s.compatibility}
                  {s.compatibilityOwn ? null : <span className="text-xs text-slate-500"> (tenant)</span>}
                </Td>
                <Td>
                  <TopicLinks tenant={tenant} topics={s.topics} />
                </Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
    </div>
  );
}
