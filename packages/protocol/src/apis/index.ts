/** The registry of every API this broker implements, by key. */
import type { ApiDefinition } from '../schema.ts';
import { AddOffsetsToTxn } from './add-offsets-to-txn.ts';
import { AddPartitionsToTxn } from './add-partitions-to-txn.ts';
import { AlterClientQuotas } from './alter-client-quotas.ts';
import { AlterConfigs } from './alter-configs.ts';
import { AlterUserScramCredentials } from './alter-user-scram-credentials.ts';
import { ApiVersions } from './api-versions.ts';
import { ConsumerGroupDescribe } from './consumer-group-describe.ts';
import { ConsumerGroupHeartbeat } from './consumer-group-heartbeat.ts';
import { CreateAcls } from './create-acls.ts';
import { CreatePartitions } from './create-partitions.ts';
import { CreateTopics } from './create-topics.ts';
import { DeleteAcls } from './delete-acls.ts';
import { DeleteGroups } from './delete-groups.ts';
import { DeleteRecords } from './delete-records.ts';
import { DeleteTopics } from './delete-topics.ts';
import { DescribeAcls } from './describe-acls.ts';
import { DescribeClientQuotas } from './describe-client-quotas.ts';
import { DescribeCluster } from './describe-cluster.ts';
import { DescribeConfigs } from './describe-configs.ts';
import { DescribeGroups } from './describe-groups.ts';
import { DescribeLogDirs } from './describe-log-dirs.ts';
import { DescribeProducers } from './describe-producers.ts';
import { DescribeTransactions } from './describe-transactions.ts';
import { DescribeUserScramCredentials } from './describe-user-scram-credentials.ts';
import { EndTxn } from './end-txn.ts';
import { Fetch } from './fetch.ts';
import { FindCoordinator } from './find-coordinator.ts';
import { Heartbeat } from './heartbeat.ts';
import { IncrementalAlterConfigs } from './incremental-alter-configs.ts';
import { InitProducerId } from './init-producer-id.ts';
import { JoinGroup } from './join-group.ts';
import { LeaveGroup } from './leave-group.ts';
import { ListGroups } from './list-groups.ts';
import { ListOffsets } from './list-offsets.ts';
import { ListTransactions } from './list-transactions.ts';
import { Metadata } from './metadata.ts';
import { OffsetCommit } from './offset-commit.ts';
import { OffsetDelete } from './offset-delete.ts';
import { OffsetFetch } from './offset-fetch.ts';
import { OffsetForLeaderEpoch } from './offset-for-leader-epoch.ts';
import { Produce } from './produce.ts';
import { SaslAuthenticate } from './sasl-authenticate.ts';
import { SaslHandshake } from './sasl-handshake.ts';
import { SyncGroup } from './sync-group.ts';
import { TxnOffsetCommit } from './txn-offset-commit.ts';
import { WriteTxnMarkers } from './write-txn-markers.ts';

export {
  AddOffsetsToTxn,
  AddPartitionsToTxn,
  AlterClientQuotas,
  AlterConfigs,
  AlterUserScramCredentials,
  ApiVersions,
  ConsumerGroupDescribe,
  ConsumerGroupHeartbeat,
  CreateAcls,
  CreatePartitions,
  CreateTopics,
  DeleteAcls,
  DeleteGroups,
  DeleteRecords,
  DeleteTopics,
  DescribeAcls,
  DescribeClientQuotas,
  DescribeCluster,
  DescribeConfigs,
  DescribeGroups,
  DescribeLogDirs,
  DescribeProducers,
  DescribeTransactions,
  DescribeUserScramCredentials,
  EndTxn,
  Fetch,
  FindCoordinator,
  Heartbeat,
  IncrementalAlterConfigs,
  InitProducerId,
  JoinGroup,
  LeaveGroup,
  ListGroups,
  ListOffsets,
  ListTransactions,
  Metadata,
  OffsetCommit,
  OffsetDelete,
  OffsetFetch,
  OffsetForLeaderEpoch,
  Produce,
  SaslAuthenticate,
  SaslHandshake,
  SyncGroup,
  TxnOffsetCommit,
  WriteTxnMarkers,
};

/** Every defined API, sorted by key. */
export const ALL_APIS: readonly ApiDefinition[] = [
  Produce, // 0
  Fetch, // 1
  ListOffsets, // 2
  Metadata, // 3
  OffsetCommit, // 8
  OffsetFetch, // 9
  FindCoordinator, // 10
  JoinGroup, // 11
  Heartbeat, // 12
  LeaveGroup, // 13
  SyncGroup, // 14
  DescribeGroups, // 15
  ListGroups, // 16
  SaslHandshake, // 17
  ApiVersions, // 18
  CreateTopics, // 19
  DeleteTopics, // 20
  DeleteRecords, // 21
  InitProducerId, // 22
  OffsetForLeaderEpoch, // 23
  AddPartitionsToTxn, // 24
  AddOffsetsToTxn, // 25
  EndTxn, // 26
  WriteTxnMarkers, // 27
  TxnOffsetCommit, // 28
  DescribeAcls, // 29
  CreateAcls, // 30
  DeleteAcls, // 31
  DescribeConfigs, // 32
  AlterConfigs, // 33
  DescribeLogDirs, // 35
  SaslAuthenticate, // 36
  CreatePartitions, // 37
  DeleteGroups, // 42
  IncrementalAlterConfigs, // 44
  OffsetDelete, // 47
  DescribeClientQuotas, // 48
  AlterClientQuotas, // 49
  DescribeUserScramCredentials, // 50
  AlterUserScramCredentials, // 51
  DescribeCluster, // 60
  DescribeProducers, // 61
  DescribeTransactions, // 65
  ListTransactions, // 66
  ConsumerGroupHeartbeat, // 68
  ConsumerGroupDescribe, // 69
];

export const API_BY_KEY: ReadonlyMap<number, ApiDefinition> = new Map(ALL_APIS.map((a) => [a.key, a]));
