/**
 * What every API rewrite gets: the connection's Access (the tenant's prefix and Samsa's ACL decisions, the broker's
 * own rules), the tenant's known topic ids, and the gateway's address for each Kafka node. A rewrite turns a client's
 * request into the cluster's names (or answers it in the gateway) and the cluster's answer back into the client's.
 */
import type { Access } from '@samsa/broker/access';
import type { TenantQuota } from '@samsa/broker/tenancy';
import type { ApiDefinition } from '@samsa/protocol';
import type { TenantUsageCache } from '../tenant-usage.ts';
import type { TopicIdRegistry } from '../topic-ids.ts';

/** A decoded request or response body. The codec's output is untyped; each rewrite reads the fields it knows. */
export type Msg = Record<string, any>;

export interface GatewayAddress {
  host: string;
  port: number;
}

/** What the topic, partition and storage quotas are checked against (shared by the gateway's connections). */
export interface TenantLimits {
  /** A tenant's quota now (it follows Postgres). */
  quota(tenantId: string): TenantQuota;
  /** Tenants' topics, partitions and stored bytes on the cluster. */
  readonly usage: TenantUsageCache;
  /** The most partitions one topic may have (the broker's `maxPartitionsPerTopic`). */
  readonly maxPartitionsPerTopic: number;
}

export interface RewriteContext {
  readonly access: Access;
  readonly topicIds: TopicIdRegistry;
  readonly limits: TenantLimits;
  /** Asks the cluster (as this tenant's user) for every topic it may see, learning the tenant's topic ids. */
  refreshTopicIds(): Promise<void>;
  /**
   * The protocol type each group this connection joined uses (JoinGroup says it; SyncGroup before v5 does not), by
   * the client's group id. Bounded by the connection.
   */
  readonly groupProtocolTypes: Map<string, string>;
  /** The gateway's address for Kafka node `nodeId` (at `host:port` on the cluster); a new node gets a listener. */
  gatewayAddress(nodeId: number, host: string, port: number): Promise<GatewayAddress>;
}

/** What a rewritten request becomes: sent to the cluster (then `merge` adds what the gateway decided), or answered. */
export type Rewritten = { send: Msg; merge?: (response: Msg) => void } | { answer: Msg };

export interface ApiRewrite {
  readonly api: ApiDefinition;
  request(ctx: RewriteContext, req: Msg, version: number): Rewritten | Promise<Rewritten>;
  response(ctx: RewriteContext, res: Msg, version: number): void | Promise<void>;
  /** Extra time the cluster may take on purpose (a Fetch long-poll, a rebalance). */
  waitsMs?(req: Msg): number;
}

/** Kafka's error messages name the cluster's topics and groups (`acme.orders`): the client reads its own names. */
export function stripMessage(ctx: RewriteContext, message: string | null | undefined): string | null {
  const prefix = ctx.access.prefix;
  if (message === null || message === undefined || prefix === null) return message ?? null;
  return message.replace(new RegExp(`(^|[^A-Za-z0-9._-])${escapeRegExp(prefix)}`, 'g'), '$1');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The client's name for a cluster name, or null when it is not the tenant's (and must not be shown). */
export function external(ctx: RewriteContext, internal: string | null | undefined): string | null {
  if (internal === null || internal === undefined || !ctx.access.owns(internal)) return null;
  return ctx.access.toExternal(internal);
}

/** The items of an answer that are the tenant's, under the client's names (in `field`); the others are dropped. */
export function keepOwn(ctx: RewriteContext, items: Msg[], field: string): Msg[] {
  return items.filter((item) => {
    const name = external(ctx, item[field]);
    if (name === null) return false;
    item[field] = name;
    return true;
  });
}

/** Every partition of `topics` (offset commits' `{ name, partitions: [{ partitionIndex }] }`) answered `errorCode`. */
export function partitionErrors(topics: Msg[], errorCode: number): Msg[] {
  return topics.map((t) => ({
    name: t.name,
    partitions: (t.partitions as Msg[]).map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
  }));
}

/** An answer the gateway makes itself, with what it refused merged in. */
export function withMerged(res: Msg, merge: (res: Msg) => void): Msg {
  merge(res);
  return res;
}

/** Splits items into those allowed (kept) and those refused, by a predicate. */
export function partition<T>(items: readonly T[], allowed: (item: T) => boolean): { kept: T[]; refused: T[] } {
  const kept: T[] = [];
  const refused: T[] = [];
  for (const item of items) (allowed(item) ? kept : refused).push(item);
  return { kept, refused };
}

/** Translates a Kafka node's address in an answer into the gateway's listener for that node. */
export async function mapNode(
  ctx: RewriteContext,
  node: Msg,
  idField: 'nodeId' | 'brokerId' = 'nodeId',
): Promise<void> {
  const nodeId = node[idField] as number;
  if (nodeId < 0) return;
  const address = await ctx.gatewayAddress(nodeId, node.host as string, node.port as number);
  node.host = address.host;
  node.port = address.port;
}
