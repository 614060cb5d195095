/** Display formats of the processor pages: states, rates, start positions (counts and durations reuse lag's). */
import type { StartPositionView } from './view-types.ts';

export { formatCount, formatDuration, formatTime } from '../../consumer-groups/ui/format.ts';

/** `RUNNING`, `running`, `AT_LEAST_ONCE`, `at-least-once` → `running`, `at-least-once`. */
export function enumText(v: string | null | undefined): string {
  return v ? v.toLowerCase().replaceAll('_', '-') : '—';
}

export function rateText(perSec: number | null | undefined): string {
  if (perSec === null || perSec === undefined) return '—';
  return `${perSec >= 100 ? Math.round(perSec).toLocaleString('en-US') : Math.round(perSec * 10) / 10}/s`;
}

export function msText(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return ms < 10 ? `${Math.round(ms * 100) / 100} ms` : `${Math.round(ms)} ms`;
}

export function percentText(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return '—';
  return `${Math.round(ratio * 1000) / 10} %`;
}

export function positionText(p: StartPositionView | null | undefined): string {
  if (!p) return '—';
  switch (p.kind) {
    case 'earliest':
      return 'earliest';
    case 'latest':
      return 'latest';
    case 'committed':
      return 'committed offsets';
    case 'timestamp':
      return `from ${new Date(p.timestampMs).toISOString()}`;
    case 'offset':
      return `from offset ${p.offset}`;
  }
}

export function dateText(at: string | number | null | undefined): string {
  if (at === null || at === undefined) return '—';
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? String(at) : d.toLocaleString('en-GB');
}
