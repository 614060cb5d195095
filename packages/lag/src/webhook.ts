/**
 * Webhook alerts: when a group's status changes to or from WARNING, STALLED or STOPPED, POST a JSON event to its
 * tenant's webhook, signed with HMAC-SHA256 when the target has a secret. Failed deliveries (network errors,
 * timeouts, 429 and 5xx) are retried with exponential backoff up to `maxAttempts`; every attempt is written to a
 * delivery log. Deliveries for one group are sent in order; at most `maxPending` deliveries wait at a time and
 * the rest are dropped (and logged as dropped), so a dead endpoint cannot grow memory without bound.
 * Every attempt goes through the destination policy (webhook-destination.ts): a destination that is not a public
 * address, unless the operator allows it, is refused before anything is sent, and redirects are not followed.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import { z } from 'zod';
import {
  DEFAULT_WEBHOOK_DESTINATION_POLICY,
  postWebhook,
  WebhookDestinationError,
  type WebhookDestinationPolicy,
  WebhookNetworkError,
} from './webhook-destination.ts';
import { ALERT_STATUSES, type GroupStatus, type StatusChange } from './types.ts';

export const WebhookTargetSchema = z.object({
  url: z.string().url(),
  /** Shared secret for the `x-samsa-signature` header. */
  secret: z.string().min(1).optional(),
});
export type WebhookTarget = z.infer<typeof WebhookTargetSchema>;

/**
 * Webhook configuration until the schema has a table for it: tenant id (or "*" for groups of any tenant, and
 * groups without one) -> target.
 */
export const WebhookConfigSchema = z.record(z.string(), WebhookTargetSchema);
export type WebhookConfig = z.infer<typeof WebhookConfigSchema>;

export type WebhookTargets = (tenantId: string | null) => WebhookTarget | null | Promise<WebhookTarget | null>;

export function staticWebhookTargets(config: WebhookConfig): WebhookTargets {
  const parsed = WebhookConfigSchema.parse(config);
  return (tenantId) => (tenantId !== null ? parsed[tenantId] : undefined) ?? parsed['*'] ?? null;
}

export interface WebhookEvent {
  /** `webhook.test` is sent only when an admin asks for a test delivery; its group fields are placeholders. */
  type: 'consumer_group.status_changed' | 'webhook.test';
  id: string;
  tenantId: string | null;
  groupId: string;
  from: GroupStatus | null;
  to: GroupStatus;
  at: string;
  reason: string;
  totalLag: number;
  maxTimeLagMs: number | null;
  members: number;
  /** Partitions that are not OK, at most 50. */
  partitions: {
    topic: string;
    partition: number;
    status: string;
    lag: number;
    timeLagMs: number | null;
    /** The group has no committed offset there: lag counts from its reset position. */
    noCommittedOffset: boolean;
  }[];
}

export interface DeliveryRecord {
  eventId: string;
  tenantId: string | null;
  groupId: string;
  from: GroupStatus | null;
  to: GroupStatus;
  url: string;
  attempt: number;
  atMs: number;
  outcome: 'delivered' | 'retrying' | 'failed' | 'dropped';
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

export interface DeliveryLog {
  append(record: DeliveryRecord): void | Promise<void>;
  /** Newest last. */
  list(filter?: { tenantId?: string | null; groupId?: string }): DeliveryRecord[];
}

/** The last `capacity` delivery records in memory. */
export class MemoryDeliveryLog implements DeliveryLog {
  private readonly records: DeliveryRecord[] = [];
  private readonly capacity: number;

  constructor(capacity = 1000) {
    this.capacity = capacity;
  }

  append(record: DeliveryRecord): void {
    this.records.push(record);
    if (this.records.length > this.capacity) this.records.splice(0, this.records.length - this.capacity);
  }

  list(filter: { tenantId?: string | null; groupId?: string } = {}): DeliveryRecord[] {
    return this.records.filter(
      (r) =>
        (filter.tenantId === undefined || r.tenantId === filter.tenantId) &&
        (filter.groupId === undefined || r.groupId === filter.groupId),
    );
  }
}

/** Keeps the memory log and also appends every record as one JSON line to a file (rotate it externally). */
export class FileDeliveryLog extends MemoryDeliveryLog {
  private readonly path: string;
  private writes: Promise<void> = Promise.resolve();

  constructor(path: string, capacity = 1000) {
    super(capacity);
    this.path = path;
  }

  override append(record: DeliveryRecord): Promise<void> {
    super.append(record);
    this.writes = this.writes
      .then(() => mkdir(dirname(this.path), { recursive: true }))
      .then(() => appendFile(this.path, `${JSON.stringify(record)}\n`));
    return this.writes;
  }
}

export interface WebhookNotifierOptions {
  targets: WebhookTargets;
  log?: DeliveryLog;
  maxAttempts?: number;
  /** Backoff before retry n (1-based) is min(baseBackoffMs * 2^(n-1), maxBackoffMs). */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
  maxPending?: number;
  /** Which destinations deliveries may reach (default: public addresses only). */
  destinations?: WebhookDestinationPolicy;
  /** Replaces the guarded HTTP sender entirely, policy included (unit tests only). */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  clock?: () => number;
  logger?: Logger;
}

/** True for changes the webhook reports: into or out of WARNING, STALLED or STOPPED. */
export function isAlertable(change: Pick<StatusChange, 'from' | 'to'>): boolean {
  return ALERT_STATUSES.has(change.to) || (change.from !== null && ALERT_STATUSES.has(change.from));
}

const MAX_EVENT_PARTITIONS = 50;

export function toWebhookEvent(change: StatusChange): WebhookEvent {
  const e = change.evaluation;
  return {
    type: 'consumer_group.status_changed',
    id: randomUUID(),
    tenantId: change.tenantId,
    groupId: change.groupId,
    from: change.from,
    to: change.to,
    at: new Date(change.atMs).toISOString(),
    reason: e.reason,
    totalLag: e.totalLag,
    maxTimeLagMs: e.maxTimeLagMs,
    members: e.members,
    partitions: e.partitions
      .filter((p) => p.status !== 'OK')
      .slice(0, MAX_EVENT_PARTITIONS)
      .map((p) => ({
        topic: p.topic,
        partition: p.partition,
        status: p.status,
        lag: p.lag,
        timeLagMs: p.timeLagMs,
        noCommittedOffset: p.noCommittedOffset,
      })),
  };
}

/** `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`), as in Stripe-style webhook signatures. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

const hostOf = (url: string) => (URL.canParse(url) ? new URL(url).host : '');

export class WebhookNotifier {
  readonly log: DeliveryLog;
  /** Delivery attempts refused by the destination policy since start (Prometheus). */
  destinationsRefused = 0;
  private readonly o: Required<Omit<WebhookNotifierOptions, 'log' | 'fetch'>> & { fetch: typeof fetch | null };
  private readonly chains = new Map<string, Promise<void>>();
  private pending = 0;

  constructor(options: WebhookNotifierOptions) {
    this.log = options.log ?? new MemoryDeliveryLog();
    this.o = {
      targets: options.targets,
      maxAttempts: options.maxAttempts ?? 5,
      baseBackoffMs: options.baseBackoffMs ?? 1_000,
      maxBackoffMs: options.maxBackoffMs ?? 60_000,
      timeoutMs: options.timeoutMs ?? 5_000,
      maxPending: options.maxPending ?? 1_000,
      destinations: options.destinations ?? DEFAULT_WEBHOOK_DESTINATION_POLICY,
      fetch: options.fetch ?? null,
      logger: options.logger ?? pino({ level: 'silent' }),
      sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      clock: options.clock ?? Date.now,
    };
  }

  /** Queues deliveries for the alertable changes; returns at once. Use as the collector's `onStatusChange`. */
  notify = (changes: StatusChange[]): void => {
    for (const change of changes) {
      if (!isAlertable(change)) continue;
      const key = `${change.tenantId ?? ''}\u0000${change.groupId}`;
      const event = toWebhookEvent(change);
      if (this.pending >= this.o.maxPending) {
        void this.record(event, '', 0, 'dropped', null, 'too many pending deliveries', 0);
        continue;
      }
      this.pending++;
      const prev = this.chains.get(key) ?? Promise.resolve();
      const next = prev
        .then(() => this.deliver(event))
        .catch(() => {})
        .finally(() => {
          this.pending--;
          if (this.chains.get(key) === next) this.chains.delete(key);
        });
      this.chains.set(key, next);
    }
  };

  /**
   * Sends one `webhook.test` event to the tenant's target (or `to`) now, one attempt, recorded in the delivery log
   * like any other; null when the tenant has no webhook.
   */
  async sendTest(tenantId: string, to?: WebhookTarget): Promise<DeliveryRecord | null> {
    const event: WebhookEvent = {
      type: 'webhook.test',
      id: randomUUID(),
      tenantId,
      groupId: '',
      from: null,
      to: 'OK',
      at: new Date(this.o.clock()).toISOString(),
      reason: 'a test delivery asked for in the console',
      totalLag: 0,
      maxTimeLagMs: null,
      members: 0,
      partitions: [],
    };
    // The caller may pass the target it just saved: the lookup may still hold the old one for a few seconds.
    const target = to ?? (await this.o.targets(tenantId));
    if (!target) return null;
    await this.deliver(event, target, 1);
    return this.log.list({ tenantId }).findLast((r) => r.eventId === event.id) ?? null;
  }

  /** Resolves when every queued delivery has finished (delivered or given up). */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  private async record(
    event: WebhookEvent,
    url: string,
    attempt: number,
    outcome: DeliveryRecord['outcome'],
    httpStatus: number | null,
    error: string | null,
    durationMs: number,
  ): Promise<void> {
    await this.log.append({
      eventId: event.id,
      tenantId: event.tenantId,
      groupId: event.groupId,
      from: event.from,
      to: event.to,
      url,
      attempt,
      atMs: this.o.clock(),
      outcome,
      httpStatus,
      error,
      durationMs,
    });
  }

  /** One POST; resolves with the HTTP status. */
  private async post(url: string, headers: Record<string, string>, body: string): Promise<number> {
    if (this.o.fetch) {
      const res = await this.o.fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.o.timeoutMs),
        redirect: 'manual',
      });
      await res.arrayBuffer().catch(() => {});
      return res.status;
    }
    const res = await postWebhook(url, { headers, body, timeoutMs: this.o.timeoutMs }, this.o.destinations);
    return res.status;
  }

  private async deliver(event: WebhookEvent, to?: WebhookTarget, maxAttempts = this.o.maxAttempts): Promise<void> {
    const target = to ?? (await this.o.targets(event.tenantId));
    if (!target) return;
    const body = JSON.stringify(event);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const started = performance.now();
      let httpStatus: number | null = null;
      let error: string | null = null;
      let retryable = true;
      try {
        const timestamp = String(Math.floor(this.o.clock() / 1000));
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'user-agent': 'samsa-lag-webhook/1',
          'x-samsa-event-id': event.id,
          'x-samsa-timestamp': timestamp,
        };
        if (target.secret) headers['x-samsa-signature'] = signWebhook(target.secret, timestamp, body);
        httpStatus = await this.post(target.url, headers, body);
        if (httpStatus >= 200 && httpStatus < 300) {
          await this.record(event, target.url, attempt, 'delivered', httpStatus, null, performance.now() - started);
          return;
        }
        error =
          httpStatus >= 300 && httpStatus < 400
            ? `HTTP ${httpStatus}: redirects are not followed; set the webhook to the final URL`
            : `HTTP ${httpStatus}`;
        retryable = httpStatus === 429 || httpStatus >= 500;
      } catch (err) {
        if (err instanceof WebhookDestinationError) {
          // Refused by policy: nothing was sent, and trying again will not change that.
          error = err.message;
          retryable = false;
          this.destinationsRefused++;
          this.o.logger.warn(
            { tenantId: event.tenantId, host: hostOf(target.url), reason: err.reason },
            'webhook destination refused',
          );
        } else if (err instanceof WebhookNetworkError) {
          error = err.message;
          this.o.logger.warn(
            { tenantId: event.tenantId, host: hostOf(target.url), err: (err.cause as Error)?.message },
            'webhook delivery got no response',
          );
        } else {
          error =
            (err as Error).name === 'TimeoutError' ? `timed out after ${this.o.timeoutMs} ms` : (err as Error).message;
        }
      }
      const last = !retryable || attempt === maxAttempts;
      await this.record(
        event,
        target.url,
        attempt,
        last ? 'failed' : 'retrying',
        httpStatus,
        error,
        performance.now() - started,
      );
      if (last) return;
      await this.o.sleep(Math.min(this.o.baseBackoffMs * 2 ** (attempt - 1), this.o.maxBackoffMs));
    }
  }
}
