/**
 * SharedQuota: a tenant's produce and fetch byte-rate quotas shared by several processes serving it at once (gateways
 * behind one bootstrap list), so a tenant with 10 MB/s gets about 10 MB/s in total, not 10 per process.
 *
 * Each instance (its own `instanceId`) throttles locally with a QuotaLimiter, on the request path, with no I/O: the
 * rate it enforces for a tenant is `quota × share`. Every `syncIntervalMs` it writes to Postgres the bytes it served
 * per tenant since the last sync and reads the other live instances' rates (SharedQuotaStore), off the request path,
 * one sync at a time. From those, per tenant and kind:
 *
 *   target = max(1 − othersBytesPerSec / quota, 1 / N)      N = 1 + other live instances serving that tenant and kind
 *   share  = 1                          when no other instance serves the tenant (the whole quota at once)
 *   share  = target                     when target ≤ previousShare (falls at once)
 *   share  = (previousShare + target) / 2   otherwise (rises half way)
 *
 * - `1 − others/quota` gives this instance what the others leave unused, so an idle or light instance does not hold
 *   bandwidth back from a busy one.
 * - The floor `1/N` is each instance's fair share when all are saturated: a newly busy instance gets it at once
 *   instead of waiting for the others to back off (a burst on one never starves another), and N floors never add up
 *   to more than the quota, unlike a fixed minimum share would with many instances.
 * - Every instance reacts to the others' rates of the previous window. Falling at once keeps the sum from staying
 *   over the quota (two saturated instances that start with the whole quota each drop to half at their first sync
 *   that sees the other); rising only half way damps the loop, where rising at once would let instances that all
 *   backed off grab the room together and swing between their floor and the whole quota.
 * - Clients still get QuotaLimiter's burst allowance (one second of their current rate) on each instance, so a
 *   client that was admitted at a higher rate runs over its new rate for a moment before its throttle grows.
 *
 * An instance that has not synced for `staleAfterIntervals` of its own sync intervals (by the database's clock) no
 * longer counts; `stop()` removes this instance at once. While Postgres is unreachable, each instance enforces
 * `quota / lastKnownInstanceCount` (the live instances, itself included, at the last sync that worked; 1 before any),
 * logged once when it starts and once when it ends. Per-tenant state is bounded (MAX_TENANTS, idle tenants dropped).
 * Units: bytes, bytes per second, milliseconds.
 *
 * Use: `const shared = new SharedQuota({ instanceId, databaseUrl, logger }); shared.start(); tenancy.sharedRates =
 * shared;` (Tenancy's byteRateThrottleMs then uses it for tenants' produce and fetch rates), `await shared.stop()` on
 * shutdown. Service-account rates and the request percentage stay per process.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { QuotaLimiter } from './quota-limiter.ts';
import {
  type OthersUsage,
  PgSharedQuotaStore,
  type SharedQuotaKind,
  type SharedQuotaStore,
  type SharedQuotaUsageRow,
} from './shared-quota-store.ts';

// The store's types and the Postgres store, for callers that bring their own pool or test double.
export * from './shared-quota-store.ts';

/** Tenants tracked by one instance; the least recently active is dropped first. */
export const MAX_TENANTS = 100_000;
/** A tenant with no local traffic for this long is forgotten (its share is recomputed when it comes back). */
const IDLE_TENANT_MS = 60_000;
/** How often stale rows are deleted, and how old they must be (at least). */
const PRUNE_EVERY_MS = 60_000;

export const sharedQuotaOptionsSchema = z.object({
  /** Unique per process and stable for its lifetime (e.g. the gateway's host:port or a random id per start). */
  instanceId: z.string().min(1).max(200),
  syncIntervalMs: z.number().int().min(100).max(10_000).default(1_000),
  staleAfterIntervals: z.number().int().min(2).max(10).default(3),
});
export type SharedQuotaConfig = z.input<typeof sharedQuotaOptionsSchema>;

export interface SharedQuotaOptions extends SharedQuotaConfig {
  logger: Logger;
  /** The control plane's Postgres; or `store` (tests, or a caller with its own). */
  databaseUrl?: string;
  store?: SharedQuotaStore;
  /** The local clock for throttling and window lengths (staleness uses the database's clock). */
  nowMs?: () => number;
}

/** Which share of a tenant's quota one instance enforces; see the module comment. */
export function nextShare(input: {
  quotaBytesPerSec: number;
  others: OthersUsage | undefined;
  kind: SharedQuotaKind;
  previousShare: number | undefined;
}): number {
  const othersRate = input.kind === 'produce' ? input.others?.produceBytesPerSec : input.others?.fetchBytesPerSec;
  const otherInstances = input.kind === 'produce' ? input.others?.produceInstances : input.others?.fetchInstances;
  if (!otherInstances || !othersRate) return 1;
  const target = Math.min(1, Math.max(1 - othersRate / input.quotaBytesPerSec, 1 / (otherInstances + 1)));
  const previous = input.previousShare;
  return previous === undefined || target <= previous ? target : (previous + target) / 2;
}

interface KindState {
  /** Bytes served since the last sync. */
  pendingBytes: number;
  /** The last quota seen on the request path; null: unlimited. */
  quotaBytesPerSec: number | null;
  share: number | undefined;
}

interface TenantState {
  produce: KindState;
  fetch: KindState;
  lastActiveMs: number;
}

const newKind = (): KindState => ({ pendingBytes: 0, quotaBytesPerSec: null, share: undefined });

export class SharedQuota {
  private readonly config: z.output<typeof sharedQuotaOptionsSchema>;
  private readonly store: SharedQuotaStore;
  private readonly ownsStore: boolean;
  private readonly logger: Logger;
  private readonly nowMs: () => number;
  private readonly limiter: QuotaLimiter;
  private readonly tenants = new Map<string, TenantState>();
  private others = new Map<string, OthersUsage>();
  /** Tenants whose last row had bytes: they get a zero row next, so the others stop counting them at once. */
  private reported = new Set<string>();
  private windowStartMs: number;
  private lastKnownInstances = 1;
  private unreachable = false;
  private lastPruneMs = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(opts: SharedQuotaOptions) {
    this.config = sharedQuotaOptionsSchema.parse(opts);
    if (!opts.store && !opts.databaseUrl) throw new Error('SharedQuota needs databaseUrl (or a store)');
    const staleMs = this.config.syncIntervalMs * this.config.staleAfterIntervals;
    this.store = opts.store ?? new PgSharedQuotaStore(opts.databaseUrl!, staleMs);
    this.ownsStore = !opts.store;
    this.logger = opts.logger.child({ component: 'shared-quota', instanceId: this.config.instanceId });
    this.nowMs = opts.nowMs ?? Date.now;
    this.limiter = new QuotaLimiter(this.nowMs);
    this.windowStartMs = this.nowMs();
  }

  /** Syncs now, then every syncIntervalMs, in the background. */
  start(): void {
    if (this.timer) return;
    void this.sync();
    this.timer = setInterval(() => void this.sync(), this.config.syncIntervalMs);
    this.timer.unref();
  }

  /** Stops syncing and removes this instance, so the others get the whole quota back at their next sync. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    try {
      await this.store.leave(this.config.instanceId);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'shared quota: could not remove this instance; it expires');
    }
    if (this.ownsStore) await this.store.close();
  }

  /**
   * Request path: accounts `bytes` of a tenant's produce or fetch traffic and returns the throttle time in ms (0
   * within quota), as QuotaLimiter does, against this instance's share of `bytesPerSec` (null: unlimited).
   */
  record(tenantId: string, kind: SharedQuotaKind, bytes: number, bytesPerSec: number | null): number {
    if (bytes <= 0) return 0;
    const k = this.tenant(tenantId)[kind];
    k.pendingBytes += bytes;
    k.quotaBytesPerSec = bytesPerSec !== null && bytesPerSec > 0 ? bytesPerSec : null;
    if (k.quotaBytesPerSec === null) return 0;
    return this.limiter.record(
      `${kind}:${tenantId}`,
      bytes,
      this.allowedBytesPerSec(tenantId, kind, k.quotaBytesPerSec),
    );
  }

  /** The rate this instance enforces now for a tenant whose quota is `bytesPerSec`. */
  allowedBytesPerSec(tenantId: string, kind: SharedQuotaKind, bytesPerSec: number): number {
    if (this.unreachable) return bytesPerSec / this.lastKnownInstances;
    const k = this.tenants.get(tenantId)?.[kind];
    let share = k?.share;
    if (share === undefined) {
      share = nextShare({
        quotaBytesPerSec: bytesPerSec,
        others: this.others.get(tenantId),
        kind,
        previousShare: undefined,
      });
      if (k) k.share = share;
    }
    return bytesPerSec * share;
  }

  /** Whether the last sync failed (quota / lastKnownInstances applies), and the live instances it last saw. */
  status(): { unreachable: boolean; lastKnownInstances: number } {
    return { unreachable: this.unreachable, lastKnownInstances: this.lastKnownInstances };
  }

  /** One sync: publish the window just ended, read the others, recompute shares. Never throws; one at a time. */
  sync(): Promise<void> {
    this.running ??= this.syncOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async syncOnce(): Promise<void> {
    const nowMs = this.nowMs();
    const windowMs = Math.max(1, nowMs - this.windowStartMs);
    this.windowStartMs = nowMs;
    const rows: SharedQuotaUsageRow[] = [];
    for (const [tenantId, t] of this.tenants) {
      if (t.produce.pendingBytes + t.fetch.pendingBytes > 0 || this.reported.has(tenantId))
        rows.push({ tenantId, produceBytes: t.produce.pendingBytes, fetchBytes: t.fetch.pendingBytes });
      t.produce.pendingBytes = 0;
      t.fetch.pendingBytes = 0;
    }
    try {
      const res = await this.store.exchange({
        instanceId: this.config.instanceId,
        syncIntervalMs: this.config.syncIntervalMs,
        staleAfterIntervals: this.config.staleAfterIntervals,
        windowMs,
        rows,
        maxTenants: MAX_TENANTS,
      });
      this.others = res.others;
      this.lastKnownInstances = res.liveOthers + 1;
      this.reported = new Set(rows.filter((r) => r.produceBytes + r.fetchBytes > 0).map((r) => r.tenantId));
      if (this.unreachable) {
        this.unreachable = false;
        this.logger.info(
          { instances: this.lastKnownInstances },
          'shared quota: Postgres reachable again, sharing resumed',
        );
      }
    } catch (err) {
      if (!this.unreachable) {
        this.unreachable = true;
        this.logger.warn(
          { err: (err as Error).message, instances: this.lastKnownInstances },
          'shared quota: Postgres unreachable; each tenant gets quota / instances here until it is back',
        );
      } else {
        this.logger.debug({ err: (err as Error).message }, 'shared quota sync failed');
      }
      return;
    }
    this.updateShares(nowMs);
    await this.pruneIfDue(nowMs);
  }

  private updateShares(nowMs: number): void {
    for (const [tenantId, t] of this.tenants) {
      if (nowMs - t.lastActiveMs > IDLE_TENANT_MS && !this.reported.has(tenantId)) {
        this.tenants.delete(tenantId);
        continue;
      }
      const others = this.others.get(tenantId);
      for (const kind of ['produce', 'fetch'] as const) {
        const k = t[kind];
        if (k.quotaBytesPerSec === null) continue;
        k.share = nextShare({ quotaBytesPerSec: k.quotaBytesPerSec, others, kind, previousShare: k.share });
      }
    }
  }

  private async pruneIfDue(nowMs: number): Promise<void> {
    if (nowMs - this.lastPruneMs < PRUNE_EVERY_MS) return;
    this.lastPruneMs = nowMs;
    const staleMs = this.config.syncIntervalMs * this.config.staleAfterIntervals;
    try {
      await this.store.prune(Math.max(PRUNE_EVERY_MS, 2 * staleMs));
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'shared quota: pruning old rows failed');
    }
  }

  private tenant(tenantId: string): TenantState {
    const nowMs = this.nowMs();
    let t = this.tenants.get(tenantId);
    if (t) {
      // Most recently active last, so the first entry is the one to drop when full.
      this.tenants.delete(tenantId);
    } else {
      if (this.tenants.size >= MAX_TENANTS) this.tenants.delete(this.tenants.keys().next().value!);
      t = { produce: newKind(), fetch: newKind(), lastActiveMs: nowMs };
    }
    t.lastActiveMs = nowMs;
    this.tenants.set(tenantId, t);
    return t;
  }
}
