/**
 * What a caller may do to a tenant's subjects: the SUBJECT bindings of its principals, decided with Kafka's ACL
 * semantics (`@samsa/cluster/acl-rules`, the broker's). Operations as Confluent's RBAC names them for subjects:
 * READ (schemas, versions, lookup, compatibility checks), WRITE (register), DELETE (versions and subjects),
 * ALTER_CONFIGS (compatibility and mode), DESCRIBE_CONFIGS (read them), DESCRIBE (see that the subject exists);
 * READ/WRITE/DELETE imply DESCRIBE, ALTER_CONFIGS implies DESCRIBE_CONFIGS, ALL covers all, DENY wins.
 *
 * The tenant admin (allowed ALL on the cluster, without a DENY ALL there) may do everything that is not denied, and
 * alone changes the tenant's global compatibility and mode. While the tenant has no SUBJECT binding at all, every
 * other key reads (READ, DESCRIBE, DESCRIBE_CONFIGS) every subject and writes none: the registry's behaviour before
 * subject ACLs. The first SUBJECT binding in the tenant turns that off for all of its keys.
 */
import { type AclRuleFields, aclAllows, aclHostMatches } from '@samsa/cluster/acl-rules';

export type SubjectOperation = 'READ' | 'WRITE' | 'DELETE' | 'DESCRIBE' | 'DESCRIBE_CONFIGS' | 'ALTER_CONFIGS';

/** A tenant key's bindings, as the authenticator caches them. */
export interface KeyBindings {
  /** The CLUSTER and SUBJECT bindings of the key's principals (`User:<key id>`, `User:<service account>`, `User:*`). */
  rules: AclRuleFields[];
  /** Whether the tenant has any SUBJECT binding, for any principal. */
  tenantHasSubjectAcls: boolean;
}

export interface SubjectAccess {
  /** Whether the caller may do `op` on `subject`. */
  may(op: SubjectOperation, subject: string): boolean;
  /** Whether the caller changes the tenant's global settings (the tenant admin or the platform admin). */
  readonly global: boolean;
}

const READS: readonly SubjectOperation[] = ['READ', 'DESCRIBE', 'DESCRIBE_CONFIGS'];

/** The platform admin: everything. */
export const FULL_ACCESS: SubjectAccess = { may: () => true, global: true };

/** A tenant key's access from a client at `host` (the request's remote address, as the broker compares it). */
export function keyAccess(bindings: KeyBindings, host: string): SubjectAccess {
  const rules = bindings.rules.filter((r) => aclHostMatches(r, host));
  const admin = aclAllows(rules, 'ALL', 'CLUSTER', 'kafka-cluster');
  // Without the admin's rights only SUBJECT bindings count (a DENY ALL on the cluster takes those rights away).
  const subjectRules = admin ? rules : rules.filter((r) => r.resourceType === 'SUBJECT');
  return {
    global: admin,
    may: (op, subject) => {
      if (!bindings.tenantHasSubjectAcls) return admin || READS.includes(op);
      return aclAllows(subjectRules, op, 'SUBJECT', subject);
    },
  };
}
