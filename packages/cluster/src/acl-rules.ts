/**
 * Kafka's ACL semantics, written once for the broker (topics, groups, transactional ids, the cluster) and the schema
 * registry (subjects): deny wins; READ/WRITE/DELETE/ALTER imply DESCRIBE and ALTER_CONFIGS implies DESCRIBE_CONFIGS;
 * a principal allowed ALL on the cluster is its tenant's admin, allowed everything in the tenant unless denied; no
 * matching allow means deny. Dependency-free (imported as `@samsa/cluster/acl-rules` without the Kafka client).
 */

/** The fields of a binding the decision reads (`AclBinding` rows and the broker's view of them both fit). */
export interface AclRuleFields {
  resourceType: string;
  patternType: 'LITERAL' | 'PREFIXED';
  resourceName: string;
  operation: string;
  permission: 'ALLOW' | 'DENY';
  host: string;
}

const IMPLIED_BY: Record<string, string[]> = {
  DESCRIBE: ['READ', 'WRITE', 'DELETE', 'ALTER', 'DESCRIBE'],
  DESCRIBE_CONFIGS: ['ALTER_CONFIGS', 'DESCRIBE_CONFIGS'],
};

/** Whether a binding names resource `name` of `type`: literally (`*` is every name) or by prefix. */
export function aclResourceMatches(rule: AclRuleFields, type: string, name: string): boolean {
  if (rule.resourceType !== type) return false;
  if (rule.patternType === 'PREFIXED') return name.startsWith(rule.resourceName);
  return rule.resourceName === '*' || rule.resourceName === name;
}

/** Whether a binding applies to a client at `host` (its IP address); `*` is every host. */
export function aclHostMatches(rule: AclRuleFields, host: string): boolean {
  return rule.host === '*' || rule.host === host;
}

/** Whether the bindings make their principal its tenant's admin (ALLOW ALL on the cluster). */
export function isTenantAdmin(rules: readonly AclRuleFields[]): boolean {
  return rules.some((r) => r.permission === 'ALLOW' && r.resourceType === 'CLUSTER' && r.operation === 'ALL');
}

/**
 * Whether `op` on resource `name` of `type` is allowed, given the bindings of the caller's principals that apply to
 * its host (the caller filters by principal and host).
 */
export function aclAllows(rules: readonly AclRuleFields[], op: string, type: string, name: string): boolean {
  const matching = rules.filter((r) => aclResourceMatches(r, type, name));
  if (matching.some((r) => r.permission === 'DENY' && (r.operation === op || r.operation === 'ALL'))) return false;
  if (isTenantAdmin(rules)) return true;
  const granting = IMPLIED_BY[op] ?? [op];
  return matching.some((r) => r.permission === 'ALLOW' && (r.operation === 'ALL' || granting.includes(r.operation)));
}
