'use client';
/**
 * A number input with a unit picker (MiB, MB/s, days...) over a raw base value (bytes, bytes/s, ms). The parent keeps
 * the raw value as text ('' when empty); the raw figure is shown beside the input so nothing is hidden.
 */
import { useState } from 'react';
import {
  bestUnit,
  formatIn,
  formatRaw,
  parseQuantity,
  type QuantityKind,
  UNITS,
  UnitParseError,
} from '../../lib/units.ts';
import { cn } from './cn.ts';

/** What the component emits for text it cannot read: not a number, so the shared zod schema rejects it. */
export const INVALID_QUANTITY = 'invalid';

interface Draft {
  text: string;
  unit: string;
  /** The raw value this draft was emitted as (or loaded from); a different `value` prop means it came from outside. */
  raw: string;
  error: string | null;
}

function draftOf(raw: string, kind: QuantityKind): Draft {
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(n)) return { text: '', unit: (UNITS[kind][0] ?? { label: '' }).label, raw, error: null };
  const unit = bestUnit(n, kind);
  return { text: formatIn(n, unit), unit: unit.label, raw, error: null };
}

export function UnitInput({
  kind,
  value,
  onChange,
  id,
  name,
  placeholder,
  className,
  'aria-invalid': ariaInvalid,
  'aria-describedby': describedBy,
}: {
  kind: QuantityKind;
  value: string;
  onChange: (raw: string) => void;
  id?: string;
  name?: string;
  placeholder?: string;
  className?: string;
  'aria-invalid'?: boolean;
  'aria-describedby'?: string;
}) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(value, kind));
  const current = draft.raw === value ? draft : draftOf(value, kind);
  if (current !== draft) setDraft(current);

  const update = (text: string, unit: string) => {
    let raw: string;
    let error: string | null = null;
    try {
      const parsed = parseQuantity(text, kind, unit);
      raw = parsed === null ? '' : String(parsed);
    } catch (err) {
      if (!(err instanceof UnitParseError)) throw err;
      raw = INVALID_QUANTITY;
      error = err.message;
    }
    setDraft({ text, unit, raw, error });
    onChange(raw);
  };

  const rawNumber = Number(current.raw);
  const rawText = current.raw !== '' && Number.isFinite(rawNumber) ? `= ${formatRaw(rawNumber, kind)}` : '';
  const unitId = id ? `${id}-unit` : undefined;
  return (
    <div className={cn('space-y-1', className)}>
      <div className="flex gap-2">
        <input
          id={id}
          name={name}
          inputMode="decimal"
          placeholder={placeholder}
          aria-invalid={ariaInvalid || current.error !== null}
          aria-describedby={describedBy}
          className="block w-full min-w-0 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm shadow-sm focus:border-indigo-500 aria-[invalid=true]:border-red-500"
          value={current.text}
          onChange={(e) => update(e.target.value, current.unit)}
        />
        <select
          id={unitId}
          aria-label="unit"
          name={name ? `${name}-unit` : undefined}
          className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
          value={current.unit}
          onChange={(e) => update(current.text, e.target.value)}
        >
          {UNITS[kind].map((u) => (
            <option key={u.label} value={u.label}>
              {u.label}
            </option>
          ))}
        </select>
      </div>
      {current.error ? (
        <p role="alert" className="text-xs text-red-600">
          {current.error}
        </p>
      ) : (
        <p className="text-xs tabular-nums text-slate-500" data-testid="raw-value">
          {rawText}
        </p>
      )}
    </div>
  );
}
