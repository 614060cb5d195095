/**
 * The desired state of a managed Apache Kafka cluster, per tenant, translated from Samsa's records: a SCRAM user per
 * API key, PREFIXED/LITERAL ACLs under the tenant's prefix for each key its bindings name, and per-user client quotas
 * as a safety ceiling from the tenant's byte rates. Pure: `desired-from-db.ts` reads the records, `plan.ts` diffs.
 */
import { z } from 'zod';
import type { AclRuleFields } from '../acl-rules.ts';
import { brokerName, tenantNamespace } from '../namespace.ts';
import { managedPrincipal, managedUserName } from './names.ts';

export const MANAGED_RESOURCE_TYPES = ['TOPIC', 'GROUP', 'TRANSACTIONAL_ID'] as const;
export type ManagedResourceType = (typeof MANAGED_RESOURCE_TYPES)[number];
export const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type ScramMechanismName = (typeof SCRAM_MECHANISMS)[number];
export const QUOTA_KEYS = ['producer_byte_rate', 'consumer_byte_rate', 'request_percentage'] as const;
export type QuotaKey = (typeof QUOTA_KEYS)[number];

/** One Kafka ACL, as the cluster names it. */
export const ManagedAclSchema = z.object({
  principal: z.string().min(1),
  resourceType: z.enum(MANAGED_RESOURCE_TYPES),
  patternType: z.enum(['LITERAL', 'PREFIXED']),
  resourceName: z.string().min(1),
  operation: z.string().min(1),
  permission: z.enum(['ALLOW', 'DENY']),
  host: z.string().min(1),
});
export type ManagedAcl = z.infer<typeof ManagedAclSchema>;

const sinceSchema = z.date();

export const DesiredTenantSchema = z.object({
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a tenant slug: lowercase letters, digits and hyphens, no dots'),
  /** ACLs, each with when Samsa's record of it appeared (to tell a new ACL from one deleted behind Samsa's back). */
  acls: z.array(z.object({ acl: ManagedAclSchema, since: sinceSchema })),
  /**
   * SCRAM users; `credentials` null when Samsa cannot place the key (made without SAMSA_SECRETS_KEY): the user is
   * kept as it is on the cluster, never created or repaired.
   */
  users: z.array(
    z.object({
      name: z.string().min(1),
      keyId: z.string().min(1),
      since: sinceSchema,
      credentials: z
        .array(
          z.object({
            mechanism: z.enum(SCRAM_MECHANISMS),
            iterations: z.number().int().min(4096),
            salt: z.instanceof(Buffer),
            saltedPassword: z.instanceof(Buffer),
          }),
        )
        .nullable(),
    }),
  ),
  /** Client quotas per user (absent keys have none). */
  quotas: z.array(
    z.object({
      user: z.string().min(1),
      values: z.partialRecord(z.enum(QUOTA_KEYS), z.number().positive()),
      since: sinceSchema,
    }),
  ),
  /** Records Samsa keeps that have no place on the cluster, and why. */
  skipped: z.array(z.object({ what: z.string(), reason: z.string() })),
});
export type DesiredTenant = z.infer<typeof DesiredTenantSchema>;

export const DesiredStateSchema = z.object({
  tenants: z.array(DesiredTenantSchema),
  /** Tenants being deleted: everything under their prefixes goes (topics, groups, ACLs, users, quotas). */
  removedTenants: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/)).default([]),
  /**
   * Tenants Samsa has deleted already (no records left): their users, ACLs and quotas go, named as Samsa's own; topics
   * and groups under the prefix are left and reported, since nothing says any more that Samsa made them.
   */
  deletedTenants: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/)).default([]),
});
export type DesiredState = z.input<typeof DesiredStateSchema>;

/** What the translation reads of a tenant. */
export interface TenantRecords {
  slug: string;
  /** Active (unrevoked) keys. `credentials` null when the key has no sealed salted passwords. */
  keys: {
    keyId: string;
    serviceAccount: string;
    createdAt: Date;
    credentials: DesiredTenant['users'][number]['credentials'];
    /** Why `credentials` is null, when it is. */
    credentialsMissing?: string;
  }[];
  /** The tenant's ACL bindings, as Samsa keeps them (tenant-local names). */
  bindings: (AclRuleFields & { principal: string; createdAt: Date })[];
  /** Byte rates (bytes per second) and request percentage; null: no limit. */
  quota: {
    produceBytesPerSec: number | null;
    fetchBytesPerSec: number | null;
    requestPercentage: number | null;
    updatedAt: Date;
  } | null;
}

type Binding = TenantRecords['bindings'][number];

/** CLUSTER operations with no tenant-scoped meaning on a shared cluster, and why they are not placed. */
const CLUSTER_OPERATION_SKIPPED: Record<string, string> = {
  IDEMPOTENT_WRITE: 'not needed on Kafka 3+: WRITE on a topic allows idempotent producing',
};

/** The Kafka resources a binding stands for under the tenant's prefix; a reason instead when it has none. */
function resourcesOf(
  slug: string,
  b: Binding,
): { type: ManagedResourceType; pattern: 'LITERAL' | 'PREFIXED'; name: string; operation: string }[] | string {
  const all = { pattern: 'PREFIXED' as const, name: tenantNamespace(slug) };
  if (b.resourceType === 'CLUSTER') {
    // ALL on the cluster makes a tenant admin in Samsa: everything under the tenant's prefix, nothing cluster-wide.
    if (b.operation === 'ALL') return MANAGED_RESOURCE_TYPES.map((type) => ({ type, ...all, operation: 'ALL' }));
    if (b.operation === 'CREATE') return [{ type: 'TOPIC', ...all, operation: 'CREATE' }];
    return (
      CLUSTER_OPERATION_SKIPPED[b.operation] ??
      `${b.operation} on the cluster is a cluster-wide right: a tenant is not given it on a shared cluster`
    );
  }
  if (!(MANAGED_RESOURCE_TYPES as readonly string[]).includes(b.resourceType))
    return `${b.resourceType} bindings are enforced by Samsa (the schema registry), not by Kafka`;
  const type = b.resourceType as ManagedResourceType;
  if (b.patternType === 'LITERAL' && b.resourceName === '*') return [{ type, ...all, operation: b.operation }];
  return [{ type, pattern: b.patternType, name: brokerName(slug, b.resourceName), operation: b.operation }];
}

/** The keys a binding's principal names: `User:*` every key, `User:<keyId>` one, `User:<service account>` its keys. */
function keysOf(records: TenantRecords, principal: string): TenantRecords['keys'] | string {
  if (principal.startsWith('User:processor:'))
    return 'processors run on Samsa’s processor host, which does not reach a managed cluster yet';
  if (principal === 'User:*') return records.keys;
  const name = principal.startsWith('User:') ? principal.slice('User:'.length) : principal;
  return records.keys.filter((k) => k.keyId === name || k.serviceAccount === name);
}

function describeBinding(b: Binding): string {
  return `${b.permission} ${b.principal} ${b.operation} on ${b.resourceType} ${b.patternType} '${b.resourceName}'`;
}

/** An ACL's identity: two with the same key are the same Kafka ACL. */
export function aclKey(a: ManagedAcl): string {
  return [a.principal, a.resourceType, a.patternType, a.resourceName, a.operation, a.permission, a.host].join('\u0000');
}

/** Tenant `records.slug`'s desired objects on the cluster. */
export function translateTenant(records: TenantRecords): DesiredTenant {
  const { slug } = records;
  const skipped: DesiredTenant['skipped'] = [];
  const acls = new Map<string, { acl: ManagedAcl; since: Date }>();
  for (const b of records.bindings) {
    const resources = resourcesOf(slug, b);
    const keys = keysOf(records, b.principal);
    if (typeof resources === 'string' || typeof keys === 'string') {
      skipped.push({ what: describeBinding(b), reason: typeof resources === 'string' ? resources : (keys as string) });
      continue;
    }
    for (const key of keys)
      for (const r of resources) {
        const acl: ManagedAcl = {
          principal: managedPrincipal(slug, key.keyId),
          resourceType: r.type,
          patternType: r.pattern,
          resourceName: r.name,
          operation: r.operation,
          permission: b.permission,
          host: b.host,
        };
        const since = new Date(Math.max(b.createdAt.getTime(), key.createdAt.getTime()));
        const seen = acls.get(aclKey(acl));
        if (!seen || since < seen.since) acls.set(aclKey(acl), { acl, since });
      }
  }
  const users = records.keys.map((k) => ({
    name: managedUserName(slug, k.keyId),
    keyId: k.keyId,
    since: k.createdAt,
    credentials: k.credentials,
  }));
  for (const k of records.keys)
    if (k.credentials === null)
      skipped.push({
        what: `API key ${k.keyId}`,
        reason:
          k.credentialsMissing ??
          'it was made without SAMSA_SECRETS_KEY, so its SCRAM salted passwords were not kept: create a new key for it to reach the cluster',
      });
  const q = records.quota;
  const values: Partial<Record<QuotaKey, number>> = {};
  if (q?.produceBytesPerSec) values.producer_byte_rate = q.produceBytesPerSec;
  if (q?.fetchBytesPerSec) values.consumer_byte_rate = q.fetchBytesPerSec;
  if (q?.requestPercentage) values.request_percentage = q.requestPercentage;
  const quotas =
    q && Object.keys(values).length > 0
      ? records.keys.map((k) => ({
          user: managedUserName(slug, k.keyId),
          values,
          since: new Date(Math.max(q.updatedAt.getTime(), k.createdAt.getTime())),
        }))
      : [];
  return { slug, acls: [...acls.values()], users, quotas, skipped };
}
