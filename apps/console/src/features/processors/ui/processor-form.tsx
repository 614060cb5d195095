'use client';
/**
 * New processor and edit (= a new version): the function in a code editor (JavaScript or TypeScript), the input
 * and output topics picked from the tenant's topics, the start position (every deploy may choose one), delivery,
 * error policy with retries, environment values and write-only secrets; the test-run panel runs the code in the
 * editor before anything is deployed.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Field, Input, Select } from '../../../components/ui/input.tsx';
import { ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { UnitInput } from '../../../components/ui/unit-input.tsx';
import { api, fieldErrors } from '../../../lib/api-client.ts';
import { formatHuman } from '../../../lib/units.ts';
import { CodeEditor } from './code-editor.tsx';
import {
  EnvEditor,
  type EnvRow,
  envBody,
  envErrors,
  SecretsEditor,
  type SecretRow,
  secretsBody,
} from './env-fields.tsx';
import { enumText } from './format.ts';
import { type StartPositionDraft, StartPositionFields, startDraft, startPositionOf } from './start-position-fields.tsx';
import { TestRunPanel } from './test-run-panel.tsx';
import { useCanManage } from './use-tenant-role.ts';
import type {
  DeliveryName,
  ErrorPolicyName,
  LanguageName,
  ProcessorDetailView,
  ProcessorVersionView,
} from './view-types.ts';

const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
const MAX_RETRIES = 100;
const MAX_RETRY_BACKOFF_MS = 60_000;

export const EXAMPLE_SOURCE = `// Runs once per input record. Return null to drop it, one output or a list.
// Schema registry records arrive decoded: record.valueDecoded, record.valueSchema { subject, version, id, type }.
// To write one: return { value: { ... }, valueSchema: { subject: 'orders-enriched-value' } }.
export default function process(record, ctx) {
  const order = JSON.parse(record.value);
  ctx.log('order', order.id);
  return { value: { ...order, processed: true } };
}
`;

interface Draft {
  name: string;
  language: LanguageName;
  source: string;
  input: string;
  outputs: string[];
  start: StartPositionDraft;
  delivery: DeliveryName;
  onError: ErrorPolicyName;
  retries: string;
  retryBackoffMs: string;
  dlqTopic: string;
  env: EnvRow[];
  secrets: SecretRow[];
  comment: string;
}

function newDraft(): Draft {
  return {
    name: '',
    language: 'javascript',
    source: EXAMPLE_SOURCE,
    input: '',
    outputs: [],
    start: startDraft('earliest'),
    delivery: 'at-least-once',
    onError: 'dlq',
    retries: '3',
    retryBackoffMs: '100',
    dlqTopic: '',
    env: [],
    secrets: [],
    comment: '',
  };
}

function draftFrom(name: string, v: ProcessorVersionView, dlqTopic: string | null): Draft {
  return {
    name,
    language: enumText(v.language) === 'typescript' ? 'typescript' : 'javascript',
    source: v.source,
    input: v.inputTopic,
    outputs: v.outputTopics,
    start: startDraft('committed'),
    delivery: v.settings.delivery === 'exactly-once' ? 'exactly-once' : 'at-least-once',
    onError: (enumText(v.settings.onError) as ErrorPolicyName) || 'dlq',
    retries: String(v.settings.retries),
    retryBackoffMs: String(v.settings.retryBackoffMs),
    dlqTopic: v.dlqTopic ?? dlqTopic ?? '',
    env: Object.entries(v.env).map(([n, value]) => ({ name: n, value })),
    secrets: v.secretNames.map((n) => ({ name: n, stored: true, action: 'keep', value: '' })),
    comment: '',
  };
}

/** Checks a user can fix before anything is sent; field name → messages, as the server reports them. */
export function validateDraft(d: Draft, isNew: boolean): Record<string, string[]> {
  const e: Record<string, string[]> = {};
  const add = (k: string, m: string) => {
    e[k] = [...(e[k] ?? []), m];
  };
  if (isNew && !NAME_PATTERN.test(d.name))
    add('name', 'Lower-case letters, digits and dashes, starting with a letter or digit, at most 63 characters.');
  if (!d.source.trim()) add('source', 'Write the function: export default function process(record, ctx) { … }');
  if (!d.input) add('input', 'Choose the topic the processor reads.');
  if (d.outputs.length === 0) add('outputs', 'Choose at least one output topic.');
  if (d.input && d.outputs.includes(d.input)) add('outputs', 'The input topic cannot also be an output.');
  if (d.onError === 'dlq' && d.dlqTopic && (d.dlqTopic === d.input || d.outputs.includes(d.dlqTopic)))
    add('dlqTopic', 'The dead-letter topic must differ from the input and the outputs.');
  const start = startPositionOf(d.start);
  if (!start.ok) add('from', start.message);
  const retries = Number(d.retries);
  if (!Number.isInteger(retries) || retries < 0 || retries > MAX_RETRIES) add('retries', `0 to ${MAX_RETRIES}.`);
  const backoff = Number(d.retryBackoffMs);
  if (!Number.isInteger(backoff) || backoff < 0 || backoff > MAX_RETRY_BACKOFF_MS)
    add('retryBackoffMs', `0 to ${MAX_RETRY_BACKOFF_MS} ms.`);
  for (const m of envErrors(d.env, d.secrets)) add('env', m);
  return e;
}

export function ProcessorForm({ tenant, name }: { tenant: string; name?: string }) {
  const base = `/tenants/${tenant}/processors`;
  const detail = useQuery({
    queryKey: ['processor', tenant, name],
    queryFn: () => api<ProcessorDetailView>(`${base}/${encodeURIComponent(name ?? '')}`),
    enabled: name !== undefined,
  });
  if (name !== undefined) {
    if (detail.isPending) return <Loading what="processor" />;
    if (detail.error) return <ErrorState error={detail.error} />;
    return (
      <FormBody tenant={tenant} initial={draftFrom(name, detail.data.version, detail.data.dlqTopic)} isNew={false} />
    );
  }
  return <FormBody tenant={tenant} initial={newDraft()} isNew />;
}

function FormBody({ tenant, initial, isNew }: { tenant: string; initial: Draft; isNew: boolean }) {
  const router = useRouter();
  const qc = useQueryClient();
  const canManage = useCanManage(tenant);
  const [d, setD] = useState<Draft>(initial);
  // After the first attempt to deploy, the checks follow every edit, so a fixed field loses its message at once.
  const [attempted, setAttempted] = useState(false);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((prev) => ({ ...prev, [k]: v }));
  const topics = useQuery({
    queryKey: ['topics', tenant],
    queryFn: () => api<{ topics: { name: string }[] }>(`/tenants/${tenant}/topics`),
  });
  const topicNames = (topics.data?.topics ?? []).map((t) => t.name).filter((t) => !t.startsWith('__'));
  const base = `/tenants/${tenant}/processors`;
  const save = useMutation({
    mutationFn: () => {
      const start = startPositionOf(d.start);
      const body = {
        ...(isNew ? { name: d.name } : {}),
        input: d.input,
        outputs: d.outputs,
        source: d.source,
        language: d.language,
        ...(start.ok ? { from: start.value } : {}),
        delivery: d.delivery,
        onError: d.onError,
        retries: Number(d.retries),
        retryBackoffMs: Number(d.retryBackoffMs),
        ...(d.onError === 'dlq' && d.dlqTopic ? { dlqTopic: d.dlqTopic } : {}),
        env: envBody(d.env),
        secrets: secretsBody(d.secrets),
        ...(d.comment ? { comment: d.comment } : {}),
      };
      return isNew
        ? api(base, { method: 'POST', body })
        : api(`${base}/${encodeURIComponent(d.name)}`, { method: 'PUT', body });
    },
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['processors', tenant] });
      qc.invalidateQueries({ queryKey: ['processor', tenant, d.name] });
      router.push(`/t/${tenant}/processors/${encodeURIComponent(d.name)}`);
    },
  });
  const localErrors = attempted ? validateDraft(d, isNew) : {};
  const fe = { ...fieldErrors(save.error), ...localErrors };
  const submit = () => {
    setAttempted(true);
    if (Object.keys(validateDraft(d, isNew)).length === 0) save.mutate();
  };
  return (
    <section className="space-y-6">
      <PageHeader title={isNew ? `New processor · ${tenant}` : `Edit ${d.name} (deploys a new version)`}>
        <Link
          className="text-sm text-indigo-700 hover:underline"
          href={isNew ? `/t/${tenant}/processors` : `/t/${tenant}/processors/${encodeURIComponent(d.name)}`}
        >
          Cancel
        </Link>
      </PageHeader>
      {canManage === false ? (
        <p role="status" className="rounded-md bg-amber-50 p-3 text-sm text-amber-800">
          Only tenant admins deploy processors; you can write and test-run code here, but not deploy it.
        </p>
      ) : null}
      <form
        noValidate
        aria-label="Processor"
        className="space-y-4 rounded-lg border border-slate-200 bg-white p-4"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <div className="grid gap-3 sm:grid-cols-3">
          {isNew ? (
            <Field label="Name" error={fe.name} hint="Lower-case letters, digits and dashes">
              {(p) => <Input {...p} name="name" value={d.name} onChange={(e) => set('name', e.target.value)} />}
            </Field>
          ) : null}
          <Field label="Language" error={fe.language}>
            {(p) => (
              <Select
                {...p}
                name="language"
                value={d.language}
                onChange={(e) => set('language', e.target.value as LanguageName)}
              >
                <option value="javascript">JavaScript</option>
                <option value="typescript">TypeScript (types are stripped at deploy)</option>
              </Select>
            )}
          </Field>
        </div>
        <Field
          label="Function"
          error={fe.source}
          hint="export default function process(record, ctx): record.key, value, headers, timestamp, topic, partition, offset, valueDecoded and valueSchema (schema registry records); ctx.log, ctx.env"
        >
          {(p) => <CodeEditor {...p} value={d.source} onChange={(v) => set('source', v)} />}
        </Field>
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Input topic" error={fe.input}>
            {(p) => (
              <Select {...p} name="input" value={d.input} onChange={(e) => set('input', e.target.value)}>
                <option value="">{topics.isPending ? 'Loading topics…' : 'Choose a topic…'}</option>
                {topicNames.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <fieldset className="space-y-1" aria-describedby={fe.outputs ? 'outputs-err' : undefined}>
            <legend className="text-sm font-medium text-slate-700">Output topics (the first is the default)</legend>
            <div className="flex max-h-40 flex-wrap gap-x-4 gap-y-1 overflow-y-auto rounded-md border border-slate-200 p-2">
              {topicNames.length === 0 ? (
                <span className="text-xs text-slate-500">No topics yet: create them first.</span>
              ) : null}
              {topicNames.map((t) => (
                <label key={t} className="flex items-center gap-1 text-sm">
                  <input
                    type="checkbox"
                    name="outputs"
                    value={t}
                    checked={d.outputs.includes(t)}
                    onChange={(e) =>
                      set('outputs', e.target.checked ? [...d.outputs, t] : d.outputs.filter((o) => o !== t))
                    }
                  />
                  {t}
                  {d.outputs[0] === t ? <span className="text-xs text-slate-500">(default)</span> : null}
                </label>
              ))}
            </div>
            {fe.outputs ? (
              <p id="outputs-err" role="alert" className="text-xs text-red-600">
                {fe.outputs.join('; ')}
              </p>
            ) : null}
          </fieldset>
        </div>
        <StartPositionFields
          value={d.start}
          onChange={(v) => set('start', v)}
          allowCommitted={!isNew}
          error={fe.from}
        />
        <div className="grid gap-3 sm:grid-cols-4">
          <Field label="Delivery" error={fe.delivery}>
            {(p) => (
              <Select
                {...p}
                name="delivery"
                value={d.delivery}
                onChange={(e) => set('delivery', e.target.value as DeliveryName)}
              >
                <option value="at-least-once">at-least-once</option>
                <option value="exactly-once">exactly-once</option>
              </Select>
            )}
          </Field>
          <Field label="When a record fails" error={fe.onError}>
            {(p) => (
              <Select
                {...p}
                name="onError"
                value={d.onError}
                onChange={(e) => set('onError', e.target.value as ErrorPolicyName)}
              >
                <option value="dlq">retry, then send it to the dead-letter topic</option>
                <option value="skip">retry, then skip it</option>
                <option value="stop">retry, then stop the processor</option>
              </Select>
            )}
          </Field>
          <Field label="Retries" error={fe.retries}>
            {(p) => (
              <Input
                {...p}
                name="retries"
                type="number"
                min={0}
                max={MAX_RETRIES}
                value={d.retries}
                onChange={(e) => set('retries', e.target.value)}
              />
            )}
          </Field>
          <Field
            label="Retry backoff"
            error={fe.retryBackoffMs}
            hint={`At most ${formatHuman(MAX_RETRY_BACKOFF_MS, 'ms')}`}
          >
            {(p) => (
              <UnitInput
                {...p}
                kind="ms"
                name="retryBackoffMs"
                value={d.retryBackoffMs}
                onChange={(raw) => set('retryBackoffMs', raw)}
              />
            )}
          </Field>
        </div>
        {d.onError === 'dlq' ? (
          <Field
            label="Dead-letter topic"
            error={fe.dlqTopic}
            hint={`Created when missing; default ${d.name || '<name>'}-dlq`}
          >
            {(p) => (
              <Input
                {...p}
                name="dlqTopic"
                placeholder={`${d.name || '<name>'}-dlq`}
                value={d.dlqTopic}
                onChange={(e) => set('dlqTopic', e.target.value)}
              />
            )}
          </Field>
        ) : null}
        <div className="grid gap-6 lg:grid-cols-2">
          <EnvEditor rows={d.env} onChange={(v) => set('env', v)} />
          <SecretsEditor rows={d.secrets} onChange={(v) => set('secrets', v)} />
        </div>
        {fe.env ? (
          <p role="alert" className="text-xs text-red-600">
            {fe.env.join(' ')}
          </p>
        ) : null}
        <Field label="Comment for this version" error={fe.comment}>
          {(p) => (
            <Input
              {...p}
              name="comment"
              maxLength={500}
              value={d.comment}
              onChange={(e) => set('comment', e.target.value)}
            />
          )}
        </Field>
        {Object.keys(localErrors).length ? (
          <p role="alert" className="text-sm text-red-700">
            Fix the fields marked above before deploying.
          </p>
        ) : null}
        {save.error && !Object.keys(fieldErrors(save.error)).length ? <ErrorState error={save.error} /> : null}
        <Button type="submit" disabled={save.isPending || !canManage}>
          {isNew ? 'Deploy processor' : 'Deploy new version'}
        </Button>
      </form>
      <TestRunPanel
        tenant={tenant}
        name={d.name}
        draft={{ source: d.source, language: d.language, outputs: d.outputs, env: envBody(d.env), input: d.input }}
      />
    </section>
  );
}
