/**
 * The tenant-namespace rule, written once for the broker, the console and the lag collector: tenant `acme`'s topic
 * or group `orders` is `acme.orders` on the broker. Tenant slugs never contain '.', so `<slug>.` is an unambiguous
 * prefix. Dependency-free (imported by the broker as `@samsa/cluster/namespace` without the Kafka client).
 */

/** The prefix every topic and group of tenant `slug` carries on the broker: `acme.`. */
export function tenantNamespace(slug: string): string {
  return `${slug}.`;
}

/** The broker's name for tenant `slug`'s topic or group `name`: (`acme`, `orders`) -> `acme.orders`. */
export function brokerName(slug: string, name: string): string {
  return tenantNamespace(slug) + name;
}

/** The slug of the namespace a broker name carries (`acme.orders` -> `acme`), or null when it has none. */
export function namespaceOf(broker: string): string | null {
  const dot = broker.indexOf('.');
  return dot > 0 ? broker.slice(0, dot) : null;
}

/**
 * The name tenant `slug`'s own clients use: `acme.orders` -> `orders`. Names of other namespaces (or with no
 * tenant, `slug` null) stay whole.
 */
export function localName(slug: string | null, broker: string): string {
  return slug !== null && broker.startsWith(tenantNamespace(slug)) ? broker.slice(slug.length + 1) : broker;
}

/** A processor's name (tenant-local, also the tail of its SASL authorization id and ACL principal). */
export const PROCESSOR_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The SASL authorization id by which the platform superuser acts as tenant `slug`'s processor `name`: the tenant's
 * namespace and quotas, and the ACLs of `processorAclPrincipal(name)` (not the tenant admin's rights).
 */
export function processorAuthorizationId(slug: string, name: string): string {
  return `tenant:${slug}/processor:${name}`;
}

/** The Kafka ACL principal of processor `name` inside its tenant: `User:processor:<name>`. */
export function processorAclPrincipal(name: string): string {
  return `User:processor:${name}`;
}
