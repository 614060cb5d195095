/**
 * What Samsa owns on a managed Apache Kafka cluster, by name: tenant `acme`'s topics, groups and transactional ids
 * under `acme.`, and one SCRAM user per API key, `samsa.acme.<keyId>` (Kafka principal `User:samsa.acme.<keyId>`).
 * The reconciler reads and changes only what these names cover. Tenant slugs contain no dots, so both prefixes are
 * unambiguous (`samsa.acme.` never covers tenant `acme-eu`'s users).
 */
import { tenantNamespace } from '../namespace.ts';

/** Every SCRAM user Samsa places on a managed cluster starts with this. */
export const MANAGED_USER_PREFIX = 'samsa.';

/** The SCRAM user of tenant `slug`'s API key `keyId`: `samsa.acme.SK...`. */
export function managedUserName(slug: string, keyId: string): string {
  return `${MANAGED_USER_PREFIX}${slug}.${keyId}`;
}

/** The Kafka principal of that user, as ACLs name it. */
export function managedPrincipal(slug: string, keyId: string): string {
  return `User:${managedUserName(slug, keyId)}`;
}

/** The prefix of tenant `slug`'s SCRAM users: `samsa.acme.`. */
export function managedUserPrefix(slug: string): string {
  return `${MANAGED_USER_PREFIX}${slug}.`;
}

/** Whether SCRAM user (or quota entity) `user` belongs to tenant `slug`. */
export function ownsUser(slug: string, user: string): boolean {
  return user.startsWith(managedUserPrefix(slug));
}

/** Whether ACL principal `principal` is one of tenant `slug`'s users. */
export function ownsPrincipal(slug: string, principal: string): boolean {
  return principal.startsWith(`User:${managedUserPrefix(slug)}`);
}

/** Whether topic, group or transactional id `name` lies under tenant `slug`'s prefix. */
export function ownsResource(slug: string, name: string): boolean {
  return name.startsWith(tenantNamespace(slug));
}
