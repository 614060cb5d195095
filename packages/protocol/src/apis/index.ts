/** The registry of every API this broker implements, by key. */
import type { ApiDefinition } from '../schema.ts';
import { AlterConfigs } from './alter-configs.ts';
import { ApiVersions } from './api-versions.ts';
import { CreatePartitions } from './create-partitions.ts';
import { CreateTopics } from './create-topics.ts';
import { DeleteRecords } from './delete-records.ts';
import { DeleteTopics } from './delete-topics.ts';
import { DescribeCluster } from './describe-cluster.ts';
import { DescribeConfigs } from './describe-configs.ts';
import { Fetch } from './fetch.ts';
import { IncrementalAlterConfigs } from './incremental-alter-configs.ts';
import { ListOffsets } from './list-offsets.ts';
import { Metadata } from './metadata.ts';
import { Produce } from './produce.ts';

export {
  AlterConfigs,
  ApiVersions,
  CreatePartitions,
  CreateTopics,
  DeleteRecords,
  DeleteTopics,
  DescribeCluster,
  DescribeConfigs,
  Fetch,
  IncrementalAlterConfigs,
  ListOffsets,
  Metadata,
  Produce,
};

/** Every defined API, sorted by key. */
export const ALL_APIS: readonly ApiDefinition[] = [
  Produce, // 0
  Fetch, // 1
  ListOffsets, // 2
  Metadata, // 3
  ApiVersions, // 18
  CreateTopics, // 19
  DeleteTopics, // 20
  DeleteRecords, // 21
  DescribeConfigs, // 32
  AlterConfigs, // 33
  CreatePartitions, // 37
  IncrementalAlterConfigs, // 44
  DescribeCluster, // 60
];

export const API_BY_KEY: ReadonlyMap<number, ApiDefinition> = new Map(ALL_APIS.map((a) => [a.key, a]));
