'use client';
/**
 * The message search page of a topic: the match (text, regular expression, JSON field or CEL), the range and the
 * budget; live progress per partition while the server scans; how the scan ended (and a way to continue a scan a
 * budget ended); the matches, each linking to the record in the message browser, exportable as JSON or CSV.
 */
import Link from 'next/link';
import { useRef, useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Field, Input, Select, Textarea } from '../../../components/ui/input.tsx';
import { ErrorState, PageHeader } from '../../../components/ui/states.tsx';
import { Table, Td, Th, Tr } from '../../../components/ui/table.tsx';
import { api, fieldErrors } from '../../../lib/api-client.ts';
import { Bytes } from '../../topics/ui/topic-detail.tsx';
import type { SearchEvent, SearchMatchRecord } from '../schemas.ts';
import { download, matchesAsCsv, matchesAsJson } from './export.ts';
import { runSearch } from './run-search.ts';

type Kind = 'contains' | 'regex' | 'json' | 'cel';
type Progress = Extract<SearchEvent, { type: 'progress' }>;
type End = Extract<SearchEvent, { type: 'end' }>;

const KIND_LABEL: Record<Kind, string> = {
  contains: 'Contains text',
  regex: 'Regular expression (RE2)',
  json: 'JSON field',
  cel: 'CEL expression',
};

interface Form {
  kind: Kind;
  text: string;
  field: 'any' | 'key' | 'value' | 'headers';
  caseSensitive: boolean;
  path: string;
  op: string;
  value: string;
  expression: string;
  partitions: string;
  range: 'all' | 'offsets' | 'time';
  from: string;
  to: string;
  maxRecords: string;
  maxSeconds: string;
  maxMatches: string;
}

const INITIAL: Form = {
  kind: 'contains',
  text: '',
  field: 'any',
  caseSensitive: false,
  path: '$.status',
  op: 'eq',
  value: '',
  expression: 'json.amount > 100 && "trace" in headers',
  partitions: '',
  range: 'all',
  from: '',
  to: '',
  maxRecords: '',
  maxSeconds: '',
  maxMatches: '',
};

/** `42` → 42, `true` → true, other text stays text (as the CLI reads --eq). */
function scalar(text: string): string | number | boolean | null {
  try {
    const v = JSON.parse(text);
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) return v;
  } catch {}
  return text;
}

const optionalInt = (s: string) => (s.trim() === '' ? undefined : Number(s));

function requestOf(f: Form, startOffsets?: { partition: number; offset: number }[]) {
  const match =
    f.kind === 'contains'
      ? { kind: f.kind, text: f.text, field: f.field, caseSensitive: f.caseSensitive }
      : f.kind === 'regex'
        ? { kind: f.kind, pattern: f.text, field: f.field, caseSensitive: f.caseSensitive }
        : f.kind === 'json'
          ? { kind: f.kind, path: f.path, op: f.op, value: f.op === 'exists' ? undefined : scalar(f.value) }
          : { kind: f.kind, expression: f.expression };
  const time = (s: string) => (s ? new Date(s).getTime() : undefined);
  return {
    match,
    partitions: f.partitions.trim()
      ? f.partitions
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean)
          .map(Number)
      : undefined,
    fromOffset: f.range === 'offsets' ? optionalInt(f.from) : undefined,
    toOffset: f.range === 'offsets' ? optionalInt(f.to) : undefined,
    fromTimestampMs: f.range === 'time' ? time(f.from) : undefined,
    toTimestampMs: f.range === 'time' ? time(f.to) : undefined,
    startOffsets,
    maxRecords: optionalInt(f.maxRecords),
    maxMs: f.maxSeconds.trim() === '' ? undefined : Math.round(Number(f.maxSeconds) * 1000),
    maxMatches: optionalInt(f.maxMatches),
  };
}

export function TopicSearch({ tenant, topic }: { tenant: string; topic: string }) {
  const path = `/tenants/${tenant}/topics/${encodeURIComponent(topic)}/search`;
  const [form, setForm] = useState<Form>(INITIAL);
  const set = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }));
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [budget, setBudget] = useState<{ maxRecords: number; maxMs: number; maxMatches: number } | null>(null);
  const [progress, setProgress] = useState<Omit<Progress, 'type'> | null>(null);
  const [end, setEnd] = useState<End | null>(null);
  const [matches, setMatches] = useState<SearchMatchRecord[]>([]);
  const searchId = useRef<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const fe = fieldErrors(error);

  async function start(startOffsets?: { partition: number; offset: number }[]) {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setRunning(true);
    setError(null);
    setEnd(null);
    setProgress(null);
    setMatches([]);
    try {
      await runSearch(path, requestOf(form, startOffsets), controller.signal, (e) => {
        if (e.type === 'started') {
          searchId.current = e.searchId;
          setBudget(e.budget);
          setProgress({ scanned: 0, matched: 0, elapsedMs: 0, partitions: e.partitions });
        } else if (e.type === 'progress') setProgress(e);
        else if (e.type === 'match') setMatches((m) => [...m, e.record]);
        else {
          setEnd(e);
          setProgress(e);
        }
      });
    } catch (err) {
      if (!controller.signal.aborted) setError(err);
    } finally {
      setRunning(false);
      searchId.current = null;
    }
  }

  async function cancel() {
    const id = searchId.current;
    // Cancelled by id, the server still sends how far the scan got; closing the stream is the fallback.
    if (id) await api(`${path}/${id}`, { method: 'DELETE' }).catch(() => abort.current?.abort());
    else abort.current?.abort();
  }

  const origin = typeof window === 'undefined' ? '' : window.location.origin;
  const scanned = progress?.scanned ?? 0;
  return (
    <section className="space-y-6">
      <PageHeader title={`Search ${topic}`}>
        <Link
          className="text-sm text-indigo-700 hover:underline"
          href={`/t/${tenant}/topics/${encodeURIComponent(topic)}`}
        >
          Back to the topic
        </Link>
      </PageHeader>
      <form
        aria-label="Search messages"
        className="grid gap-4 rounded-lg border border-slate-200 bg-white p-4 md:grid-cols-2"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <Field label="Match" error={fe['match.kind']}>
          {(p) => (
            <Select {...p} value={form.kind} onChange={(e) => set({ kind: e.target.value as Kind })}>
              {(Object.keys(KIND_LABEL) as Kind[]).map((k) => (
                <option key={k} value={k}>
                  {KIND_LABEL[k]}
                </option>
              ))}
            </Select>
          )}
        </Field>
        {form.kind === 'contains' || form.kind === 'regex' ? (
          <>
            <Field
              label={form.kind === 'contains' ? 'Text' : 'Pattern'}
              error={fe['match.text'] ?? fe['match.pattern']}
              hint={form.kind === 'regex' ? 'RE2 syntax: runs in linear time, no backreferences' : undefined}
            >
              {(p) => <Input {...p} value={form.text} onChange={(e) => set({ text: e.target.value })} required />}
            </Field>
            <Field label="Look in">
              {(p) => (
                <Select {...p} value={form.field} onChange={(e) => set({ field: e.target.value as Form['field'] })}>
                  <option value="any">key, value and headers</option>
                  <option value="key">key</option>
                  <option value="value">value</option>
                  <option value="headers">header values</option>
                </Select>
              )}
            </Field>
            <label className="flex items-center gap-2 self-end text-sm">
              <input
                type="checkbox"
                checked={form.caseSensitive}
                onChange={(e) => set({ caseSensitive: e.target.checked })}
              />
              Case-sensitive
            </label>
          </>
        ) : form.kind === 'json' ? (
          <>
            <Field label="Field path" error={fe['match.path']} hint="e.g. $.order.items[0].sku">
              {(p) => <Input {...p} value={form.path} onChange={(e) => set({ path: e.target.value })} required />}
            </Field>
            <Field label="Condition">
              {(p) => (
                <Select {...p} value={form.op} onChange={(e) => set({ op: e.target.value })}>
                  <option value="eq">equals</option>
                  <option value="ne">does not equal</option>
                  <option value="gt">greater than</option>
                  <option value="gte">at least</option>
                  <option value="lt">less than</option>
                  <option value="lte">at most</option>
                  <option value="contains">contains</option>
                  <option value="exists">exists</option>
                </Select>
              )}
            </Field>
            {form.op !== 'exists' ? (
              <Field label="Value" error={fe['match.value']}>
                {(p) => <Input {...p} value={form.value} onChange={(e) => set({ value: e.target.value })} />}
              </Field>
            ) : null}
          </>
        ) : (
          <div className="md:col-span-2">
            <Field
              label="CEL expression"
              error={fe['match.expression']}
              hint="Returns bool. Variables: key, value (text or null), json (parsed value or null), headers (map), partition, offset, timestamp (epoch ms)"
            >
              {(p) => (
                <Textarea
                  {...p}
                  rows={2}
                  value={form.expression}
                  onChange={(e) => set({ expression: e.target.value })}
                />
              )}
            </Field>
          </div>
        )}
        <Field label="Partitions" error={fe.partitions} hint="Comma-separated; empty for all">
          {(p) => (
            <Input
              {...p}
              value={form.partitions}
              placeholder="all"
              onChange={(e) => set({ partitions: e.target.value })}
            />
          )}
        </Field>
        <Field label="Range">
          {(p) => (
            <Select
              {...p}
              value={form.range}
              onChange={(e) => set({ range: e.target.value as Form['range'], from: '', to: '' })}
            >
              <option value="all">everything retained</option>
              <option value="offsets">offsets</option>
              <option value="time">time</option>
            </Select>
          )}
        </Field>
        {form.range !== 'all' ? (
          <>
            <Field
              label={form.range === 'offsets' ? 'From offset' : 'From'}
              error={fe.fromOffset ?? fe.fromTimestampMs}
            >
              {(p) => (
                <Input
                  {...p}
                  type={form.range === 'offsets' ? 'number' : 'datetime-local'}
                  value={form.from}
                  onChange={(e) => set({ from: e.target.value })}
                />
              )}
            </Field>
            <Field label={form.range === 'offsets' ? 'To offset' : 'To'} error={fe.toOffset ?? fe.toTimestampMs}>
              {(p) => (
                <Input
                  {...p}
                  type={form.range === 'offsets' ? 'number' : 'datetime-local'}
                  value={form.to}
                  onChange={(e) => set({ to: e.target.value })}
                />
              )}
            </Field>
          </>
        ) : null}
        <div className="grid grid-cols-3 gap-2 md:col-span-2">
          {(
            [
              { label: 'Records to scan at most', key: 'maxRecords', error: fe.maxRecords, min: 1, step: 1 },
              { label: 'Seconds at most', key: 'maxSeconds', error: fe.maxMs, min: 0.1, step: 0.1 },
              { label: 'Matches at most', key: 'maxMatches', error: fe.maxMatches, min: 1, step: 1 },
            ] as const
          ).map((b) => (
            <Field key={b.key} label={b.label} error={b.error}>
              {(p) => (
                <Input
                  {...p}
                  type="number"
                  min={b.min}
                  step={b.step}
                  placeholder="default"
                  value={form[b.key]}
                  onChange={(e) => set({ [b.key]: e.target.value })}
                />
              )}
            </Field>
          ))}
        </div>
        <div className="flex flex-wrap gap-2 md:col-span-2">
          <Button type="submit" disabled={running}>
            Search
          </Button>
          <Button variant="secondary" disabled={!running} onClick={() => void cancel()}>
            Cancel
          </Button>
          <Button
            variant="secondary"
            disabled={matches.length === 0}
            onClick={() => download(`${topic}-search.json`, 'application/json', matchesAsJson(matches, origin))}
          >
            Export JSON
          </Button>
          <Button
            variant="secondary"
            disabled={matches.length === 0}
            onClick={() => download(`${topic}-search.csv`, 'text/csv', matchesAsCsv(matches, origin))}
          >
            Export CSV
          </Button>
        </div>
      </form>
      {error ? <ErrorState error={error} /> : null}
      {progress ? (
        <div className="space-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm">
          <p role="status" aria-live="polite" data-testid="search-progress">
            {running ? 'Searching… ' : ''}
            <b>{scanned.toLocaleString('en')}</b> records scanned, <b>{(progress.matched ?? 0).toLocaleString('en')}</b>{' '}
            matched in {(progress.elapsedMs / 1000).toFixed(1)} s
            {budget
              ? ` (budget: ${budget.maxRecords.toLocaleString('en')} records, ${budget.maxMs / 1000} s, ${budget.maxMatches} matches)`
              : ''}
          </p>
          <ul className="grid gap-x-6 gap-y-1 sm:grid-cols-2 lg:grid-cols-3">
            {progress.partitions.map((p) => (
              <li key={p.partition} className="flex items-center gap-2 text-xs">
                <span className="w-20 shrink-0">Partition {p.partition}</span>
                <progress className="h-2 w-full" max={Math.max(1, p.end)} value={Math.min(p.position, p.end)} />
                <span className="shrink-0 tabular-nums">
                  {p.position}/{p.end}
                </span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {end ? (
        <div
          data-testid="search-end"
          className={
            end.reason === 'completed'
              ? 'rounded-lg border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-900'
              : 'rounded-lg border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900'
          }
        >
          <p>{end.message}</p>
          {end.continueFrom ? (
            <Button
              className="mt-2"
              size="sm"
              variant="secondary"
              onClick={() => void start(end.continueFrom ?? undefined)}
            >
              Continue from where it stopped
            </Button>
          ) : null}
        </div>
      ) : null}
      {matches.length > 0 ? (
        <Table>
          <thead>
            <tr>
              <Th>Partition</Th>
              <Th>Offset</Th>
              <Th>Timestamp</Th>
              <Th>Key</Th>
              <Th>Value</Th>
              <Th>Headers</Th>
            </tr>
          </thead>
          <tbody>
            {matches.map((m) => (
              <Tr key={`${m.partition}-${m.offset}`} data-testid="search-match">
                <Td>{m.partition}</Td>
                <Td>
                  <Link className="text-indigo-700 hover:underline" href={m.link}>
                    {m.offset}
                  </Link>
                </Td>
                <Td className="whitespace-nowrap">{new Date(m.timestamp).toISOString()}</Td>
                <Td>
                  <Bytes r={m.key} />
                </Td>
                <Td className="min-w-64">
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
      ) : end ? (
        <p className="text-sm text-slate-600">No record matched.</p>
      ) : null}
    </section>
  );
}
