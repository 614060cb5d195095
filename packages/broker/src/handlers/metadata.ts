/** Metadata: this broker as the only node and leader of every partition; auto-creates topics when allowed. */
import { ErrorCode, ZERO_UUID } from '@samsa/protocol';
import type { Handler, RequestContext } from '../request-context.ts';
import { topicNameProblem } from '../topics/topic-config.ts';
import type { Topic } from '../topics/topic-registry.ts';
import { ALL_TOPIC_OPERATIONS } from './acl-operations.ts';

interface MetadataRequest {
  topics: { topicId: string; name: string | null }[] | null;
  allowAutoTopicCreation: boolean;
  includeTopicAuthorizedOperations: boolean;
}

export function topicMetadata(ctx: RequestContext, topic: Topic, includeOps: boolean) {
  const nodeId = ctx.state.config.nodeId;
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.id,
    isInternal: topic.name.startsWith('__'),
    partitions: topic.partitions.map((_, i) => ({
      errorCode: ErrorCode.NONE,
      partitionIndex: i,
      leaderId: nodeId,
      leaderEpoch: 0,
      replicaNodes: [nodeId],
      isrNodes: [nodeId],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: includeOps ? ALL_TOPIC_OPERATIONS : -2147483648,
  };
}

function missing(name: string | null, topicId: string, errorCode: number) {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 };
}

export const handleMetadata: Handler = async (ctx, req: MetadataRequest) => {
  const { state, version } = ctx;
  const { host, port } = state.advertised();
  // v0: an empty list means all topics; v1+: null means all topics.
  const all = req.topics === null || (version === 0 && req.topics.length === 0);
  const autoCreate = version < 4 ? true : req.allowAutoTopicCreation;
  const topics = [];
  if (all) {
    for (const t of state.topics.list()) topics.push(topicMetadata(ctx, t, req.includeTopicAuthorizedOperations));
  } else {
    for (const requested of req.topics!) {
      if (requested.name === null || requested.name === undefined) {
        const t = requested.topicId !== ZERO_UUID ? state.topics.getById(requested.topicId) : undefined;
        topics.push(
          t
            ? topicMetadata(ctx, t, req.includeTopicAuthorizedOperations)
            : missing(null, requested.topicId, ErrorCode.UNKNOWN_TOPIC_ID),
        );
        continue;
      }
      const name = requested.name;
      if (topicNameProblem(name)) {
        topics.push(missing(name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION));
        continue;
      }
      const t = autoCreate ? await state.topics.getOrAutoCreate(name) : state.topics.get(name);
      topics.push(
        t
          ? topicMetadata(ctx, t, req.includeTopicAuthorizedOperations)
          : missing(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION),
      );
    }
  }
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId: state.config.nodeId, host, port, rack: null }],
    clusterId: state.clusterId,
    controllerId: state.config.nodeId,
    topics,
    clusterAuthorizedOperations: -2147483648,
  };
};
