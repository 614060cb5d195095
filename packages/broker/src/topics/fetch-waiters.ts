/**
 * Long-poll support for Fetch: a waiter parks on a set of partitions and is woken the moment any of them gets an
 * append, or when its own deadline passes. No timers poll the log.
 */

interface Waiter {
  keys: string[];
  wake: () => void;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class FetchWaiters {
  private readonly byKey = new Map<string, Set<Waiter>>();
  /** Bound on parked fetches; past it, fetches answer at once with what they have. */
  private readonly maxWaiters: number;
  private count = 0;

  constructor(maxWaiters = 100_000) {
    this.maxWaiters = maxWaiters;
  }

  get size(): number {
    return this.count;
  }

  /** Resolves true when woken by an append, false on timeout or abort. */
  wait(keys: string[], timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (timeoutMs <= 0 || keys.length === 0 || this.count >= this.maxWaiters || signal?.aborted) {
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      let settled = false;
      const finish = (woken: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.count--;
        for (const k of keys) {
          const set = this.byKey.get(k);
          if (!set) continue;
          set.delete(waiter);
          if (set.size === 0) this.byKey.delete(k);
        }
        resolve(woken);
      };
      const waiter: Waiter = { keys, wake: () => finish(true) };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.count++;
      for (const k of keys) {
        let set = this.byKey.get(k);
        if (!set) {
          set = new Set();
          this.byKey.set(k, set);
        }
        set.add(waiter);
      }
    });
  }

  /** Wakes every parked fetch (shutdown: they answer with what they have). */
  wakeAll(): void {
    for (const set of [...this.byKey.values()]) for (const w of [...set]) w.wake();
  }

  notify(topic: string, partition: number): void {
    const set = this.byKey.get(partitionKey(topic, partition));
    if (!set) return;
    for (const w of [...set]) w.wake();
  }
}
