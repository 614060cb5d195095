/** Who is on the other end of a connection, once it has authenticated (or `anonymous` when auth is off). */
import type { ApiKeyInfo, TenantInfo } from '../tenancy/metadata-view.ts';

export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'superuser'; name: string }
  | { kind: 'tenant'; tenant: TenantInfo; key: ApiKeyInfo };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

/** The Kafka principal names an ACL can use for this connection. */
export function principalNames(p: Principal): string[] {
  if (p.kind !== 'tenant') return [];
  return [`User:${p.key.keyId}`, `User:${p.key.serviceAccountName}`, 'User:*'];
}

export function describePrincipal(p: Principal): string {
  if (p.kind === 'anonymous') return 'User:ANONYMOUS';
  if (p.kind === 'superuser') return `User:${p.name}`;
  return `User:${p.key.serviceAccountName} (key ${p.key.keyId}, tenant ${p.tenant.slug})`;
}
