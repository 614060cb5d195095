/** What a request handler gets: the broker's state through narrow interfaces, the request header and version. */
import type { RequestHeader } from '@samsa/protocol';
import type { Logger } from 'pino';
import type { BrokerConfig } from './config.ts';
import type { Metrics } from './metrics.ts';
import type { Connection } from './server/connection.ts';
import type { TopicRegistry } from './topics/topic-registry.ts';
import type { FetchWaiters } from './topics/fetch-waiters.ts';
import type { GroupCoordinator } from './groups/group-coordinator.ts';
import type { ProducerIdAllocator } from './producers/producer-ids.ts';
import type { Tenancy } from './tenancy/tenancy.ts';
import type { Access } from './tenancy/access.ts';
import type { ControlPlaneStore } from './tenancy/control-plane-store.ts';

export interface BrokerState {
  readonly config: BrokerConfig;
  readonly clusterId: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly topics: TopicRegistry;
  readonly fetchWaiters: FetchWaiters;
  readonly groups: GroupCoordinator;
  readonly producerIds: ProducerIdAllocator;
  /** Null when authentication is off. */
  readonly tenancy: Tenancy | null;
  /** Writes ACLs and quotas to the control plane's database; null without one. */
  readonly controlPlane: ControlPlaneStore | null;
  /** Reloads the metadata view now (after the broker itself changed it). */
  reloadMetadata(): Promise<void>;
  readonly stopping: boolean;
  advertised(): { host: string; port: number };
  connectionClosed(conn: Connection): void;
}

export interface RequestContext {
  readonly state: BrokerState;
  readonly header: RequestHeader;
  readonly version: number;
  readonly connection: Connection;
  readonly log: Logger;
  /** Names, visibility and ACLs for this connection's principal. */
  readonly access: Access;
}

/** A handler: decoded request body in, response body out (null: no response, as for Produce acks=0). */
export type Handler = (
  ctx: RequestContext,
  request: any,
) => Promise<Record<string, unknown> | null> | Record<string, unknown> | null;
