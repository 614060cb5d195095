/** What a request handler gets: the broker's state through narrow interfaces, the request header and version. */
import type { ApiDefinition, RequestHeader, RequestOf, ResponseOf } from '@samsa/protocol';
import type { Logger } from 'pino';
import type { BrokerConfig } from './config.ts';
import type { Metrics } from './metrics.ts';
import type { Mechanism, StepResult } from './auth/sasl-mechanisms.ts';
import type { TopicRegistry } from './topics/topic-registry.ts';
import type { FetchWaiters } from './topics/fetch-waiters.ts';
import type { GroupCoordinator } from './groups/group-coordinator.ts';
import type { ProducerIdAllocator } from './producers/producer-ids.ts';
import type { TransactionCoordinator } from './transactions/transaction-coordinator.ts';
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
  readonly transactions: TransactionCoordinator;
  /** Null when authentication is off. */
  readonly tenancy: Tenancy | null;
  /** Writes ACLs and quotas to the control plane's database; null without one. */
  readonly controlPlane: ControlPlaneStore | null;
  /** Reloads the metadata view now (after the broker itself changed it). */
  reloadMetadata(): Promise<void>;
  readonly stopping: boolean;
  advertised(): { host: string; port: number };
}

/**
 * What a handler may do to the client connection it serves: no socket, no frames. The server's Connection
 * implements it; handlers never import the server.
 */
export interface ClientConnection {
  /** The client's IP address, as group member hosts report it. */
  readonly remoteAddress: string;
  readonly isAuthenticated: boolean;
  /** SaslHandshake chose a mechanism; `raw` (handshake v0): the next frames are bare SASL tokens. */
  beginSasl(mechanism: Mechanism, raw: boolean): void;
  /** Feeds one client SASL message; on success the connection becomes that principal. */
  saslStep(bytes: Buffer): StepResult;
  /** Kafka-style quota throttling: stop reading from this client for `throttleMs`. */
  mute(throttleMs: number): void;
}

export interface RequestContext {
  readonly state: BrokerState;
  readonly header: RequestHeader;
  readonly version: number;
  readonly connection: ClientConnection;
  readonly log: Logger;
  /** Names, visibility and ACLs for this connection's principal. */
  readonly access: Access;
}

/**
 * A handler of API A: its decoded request in, its response out (null: no response, as for Produce acks=0). Both
 * types come from A's definition, so tsc checks every field a handler reads or writes against the protocol. A
 * handler also declares its return type (`(ctx, req): Promise<ResponseOf<typeof A>> => ...`): tsc rejects a
 * misspelled field in a returned object literal only against a declared return type, not against this one.
 */
export type Handler<A extends ApiDefinition> = (
  ctx: RequestContext,
  request: RequestOf<A>,
) => Promise<ResponseOf<A> | null> | ResponseOf<A> | null;
