/** Who is on the other end of a connection, once it has authenticated (or `anonymous` when auth is off). */
import { processorAclPrincipal } from '@samsa/cluster/namespace';
import type { ApiKeyInfo, TenantInfo } from '../tenancy/metadata-view.ts';

/** What a tenant principal needs of its key: who it is for ACLs and which service account's quotas apply. */
export type KeyIdentity = Pick<ApiKeyInfo, 'keyId' | 'serviceAccountId' | 'serviceAccountName'>;

export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'superuser'; name: string }
  /**
   * A tenant's client. `delegatedBy` names the superuser when it signed in with the SASL authorization id
   * `tenant:<slug>` (the console producing for a tenant): the tenant's namespace and quotas apply, ACLs do not
   * (it acts with the tenant admin's rights), and it is cut off when the tenant stops being ACTIVE. With
   * `processor` (authorization id `tenant:<slug>/processor:<name>`, the processor host) the tenant's namespace and
   * quotas apply too, but not the admin's rights: ACLs decide, for `User:processor:<name>` and `User:*`.
   */
  | { kind: 'tenant'; tenant: TenantInfo; key: KeyIdentity; delegatedBy?: string; processor?: string };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

/** The Kafka principal names an ACL can use for this connection. */
export function principalNames(p: Principal): string[] {
  if (p.kind !== 'tenant') return [];
  if (p.processor !== undefined) return [processorAclPrincipal(p.processor), 'User:*'];
  if (p.delegatedBy) return [];
  return [`User:${p.key.keyId}`, `User:${p.key.serviceAccountName}`, 'User:*'];
}

export function describePrincipal(p: Principal): string {
  if (p.kind === 'anonymous') return 'User:ANONYMOUS';
  if (p.kind === 'superuser') return `User:${p.name}`;
  if (p.processor !== undefined) {
    return `${processorAclPrincipal(p.processor)} (superuser ${p.delegatedBy}, tenant ${p.tenant.slug})`;
  }
  if (p.delegatedBy) return `User:${p.delegatedBy} (acting for tenant ${p.tenant.slug})`;
  return `User:${p.key.serviceAccountName} (key ${p.key.keyId}, tenant ${p.tenant.slug})`;
}
