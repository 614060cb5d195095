/** Human units for the overview pages, with the raw figure for a title or a second line. */
import { formatBytes } from '../../../lib/api-client.ts';

export function formatRate(bytesPerSec: number | null | undefined): string {
  return bytesPerSec === null || bytesPerSec === undefined ? '—' : `${formatBytes(Math.round(bytesPerSec))}/s`;
}

export function formatPerSec(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return `${n >= 100 ? Math.round(n).toLocaleString('en-US') : (Math.round(n * 10) / 10).toLocaleString('en-US')}/s`;
}

/** A quota figure in human units (bytes, bytes per second or a count). */
export function formatQuantity(value: number | null, unit: 'bytes' | 'bytesPerSec' | 'count'): string {
  if (value === null) return '—';
  if (unit === 'bytes') return formatBytes(value);
  if (unit === 'bytesPerSec') return formatRate(value);
  return Math.round(value).toLocaleString('en-US');
}

/** The raw value shown beside a human one: `1,048,576 B`. */
export function rawQuantity(value: number | null, unit: 'bytes' | 'bytesPerSec' | 'count'): string {
  if (value === null) return '';
  const n = Math.round(value).toLocaleString('en-US');
  return unit === 'bytes' ? `${n} B` : unit === 'bytesPerSec' ? `${n} B/s` : n;
}
