/**
 * Metadata: this broker as the only node and leader of every partition. A tenant sees only its own topics, under
 * its own names; topics it may not DESCRIBE are hidden from listings and refused when named. Auto-creation needs
 * CREATE and respects the tenant's topic and partition quotas.
 */
import { ErrorCode, type Metadata, type ResponseOf, ZERO_UUID } from '@samsa/protocol';
import type { Handler, RequestContext } from '../request-context.ts';
import { clientTopicNameProblem } from '../topics/topic-config.ts';
import type { Topic } from '../topics/topic-registry.ts';
import { topicQuotaProblem } from '../tenancy/tenancy.ts';
import { ALL_TOPIC_OPERATIONS } from './acl-operations.ts';

type MetadataTopic = ResponseOf<typeof Metadata>['topics'][number];

export function topicMetadata(ctx: RequestContext, topic: Topic, includeOps: boolean): MetadataTopic {
  const nodeId = ctx.state.config.nodeId;
  const name = ctx.access.toExternal(topic.name);
  return {
    errorCode: ErrorCode.NONE,
    name,
    topicId: topic.id,
    isInternal: name.startsWith('__'),
    partitions: topic.partitions.map((_, i): MetadataTopic['partitions'][number] => ({
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

function missing(name: string | null, topicId: string, errorCode: number): MetadataTopic {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 };
}

/** Auto-creates a topic the client named when the broker allows it, the client may CREATE, and quotas permit. */
async function autoCreate(ctx: RequestContext, name: string): Promise<Topic | number> {
  const { state, access } = ctx;
  if (!state.config.autoCreateTopicsEnable) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  if (!access.canTopic('CREATE', name) && !access.canCluster('CREATE')) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  const problem = topicQuotaProblem(state.tenancy, access.principal, 1, state.config.defaultPartitions);
  if (problem) {
    ctx.log.info({ topic: name, problem }, 'auto-creation refused');
    return ErrorCode.POLICY_VIOLATION;
  }
  return (await state.topics.getOrAutoCreate(access.toInternal(name))) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
}

export const handleMetadata: Handler<typeof Metadata> = async (ctx, req): Promise<ResponseOf<typeof Metadata>> => {
  const { state, version, access } = ctx;
  const { host, port } = state.advertised();
  // v0: an empty list means all topics; v1+: null means all topics.
  const all = req.topics === null || (version === 0 && req.topics.length === 0);
  const mayAutoCreate = version < 4 ? true : req.allowAutoTopicCreation;
  const ops = req.includeTopicAuthorizedOperations ?? false;
  const topics: MetadataTopic[] = [];
  if (all) {
    for (const t of state.topics.list()) {
      if (access.owns(t.name) && access.canTopic('DESCRIBE', access.toExternal(t.name))) {
        topics.push(topicMetadata(ctx, t, ops));
      }
    }
  } else {
    for (const requested of req.topics ?? []) {
      if (requested.name === null) {
        const topicId = requested.topicId ?? ZERO_UUID;
        const t = topicId !== ZERO_UUID ? state.topics.getById(topicId) : undefined;
        const visible = t && access.owns(t.name) && access.canTopic('DESCRIBE', access.toExternal(t.name));
        topics.push(visible ? topicMetadata(ctx, t, ops) : missing(null, topicId, ErrorCode.UNKNOWN_TOPIC_ID));
        continue;
      }
      const name = requested.name;
      const problem = clientTopicNameProblem(name, access.prefix);
      if (problem) {
        topics.push(missing(name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION));
        continue;
      }
      if (!access.canTopic('DESCRIBE', name)) {
        topics.push(missing(name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
        continue;
      }
      const existing = state.topics.get(access.toInternal(name));
      const t = existing ?? (mayAutoCreate ? await autoCreate(ctx, name) : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      topics.push(typeof t === 'number' ? missing(name, ZERO_UUID, t) : topicMetadata(ctx, t, ops));
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

export { autoCreate };
