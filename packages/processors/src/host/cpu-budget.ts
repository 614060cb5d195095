/**
 * A tenant's CPU budget on this host: a token bucket of milliseconds refilled at the tenant's processorCpuMsPerSec,
 * holding at most one second's worth. Tasks charge what their sandboxes used and wait while it is overdrawn, so a
 * tenant over its budget is held back (THROTTLED) and never takes CPU time from another tenant's tasks.
 */
export class CpuBudget {
  #msPerSec: number;
  #tokensMs: number;
  #lastRefillMs = Date.now();
  #throttledUntilMs = 0;

  constructor(msPerSec: number) {
    this.#msPerSec = msPerSec;
    this.#tokensMs = msPerSec;
  }

  get msPerSec(): number {
    return this.#msPerSec;
  }

  setRate(msPerSec: number): void {
    this.#refill();
    this.#msPerSec = msPerSec;
    this.#tokensMs = Math.min(this.#tokensMs, msPerSec);
  }

  charge(cpuMs: number): void {
    this.#refill();
    this.#tokensMs -= cpuMs;
  }

  /** True when a task waited for the budget within the last `windowMs`. */
  throttledWithin(windowMs: number): boolean {
    return Date.now() - this.#throttledUntilMs < windowMs;
  }

  /** Resolves once the budget is not overdrawn (at once when it is not), or when `stopped()` turns true. */
  async waitForRoom(stopped: () => boolean): Promise<void> {
    this.#refill();
    while (this.#tokensMs < 0 && !stopped()) {
      const waitMs = Math.min(1_000, Math.ceil((-this.#tokensMs / this.#msPerSec) * 1_000));
      this.#throttledUntilMs = Date.now() + waitMs;
      await new Promise((r) => setTimeout(r, Math.max(1, waitMs)));
      this.#refill();
    }
  }

  #refill(): void {
    const now = Date.now();
    this.#tokensMs = Math.min(this.#msPerSec, this.#tokensMs + ((now - this.#lastRefillMs) * this.#msPerSec) / 1_000);
    this.#lastRefillMs = now;
  }
}
