/**
 * Bounds test deliveries per tenant: the test button sends a request from inside the operator's network on
 * demand, so it must not become a fast probe even towards allowed destinations. A sliding window per tenant
 * (`maxPerWindow` sends per `windowMs`, default 5 per minute, SAMSA_WEBHOOK_TEST_SENDS_PER_MINUTE); memory is
 * bounded by `maxTenants` windows.
 */
import { z } from 'zod';

export interface TestSendLimitOptions {
  maxPerWindow: number;
  windowMs: number;
  /** Windows kept at most; when full, expired ones are dropped, then the oldest. */
  maxTenants?: number;
}

export type TestSendDecision = { ok: true } | { ok: false; retryAfterMs: number };

export class TestSendLimiter {
  readonly maxPerWindow: number;
  readonly windowMs: number;
  private readonly maxTenants: number;
  private readonly sends = new Map<string, number[]>();

  constructor(options: TestSendLimitOptions) {
    this.maxPerWindow = options.maxPerWindow;
    this.windowMs = options.windowMs;
    this.maxTenants = options.maxTenants ?? 10_000;
  }

  /** Counts one send for `key` if the window has room. */
  take(key: string, nowMs: number): TestSendDecision {
    const recent = (this.sends.get(key) ?? []).filter((t) => nowMs - t < this.windowMs);
    if (recent.length >= this.maxPerWindow) {
      this.sends.set(key, recent);
      return { ok: false, retryAfterMs: this.windowMs - (nowMs - recent[0]) };
    }
    recent.push(nowMs);
    this.sends.delete(key);
    if (this.sends.size >= this.maxTenants) this.evict(nowMs);
    this.sends.set(key, recent);
    return { ok: true };
  }

  private evict(nowMs: number): void {
    for (const [k, times] of this.sends) if (times.every((t) => nowMs - t >= this.windowMs)) this.sends.delete(k);
    // Still full: drop the least recently used (Map order is insertion order, and `take` re-inserts).
    while (this.sends.size >= this.maxTenants) {
      const oldest = this.sends.keys().next().value;
      if (oldest === undefined) break;
      this.sends.delete(oldest);
    }
  }
}

export const TestSendLimitEnvSchema = z.object({
  SAMSA_WEBHOOK_TEST_SENDS_PER_MINUTE: z.coerce.number().int().min(1).max(1000).default(5),
});
