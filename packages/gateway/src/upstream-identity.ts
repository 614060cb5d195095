/**
 * Which Kafka user a signed-in principal reaches the cluster as. A tenant's key signs in as its own SCRAM user
 * `samsa.<slug>.<keyId>` (Kafka's prefixed ACLs are then a second wall behind the gateway's rewrite). The platform
 * superuser — alone (the platform view: every tenant's names, prefixed) or acting for a tenant (authorization id
 * `tenant:<slug>`, or `tenant:<slug>/processor:<name>`) — has no user of its own on the cluster: it signs in as the
 * gateway's admin principal. That path is trusted: the console, the lag collector and the processor host hold the
 * superuser's password, the gateway's rewrite and Samsa's rules (namespace, ACLs for processors, quotas) are its only
 * wall, and Kafka's prefixed ACLs do not apply to it.
 */
import type { Principal } from '@samsa/broker/principal';

export type UpstreamIdentity =
  /** The key's own user on the cluster. */
  | { kind: 'key'; slug: string; keyId: string }
  /** The gateway's admin principal (SAMSA_CLUSTER_SASL_USERNAME). */
  | { kind: 'admin' };

export function upstreamIdentity(principal: Principal): UpstreamIdentity {
  if (principal.kind === 'tenant' && principal.delegatedBy === undefined)
    return { kind: 'key', slug: principal.tenant.slug, keyId: principal.key.keyId };
  if (principal.kind === 'anonymous') throw new Error('an anonymous connection never reaches the cluster');
  return { kind: 'admin' };
}

/** The client id Kafka logs a connection under: the tenant's slug, or `platform` for the superuser's own view. */
export function upstreamClientId(principal: Principal): string {
  return `samsa-gateway/${principal.kind === 'tenant' ? principal.tenant.slug : 'platform'}`;
}
