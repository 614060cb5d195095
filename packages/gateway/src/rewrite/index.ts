/**
 * The APIs the gateway forwards, each with its rewrite, by key. Anything not here (and not answered by the gateway
 * itself: ApiVersions, SaslHandshake, SaslAuthenticate) is refused: it would pass the cluster's names through.
 */
import { consumerGroupDescribeRewrite, consumerGroupHeartbeatRewrite } from './consumer-groups.ts';
import type { ApiRewrite } from './context.ts';
import { describeLogDirsRewrite } from './log-dirs.ts';
import {
  addOffsetsToTxnRewrite,
  addPartitionsToTxnRewrite,
  describeProducersRewrite,
  describeTransactionsRewrite,
  endTxnRewrite,
  listTransactionsRewrite,
  txnOffsetCommitRewrite,
} from './transactions.ts';
import {
  deleteGroupsRewrite,
  describeGroupsRewrite,
  findCoordinatorRewrite,
  heartbeatRewrite,
  initProducerIdRewrite,
  joinGroupRewrite,
  leaveGroupRewrite,
  listGroupsRewrite,
  offsetCommitRewrite,
  offsetFetchRewrite,
  syncGroupRewrite,
} from './groups.ts';
import {
  createPartitionsRewrite,
  createTopicsRewrite,
  deleteTopicsRewrite,
  describeClusterRewrite,
  describeConfigsRewrite,
  fetchRewrite,
  incrementalAlterConfigsRewrite,
  listOffsetsRewrite,
  metadataRewrite,
  offsetForLeaderEpochRewrite,
  produceRewrite,
} from './topics.ts';

export const REWRITES: ReadonlyMap<number, ApiRewrite> = new Map(
  [
    produceRewrite,
    fetchRewrite,
    listOffsetsRewrite,
    metadataRewrite,
    offsetCommitRewrite,
    offsetFetchRewrite,
    findCoordinatorRewrite,
    joinGroupRewrite,
    heartbeatRewrite,
    leaveGroupRewrite,
    syncGroupRewrite,
    describeGroupsRewrite,
    listGroupsRewrite,
    createTopicsRewrite,
    deleteTopicsRewrite,
    initProducerIdRewrite,
    addPartitionsToTxnRewrite,
    addOffsetsToTxnRewrite,
    endTxnRewrite,
    txnOffsetCommitRewrite,
    offsetForLeaderEpochRewrite,
    describeConfigsRewrite,
    createPartitionsRewrite,
    deleteGroupsRewrite,
    incrementalAlterConfigsRewrite,
    describeClusterRewrite,
    consumerGroupHeartbeatRewrite,
    consumerGroupDescribeRewrite,
    describeLogDirsRewrite,
    listTransactionsRewrite,
    describeTransactionsRewrite,
    describeProducersRewrite,
  ].map((r) => [r.api.key, r]),
);

export type { ApiRewrite, Msg, RewriteContext, Rewritten } from './context.ts';
