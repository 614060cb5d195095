/**
 * Failed sign-in accounting with exponential backoff, per account and per client address. After `freeFailures`
 * failures a key waits `baseDelayMs * 2^(extra failures)` (capped at `maxDelayMs`) before its next attempt; a success
 * or `windowMs` without failures forgets it. Attempts made while a key waits are refused without being counted, so
 * nobody can push an account's wait beyond `maxDelayMs`: a stranger can slow an account down, never lock it for good.
 *
 * The table is bounded (`maxKeys`). When full, expired entries go first, then the entry with the fewest failures
 * (oldest first): flooding it with fresh addresses or made-up emails (one failure each) evicts those, never the
 * entries that are actually backing off, so the flood cannot reset them.
 */
import { isIP } from 'node:net';

export interface BackoffOptions {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  windowMs: number;
  maxKeys: number;
}

interface Entry {
  failures: number;
  lastFailureMs: number;
  blockedUntilMs: number;
}

export class LoginBackoff {
  readonly options: BackoffOptions;
  private readonly entries = new Map<string, Entry>();
  evictions = 0;

  constructor(options: BackoffOptions) {
    this.options = options;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Milliseconds the key must still wait (0: may try now). */
  waitMs(key: string, nowMs: number): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    if (this.expired(e, nowMs)) {
      this.entries.delete(key);
      return 0;
    }
    return Math.max(0, e.blockedUntilMs - nowMs);
  }

  recordFailure(key: string, nowMs: number): Entry {
    let e = this.entries.get(key);
    if (e && this.expired(e, nowMs)) {
      this.entries.delete(key);
      e = undefined;
    }
    if (!e) {
      if (this.entries.size >= this.options.maxKeys) this.evictOne(nowMs);
      e = { failures: 0, lastFailureMs: nowMs, blockedUntilMs: 0 };
      this.entries.set(key, e);
    }
    e.failures++;
    e.lastFailureMs = nowMs;
    const over = e.failures - this.options.freeFailures;
    if (over > 0) {
      const delay = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** Math.min(over - 1, 40));
      e.blockedUntilMs = nowMs + delay;
    }
    return e;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  private expired(e: Entry, nowMs: number): boolean {
    return nowMs - e.lastFailureMs > this.options.windowMs && nowMs >= e.blockedUntilMs;
  }

  private evictOne(nowMs: number): void {
    let victim: string | undefined;
    let victimEntry: Entry | undefined;
    for (const [k, e] of this.entries) {
      if (this.expired(e, nowMs)) {
        victim = k;
        break;
      }
      if (
        !victimEntry ||
        e.failures < victimEntry.failures ||
        (e.failures === victimEntry.failures && e.lastFailureMs < victimEntry.lastFailureMs)
      ) {
        victim = k;
        victimEntry = e;
      }
    }
    if (victim !== undefined) {
      this.entries.delete(victim);
      this.evictions++;
    }
  }
}

/** The rate-limit key of an address: IPv4 as is, IPv6 by its /64 (one host gets a whole /64 for free). */
export function addressBucket(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g || '0', 16).toString(16))
    .join(':')}::/64`;
}
