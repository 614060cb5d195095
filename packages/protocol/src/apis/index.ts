/** The registry of every API this broker implements, by key. */
import type { ApiDefinition } from '../schema.ts';
import { AlterConfigs } from './alter-configs.ts';
import { ApiVersions } from './api-versions.ts';
import { CreatePartitions } from './create-partitions.ts';
import { CreateTopics } from './create-topics.ts';
import { DeleteGroups } from './delete-groups.ts';
import { DeleteRecords } from './delete-records.ts';
import { DeleteTopics } from './delete-topics.ts';
import { DescribeCluster } from './describe-cluster.ts';
import { DescribeConfigs } from './describe-configs.ts';
import { DescribeGroups } from './describe-groups.ts';
import { Fetch } from './fetch.ts';
import { FindCoordinator } from './find-coordinator.ts';
import { Heartbeat } from './heartbeat.ts';
import { IncrementalAlterConfigs } from './incremental-alter-configs.ts';
import { InitProducerId } from './init-producer-id.ts';
import { JoinGroup } from './join-group.ts';
import { LeaveGroup } from './leave-group.ts';
import { ListGroups } from './list-groups.ts';
import { ListOffsets } from './list-offsets.ts';
import { Metadata } from './metadata.ts';
import { OffsetCommit } from './offset-commit.ts';
import { OffsetDelete } from './offset-delete.ts';
import { OffsetFetch } from './offset-fetch.ts';
import { Produce } from './produce.ts';
import { SyncGroup } from './sync-group.ts';

export {
  AlterConfigs,
  ApiVersions,
  CreatePartitions,
  CreateTopics,
  DeleteGroups,
  DeleteRecords,
  DeleteTopics,
  DescribeCluster,
  DescribeConfigs,
  DescribeGroups,
  Fetch,
  FindCoordinator,
  Heartbeat,
  IncrementalAlterConfigs,
  InitProducerId,
  JoinGroup,
  LeaveGroup,
  ListGroups,
  ListOffsets,
  Metadata,
  OffsetCommit,
  OffsetDelete,
  OffsetFetch,
  Produce,
  SyncGroup,
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
  ApiVersions, // 18
  CreateTopics, // 19
  DeleteTopics, // 20
  DeleteRecords, // 21
  InitProducerId, // 22
  DescribeConfigs, // 32
  AlterConfigs, // 33
  CreatePartitions, // 37
  DeleteGroups, // 42
  IncrementalAlterConfigs, // 44
  OffsetDelete, // 47
  DescribeCluster, // 60
];

export const API_BY_KEY: ReadonlyMap<number, ApiDefinition> = new Map(ALL_APIS.map((a) => [a.key, a]));
