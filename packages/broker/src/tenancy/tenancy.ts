/**
 * Tenancy: authentication and tenant isolation for the broker — credentials from the MetadataView (and the
 * configured superuser), principals, the authorizer, quotas and per-tenant usage. Connections consult it when they
 * authenticate; the broker asks it to cut off connections whose key was revoked or whose tenant was suspended.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { PROCESSOR_NAME_PATTERN, tenantNamespace } from '@samsa/cluster/namespace';
import { Authorizer } from '../auth/authorizer.ts';
import type { Principal } from '../auth/principal.ts';
import { type CredentialLookup, type ScramCredential, sha256Hex } from '../auth/sasl-mechanisms.ts';
import type { BrokerConfig } from '../config.ts';
import type { NamespaceLimits } from '../groups/group-coordinator.ts';
import type { TopicRegistry } from '../topics/topic-registry.ts';
import {
  MetadataView,
  NO_QUOTA,
  type ServiceAccountQuota,
  type TenantInfo,
  type TenantQuota,
} from './metadata-view.ts';
import { QuotaLimiter } from './quota-limiter.ts';
import { TenantTraffic } from './tenant-traffic.ts';

function scramFor(password: string, hash: 'sha256' | 'sha512'): ScramCredential {
  const salt = randomBytes(16);
  const iterations = 4096;
  const salted = pbkdf2Sync(password, salt, iterations, hash === 'sha256' ? 32 : 64, hash);
  const clientKey = createHmac(hash, salted).update('Client Key').digest();
  return {
    salt,
    iterations,
    storedKey: createHash(hash).update(clientKey).digest(),
    serverKey: createHmac(hash, salted).update('Server Key').digest(),
  };
}

interface Superuser {
  name: string;
  plainHash: string;
  scram256: ScramCredential;
  scram512: ScramCredential;
}

/** Accounts a tenant's produce or fetch bytes against its quota shared with other processes; returns a throttle in ms. */
export interface TenantRateSharing {
  record(tenantId: string, kind: 'produce' | 'fetch', bytes: number, bytesPerSec: number | null): number;
}

export interface TenantUsage {
  topics: number;
  partitions: number;
  storageBytes: number;
}

/** SASL authorization id by which the superuser acts as a tenant: `tenant:<slug>`. */
export const TENANT_AUTHZID_PREFIX = 'tenant:';
/** ... or as one of its processors: `tenant:<slug>/processor:<name>` (see `processorAuthorizationId`). */
const PROCESSOR_AUTHZID_INFIX = '/processor:';

/** Cache per-tenant usage this long: storage checks on the produce path must not walk every partition. */
const USAGE_CACHE_MS = 1_000;

export class Tenancy {
  private readonly getView: () => MetadataView;
  private readonly superuser: Superuser | null;
  readonly authorizer: Authorizer;
  readonly quotas = new QuotaLimiter();
  /**
   * Set by a process that shares tenants' produce and fetch rates with others (a gateway, with SharedQuota from
   * `@samsa/broker/shared-quota`); null: those rates are this process's alone (the broker).
   */
  sharedRates: TenantRateSharing | null = null;
  /** Per-tenant bytes and throttle time, reported to the control plane every few seconds. */
  readonly traffic = new TenantTraffic();
  private readonly connections = new Map<string, number>();
  private usageCache = new Map<string, { atMs: number; usage: TenantUsage }>();
  /** The broker's topics, for usage quotas; absent in the gateway (the cluster keeps the topics). */
  private readonly topics: (() => TopicRegistry) | undefined;

  constructor(opts: {
    view: () => MetadataView;
    superuser: { name: string; password: string } | null;
    topics?: () => TopicRegistry;
  }) {
    this.getView = opts.view;
    this.topics = opts.topics;
    this.authorizer = new Authorizer(opts.view);
    this.superuser = opts.superuser
      ? {
          name: opts.superuser.name,
          plainHash: sha256Hex(opts.superuser.password),
          scram256: scramFor(opts.superuser.password, 'sha256'),
          scram512: scramFor(opts.superuser.password, 'sha512'),
        }
      : null;
  }

  view(): MetadataView {
    return this.getView();
  }

  readonly credentials: CredentialLookup = {
    plainHash: (username) => {
      if (this.superuser && username === this.superuser.name) return this.superuser.plainHash;
      return this.getView().keys.get(username)?.secretHash ?? null;
    },
    scram: (username, mechanism) => {
      if (this.superuser && username === this.superuser.name) {
        return mechanism === 'SCRAM-SHA-256' ? this.superuser.scram256 : this.superuser.scram512;
      }
      const key = this.getView().keys.get(username);
      if (!key) return null;
      return mechanism === 'SCRAM-SHA-256' ? key.scram256 : key.scram512;
    },
  };

  /**
   * The principal for an authenticated username and the authorization id it asked for ('' for none), or an error
   * message when it may not connect. Only the superuser may name an authorization id, and only `tenant:<slug>` or
   * `tenant:<slug>/processor:<name>`.
   */
  principalFor(username: string, authzid = ''): Principal | { error: string } {
    const principal = this.principalOfUser(username);
    if ('error' in principal || authzid === '') return principal;
    if (principal.kind !== 'superuser') {
      return { error: 'Authentication failed: only the platform superuser may ask for an authorization id' };
    }
    return this.delegatedPrincipal(principal.name, authzid);
  }

  /**
   * The superuser acting as a tenant (`tenant:<slug>`: the tenant's namespace and quotas, its admin's rights) or as
   * one of the tenant's processors (`tenant:<slug>/processor:<name>`: namespace and quotas, the processor's ACLs).
   */
  private delegatedPrincipal(superuser: string, authzid: string): Principal | { error: string } {
    const parsed = parseDelegation(authzid);
    if ('error' in parsed) return parsed;
    const { slug, processor } = parsed;
    const tenant = this.getView().tenantsBySlug.get(slug);
    if (!tenant) return { error: `Authentication failed: no tenant '${slug}'` };
    if (tenant.status !== 'ACTIVE') return { error: inactiveTenantMessage(tenant) };
    const actor = processor === undefined ? superuser : `processor:${processor}`;
    return {
      kind: 'tenant',
      tenant,
      // The key id keys the authorizer's decision cache: unique per tenant and actor.
      key: { keyId: `${actor}@${slug}`, serviceAccountId: `${actor}@${tenant.id}`, serviceAccountName: actor },
      delegatedBy: superuser,
      ...(processor === undefined ? {} : { processor }),
    };
  }

  private principalOfUser(username: string): Principal | { error: string } {
    if (this.superuser && username === this.superuser.name) return { kind: 'superuser', name: username };
    const view = this.getView();
    const key = view.keys.get(username);
    if (!key) return { error: 'Authentication failed: invalid username or password' };
    const tenant = view.tenants.get(key.tenantId);
    if (!tenant) return { error: 'Authentication failed: invalid username or password' };
    if (tenant.status !== 'ACTIVE') return { error: inactiveTenantMessage(tenant) };
    return { kind: 'tenant', tenant, key };
  }

  /** Whether a principal may still be connected under the current view (key not revoked, tenant active). */
  stillValid(p: Principal): boolean {
    if (p.kind !== 'tenant') return true;
    const view = this.getView();
    if (p.delegatedBy) return view.tenants.get(p.tenant.id)?.status === 'ACTIVE';
    const key = view.keys.get(p.key.keyId);
    const tenant = view.tenants.get(p.tenant.id);
    return key !== undefined && tenant !== undefined && tenant.status === 'ACTIVE';
  }

  tenant(tenantId: string): TenantInfo | undefined {
    return this.getView().tenants.get(tenantId);
  }

  quota(tenantId: string): TenantQuota {
    return this.tenant(tenantId)?.quota ?? NO_QUOTA;
  }

  /** Counts a tenant connection against max connections; false when the quota is full. */
  acquireConnection(tenantId: string): boolean {
    const limit = this.quota(tenantId).maxConnections;
    const current = this.connections.get(tenantId) ?? 0;
    if (limit !== null && current >= limit) return false;
    this.connections.set(tenantId, current + 1);
    return true;
  }

  releaseConnection(tenantId: string): void {
    const current = this.connections.get(tenantId) ?? 0;
    if (current <= 1) this.connections.delete(tenantId);
    else this.connections.set(tenantId, current - 1);
  }

  connectionCount(tenantId: string): number {
    return this.connections.get(tenantId) ?? 0;
  }

  connectedTenants(): Iterable<string> {
    return this.connections.keys();
  }

  /** Keeps the cached storage figure current between recounts, so a burst cannot run far past the quota. */
  noteStorageGrowth(principal: Principal, bytes: number): void {
    if (principal.kind !== 'tenant') return;
    const cached = this.usageCache.get(principal.tenant.slug);
    if (cached) cached.usage.storageBytes += bytes;
  }

  usage(slug: string, fresh = false): TenantUsage {
    const now = Date.now();
    const cached = this.usageCache.get(slug);
    if (!fresh && cached && now - cached.atMs < USAGE_CACHE_MS) return cached.usage;
    const prefix = tenantNamespace(slug);
    const usage: TenantUsage = { topics: 0, partitions: 0, storageBytes: 0 };
    for (const t of this.topics?.().list() ?? []) {
      if (!t.name.startsWith(prefix)) continue;
      usage.topics++;
      usage.partitions += t.partitions.length;
      for (const p of t.partitions) usage.storageBytes += p.log.sizeBytes;
    }
    if (this.usageCache.size > 10_000) this.usageCache = new Map();
    this.usageCache.set(slug, { atMs: now, usage });
    return usage;
  }
}

export { MetadataView };
export type { TenantQuota };

const AUTHZID_FORMS = `${TENANT_AUTHZID_PREFIX}<slug> or ${TENANT_AUTHZID_PREFIX}<slug>${PROCESSOR_AUTHZID_INFIX}<name>`;

/** `tenant:<slug>` or `tenant:<slug>/processor:<name>`, split; an error message naming the accepted forms else. */
function parseDelegation(authzid: string): { slug: string; processor?: string } | { error: string } {
  if (!authzid.startsWith(TENANT_AUTHZID_PREFIX)) {
    return { error: `Authentication failed: the authorization id must be ${AUTHZID_FORMS}` };
  }
  const rest = authzid.slice(TENANT_AUTHZID_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return { slug: rest };
  const slug = rest.slice(0, slash);
  const tail = rest.slice(slash);
  if (!tail.startsWith(PROCESSOR_AUTHZID_INFIX)) {
    return { error: `Authentication failed: the authorization id must be ${AUTHZID_FORMS}` };
  }
  const processor = tail.slice(PROCESSOR_AUTHZID_INFIX.length);
  if (!PROCESSOR_NAME_PATTERN.test(processor)) {
    return {
      error: `Authentication failed: '${processor.slice(0, 100)}' is not a processor name (${PROCESSOR_NAME_PATTERN.source})`,
    };
  }
  return { slug, processor };
}

/** Why a tenant that is not ACTIVE may not connect, and what to do about it. */
function inactiveTenantMessage(tenant: TenantInfo): string {
  return tenant.status === 'DELETING'
    ? `Authentication failed: tenant '${tenant.slug}' is being deleted`
    : `Authentication failed: tenant '${tenant.slug}' is suspended; ask a platform admin to resume it`;
}

/**
 * The quota a new topic or new partitions would break for a tenant, as a message naming it, or null. Superusers
 * and auth-off connections have no tenant quotas.
 */
export function topicQuotaProblem(
  tenancy: Tenancy | null,
  principal: import('../auth/principal.ts').Principal,
  addTopics: number,
  addPartitions: number,
): string | null {
  if (!tenancy || principal.kind !== 'tenant') return null;
  const quota = tenancy.quota(principal.tenant.id);
  const usage = tenancy.usage(principal.tenant.slug, true);
  return topicQuotaMessage(principal.tenant.slug, quota, usage, addTopics, addPartitions);
}

/**
 * The message naming the topic or partition quota that `addTopics` and `addPartitions` more would break, or null.
 * The gateway uses it too, with the tenant's usage counted on the cluster, so clients read the same words.
 */
export function topicQuotaMessage(
  slug: string,
  quota: Pick<TenantQuota, 'maxTopics' | 'maxPartitions'>,
  usage: Pick<TenantUsage, 'topics' | 'partitions'>,
  addTopics: number,
  addPartitions: number,
): string | null {
  if (quota.maxTopics !== null && usage.topics + addTopics > quota.maxTopics) {
    return `topic quota exceeded: tenant '${slug}' may have ${quota.maxTopics} topics and has ${usage.topics}`;
  }
  if (quota.maxPartitions !== null && usage.partitions + addPartitions > quota.maxPartitions) {
    return `partition quota exceeded: tenant '${slug}' may have ${quota.maxPartitions} partitions, has ${usage.partitions} and asked for ${addPartitions} more`;
  }
  return null;
}

/**
 * The group and committed-offset bounds of a tenant connection: its quota, else the broker's per-tenant defaults
 * (finite either way). Superusers and auth-off connections have none.
 */
export function groupLimits(
  tenancy: Tenancy | null,
  principal: import('../auth/principal.ts').Principal,
  config: Pick<BrokerConfig, 'maxGroupsPerTenant' | 'maxCommittedOffsetsPerTenant'>,
): NamespaceLimits | null {
  if (!tenancy || principal.kind !== 'tenant') return null;
  const quota = tenancy.quota(principal.tenant.id);
  return {
    maxGroups: quota.maxGroups ?? config.maxGroupsPerTenant,
    maxCommittedOffsets: quota.maxCommittedOffsets ?? config.maxCommittedOffsetsPerTenant,
  };
}

/** A message naming the storage quota when the tenant is at or over it, else null. */
export function storageQuotaProblem(
  tenancy: Tenancy | null,
  principal: import('../auth/principal.ts').Principal,
): string | null {
  if (!tenancy || principal.kind !== 'tenant') return null;
  const limit = tenancy.quota(principal.tenant.id).storageBytes;
  if (limit === null) return null;
  return storageQuotaMessage(principal.tenant.slug, limit, tenancy.usage(principal.tenant.slug).storageBytes);
}

/** The message naming the storage quota when `usedBytes` is at or over `limitBytes` (null: no limit), else null. */
export function storageQuotaMessage(slug: string, limitBytes: number | null, usedBytes: number): string | null {
  return limitBytes !== null && usedBytes >= limitBytes
    ? `storage quota exceeded: tenant '${slug}' may store ${limitBytes} bytes and stores ${usedBytes}`
    : null;
}

/** Kafka's request quota: a percentage of one broker thread's time; 100% is one full second per second. */
const THREAD_MS_PER_SECOND_PER_PERCENT = 10;

type RateKind = 'produce' | 'fetch' | 'request';

/** A quota's rate per second: bytes for produce and fetch, broker-thread milliseconds for requests; null: unlimited. */
function ratePerSec(q: ServiceAccountQuota | undefined, kind: RateKind): number | null {
  if (!q) return null;
  if (kind === 'produce') return q.produceBytesPerSec;
  if (kind === 'fetch') return q.fetchBytesPerSec;
  return q.requestPercentage === null ? null : q.requestPercentage * THREAD_MS_PER_SECOND_PER_PERCENT;
}

/** Accounts `amount` against the tenant's and the service account's rate; the longer throttle wins. */
function quotaThrottleMs(
  tenancy: Tenancy,
  principal: Extract<import('../auth/principal.ts').Principal, { kind: 'tenant' }>,
  kind: RateKind,
  amount: number,
): number {
  const accountQuota = tenancy.view().serviceAccountQuotas.get(principal.key.serviceAccountId);
  const tenantRate = ratePerSec(tenancy.quota(principal.tenant.id), kind);
  const tenantThrottleMs =
    tenancy.sharedRates && kind !== 'request'
      ? tenancy.sharedRates.record(principal.tenant.id, kind, amount, tenantRate)
      : tenancy.quotas.record(`${kind}:t:${principal.tenant.id}`, amount, tenantRate);
  return Math.max(
    tenantThrottleMs,
    tenancy.quotas.record(`${kind}:sa:${principal.key.serviceAccountId}`, amount, ratePerSec(accountQuota, kind)),
  );
}

/** Throttle time for `bytes` of produce or fetch traffic under the tenant's and the service account's rates. */
export function byteRateThrottleMs(
  tenancy: Tenancy | null,
  principal: import('../auth/principal.ts').Principal,
  kind: 'produce' | 'fetch',
  bytes: number,
): number {
  if (!tenancy || principal.kind !== 'tenant' || bytes <= 0) return 0;
  const throttleMs = quotaThrottleMs(tenancy, principal, kind, bytes);
  tenancy.traffic.add(principal.tenant.id, kind, bytes, throttleMs);
  return throttleMs;
}

/** Counts one topic's bytes and records of a tenant's produce or fetch for the traffic history. */
export function noteTopicTraffic(
  tenancy: Tenancy | null,
  principal: import('../auth/principal.ts').Principal,
  topic: string,
  kind: 'produce' | 'fetch',
  bytes: number,
  records: number,
): void {
  if (!tenancy || principal.kind !== 'tenant' || bytes <= 0) return;
  tenancy.traffic.addTopic(principal.tenant.id, topic, kind, bytes, records);
}

/**
 * Throttle time for `threadMs` of event-loop time the broker spent on one of a tenant's requests (decoding, the
 * synchronous part of handling, encoding the answer), under the tenant's and the service account's request
 * percentage.
 */
export function requestTimeThrottleMs(
  tenancy: Tenancy | null,
  principal: import('../auth/principal.ts').Principal,
  threadMs: number,
): number {
  if (!tenancy || principal.kind !== 'tenant' || threadMs <= 0) return 0;
  return quotaThrottleMs(tenancy, principal, 'request', threadMs);
}
