'use client';
/**
 * One subject: its versions, two of them side by side with a line diff, its compatibility level (selectable by
 * admins), "register a new version" with the check shown before saving, and soft then permanent deletes.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { ConfirmDialog } from '../../../components/ui/dialog.tsx';
import { Field, Select } from '../../../components/ui/input.tsx';
import { ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { Table, TableHead, Td, Tr } from '../../../components/ui/table.tsx';
import { api } from '../../../lib/api-client.ts';
import { useCanManage } from '../../processors/ui/use-tenant-role.ts';
import type { DeletedView, SchemaVersionView, SubjectDetailView } from '../schemas.ts';
import { CompatibilitySelect } from './compatibility-select.tsx';
import { RegisterForm } from './register-form.tsx';
import { readableSchema, SchemaDiff } from './schema-diff.tsx';
import { TopicLinks } from './subjects-list.tsx';

/** What a delete removes: one version or the whole subject, soft or for good. */
interface DeleteTarget {
  version?: number;
  permanent: boolean;
}

function VersionSelect({
  label,
  versions,
  value,
  onChange,
}: {
  label: string;
  versions: SchemaVersionView[];
  value: number;
  onChange: (v: number) => void;
}) {
  return (
    <Field label={label}>
      {(p) => (
        <Select {...p} value={value} onChange={(e) => onChange(Number(e.target.value))}>
          {versions.map((v) => (
            <option key={v.version} value={v.version}>
              Version {v.version}
              {v.deleted ? ' (soft-deleted)' : ''}
            </option>
          ))}
        </Select>
      )}
    </Field>
  );
}

function Compare({ versions }: { versions: SchemaVersionView[] }) {
  const [left, setLeft] = useState<number | null>(null);
  const [right, setRight] = useState<number | null>(null);
  const last = versions.at(-1) as SchemaVersionView;
  const r = versions.find((v) => v.version === right) ?? last;
  const l = versions.find((v) => v.version === left) ?? versions.at(-2) ?? last;
  return (
    <section className="space-y-3">
      <h2 className="text-lg font-semibold">{versions.length > 1 ? 'Compare versions' : 'Schema'}</h2>
      {versions.length > 1 ? (
        <>
          <div className="grid max-w-md grid-cols-2 gap-3">
            <VersionSelect label="Left" versions={versions} value={l.version} onChange={setLeft} />
            <VersionSelect label="Right" versions={versions} value={r.version} onChange={setRight} />
          </div>
          <SchemaDiff left={l} right={r} />
        </>
      ) : (
        <pre className="overflow-x-auto rounded-lg border border-slate-200 bg-white p-3 text-xs">
          {readableSchema(last)}
        </pre>
      )}
    </section>
  );
}

export function SubjectDetail({ tenant, subject }: { tenant: string; subject: string }) {
  const router = useRouter();
  const qc = useQueryClient();
  const canManage = useCanManage(tenant) === true;
  const path = `/tenants/${tenant}/schemas/${encodeURIComponent(subject)}`;
  const detail = useQuery({
    queryKey: ['schemas', tenant, 'subject', subject],
    queryFn: () => api<SubjectDetailView>(path),
  });
  const [outcome, setOutcome] = useState<string | null>(null);
  const [target, setTarget] = useState<DeleteTarget | null>(null);
  const remove = useMutation({
    mutationFn: (t: DeleteTarget) =>
      api<DeletedView>(`${path}${t.version ? `/versions/${t.version}` : ''}${t.permanent ? '?permanent=true' : ''}`, {
        method: 'DELETE',
      }),
    onSuccess: (res, t) => {
      setTarget(null);
      qc.invalidateQueries({ queryKey: ['schemas', tenant] });
      if (t.permanent && !t.version) router.push(`/t/${tenant}/schemas`);
      setOutcome(
        `${t.permanent ? 'Permanently deleted' : 'Soft-deleted'} version${res.versions.length === 1 ? '' : 's'} ${res.versions.join(', ')}.`,
      );
    },
  });
  const data = detail.data;
  const latest = data ? (data.versions.findLast((v) => !v.deleted) ?? data.versions.at(-1)) : undefined;
  return (
    <div className="space-y-6">
      <PageHeader title={`Subject · ${subject}`}>
        {canManage && data ? (
          <Button
            variant="danger"
            onClick={() => {
              remove.reset();
              setTarget({ permanent: data.deleted });
            }}
          >
            {data.deleted ? 'Delete permanently' : 'Delete subject'}
          </Button>
        ) : null}
      </PageHeader>
      <p className="text-sm">
        <Link className="text-indigo-700 hover:underline" href={`/t/${tenant}/schemas`}>
          ← All subjects
        </Link>
      </p>
      {outcome ? (
        <p role="status" className="rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">
          {outcome}
        </p>
      ) : null}
      {detail.isPending ? (
        <Loading what="the subject" />
      ) : detail.error || !data || !latest ? (
        <ErrorState error={detail.error ?? 'No versions'} />
      ) : (
        <>
          <dl className="grid max-w-2xl grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            <dt className="font-medium text-slate-700">Format</dt>
            <dd>{data.schemaType}</dd>
            <dt className="font-medium text-slate-700">Topics</dt>
            <dd>
              <TopicLinks tenant={tenant} topics={data.topics} />
            </dd>
            <dt className="font-medium text-slate-700">Status</dt>
            <dd>
              {data.deleted ? (
                <Badge tone="warn">Soft-deleted: clients no longer see it</Badge>
              ) : (
                <Badge tone="good">Live</Badge>
              )}
            </dd>
          </dl>
          <CompatibilitySelect
            tenant={tenant}
            subject={subject}
            level={data.compatibility}
            own={data.compatibilityOwn}
            tenantLevel={data.tenantCompatibility}
            canEdit={canManage}
          />
          <section className="space-y-2">
            <h2 className="text-lg font-semibold">Versions</h2>
            <Table aria-label="Versions">
              <TableHead columns={['Version', 'Schema id', 'Format', 'Status']} actions={canManage} />
              <tbody>
                {data.versions.map((v) => (
                  <Tr key={v.version}>
                    <Td>{v.version}</Td>
                    <Td>{v.id}</Td>
                    <Td>{v.schemaType}</Td>
                    <Td>{v.deleted ? <Badge tone="warn">Soft-deleted</Badge> : <Badge tone="good">Live</Badge>}</Td>
                    {canManage ? (
                      <Td>
                        <Button
                          variant="secondary"
                          size="sm"
                          aria-label={`${v.deleted ? 'Permanently delete' : 'Delete'} version ${v.version}`}
                          onClick={() => {
                            remove.reset();
                            setTarget({ version: v.version, permanent: v.deleted });
                          }}
                        >
                          {v.deleted ? 'Delete permanently' : 'Delete'}
                        </Button>
                      </Td>
                    ) : null}
                  </Tr>
                ))}
              </tbody>
            </Table>
          </section>
          <Compare key={data.versions.length} versions={data.versions} />
          {canManage ? (
            <section className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
              <h2 className="text-lg font-semibold">Register a new version</h2>
              <RegisterForm
                key={latest.version}
                tenant={tenant}
                subject={subject}
                initialType={latest.schemaType}
                initialSchema={readableSchema(latest)}
                onRegistered={(r) => {
                  setOutcome(
                    r.created
                      ? `Registered version ${r.version} (schema id ${r.id}).`
                      : `This schema is already version ${r.version}; nothing changed.`,
                  );
                  qc.invalidateQueries({ queryKey: ['schemas', tenant] });
                }}
              />
            </section>
          ) : null}
        </>
      )}
      <ConfirmDialog
        open={target !== null}
        onClose={() => setTarget(null)}
        onConfirm={() => target && remove.mutate(target)}
        title={`${target?.permanent ? 'Permanently delete' : 'Delete'} ${target?.version ? `version ${target.version} of ` : ''}${subject}?`}
        message={
          <div className="space-y-2">
            <p>
              {target?.permanent
                ? 'The registry forgets it for good; the schema id stays reserved and is never reused.'
                : 'A soft delete hides it from clients (serializers can no longer look it up); it can then be deleted permanently.'}
            </p>
            {remove.error ? <ErrorState error={remove.error} /> : null}
          </div>
        }
        confirmLabel={target?.permanent ? 'Delete permanently' : 'Delete'}
        confirmText={target?.permanent ? subject : undefined}
        pending={remove.isPending}
      />
    </div>
  );
}
