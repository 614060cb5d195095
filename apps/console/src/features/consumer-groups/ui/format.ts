/** Number, duration and time formats of the consumer-group pages. */
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-US');
}

/** `null` is unknown (fewer than two samples yet). */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const s = ms / 1000;
  if (s < 10) return `${Math.round(s * 10) / 10} s`;
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 6) / 10} min`;
  if (s < 86_400) return `${Math.round(s / 360) / 10} h`;
  return `${Math.round(s / 8640) / 10} d`;
}

/** Like formatDuration, but under a second in ms (a 1 ms timeout is not "0 s"). */
export function formatShortDuration(ms: number | null | undefined): string {
  return ms !== null && ms !== undefined && ms < 1_000 ? `${ms} ms` : formatDuration(ms);
}

export function formatTime(ms: number, withDate = false): string {
  const d = new Date(ms);
  return withDate
    ? d.toLocaleString('en-GB', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
    : d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
