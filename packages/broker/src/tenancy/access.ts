/**
 * Access: what one connection may see and do. It maps the names a tenant's client uses (`orders`) to the broker's
 * internal names (`acme.orders`) and back, hides everything outside the tenant, and answers ACL questions. With auth
 * off, or for the superuser, names pass through unchanged and everything is allowed.
 */
// The tenant-namespace rule (`acme.orders`) is shared with the console and the lag collector.
import { tenantNamespace } from '@samsa/cluster/namespace';
import type { Authorizer } from '../auth/authorizer.ts';
import type { Principal } from '../auth/principal.ts';
import type { AclOperationName } from './metadata-view.ts';

export const CLUSTER_RESOURCE = 'kafka-cluster';

export class Access {
  readonly principal: Principal;
  readonly host: string;
  private readonly authorizer: Authorizer | null;
  readonly prefix: string | null;

  constructor(principal: Principal, host: string, authorizer: Authorizer | null) {
    this.principal = principal;
    this.host = host;
    this.authorizer = authorizer;
    this.prefix = principal.kind === 'tenant' ? tenantNamespace(principal.tenant.slug) : null;
  }

  get tenantId(): string | null {
    return this.principal.kind === 'tenant' ? this.principal.tenant.id : null;
  }

  /** Internal name of a topic or group the client named. */
  toInternal(name: string): string {
    return this.prefix === null ? name : this.prefix + name;
  }

  /** The client's name for an internal topic or group it owns. */
  toExternal(internal: string): string {
    return this.prefix === null ? internal : internal.slice(this.prefix.length);
  }

  /**
   * An error message as the client should read it: internal names quoted in it (`'acme.orders'`, from the topic
   * registry) become the client's own (`'orders'`).
   */
  toExternalMessage(message: string | null): string | null {
    return this.prefix === null || message === null ? message : message.replaceAll(`'${this.prefix}`, "'");
  }

  /** Whether an internal topic or group belongs to this connection's world. */
  owns(internal: string): boolean {
    return this.prefix === null || internal.startsWith(this.prefix);
  }

  canTopic(op: AclOperationName, externalName: string): boolean {
    return this.authorizer === null || this.authorizer.authorize(this.principal, this.host, op, 'TOPIC', externalName);
  }

  canGroup(op: AclOperationName, externalName: string): boolean {
    return this.authorizer === null || this.authorizer.authorize(this.principal, this.host, op, 'GROUP', externalName);
  }

  canTransactionalId(op: AclOperationName, externalId: string): boolean {
    return (
      this.authorizer === null ||
      this.authorizer.authorize(this.principal, this.host, op, 'TRANSACTIONAL_ID', externalId)
    );
  }

  canCluster(op: AclOperationName): boolean {
    return (
      this.authorizer === null || this.authorizer.authorize(this.principal, this.host, op, 'CLUSTER', CLUSTER_RESOURCE)
    );
  }

  get isSuperuser(): boolean {
    return this.principal.kind !== 'tenant';
  }
}

/** Full access, used when authentication is off. */
export function openAccess(host: string): Access {
  return new Access({ kind: 'anonymous' }, host, null);
}
