/** The handler table: one handler per API key. ApiVersions advertises exactly what is listed here. */
import { API_BY_KEY, parseRange } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { handleAlterConfigs, handleIncrementalAlterConfigs } from './alter-configs.ts';
import { handleApiVersions } from './api-versions.ts';
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
import { handleSaslHandshake } from './sasl-handshake.ts';
import { handleSaslAuthenticate } from './sasl-authenticate.ts';
import { handleCreateAcls, handleDeleteAcls, handleDescribeAcls } from './acls.ts';
import { handleAlterClientQuotas, handleDescribeClientQuotas } from './client-quotas.ts';

export const HANDLERS: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [0, handleProduce],
  [1, handleFetch],
  [2, handleListOffsets],
  [3, handleMetadata],
  [8, handleOffsetCommit],
  [9, handleOffsetFetch],
  [10, handleFindCoordinator],
  [11, handleJoinGroup],
  [12, handleHeartbeat],
  [13, handleLeaveGroup],
  [14, handleSyncGroup],
  [15, handleDescribeGroups],
  [16, handleListGroups],
  [17, handleSaslHandshake],
  [18, handleApiVersions],
  [19, handleCreateTopics],
  [20, handleDeleteTopics],
  [21, handleDeleteRecords],
  [22, handleInitProducerId],
  [23, handleOffsetForLeaderEpoch],
  [29, handleDescribeAcls],
  [30, handleCreateAcls],
  [31, handleDeleteAcls],
  [32, handleDescribeConfigs],
  [33, handleAlterConfigs],
  [35, handleDescribeLogDirs],
  [36, handleSaslAuthenticate],
  [37, handleCreatePartitions],
  [42, handleDeleteGroups],
  [44, handleIncrementalAlterConfigs],
  [47, handleOffsetDelete],
  [48, handleDescribeClientQuotas],
  [49, handleAlterClientQuotas],
  [60, handleDescribeCluster],
]);

type ApiRange = { apiKey: number; minVersion: number; maxVersion: number };
let cached: ApiRange[] | null = null;

/** The ApiVersions answer: every API with a handler, at the versions its definition advertises. */
export function supportedApiVersions(): ApiRange[] {
  if (cached) return cached;
  cached = [...HANDLERS.keys()]
    .sort((a, b) => a - b)
    .flatMap((key) => {
      const api = API_BY_KEY.get(key);
      if (!api) return [];
      const [minVersion, maxVersion] = parseRange(api.versions);
      return [{ apiKey: key, minVersion, maxVersion }];
    });
  return cached;
}
