'use client';
/**
 * Environment values (plain, visible) and secrets (write-only: an existing one shows "set", never its value, and
 * can be replaced or removed). Both reach the function as ctx.env.NAME.
 */
import { Button } from '../../../components/ui/button.tsx';
import { Input } from '../../../components/ui/input.tsx';

export const ENV_NAME_PATTERN = /^[A-Z_][A-Z0-9_]{0,63}$/;
/** Environment values, and secrets, per processor (each). */
export const MAX_ENV_ENTRIES = 50;

export interface EnvRow {
  name: string;
  value: string;
}

/** A secret row: `stored` ones exist on the server (value never known here). */
export interface SecretRow {
  name: string;
  stored: boolean;
  action: 'keep' | 'replace' | 'remove';
  value: string;
}

export function envErrors(env: EnvRow[], secrets: SecretRow[]): string[] {
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const r of [...env, ...secrets]) {
    if (!r.name && !r.value) continue;
    if (!ENV_NAME_PATTERN.test(r.name))
      errors.push(
        `"${r.name}" is not a valid name: upper-case letters, digits and _, not starting with a digit, at most 64.`,
      );
    else if (seen.has(r.name)) errors.push(`${r.name} is given twice.`);
    seen.add(r.name);
  }
  for (const s of secrets)
    if (s.name && (!s.stored || s.action === 'replace') && s.value === '')
      errors.push(`Give the secret ${s.name} a value.`);
  if (env.length > MAX_ENV_ENTRIES || secrets.length > MAX_ENV_ENTRIES)
    errors.push(`At most ${MAX_ENV_ENTRIES} values and ${MAX_ENV_ENTRIES} secrets.`);
  return errors;
}

export function envBody(env: EnvRow[]): Record<string, string> {
  return Object.fromEntries(env.filter((r) => r.name).map((r) => [r.name, r.value]));
}

/** New and replaced secrets with their value, removed ones as null; kept ones are omitted (the server keeps them). */
export function secretsBody(secrets: SecretRow[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const s of secrets) {
    if (!s.name) continue;
    if (s.stored && s.action === 'remove') out[s.name] = null;
    else if (!s.stored || s.action === 'replace') out[s.name] = s.value;
  }
  return out;
}

export function EnvEditor({
  rows,
  onChange,
  readOnly,
}: {
  rows: EnvRow[];
  onChange: (r: EnvRow[]) => void;
  readOnly?: boolean;
}) {
  const set = (i: number, patch: Partial<EnvRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium text-slate-700">Environment values</legend>
      <p className="text-xs text-slate-500">Visible to tenant members; the function reads them as ctx.env.NAME.</p>
      {rows.map((r, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position while editing
        <div key={i} className="flex gap-2" data-testid="env-row">
          <Input
            aria-label="Environment value name"
            placeholder="NAME"
            className="w-48 font-mono"
            value={r.name}
            readOnly={readOnly}
            onChange={(e) => set(i, { name: e.target.value })}
          />
          <Input
            aria-label={`Value of ${r.name || 'the new value'}`}
            placeholder="value"
            value={r.value}
            readOnly={readOnly}
            onChange={(e) => set(i, { value: e.target.value })}
          />
          {readOnly ? null : (
            <Button
              variant="ghost"
              size="sm"
              aria-label={`Remove ${r.name || 'this value'}`}
              onClick={() => onChange(rows.filter((_, j) => j !== i))}
            >
              Remove
            </Button>
          )}
        </div>
      ))}
      {readOnly ? null : (
        <Button variant="secondary" size="sm" onClick={() => onChange([...rows, { name: '', value: '' }])}>
          Add value
        </Button>
      )}
    </fieldset>
  );
}

export function SecretsEditor({ rows, onChange }: { rows: SecretRow[]; onChange: (r: SecretRow[]) => void }) {
  const set = (i: number, patch: Partial<SecretRow>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium text-slate-700">Secrets</legend>
      <p className="text-xs text-slate-500">
        Stored encrypted and never shown again; the function reads them as ctx.env.NAME. A stored secret is kept unless
        you replace or remove it.
      </p>
      {rows.map((r, i) =>
        r.stored ? (
          <div key={r.name} className="flex flex-wrap items-center gap-2" data-testid={`secret-${r.name}`}>
            <code className="w-48 text-sm">{r.name}</code>
            {r.action === 'keep' ? (
              <>
                <span className="rounded bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800">set</span>
                <Button variant="ghost" size="sm" onClick={() => set(i, { action: 'replace', value: '' })}>
                  Replace
                </Button>
                <Button variant="ghost" size="sm" onClick={() => set(i, { action: 'remove' })}>
                  Remove
                </Button>
              </>
            ) : r.action === 'replace' ? (
              <>
                <Input
                  aria-label={`New value of ${r.name}`}
                  type="password"
                  autoComplete="new-password"
                  className="w-64"
                  value={r.value}
                  onChange={(e) => set(i, { value: e.target.value })}
                />
                <Button variant="ghost" size="sm" onClick={() => set(i, { action: 'keep', value: '' })}>
                  Keep the stored value
                </Button>
              </>
            ) : (
              <>
                <span className="text-xs text-red-700">removed at save</span>
                <Button variant="ghost" size="sm" onClick={() => set(i, { action: 'keep' })}>
                  Undo
                </Button>
              </>
            )}
          </div>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: new rows have no identity but their position while editing
          <div key={`new-${i}`} className="flex gap-2" data-testid="secret-row">
            <Input
              aria-label="Secret name"
              placeholder="NAME"
              className="w-48 font-mono"
              value={r.name}
              onChange={(e) => set(i, { name: e.target.value })}
            />
            <Input
              aria-label={`Secret value of ${r.name || 'the new secret'}`}
              type="password"
              autoComplete="new-password"
              placeholder="value"
              value={r.value}
              onChange={(e) => set(i, { value: e.target.value })}
            />
            <Button variant="ghost" size="sm" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
              Remove
            </Button>
          </div>
        ),
      )}
      <Button
        variant="secondary"
        size="sm"
        onClick={() => onChange([...rows, { name: '', value: '', stored: false, action: 'replace' }])}
      >
        Add secret
      </Button>
    </fieldset>
  );
}
