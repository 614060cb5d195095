'use client';
/**
 * Registering a schema: a format, the schema text, "Check" (the registry's compatibility check under the subject's
 * level, with its reasons) and "Register", enabled only once the check passed for exactly this text and format.
 * With `subject` unset it asks for the subject's name too (a new subject).
 */
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Field, Select, Textarea, TextField } from '../../../components/ui/input.tsx';
import { ErrorState } from '../../../components/ui/states.tsx';
import { api, fieldErrors } from '../../../lib/api-client.ts';
import { type CompatibilityResultView, type RegisteredView, SCHEMA_TYPES } from '../schemas.ts';

type SchemaType = (typeof SCHEMA_TYPES)[number];
const TYPE_LABELS: Record<SchemaType, string> = { AVRO: 'Avro', PROTOBUF: 'Protobuf', JSON: 'JSON Schema' };

function CheckOutcome({ result }: { result: CompatibilityResultView }) {
  const against = result.checkedAgainst.length
    ? `version ${result.checkedAgainst.join(', ')}`
    : 'no earlier version (a new subject, or the level checks none)';
  if (result.compatible) {
    return (
      <p role="status" className="rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">
        Compatible with {against} under {result.compatibility}. You can register it.
      </p>
    );
  }
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-3 text-sm text-red-900">
      <p className="font-medium">
        Incompatible with {against} under {result.compatibility}: registering it would be refused.
      </p>
      <ul className="mt-1 list-disc pl-5">
        {result.messages.map((m) => (
          <li key={m}>{m}</li>
        ))}
      </ul>
    </div>
  );
}

export function RegisterForm({
  tenant,
  subject: fixedSubject,
  initialType = 'AVRO',
  initialSchema = '',
  onRegistered,
}: {
  tenant: string;
  subject?: string;
  initialType?: SchemaType;
  initialSchema?: string;
  onRegistered: (r: RegisteredView) => void;
}) {
  const [subject, setSubject] = useState(fixedSubject ?? '');
  const [schemaType, setSchemaType] = useState<SchemaType>(initialType);
  const [schema, setSchema] = useState(initialSchema);
  const target = fixedSubject ?? subject.trim();
  const path = `/tenants/${tenant}/schemas/${encodeURIComponent(target)}`;
  const check = useMutation({
    mutationFn: (input: { subject: string; schema: string; schemaType: SchemaType }) =>
      api<CompatibilityResultView>(`/tenants/${tenant}/schemas/${encodeURIComponent(input.subject)}/check`, {
        method: 'POST',
        body: { schema: input.schema, schemaType: input.schemaType },
      }),
  });
  const register = useMutation({
    mutationFn: () => api<RegisteredView>(`${path}/versions`, { method: 'POST', body: { schema, schemaType } }),
    onSuccess: (r) => {
      check.reset();
      onRegistered(r);
    },
  });
  // The check speaks for the text, format and subject it was run on: any edit asks for a new one.
  const v = check.variables;
  const current = Boolean(v && v.schema === schema && v.schemaType === schemaType && v.subject === target);
  const canRegister = current && check.data?.compatible === true && !register.isPending;
  const fe = { ...fieldErrors(check.error), ...fieldErrors(register.error) };
  return (
    <form
      className="space-y-3"
      aria-label={fixedSubject ? `Register a new version of ${fixedSubject}` : 'Register a new subject'}
      onSubmit={(e) => {
        e.preventDefault();
        if (canRegister) register.mutate();
      }}
    >
      {fixedSubject ? null : (
        <TextField
          label="Subject"
          hint="By TopicNameStrategy: <topic>-value or <topic>-key"
          value={subject}
          onValue={setSubject}
          error={fe.subject}
          required
        />
      )}
      <Field label="Format" error={fe.schemaType}>
        {(p) => (
          <Select
            {...p}
            className="max-w-xs"
            value={schemaType}
            onChange={(e) => setSchemaType(e.target.value as SchemaType)}
          >
            {SCHEMA_TYPES.map((t) => (
              <option key={t} value={t}>
                {TYPE_LABELS[t]}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <Field
        label="Schema"
        error={fe.schema}
        hint="Check runs the registry's compatibility check; Register is enabled once it passes"
      >
        {(p) => (
          <Textarea {...p} rows={14} spellCheck={false} value={schema} onChange={(e) => setSchema(e.target.value)} />
        )}
      </Field>
      {current && check.data ? <CheckOutcome result={check.data} /> : null}
      {check.error && Object.keys(fieldErrors(check.error)).length === 0 ? <ErrorState error={check.error} /> : null}
      {register.error ? <ErrorState error={register.error} /> : null}
      <div className="flex gap-2">
        <Button
          variant="secondary"
          disabled={!schema.trim() || !target || check.isPending}
          onClick={() => {
            register.reset();
            check.mutate({ subject: target, schema, schemaType });
          }}
        >
          {check.isPending ? 'Checking…' : 'Check'}
        </Button>
        <Button type="submit" disabled={!canRegister}>
          {register.isPending ? 'Registering…' : 'Register'}
        </Button>
      </div>
    </form>
  );
}
