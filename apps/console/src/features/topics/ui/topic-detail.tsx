'use client';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Button, buttonVariants } from '../../../components/ui/button.tsx';
import { ConfirmDialog } from '../../../components/ui/dialog.tsx';
import { Field, Input, Textarea } from '../../../components/ui/input.tsx';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { Table, Td, Th, Tr } from '../../../components/ui/table.tsx';
import { UnitInput } from '../../../components/ui/unit-input.tsx';
import { api, fieldErrors, formatBytes } from '../../../lib/api-client.ts';
import { formatHuman, type QuantityKind } from '../../../lib/units.ts';
import { StatusBadge } from '../../consumer-groups/ui/status-badge.tsx';
import { formatShortDuration, formatTime } from '../../consumer-groups/ui/format.ts';
import { Badge } from '../../../components/ui/badge.tsx';
import type { CompactionView, RenderedBytes, TopicSubjectsView } from '../schemas.ts';

interface Detail {
  name: string;
  partitions: number;
  description: string;
  ownerTeam: string;
  tags: string[];
  messages: number;
  sizeBytes: number | null;
  configs: Record<string, string | null>;
  compaction: CompactionView | null;
  partitionDetails: {
    partition: number;
    leader: number;
    startOffset: number;
    endOffset: number;
    messages: number;
    sizeBytes: number | null;
  }[];
  consumerGroups: {
    groupId: string;
    state: string;
    lag: number;
    /** How many partitions of the topic the group reads. */
    partitions: number;
    /** Committed offsets per partition. */
    committed: { partition: number; committedOffset: number; lag: number }[];
    status: string | null;
    maxTimeLagMs: number | null;
  }[];
}

interface Page {
  messages: {
    partition: number;
    offset: number;
    timestamp: number;
    key: RenderedBytes;
    value: RenderedBytes;
    headers: { key: string; value: RenderedBytes }[];
  }[];
  nextOffset: number;
  startOffset: number;
  endOffset: number;
}

const FORMAT_NAMES = { avro: 'Avro', protobuf: 'Protobuf', 'json-schema': 'JSON Schema' } as const;

/**
 * A key or value: decoded with its schema (a badge with the format, subject, version and id, and a toggle to the
 * raw bytes), or text, JSON or hex (with the reason when bytes with a schema id did not decode).
 */
export function Bytes({ r }: { r: RenderedBytes }) {
  const [raw, setRaw] = useState(false);
  if (r.encoding === 'null') return <span className="text-slate-500">null</span>;
  const cut = r.truncated ? <span className="text-slate-500"> … (cut: open the record for all of it)</span> : null;
  if ('raw' in r) {
    return (
      <div className="max-w-xl space-y-1" data-encoding={r.encoding}>
        <div className="flex flex-wrap items-center gap-2">
          <Badge tone="info" data-testid="schema-badge">
            {FORMAT_NAMES[r.encoding]} · {r.subject ? `${r.subject} v${r.version}` : 'no subject'} · id {r.schemaId}
          </Badge>
          <button
            type="button"
            className="text-xs text-indigo-700 hover:underline"
            aria-pressed={raw}
            onClick={() => setRaw(!raw)}
          >
            {raw ? 'Show decoded' : 'Show raw bytes'}
          </button>
        </div>
        <pre className="overflow-x-auto whitespace-pre-wrap break-all text-xs">
          {raw ? <span className="mr-1 rounded bg-slate-100 px-1 text-slate-500">hex</span> : null}
          {raw ? r.raw : r.text}
          {cut}
        </pre>
      </div>
    );
  }
  return (
    <div className="max-w-xl space-y-1">
      {r.decodeError ? (
        <p className="text-xs text-amber-800" data-testid="decode-error">
          Not decoded: {r.decodeError}
        </p>
      ) : null}
      <pre className="overflow-x-auto whitespace-pre-wrap break-all text-xs">
        {r.encoding === 'hex' ? <span className="mr-1 rounded bg-slate-100 px-1 text-slate-500">hex</span> : null}
        {r.text}
        {cut}
      </pre>
    </div>
  );
}

const SCHEMA_TYPE_NAMES = { AVRO: 'Avro', PROTOBUF: 'Protobuf', JSON: 'JSON Schema' } as const;

/** The topic's key and value subjects in the schema registry (TopicNameStrategy), linking to their pages. */
function TopicSubjects({ tenant, topic }: { tenant: string; topic: string }) {
  const subjects = useQuery({
    queryKey: ['topic-subjects', tenant, topic],
    queryFn: () => api<TopicSubjectsView>(`/tenants/${tenant}/topics/${encodeURIComponent(topic)}/subjects`),
  });
  if (subjects.isPending) return <Loading what="schemas" />;
  if (subjects.error) return <ErrorState error={subjects.error} />;
  const s = subjects.data;
  const row = (part: 'key' | 'value') => {
    const v = s[part];
    const expected = `${topic}-${part}`;
    return (
      <div data-testid={`topic-subject-${part}`}>
        <dt className="text-slate-500">{part === 'key' ? 'Key schema' : 'Value schema'}</dt>
        <dd>
          {v ? (
            <>
              <Link
                className="font-semibold text-indigo-700 hover:underline"
                href={`/t/${tenant}/schemas/${encodeURIComponent(v.subject)}`}
              >
                {v.subject}
              </Link>{' '}
              v{v.version} · {SCHEMA_TYPE_NAMES[v.schemaType]} · id {v.schemaId}
            </>
          ) : (
            <span className="text-slate-500">
              none registered (<code>{expected}</code>)
            </span>
          )}
        </dd>
      </div>
    );
  };
  return (
    <div>
      <h2 className="mb-2 text-lg font-semibold">Schemas</h2>
      {s.registryError ? (
        <p className="text-sm text-amber-800">The schema registry could not be asked: {s.registryError}</p>
      ) : (
        <dl className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 text-sm sm:grid-cols-2">
          {row('key')}
          {row('value')}
        </dl>
      )}
    </div>
  );
}

/** `at`: open the message browser at this record (a search result's permalink). */
export function TopicDetail({
  tenant,
  topic,
  at,
}: {
  tenant: string;
  topic: string;
  at?: { partition: number; offset: number } | undefined;
}) {
  const router = useRouter();
  const qc = useQueryClient();
  const base = `/tenants/${tenant}/topics/${encodeURIComponent(topic)}`;
  const detail = useQuery({
    queryKey: ['topic', tenant, topic],
    queryFn: () => api<Detail>(base),
    refetchInterval: 5_000,
  });
  const [deleting, setDeleting] = useState(false);
  const remove = useMutation({
    mutationFn: () => api(base, { method: 'DELETE' }),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['topics', tenant] });
      router.push(`/t/${tenant}/topics`);
    },
  });
  if (detail.isPending) return <Loading what="topic" />;
  if (detail.error) return <ErrorState error={detail.error} />;
  const d = detail.data;
  return (
    <section className="space-y-6">
      <PageHeader title={`Topic ${d.name}`}>
        <Link
          className={buttonVariants({ variant: 'secondary' })}
          href={`/t/${tenant}/topics/${encodeURIComponent(topic)}/search`}
        >
          Search messages
        </Link>
        <Button variant="danger" onClick={() => setDeleting(true)}>
          Delete topic
        </Button>
      </PageHeader>
      <dl className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 text-sm sm:grid-cols-4">
        <div>
          <dt className="text-slate-500">Partitions</dt>
          <dd className="text-lg font-semibold">{d.partitions}</dd>
        </div>
        <div>
          <dt className="text-slate-500">Messages</dt>
          <dd className="text-lg font-semibold" data-testid="topic-messages">
            {d.messages}
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Size</dt>
          <dd className="text-lg font-semibold" data-testid="topic-size">
            {formatBytes(d.sizeBytes)}
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Owner team</dt>
          <dd className="text-lg font-semibold">{d.ownerTeam || '—'}</dd>
        </div>
      </dl>
      <TopicSubjects tenant={tenant} topic={topic} />
      {d.compaction ? <Compaction c={d.compaction} /> : null}
      <div>
        <h2 className="mb-2 text-lg font-semibold">Partitions</h2>
        <Table>
          <thead>
            <tr>
              <Th>Partition</Th>
              <Th>Leader</Th>
              <Th>Start offset</Th>
              <Th>End offset</Th>
              <Th>Messages</Th>
            </tr>
          </thead>
          <tbody>
            {d.partitionDetails.map((p) => (
              <Tr key={p.partition}>
                <Td>{p.partition}</Td>
                <Td>{p.leader}</Td>
                <Td>{p.startOffset}</Td>
                <Td>{p.endOffset}</Td>
                <Td>{p.messages}</Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      </div>
      <div>
        <h2 className="mb-2 text-lg font-semibold">Consumer groups</h2>
        {d.consumerGroups.length === 0 ? (
          <Empty>No consumer group has committed offsets on this topic.</Empty>
        ) : (
          <Table>
            <thead>
              <tr>
                <Th>Group</Th>
                <Th>State</Th>
                <Th>Total lag</Th>
                <Th>Committed offsets</Th>
              </tr>
            </thead>
            <tbody>
              {d.consumerGroups.map((g) => (
                <Tr key={g.groupId}>
                  <Td>
                    <Link
                      className="text-indigo-700 hover:underline"
                      href={`/t/${tenant}/groups/${encodeURIComponent(g.groupId)}`}
                    >
                      {g.groupId}
                    </Link>
                  </Td>
                  <Td>
                    {g.status ? <StatusBadge status={g.status} /> : null} {g.state.toLowerCase()}
                  </Td>
                  <Td data-testid={`group-lag-${g.groupId}`}>{g.lag}</Td>
                  <Td className="text-xs">
                    {`${g.partitions} partition${g.partitions === 1 ? '' : 's'}`}
                    {g.committed.length > 0
                      ? `: ${g.committed.map((p) => `p${p.partition} at ${p.committedOffset} (lag ${p.lag})`).join(', ')}`
                      : ''}
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </div>
      <MessageBrowser base={base} partitions={d.partitions} at={at} />
      <ProduceForm base={base} onProduced={() => qc.invalidateQueries({ queryKey: ['topic', tenant, topic] })} />
      <DetailsEditor
        base={base}
        detail={d}
        onSaved={() => qc.invalidateQueries({ queryKey: ['topic', tenant, topic] })}
      />
      <ConfigEditor
        base={base}
        configs={d.configs}
        onSaved={() => qc.invalidateQueries({ queryKey: ['topic', tenant, topic] })}
      />
      <ConfirmDialog
        open={deleting}
        onClose={() => setDeleting(false)}
        onConfirm={() => remove.mutate()}
        pending={remove.isPending}
        title={`Delete topic ${d.name}?`}
        message={
          <>
            All {d.messages} messages are deleted. This cannot be undone.
            {remove.error ? <p className="text-red-600">{remove.error.message}</p> : null}
          </>
        }
        confirmText={d.name}
        confirmLabel="Delete topic"
      />
    </section>
  );
}

function MessageBrowser({
  base,
  partitions,
  at,
}: {
  base: string;
  partitions: number;
  at?: { partition: number; offset: number } | undefined;
}) {
  const [partition, setPartition] = useState(at?.partition ?? 0);
  const [mode, setMode] = useState<'offset' | 'timestamp'>('offset');
  const [from, setFrom] = useState(String(at?.offset ?? 0));
  const [cursor, setCursor] = useState<string>(String(at?.offset ?? 0));
  const qs = new URLSearchParams({ partition: String(partition), limit: '20' });
  if (mode === 'offset') qs.set('offset', cursor || '0');
  else if (cursor) qs.set('timestamp', String(new Date(cursor).getTime() || 0));
  const page = useQuery({
    queryKey: ['messages', base, qs.toString()],
    queryFn: () => api<Page>(`${base}/messages?${qs}`),
    placeholderData: keepPreviousData,
  });
  return (
    <div className="space-y-3" id="messages">
      <h2 className="text-lg font-semibold">Messages</h2>
      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          setCursor(from);
        }}
      >
        <label className="text-sm">
          Partition
          <select
            className="ml-1 rounded-md border border-slate-300 px-2 py-1"
            value={partition}
            onChange={(e) => setPartition(Number(e.target.value))}
          >
            {Array.from({ length: partitions }, (_, i) => i).map((p) => (
              <option key={`p${p}`} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          From
          <select
            className="ml-1 rounded-md border border-slate-300 px-2 py-1"
            value={mode}
            onChange={(e) => {
              setMode(e.target.value as 'offset' | 'timestamp');
              setFrom('');
            }}
          >
            <option value="offset">offset</option>
            <option value="timestamp">timestamp</option>
          </select>
        </label>
        <Input
          aria-label={mode === 'offset' ? 'Start offset' : 'Start time'}
          className="w-56"
          type={mode === 'offset' ? 'number' : 'datetime-local'}
          value={from}
          onChange={(e) => setFrom(e.target.value)}
        />
        <Button type="submit" variant="secondary">
          Go
        </Button>
        {page.data ? (
          <>
            <Button
              variant="secondary"
              disabled={page.data.nextOffset >= page.data.endOffset}
              onClick={() => {
                setMode('offset');
                setCursor(String(page.data.nextOffset));
              }}
            >
              Next page
            </Button>
            <span className="text-xs text-slate-500">
              offsets {page.data.startOffset}–{page.data.endOffset}
            </span>
          </>
        ) : null}
      </form>
      {page.isPending ? (
        <Loading what="messages" />
      ) : page.error ? (
        <ErrorState error={page.error} />
      ) : page.data.messages.length === 0 ? (
        <Empty>No messages from here.</Empty>
      ) : (
        <Table>
          <thead>
            <tr>
              <Th>Offset</Th>
              <Th>Timestamp</Th>
              <Th>Key</Th>
              <Th>Value</Th>
              <Th>Headers</Th>
            </tr>
          </thead>
          <tbody>
            {page.data.messages.map((m) => (
              <Tr
                key={`${m.partition}-${m.offset}`}
                aria-current={at && m.partition === at.partition && m.offset === at.offset ? 'true' : undefined}
                className={at && m.partition === at.partition && m.offset === at.offset ? 'bg-amber-50' : undefined}
              >
                <Td>{m.offset}</Td>
                <Td className="whitespace-nowrap">{new Date(m.timestamp).toISOString()}</Td>
                <Td>
                  <Bytes r={m.key} />
                </Td>
                <Td data-testid="message-value" className="min-w-64">
                  <Bytes r={m.value} />
                </Td>
                <Td>
                  {m.headers.map((h) => (
                    <div key={h.key} className="text-xs">
                      <b>{h.key}</b>: {h.value.text}
                    </div>
                  ))}
                </Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
    </div>
  );
}

function ProduceForm({ base, onProduced }: { base: string; onProduced: () => void }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const produce = useMutation({
    mutationFn: () =>
      api<{ partition: number; offset: number }>(`${base}/messages`, {
        method: 'POST',
        body: { key: key || null, value },
      }),
    onSuccess: onProduced,
  });
  const fe = fieldErrors(produce.error);
  return (
    <form
      className="space-y-3 rounded-lg border border-slate-200 bg-white p-4"
      onSubmit={(e) => {
        e.preventDefault();
        produce.mutate();
      }}
    >
      <h2 className="text-lg font-semibold">Produce a test message</h2>
      <Field label="Key" error={fe.key}>
        {(p) => <Input {...p} name="key" value={key} onChange={(e) => setKey(e.target.value)} />}
      </Field>
      <Field label="Value" error={fe.value}>
        {(p) => <Textarea {...p} name="value" rows={3} value={value} onChange={(e) => setValue(e.target.value)} />}
      </Field>
      {produce.error && !Object.keys(fe).length ? <ErrorState error={produce.error} /> : null}
      {produce.data ? (
        <p role="status" className="text-sm text-emerald-700">
          Written to partition {produce.data.partition} at offset {produce.data.offset}.
        </p>
      ) : null}
      <Button type="submit" disabled={produce.isPending}>
        Produce
      </Button>
    </form>
  );
}

/** Configs edited in human units; -1 ("no limit") is offered where Kafka allows it. */
const EDITABLE = [
  { key: 'retention.ms', field: 'retentionMs', label: 'retention.ms', kind: 'ms', unlimited: 'keep forever' },
  {
    key: 'retention.bytes',
    field: 'retentionBytes',
    label: 'retention.bytes',
    kind: 'bytes',
    unlimited: 'no size limit',
  },
  { key: 'max.message.bytes', field: 'maxMessageBytes', label: 'max.message.bytes', kind: 'bytes', unlimited: null },
] as const;

/** The current value of a config in human units, for the placeholder: "7 days", "no limit". */
function currentConfigText(raw: string | null | undefined, kind: QuantityKind): string {
  if (raw === null || raw === undefined || raw === '') return '';
  const n = Number(raw);
  if (!Number.isFinite(n)) return raw;
  return n < 0 ? 'now: no limit' : `now: ${formatHuman(n, kind)}`;
}

function ConfigEditor({
  base,
  configs,
  onSaved,
}: {
  base: string;
  configs: Record<string, string | null>;
  onSaved: () => void;
}) {
  const [draft, setDraft] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: () => {
      const body: Record<string, number | string> = {};
      for (const e of EDITABLE)
        if (draft[e.key] !== undefined && draft[e.key] !== '') body[e.field] = Number(draft[e.key]);
      if (draft['cleanup.policy']) body.cleanupPolicy = draft['cleanup.policy'];
      return api(base, { method: 'PATCH', body: { configs: body } });
    },
    onSuccess: () => {
      setDraft({});
      onSaved();
    },
  });
  const fe = fieldErrors(save.error);
  const names = Object.keys(configs).sort();
  return (
    <div className="space-y-3">
      <h2 className="text-lg font-semibold">Configuration</h2>
      <form
        className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-4"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        {EDITABLE.map((e) => (
          <div key={e.key} className="space-y-1">
            <Field label={e.label} error={fe[`configs.${e.field}`]}>
              {(p) => (
                <UnitInput
                  {...p}
                  kind={e.kind}
                  name={e.key}
                  placeholder={currentConfigText(configs[e.key], e.kind)}
                  value={draft[e.key] === '-1' ? '' : (draft[e.key] ?? '')}
                  onChange={(raw) => setDraft({ ...draft, [e.key]: raw })}
                />
              )}
            </Field>
            {e.unlimited ? (
              <label className="flex items-center gap-2 text-xs text-slate-700">
                <input
                  type="checkbox"
                  name={`${e.key}-unlimited`}
                  checked={draft[e.key] === '-1'}
                  onChange={(ev) => setDraft({ ...draft, [e.key]: ev.target.checked ? '-1' : '' })}
                />
                {e.unlimited}
              </label>
            ) : null}
          </div>
        ))}
        <div className="self-end">
          <Button type="submit" variant="secondary" disabled={save.isPending}>
            Save configs
          </Button>
        </div>
        {save.error && !Object.keys(fe).length ? (
          <div className="sm:col-span-4">
            <ErrorState error={save.error} />
          </div>
        ) : null}
      </form>
      {names.length === 0 ? (
        <Empty>No configs reported by the broker.</Empty>
      ) : (
        <Table>
          <thead>
            <tr>
              <Th>Config</Th>
              <Th>Value</Th>
            </tr>
          </thead>
          <tbody>
            {names.map((n) => (
              <Tr key={n}>
                <Td>
                  <code>{n}</code>
                </Td>
                <Td>{configs[n] ?? '—'}</Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
    </div>
  );
}

function DetailsEditor({ base, detail, onSaved }: { base: string; detail: Detail; onSaved: () => void }) {
  const [form, setForm] = useState({
    description: detail.description,
    ownerTeam: detail.ownerTeam,
    tags: detail.tags.join(', '),
    partitions: String(detail.partitions),
  });
  const save = useMutation({
    mutationFn: () =>
      api(base, {
        method: 'PATCH',
        body: {
          description: form.description,
          ownerTeam: form.ownerTeam,
          tags: form.tags
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean),
          partitions: Number(form.partitions),
        },
      }),
    onSuccess: onSaved,
  });
  const fe = fieldErrors(save.error);
  return (
    <form
      className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <h2 className="text-lg font-semibold sm:col-span-2">Details</h2>
      <Field label="Description" error={fe.description}>
        {(p) => (
          <Input {...p} value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />
        )}
      </Field>
      <Field label="Owner team" error={fe.ownerTeam}>
        {(p) => (
          <Input {...p} value={form.ownerTeam} onChange={(e) => setForm({ ...form, ownerTeam: e.target.value })} />
        )}
      </Field>
      <Field label="Tags (comma separated)" error={fe.tags}>
        {(p) => <Input {...p} value={form.tags} onChange={(e) => setForm({ ...form, tags: e.target.value })} />}
      </Field>
      <Field label="Partitions (can only grow)" error={fe.partitions}>
        {(p) => (
          <Input
            {...p}
            type="number"
            min={detail.partitions}
            value={form.partitions}
            onChange={(e) => setForm({ ...form, partitions: e.target.value })}
          />
        )}
      </Field>
      {save.error && !Object.keys(fe).length ? (
        <div className="sm:col-span-2">
          <ErrorState error={save.error} />
        </div>
      ) : null}
      <div>
        <Button type="submit" variant="secondary" disabled={save.isPending}>
          Save details
        </Button>
        {save.isSuccess ? (
          <span role="status" className="ml-2 text-sm text-emerald-700">
            Saved.
          </span>
        ) : null}
      </div>
    </form>
  );
}

function ratio(v: number | null): string {
  return v === null ? '—' : v.toFixed(2);
}

/** The log cleaner's dirty ratio and last clean, as the broker last reported them. */
function Compaction({ c }: { c: CompactionView }) {
  const reportedAtMs = c.partitions.length > 0 ? Math.max(...c.partitions.map((p) => p.reportedAtMs)) : null;
  return (
    <div>
      <h2 className="mb-2 text-lg font-semibold">Compaction</h2>
      <dl
        className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 text-sm sm:grid-cols-4"
        aria-label="Compaction"
      >
        <div>
          <dt className="text-slate-500">Dirty ratio (highest partition)</dt>
          <dd className="text-lg font-semibold" data-testid="compaction-dirty-ratio">
            {ratio(c.dirtyRatio)}
          </dd>
          <dd className="text-xs text-slate-500">cleaned at {ratio(c.minCleanableDirtyRatio)}</dd>
        </div>
        <div>
          <dt className="text-slate-500">Last clean</dt>
          <dd className="text-lg font-semibold" data-testid="compaction-last-clean">
            {c.lastClean ? formatTime(c.lastClean.atMs, true) : 'none yet'}
          </dd>
          {c.lastClean ? <dd className="text-xs text-slate-500">partition {c.lastClean.partition}</dd> : null}
        </div>
        <div>
          <dt className="text-slate-500">Took</dt>
          <dd className="text-lg font-semibold">{c.lastClean ? formatShortDuration(c.lastClean.durationMs) : '—'}</dd>
        </div>
        <div>
          <dt className="text-slate-500">Bytes before → after</dt>
          <dd className="text-lg font-semibold" data-testid="compaction-bytes">
            {c.lastClean ? `${formatBytes(c.lastClean.bytesBefore)} → ${formatBytes(c.lastClean.bytesAfter)}` : '—'}
          </dd>
        </div>
      </dl>
      <p className="mt-1 text-xs text-slate-500">
        {reportedAtMs === null
          ? 'The broker has not reported this topic’s cleaner state yet (it does every few seconds once the cleaner has looked at it).'
          : `Reported by the broker at ${formatTime(reportedAtMs)} (when the figures change, at least once a minute).`}
      </p>
    </div>
  );
}
