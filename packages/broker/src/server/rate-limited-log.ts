/**
 * RateLimitedLog: a warning per kind of event at most once per interval, with how many were suppressed since, so a
 * flood of refused connections or bad scrapes leaves a readable log instead of filling the disk.
 */
import type { Logger } from 'pino';

export class RateLimitedLog {
  private readonly log: Logger;
  private readonly intervalMs: number;
  private readonly last = new Map<string, { atMs: number; suppressed: number }>();

  constructor(log: Logger, intervalMs = 1_000) {
    this.log = log;
    this.intervalMs = intervalMs;
  }

  warn(kind: string, fields: Record<string, unknown>, message: string): void {
    const nowMs = Date.now();
    const entry = this.last.get(kind);
    if (entry && nowMs - entry.atMs < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    this.log.warn({ ...fields, suppressedSinceLast: entry?.suppressed ?? 0 }, message);
    this.last.set(kind, { atMs: nowMs, suppressed: 0 });
  }
}
