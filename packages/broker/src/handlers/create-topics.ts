/** CreateTopics: validates name, partitions, replication factor (1 on a single node) and configs; creates topics. */
import { type CreateTopics, ErrorCode, type ResponseOf, ZERO_UUID } from '@samsa/protocol';
import {
  InvalidReplicaAssignmentError,
  InvalidReplicationFactorError,
  InvalidRequestError,
  toErrorCode,
} from '../errors.ts';
import type { Handler } from '../request-context.ts';
import { clientTopicNameProblem, effectiveConfig, InvalidConfigError } from '../topics/topic-config.ts';
import { InvalidTopicError } from '../topics/topic-registry.ts';
import { refuseTopicConfig } from './alter-configs.ts';
import { describeConfigSource } from './describe-configs.ts';
import { topicQuotaProblem } from '../tenancy/tenancy.ts';
import { TopicAuthorizationError, PolicyViolationError } from '../errors.ts';

type CreatedTopicConfig = NonNullable<ResponseOf<typeof CreateTopics>['topics'][number]['configs']>[number];

export const handleCreateTopics: Handler<typeof CreateTopics> = async (
  ctx,
  req,
): Promise<ResponseOf<typeof CreateTopics>> => {
  const { state, access } = ctx;
  const counts = new Map<string, number>();
  for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const topics: ResponseOf<typeof CreateTopics>['topics'][number][] = [];
  for (const t of req.topics) {
    const base = { name: t.name, topicId: ZERO_UUID, numPartitions: -1, replicationFactor: -1, configs: null };
    try {
      if ((counts.get(t.name) ?? 0) > 1) throw new InvalidRequestError(`topic '${t.name}' appears more than once`);
      const nameProblem = clientTopicNameProblem(t.name, access.prefix);
      if (nameProblem) throw new InvalidTopicError(nameProblem);
      if (!access.canTopic('CREATE', t.name) && !access.canCluster('CREATE')) {
        throw new TopicAuthorizationError(`not authorized to create topic '${t.name}'`);
      }
      if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
        throw new InvalidReplicationFactorError(
          `replication factor ${t.replicationFactor} is impossible on a single-node Samsa broker; use 1 or -1`,
        );
      }
      let partitions = t.numPartitions === -1 ? state.config.defaultPartitions : t.numPartitions;
      if (t.assignments.length > 0) {
        if (t.numPartitions !== -1) {
          throw new InvalidRequestError('give either numPartitions or replica assignments, not both');
        }
        if (t.assignments.some((a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== state.config.nodeId)) {
          throw new InvalidReplicaAssignmentError(`every partition must be assigned to broker ${state.config.nodeId}`);
        }
        partitions = t.assignments.length;
      }
      const configs: Record<string, string> = {};
      for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
      const internal = access.toInternal(t.name);
      state.topics.validateCreate(internal, partitions, configs);
      const quotaProblem = topicQuotaProblem(state.tenancy, access.principal, 1, partitions);
      if (quotaProblem) {
        ctx.log.info({ topic: t.name }, quotaProblem);
        throw new PolicyViolationError(quotaProblem);
      }
      const topic = req.validateOnly ? undefined : await state.topics.create(internal, partitions, configs);
      topics.push({
        ...base,
        topicId: topic?.id ?? ZERO_UUID,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        numPartitions: partitions,
        replicationFactor: 1,
        configs: effectiveConfig(state.config, configs).map(
          (c): CreatedTopicConfig => ({
            name: c.name,
            value: c.value,
            readOnly: c.readOnly,
            configSource: describeConfigSource(c.source),
            isSensitive: false,
          }),
        ),
      });
    } catch (err) {
      if (err instanceof InvalidConfigError) refuseTopicConfig(ctx, t.name, err);
      const e = toErrorCode(err);
      topics.push({ ...base, ...e, errorMessage: access.toExternalMessage(e.errorMessage) });
    }
  }
  return { throttleTimeMs: 0, topics };
};
