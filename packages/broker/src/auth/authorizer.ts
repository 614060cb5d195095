/**
 * Authorizer: Kafka's ACL semantics over the tenant's bindings (`@samsa/cluster/acl-rules`, shared with the schema
 * registry) — deny wins, READ/WRITE/DELETE/ALTER imply DESCRIBE, ALTER_CONFIGS implies DESCRIBE_CONFIGS, no matching
 * allow means deny. A principal allowed ALL on the cluster is its tenant's admin: everything inside the tenant is
 * allowed unless explicitly denied. Decisions are cached per view version, so produce and fetch do no I/O and no
 * per-record work for authorization.
 */
import { aclAllows, aclHostMatches } from '@samsa/cluster/acl-rules';
import type { AclOperationName, AclResourceType, MetadataView } from '../tenancy/metadata-view.ts';
import { type Principal, principalNames } from './principal.ts';

/** Bound on cached decisions; the cache is dropped when full or when the view changes. */
const MAX_CACHED_DECISIONS = 100_000;

export class Authorizer {
  private cache = new Map<string, boolean>();
  private cachedVersion = -1;
  private readonly view: () => MetadataView;

  constructor(view: () => MetadataView) {
    this.view = view;
  }

  authorize(principal: Principal, host: string, op: AclOperationName, type: AclResourceType, name: string): boolean {
    // The superuser acting for a tenant has its admin's rights (inside the namespace Access keeps it to); acting for
    // one of its processors, only what the processor's bindings grant.
    if (principal.kind !== 'tenant') return true;
    if (principal.delegatedBy && principal.processor === undefined) return true;
    const view = this.view();
    if (view.version !== this.cachedVersion || this.cache.size >= MAX_CACHED_DECISIONS) {
      this.cache = new Map();
      this.cachedVersion = view.version;
    }
    const key = `${principal.key.keyId}\u0000${host}\u0000${op}\u0000${type}\u0000${name}`;
    let decision = this.cache.get(key);
    if (decision === undefined) {
      decision = this.decide(view, principal, host, op, type, name);
      this.cache.set(key, decision);
    }
    return decision;
  }

  private decide(
    view: MetadataView,
    principal: Extract<Principal, { kind: 'tenant' }>,
    host: string,
    op: AclOperationName,
    type: AclResourceType,
    name: string,
  ): boolean {
    const names = new Set(principalNames(principal));
    const rules = (view.aclsByTenant.get(principal.tenant.id) ?? []).filter(
      (r) => names.has(r.principal) && aclHostMatches(r, host),
    );
    return aclAllows(rules, op, type, name);
  }
}
