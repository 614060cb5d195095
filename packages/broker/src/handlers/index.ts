/** The handler table: one handler per API key. ApiVersions advertises exactly what is listed here. */
import { type ApiDefinition, type ByteReader, decodeRequestBody, parseRange } from '@samsa/protocol';
import * as apis from '@samsa/protocol';
import type { Handler, RequestContext } from '../request-context.ts';
import { handleAlterConfigs, handleIncrementalAlterConfigs } from './alter-configs.ts';
import { type ApiVersionRanges, apiVersionsHandler } from './api-versions.ts';
import { handleCreatePartitions } from './create-partitions.ts';
import { handleCreateTopics } from './create-topics.ts';
import { handleDeleteRecords } from './delete-records.ts';
import { handleDeleteTopics } from './delete-topics.ts';
import { handleDescribeCluster } from './describe-cluster.ts';
import { handleDescribeConfigs } from './describe-configs.ts';
import { handleDescribeLogDirs } from './describe-log-dirs.ts';
import { handleFetch } from './fetch.ts';
import { handleListOffsets } from './list-offsets.ts';
import { handleMetadata } from './metadata.ts';
import { handleProduce } from './produce.ts';
import { handleFindCoordinator } from './find-coordinator.ts';
import { handleJoinGroup } from './join-group.ts';
import { handleSyncGroup } from './sync-group.ts';
import { handleHeartbeat } from './heartbeat.ts';
import { handleLeaveGroup } from './leave-group.ts';
import { handleOffsetCommit } from './offset-commit.ts';
import { handleOffsetFetch } from './offset-fetch.ts';
import { handleListGroups } from './list-groups.ts';
import { handleDescribeGroups } from './describe-groups.ts';
import { handleDeleteGroups } from './delete-groups.ts';
import { handleOffsetDelete } from './offset-delete.ts';
import { handleOffsetForLeaderEpoch } from './offset-for-leader-epoch.ts';
import { handleInitProducerId } from './init-producer-id.ts';
import { AddPartitionsToTxnClient, handleAddPartitionsToTxn } from './add-partitions-to-txn.ts';
import { handleAddOffsetsToTxn } from './add-offsets-to-txn.ts';
import { handleEndTxn } from './end-txn.ts';
import { handleTxnOffsetCommit } from './txn-offset-commit.ts';
import { handleDescribeTransactions } from './describe-transactions.ts';
import { handleListTransactions } from './list-transactions.ts';
import { handleDescribeProducers } from './describe-producers.ts';
import { handleWriteTxnMarkers } from './write-txn-markers.ts';
import { handleSaslHandshake } from './sasl-handshake.ts';
import { handleSaslAuthenticate } from './sasl-authenticate.ts';
import { handleCreateAcls, handleDeleteAcls, handleDescribeAcls } from './acls.ts';
import { handleAlterClientQuotas, handleDescribeClientQuotas } from './client-quotas.ts';
import { handleConsumerGroupDescribe } from './consumer-group-describe.ts';
import { handleConsumerGroupHeartbeat } from './consumer-group-heartbeat.ts';

/** A handler with the definition it was checked against; the connection decodes with that same definition. */
export interface RegisteredHandler {
  readonly api: ApiDefinition;
  /** Decodes a request body (throws ProtocolDecodeError) and returns the call that handles it. */
  decode(version: number, r: ByteReader): (ctx: RequestContext) => HandlerResult;
}

/** A response body for the encoder, or null for no response; its fields were checked as ResponseOf<A>. */
type HandlerResult = Promise<Record<string, unknown> | null> | Record<string, unknown> | null;

function register<const A extends ApiDefinition>(api: A, handler: Handler<A>): RegisteredHandler {
  return {
    api,
    decode(version, r) {
      const request = decodeRequestBody(api, version, r);
      return (ctx) => handler(ctx, request);
    },
  };
}

/** Every API this broker answers, keyed by the definition's own key (a handler cannot sit under another's key). */
export const HANDLERS: ReadonlyMap<number, RegisteredHandler> = new Map(
  [
    register(apis.Produce, handleProduce),
    register(apis.Fetch, handleFetch),
    register(apis.ListOffsets, handleListOffsets),
    register(apis.Metadata, handleMetadata),
    register(apis.OffsetCommit, handleOffsetCommit),
    register(apis.OffsetFetch, handleOffsetFetch),
    register(apis.FindCoordinator, handleFindCoordinator),
    register(apis.JoinGroup, handleJoinGroup),
    register(apis.Heartbeat, handleHeartbeat),
    register(apis.LeaveGroup, handleLeaveGroup),
    register(apis.SyncGroup, handleSyncGroup),
    register(apis.DescribeGroups, handleDescribeGroups),
    register(apis.ListGroups, handleListGroups),
    register(apis.SaslHandshake, handleSaslHandshake),
    register(apis.ApiVersions, apiVersionsHandler(supportedApiVersions)),
    register(apis.CreateTopics, handleCreateTopics),
    register(apis.DeleteTopics, handleDeleteTopics),
    register(apis.DeleteRecords, handleDeleteRecords),
    register(apis.InitProducerId, handleInitProducerId),
    // v4+ is the broker-to-broker verification form (KIP-890): not advertised, this broker verifies internally.
    register(AddPartitionsToTxnClient, handleAddPartitionsToTxn),
    register(apis.AddOffsetsToTxn, handleAddOffsetsToTxn),
    register(apis.EndTxn, handleEndTxn),
    register(apis.TxnOffsetCommit, handleTxnOffsetCommit),
    register(apis.OffsetForLeaderEpoch, handleOffsetForLeaderEpoch),
    register(apis.DescribeAcls, handleDescribeAcls),
    register(apis.CreateAcls, handleCreateAcls),
    register(apis.DeleteAcls, handleDeleteAcls),
    register(apis.DescribeConfigs, handleDescribeConfigs),
    register(apis.AlterConfigs, handleAlterConfigs),
    register(apis.DescribeLogDirs, handleDescribeLogDirs),
    register(apis.SaslAuthenticate, handleSaslAuthenticate),
    register(apis.CreatePartitions, handleCreatePartitions),
    register(apis.DeleteGroups, handleDeleteGroups),
    register(apis.IncrementalAlterConfigs, handleIncrementalAlterConfigs),
    register(apis.OffsetDelete, handleOffsetDelete),
    register(apis.DescribeClientQuotas, handleDescribeClientQuotas),
    register(apis.AlterClientQuotas, handleAlterClientQuotas),
    register(apis.DescribeCluster, handleDescribeCluster),
    register(apis.ConsumerGroupHeartbeat, handleConsumerGroupHeartbeat),
    register(apis.ConsumerGroupDescribe, handleConsumerGroupDescribe),
    register(apis.DescribeTransactions, handleDescribeTransactions),
    register(apis.ListTransactions, handleListTransactions),
    register(apis.DescribeProducers, handleDescribeProducers),
    register(apis.WriteTxnMarkers, handleWriteTxnMarkers),
  ].map((entry) => [entry.api.key, entry]),
);

let cached: ApiVersionRanges | null = null;

/** The ApiVersions answer: every API with a handler, at the versions its definition advertises. */
export function supportedApiVersions(): ApiVersionRanges {
  if (cached) return cached;
  cached = [...HANDLERS.values()]
    .map(({ api }) => {
      const [minVersion, maxVersion] = parseRange(api.versions);
      return { apiKey: api.key, minVersion, maxVersion };
    })
    .sort((a, b) => a.apiKey - b.apiKey);
  return cached;
}
