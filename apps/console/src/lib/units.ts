/**
 * Human units for form inputs: a quantity kind (bytes, bytes per second, milliseconds) has a list of units, each a
 * factor of the raw base value. `parseQuantity` turns "1.5" + "GiB" into 1610612736; `bestUnit` picks the largest
 * unit that shows a raw value as a whole or short number; `formatRaw` gives the raw figure shown beside the input.
 */
export type QuantityKind = 'bytes' | 'bytesPerSec' | 'ms';

export interface Unit {
  label: string;
  factor: number;
}

const KIB = 1024;
export const UNITS: Record<QuantityKind, readonly Unit[]> = {
  bytes: [
    { label: 'B', factor: 1 },
    { label: 'KiB', factor: KIB },
    { label: 'MiB', factor: KIB ** 2 },
    { label: 'GiB', factor: KIB ** 3 },
    { label: 'TiB', factor: KIB ** 4 },
  ],
  bytesPerSec: [
    { label: 'B/s', factor: 1 },
    { label: 'KB/s', factor: 1_000 },
    { label: 'MB/s', factor: 1_000_000 },
    { label: 'GB/s', factor: 1_000_000_000 },
  ],
  ms: [
    { label: 'ms', factor: 1 },
    { label: 'seconds', factor: 1_000 },
    { label: 'minutes', factor: 60_000 },
    { label: 'hours', factor: 3_600_000 },
    { label: 'days', factor: 86_400_000 },
  ],
};

const RAW_SUFFIX: Record<QuantityKind, string> = { bytes: 'B', bytesPerSec: 'B/s', ms: 'ms' };

export class UnitParseError extends Error {
  override name = 'UnitParseError';
}

export function unitOf(kind: QuantityKind, label: string): Unit {
  const unit = UNITS[kind].find((u) => u.label === label);
  if (!unit) throw new UnitParseError(`Unknown unit "${label}" (one of ${UNITS[kind].map((u) => u.label).join(', ')})`);
  return unit;
}

/** "" → null (the field is empty); otherwise a whole, non-negative raw value; a clear error for anything else. */
export function parseQuantity(text: string, kind: QuantityKind, unitLabel: string): number | null {
  const trimmed = text.trim().replaceAll(',', '').replaceAll('_', '');
  if (trimmed === '') return null;
  if (!/^\d+(\.\d+)?$/.test(trimmed)) throw new UnitParseError(`"${text.trim()}" is not a non-negative number`);
  const raw = Math.round(Number(trimmed) * unitOf(kind, unitLabel).factor);
  if (!Number.isSafeInteger(raw)) throw new UnitParseError(`"${text.trim()} ${unitLabel}" is too large`);
  return raw;
}

/** The largest unit in which `raw` is at least 1 and has at most 3 decimals (so 1536 B shows as 1.5 KiB). */
export function bestUnit(raw: number, kind: QuantityKind): Unit {
  const units = UNITS[kind];
  let best = units[0] as Unit;
  for (const u of units) {
    const v = raw / u.factor;
    if (raw !== 0 && v >= 1 && Math.abs(Math.round(v * 1000) - v * 1000) < 1e-6) best = u;
  }
  return best;
}

/** A raw value as text in a unit, without trailing zeros: (1610612736, GiB) → "1.5". */
export function formatIn(raw: number, unit: Unit): string {
  return String(Math.round((raw / unit.factor) * 1000) / 1000);
}

/** The raw value shown beside the input: "1,610,612,736 B". */
export function formatRaw(raw: number, kind: QuantityKind): string {
  return `${raw.toLocaleString('en-US')} ${RAW_SUFFIX[kind]}`;
}

/** A raw value in its best unit: "1.5 GiB", "7 days". */
export function formatHuman(raw: number, kind: QuantityKind): string {
  const unit = bestUnit(raw, kind);
  return `${formatIn(raw, unit)} ${unit.label}`;
}
