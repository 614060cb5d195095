'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { Button, buttonVariants } from '../../../components/ui/button.tsx';
import { Dialog } from '../../../components/ui/dialog.tsx';
import { Field, Input, Select } from '../../../components/ui/input.tsx';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { Table, Td, Th, Tr } from '../../../components/ui/table.tsx';
import { UnitInput } from '../../../components/ui/unit-input.tsx';
import { api, fieldErrors, formatBytes } from '../../../lib/api-client.ts';
import { rateText, useMessageRates } from '../../../lib/use-message-rates.ts';

interface TopicRow {
  name: string;
  partitions: number;
  description: string;
  ownerTeam: string;
  tags: string[];
  messages: number | null;
  sizeBytes: number | null;
  retentionMs: number | null;
}

function retentionText(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 0) return 'forever';
  const h = ms / 3_600_000;
  return h >= 48 && h % 24 === 0 ? `${h / 24} d` : `${Math.round(h * 10) / 10} h`;
}

export function TopicsList({ tenant }: { tenant: string }) {
  const topics = useQuery({
    queryKey: ['topics', tenant],
    queryFn: () => api<{ topics: TopicRow[]; clusterError: string | null }>(`/tenants/${tenant}/topics`),
    refetchInterval: 5_000,
  });
  const [creating, setCreating] = useState(false);
  const counts = useMemo(() => topics.data?.topics.map((t) => ({ key: t.name, messages: t.messages })), [topics.data]);
  const rates = useMessageRates(counts, topics.dataUpdatedAt);
  return (
    <section>
      <PageHeader title={`Topics · ${tenant}`}>
        <Link href={`/t/${tenant}/requests`} className={buttonVariants({ variant: 'secondary' })}>
          Request a topic
        </Link>
        <Button onClick={() => setCreating(true)}>New topic</Button>
      </PageHeader>
      {topics.data?.clusterError ? (
        <p role="alert" className="mb-3 rounded-md bg-amber-50 p-3 text-sm text-amber-800">
          The broker did not answer (topics and their statistics come from it): {topics.data.clusterError}
        </p>
      ) : null}
      {topics.isPending ? (
        <Loading what="topics" />
      ) : topics.error ? (
        <ErrorState error={topics.error} />
      ) : topics.data.topics.length === 0 ? (
        <Empty>No topics yet. Create one to start producing.</Empty>
      ) : (
        <Table>
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Partitions</Th>
              <Th>Messages</Th>
              <Th>Rate</Th>
              <Th>Size</Th>
              <Th>Retention</Th>
              <Th>Owner</Th>
              <Th>Tags</Th>
            </tr>
          </thead>
          <tbody>
            {topics.data.topics.map((t) => (
              <Tr key={t.name}>
                <Td>
                  <Link
                    className="font-medium text-indigo-700 hover:underline"
                    href={`/t/${tenant}/topics/${encodeURIComponent(t.name)}`}
                  >
                    {t.name}
                  </Link>
                  {t.description ? <div className="text-xs text-slate-500">{t.description}</div> : null}
                </Td>
                <Td>{t.partitions}</Td>
                <Td data-testid={`messages-${t.name}`}>{t.messages ?? '—'}</Td>
                <Td>{rateText(rates.get(t.name))}</Td>
                <Td data-testid={`size-${t.name}`}>{formatBytes(t.sizeBytes)}</Td>
                <Td>{retentionText(t.retentionMs)}</Td>
                <Td>{t.ownerTeam || '—'}</Td>
                <Td>{t.tags.join(', ') || '—'}</Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
      <CreateTopicDialog tenant={tenant} open={creating} onClose={() => setCreating(false)} />
    </section>
  );
}

function CreateTopicDialog({ tenant, open, onClose }: { tenant: string; open: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const [form, setForm] = useState({
    name: '',
    partitions: '1',
    retentionMs: '604800000',
    retainForever: false,
    cleanupPolicy: 'delete',
    maxMessageBytes: '',
    description: '',
    ownerTeam: '',
    tags: '',
  });
  const set =
    (k: 'name' | 'partitions' | 'cleanupPolicy' | 'description' | 'ownerTeam' | 'tags') =>
    (e: { target: { value: string } }) =>
      setForm({ ...form, [k]: e.target.value });
  const create = useMutation({
    mutationFn: () =>
      api(`/tenants/${tenant}/topics`, {
        method: 'POST',
        body: {
          name: form.name,
          partitions: Number(form.partitions),
          retentionMs: form.retainForever ? -1 : form.retentionMs === '' ? undefined : Number(form.retentionMs),
          cleanupPolicy: form.cleanupPolicy,
          maxMessageBytes: form.maxMessageBytes === '' ? undefined : Number(form.maxMessageBytes),
          description: form.description,
          ownerTeam: form.ownerTeam,
          tags: form.tags
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        },
      }),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['topics', tenant] });
      setForm({ ...form, name: '', description: '' });
      onClose();
    },
  });
  const fe = fieldErrors(create.error);
  return (
    <Dialog open={open} onClose={onClose} title="New topic">
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Field label="Name" error={fe.name} hint="Letters, digits, dots, underscores and dashes">
          {(p) => <Input {...p} name="name" value={form.name} onChange={set('name')} required />}
        </Field>
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Partitions" error={fe.partitions}>
            {(p) => (
              <Input
                {...p}
                name="partitions"
                type="number"
                min={1}
                value={form.partitions}
                onChange={set('partitions')}
              />
            )}
          </Field>
          <div className="space-y-1">
            <Field label="Retention" error={fe.retentionMs}>
              {(p) => (
                <UnitInput
                  {...p}
                  kind="ms"
                  name="retention"
                  placeholder="broker default"
                  value={form.retainForever ? '' : form.retentionMs}
                  onChange={(raw) => setForm({ ...form, retentionMs: raw, retainForever: false })}
                />
              )}
            </Field>
            <label className="flex items-center gap-2 text-xs text-slate-700">
              <input
                type="checkbox"
                name="retainForever"
                checked={form.retainForever}
                onChange={(e) => setForm({ ...form, retainForever: e.target.checked })}
              />
              keep forever
            </label>
          </div>
          <Field label="Cleanup policy" error={fe.cleanupPolicy}>
            {(p) => (
              <Select {...p} name="cleanupPolicy" value={form.cleanupPolicy} onChange={set('cleanupPolicy')}>
                <option value="delete">delete</option>
                <option value="compact">compact</option>
                <option value="compact,delete">compact,delete</option>
              </Select>
            )}
          </Field>
          <Field label="Max message bytes" error={fe.maxMessageBytes}>
            {(p) => (
              <UnitInput
                {...p}
                kind="bytes"
                name="maxMessageBytes"
                placeholder="broker default"
                value={form.maxMessageBytes}
                onChange={(raw) => setForm({ ...form, maxMessageBytes: raw })}
              />
            )}
          </Field>
        </div>
        <Field label="Description" error={fe.description}>
          {(p) => <Input {...p} name="description" value={form.description} onChange={set('description')} />}
        </Field>
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Owner team" error={fe.ownerTeam}>
            {(p) => <Input {...p} name="ownerTeam" value={form.ownerTeam} onChange={set('ownerTeam')} />}
          </Field>
          <Field label="Tags (comma separated)" error={fe.tags}>
            {(p) => <Input {...p} name="tags" value={form.tags} onChange={set('tags')} />}
          </Field>
        </div>
        {create.error ? <ErrorState error={create.error} /> : null}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" disabled={create.isPending}>
            Create topic
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
