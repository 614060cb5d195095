/**
 * MetadataView: the broker's in-memory copy of what the control plane keeps in Postgres — tenants, their quotas,
 * API keys (hashes and SCRAM verifiers only), service-account quotas and ACL bindings. Request paths read only this;
 * it is replaced wholesale when the source reloads, and its version lets caches know they are stale.
 */
import type { ScramCredential } from '../auth/sasl-mechanisms.ts';

/** DELETING: the console is removing the tenant's namespace; the broker treats it like SUSPENDED. */
export type TenantStatus = 'ACTIVE' | 'SUSPENDED' | 'DELETING';

export interface TenantQuota {
  produceBytesPerSec: number | null;
  fetchBytesPerSec: number | null;
  storageBytes: number | null;
  maxTopics: number | null;
  maxPartitions: number | null;
  maxConnections: number | null;
  requestPercentage: number | null;
  /** Consumer groups; null: the broker's --max-groups-per-tenant. */
  maxGroups: number | null;
  /** Committed offsets (group, topic, partition); null: the broker's --max-committed-offsets-per-tenant. */
  maxCommittedOffsets: number | null;
  /** Transactional ids (each with at most one open transaction); null: the broker's --max-transactional-ids-per-tenant. */
  maxTransactionalIds: number | null;
}

export const NO_QUOTA: TenantQuota = {
  produceBytesPerSec: null,
  fetchBytesPerSec: null,
  storageBytes: null,
  maxTopics: null,
  maxPartitions: null,
  maxConnections: null,
  requestPercentage: null,
  maxGroups: null,
  maxCommittedOffsets: null,
  maxTransactionalIds: null,
};

export interface TenantInfo {
  id: string;
  slug: string;
  status: TenantStatus;
  quota: TenantQuota;
}

export interface ApiKeyInfo {
  keyId: string;
  tenantId: string;
  serviceAccountId: string;
  serviceAccountName: string;
  secretHash: string;
  scram256: ScramCredential;
  scram512: ScramCredential;
}

export interface ServiceAccountQuota {
  produceBytesPerSec: number | null;
  fetchBytesPerSec: number | null;
  requestPercentage: number | null;
}

export type AclResourceType = 'TOPIC' | 'GROUP' | 'CLUSTER' | 'TRANSACTIONAL_ID';
export type AclPatternType = 'LITERAL' | 'PREFIXED';
export type AclOperationName =
  | 'ALL'
  | 'READ'
  | 'WRITE'
  | 'CREATE'
  | 'DELETE'
  | 'ALTER'
  | 'DESCRIBE'
  | 'CLUSTER_ACTION'
  | 'DESCRIBE_CONFIGS'
  | 'ALTER_CONFIGS'
  | 'IDEMPOTENT_WRITE';

export interface AclRule {
  id: string;
  tenantId: string;
  principal: string;
  resourceType: AclResourceType;
  patternType: AclPatternType;
  resourceName: string;
  operation: AclOperationName;
  permission: 'ALLOW' | 'DENY';
  host: string;
}

export interface MetadataSnapshot {
  tenants: TenantInfo[];
  keys: ApiKeyInfo[];
  serviceAccountQuotas: { serviceAccountId: string; quota: ServiceAccountQuota }[];
  acls: AclRule[];
}

export class MetadataView {
  readonly version: number;
  readonly tenants = new Map<string, TenantInfo>();
  readonly tenantsBySlug = new Map<string, TenantInfo>();
  readonly keys = new Map<string, ApiKeyInfo>();
  readonly serviceAccountQuotas = new Map<string, ServiceAccountQuota>();
  readonly aclsByTenant = new Map<string, AclRule[]>();
  readonly snapshot: MetadataSnapshot;

  constructor(snapshot: MetadataSnapshot, version: number) {
    this.version = version;
    this.snapshot = snapshot;
    for (const t of snapshot.tenants) {
      this.tenants.set(t.id, t);
      this.tenantsBySlug.set(t.slug, t);
    }
    for (const k of snapshot.keys) this.keys.set(k.keyId, k);
    for (const q of snapshot.serviceAccountQuotas) this.serviceAccountQuotas.set(q.serviceAccountId, q.quota);
    for (const a of snapshot.acls) {
      const list = this.aclsByTenant.get(a.tenantId) ?? [];
      list.push(a);
      this.aclsByTenant.set(a.tenantId, list);
    }
  }

  static empty(): MetadataView {
    return new MetadataView({ tenants: [], keys: [], serviceAccountQuotas: [], acls: [] }, 0);
  }
}
