'use client';
/**
 * Test run: the code in the editor runs on the last N records of the input topic or on pasted JSON records, in the
 * same sandbox the host uses, and the panel shows per record the input, the outputs grouped by target topic, drops,
 * errors with their stack, and the logs. Nothing is written to any topic.
 */
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Field, Input, Select, Textarea } from '../../../components/ui/input.tsx';
import { ErrorState } from '../../../components/ui/states.tsx';
import { api, fieldErrors } from '../../../lib/api-client.ts';
import { msText } from './format.ts';
import type {
  BytesView,
  DecodingView,
  LanguageName,
  TestRunInput,
  TestRunRecordView,
  TestRunResultView,
} from './view-types.ts';

/** Records a test run may take, as the API allows. */
export const MAX_TEST_RECORDS = 100;

const PASTE_EXAMPLE = `[
  { "key": "k1", "value": { "id": 1, "amount": 12.5 } },
  { "key": "k2", "value": "plain text", "headers": { "source": "paste" } }
]`;

type PastedRecord = NonNullable<TestRunInput['records']>[number];

/** Pasted text → records: a JSON array; an element with a `value` is a record, anything else is the value itself. */
export function parsePastedRecords(
  text: string,
): { ok: true; records: PastedRecord[] } | { ok: false; message: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `The records are not valid JSON: ${(err as Error).message}` };
  }
  if (!Array.isArray(parsed)) return { ok: false, message: 'Paste a JSON array of records.' };
  if (parsed.length === 0) return { ok: false, message: 'Paste at least one record.' };
  if (parsed.length > MAX_TEST_RECORDS) return { ok: false, message: `At most ${MAX_TEST_RECORDS} records.` };
  const records = parsed.map((el): PastedRecord => {
    if (el && typeof el === 'object' && !Array.isArray(el) && 'value' in el) {
      const r = el as Record<string, unknown>;
      const value = typeof r.value === 'string' || r.value === null ? r.value : JSON.stringify(r.value);
      return {
        value,
        ...(r.key !== undefined ? { key: r.key === null ? null : String(r.key) } : {}),
        ...(r.headers && typeof r.headers === 'object' ? { headers: r.headers as Record<string, string> } : {}),
        ...(typeof r.timestamp === 'number' ? { timestamp: r.timestamp } : {}),
      };
    }
    return { value: typeof el === 'string' ? el : JSON.stringify(el) };
  });
  return { ok: true, records };
}

export interface TestRunDraft {
  source: string;
  language: LanguageName;
  outputs: string[];
  env: Record<string, string>;
  input: string;
}

export function TestRunPanel({ tenant, name, draft }: { tenant: string; name: string; draft: TestRunDraft }) {
  const [mode, setMode] = useState<'lastN' | 'paste'>('lastN');
  const [lastN, setLastN] = useState('10');
  const [pasted, setPasted] = useState(PASTE_EXAMPLE);
  const [localError, setLocalError] = useState<string | null>(null);
  const run = useMutation({
    mutationFn: (body: TestRunInput) =>
      api<TestRunResultView>(`/tenants/${tenant}/processors/${encodeURIComponent(name)}/test-run`, {
        method: 'POST',
        body,
      }),
  });
  const start = () => {
    setLocalError(null);
    if (!name) return setLocalError('Give the processor a name first.');
    const base = {
      source: draft.source,
      language: draft.language,
      outputs: draft.outputs,
      env: draft.env,
      input: draft.input,
    };
    if (mode === 'lastN') {
      const n = Number(lastN);
      if (!Number.isInteger(n) || n < 1 || n > MAX_TEST_RECORDS)
        return setLocalError(`The number of records is 1 to ${MAX_TEST_RECORDS}.`);
      if (!draft.input) return setLocalError('Choose the input topic first: the records are read from it.');
      return run.mutate({ ...base, lastN: n });
    }
    const parsed = parsePastedRecords(pasted);
    if (!parsed.ok) return setLocalError(parsed.message);
    run.mutate({ ...base, records: parsed.records });
  };
  const fe = fieldErrors(run.error);
  return (
    <section aria-labelledby="test-run-title" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="test-run-title" className="text-lg font-semibold">
        Test run
      </h2>
      <p className="text-sm text-slate-600">
        Runs the code above in the sandbox on real or pasted records. Nothing is written to any topic and no offset is
        committed.
      </p>
      <div className="grid gap-3 sm:grid-cols-3">
        <Field label="Records">
          {(p) => (
            <Select {...p} name="testMode" value={mode} onChange={(e) => setMode(e.target.value as 'lastN' | 'paste')}>
              <option value="lastN">the last records of the input topic</option>
              <option value="paste">records I paste (JSON)</option>
            </Select>
          )}
        </Field>
        {mode === 'lastN' ? (
          <Field label="How many (the newest)" error={fe.lastN}>
            {(p) => (
              <Input
                {...p}
                name="lastN"
                type="number"
                min={1}
                max={MAX_TEST_RECORDS}
                value={lastN}
                onChange={(e) => setLastN(e.target.value)}
              />
            )}
          </Field>
        ) : null}
      </div>
      {mode === 'paste' ? (
        <Field
          label="Records (JSON array)"
          error={fe.records}
          hint='Each element is { "key", "value", "headers", "timestamp" }; an element without "value" is the value itself.'
        >
          {(p) => (
            <Textarea {...p} name="records" rows={8} value={pasted} onChange={(e) => setPasted(e.target.value)} />
          )}
        </Field>
      ) : null}
      <div className="flex items-center gap-3">
        <Button variant="secondary" onClick={start} disabled={run.isPending}>
          {run.isPending ? 'Running…' : 'Run test'}
        </Button>
        {localError ? (
          <p role="alert" className="text-sm text-red-700">
            {localError}
          </p>
        ) : null}
      </div>
      {run.error ? <ErrorState error={run.error} /> : null}
      {run.data ? <TestRunResults result={run.data} /> : null}
    </section>
  );
}

/** Bytes as the sandbox reports them: text when valid UTF-8, else base64 (marked). */
function Bytes({ b }: { b: BytesView }) {
  if (b === null) return <span className="text-slate-500">null</span>;
  return (
    <pre className="max-w-full overflow-x-auto whitespace-pre-wrap break-all text-xs">
      {b.encoding === 'base64' ? <span className="mr-1 rounded bg-slate-100 px-1 text-slate-500">base64</span> : null}
      {b.data}
    </pre>
  );
}

function bytesText(b: BytesView): string {
  return b === null ? 'null' : b.encoding === 'base64' ? `base64:${b.data}` : b.data;
}

/** An output the host encodes with a registry subject's schema; a test run shows its data as JSON. */
function SchemaNote({ s }: { s: { subject: string; version: number | 'latest' } }) {
  return (
    <span className="text-slate-500" data-testid="test-run-output-schema">
      {' '}
      (encoded with {s.subject}, version {s.version}, when it runs)
    </span>
  );
}

/** A key or value in the schema registry's wire format: what the function sees as record.valueDecoded, or why not. */
function Decoded({ what, d }: { what: 'key' | 'value'; d: DecodingView }) {
  if ('error' in d) {
    return (
      <p className="text-xs text-amber-700" data-testid="test-run-input-schema">
        {what} not decoded: {d.error}
      </p>
    );
  }
  return (
    <div data-testid="test-run-input-schema">
      <p className="text-xs text-slate-500">
        {what} decoded with {d.schema.subject ?? `schema ${d.schema.id}`}
        {d.schema.version === null ? '' : `, version ${d.schema.version}`} ({d.schema.type}, id {d.schema.id})
      </p>
      <Bytes b={d.data} />
    </div>
  );
}

function Headers({ headers }: { headers: { name: string; value: BytesView }[] }) {
  return headers.map((h, i) => (
    // biome-ignore lint/suspicious/noArrayIndexKey: a header name may repeat
    <p key={i} className="text-xs text-slate-600">
      <b>{h.name}</b>: {bytesText(h.value)}
    </p>
  ));
}

export function TestRunResults({ result }: { result: TestRunResultView }) {
  const s = result.summary;
  return (
    <div className="space-y-3" data-testid="test-run-results">
      <p role="status" className="rounded-md bg-slate-100 p-3 text-sm text-slate-800" data-testid="test-run-summary">
        {s.records} record{s.records === 1 ? '' : 's'} run:{' '}
        {Object.entries(s.outputsByTopic)
          .map(([t, n]) => `${n} to ${t}`)
          .join(', ') || 'no outputs'}
        , {s.dropped} dropped, {s.errors} error{s.errors === 1 ? '' : 's'}. Nothing was written to any topic.
      </p>
      <ol className="space-y-2">
        {result.results.map((r, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: pasted records may share partition and offset
          <TestRunRecord key={i} r={r} />
        ))}
      </ol>
    </div>
  );
}

function TestRunRecord({ r }: { r: TestRunRecordView }) {
  const byTopic = new Map<string, TestRunRecordView['outputs']>();
  for (const o of r.outputs) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
  return (
    <li
      className="grid gap-3 rounded-md border border-slate-200 p-3 text-sm lg:grid-cols-2"
      data-testid="test-run-record"
    >
      <div className="min-w-0 space-y-1">
        <p className="text-xs font-semibold uppercase text-slate-500">
          Input · partition {r.input.partition}, offset {String(r.input.offset)} · {msText(r.durationMs)}
        </p>
        <p className="text-xs">
          key: <code>{bytesText(r.input.key)}</code>
        </p>
        {r.input.keyDecoding ? <Decoded what="key" d={r.input.keyDecoding} /> : null}
        {r.input.valueDecoding ? <Decoded what="value" d={r.input.valueDecoding} /> : <Bytes b={r.input.value} />}
        <Headers headers={r.input.headers} />
      </div>
      <div className="min-w-0 space-y-2">
        {r.error ? (
          <div role="alert" className="rounded bg-red-50 p-2 text-red-800" data-testid="test-run-error">
            <p className="font-medium">
              {r.error.kind ? <Badge tone="bad">{r.error.kind}</Badge> : null} {r.error.message}
            </p>
            {r.error.stack ? (
              <pre className="mt-1 overflow-x-auto whitespace-pre-wrap text-xs">{r.error.stack}</pre>
            ) : null}
          </div>
        ) : r.dropped || r.outputs.length === 0 ? (
          <p data-testid="test-run-dropped">
            <Badge>dropped</Badge> the function returned nothing for this record
          </p>
        ) : (
          [...byTopic].map(([topic, outs]) => (
            <div key={topic} data-testid={`test-run-outputs-${topic}`}>
              <p className="text-xs font-semibold uppercase text-slate-500">
                → {topic} ({outs.length})
              </p>
              {outs.map((o, j) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: outputs are ordered and have no identity
                <div key={j} className="border-l-2 border-indigo-200 pl-2" data-testid="test-run-output">
                  <p className="text-xs">
                    key: <code>{bytesText(o.key)}</code>
                    {o.keySchema ? <SchemaNote s={o.keySchema} /> : null}
                  </p>
                  {o.valueSchema ? (
                    <p className="text-xs">
                      value <SchemaNote s={o.valueSchema} />
                    </p>
                  ) : null}
                  <Bytes b={o.value} />
                  <Headers headers={o.headers} />
                </div>
              ))}
            </div>
          ))
        )}
        {r.logs.length ? (
          <div>
            <p className="text-xs font-semibold uppercase text-slate-500">Logs</p>
            <pre className="overflow-x-auto whitespace-pre-wrap text-xs" data-testid="test-run-logs">
              {r.logs.map((l) => `[${l.level}] ${l.message}`).join('\n')}
            </pre>
          </div>
        ) : null}
      </div>
    </li>
  );
}
