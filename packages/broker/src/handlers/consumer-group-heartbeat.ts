/**
 * ConsumerGroupHeartbeat (KIP-848): joins, heartbeats and leaves of `group.protocol=consumer` members; the broker
 * computes the assignment. Topics are the caller's (its tenant's) and only those it may describe count.
 */
import { type ConsumerGroupHeartbeat, ErrorCode, type ResponseOf } from '@samsa/protocol';
import { heartbeatRefusal, type SubscribedTopic } from '../groups/consumer-protocol-groups.ts';
import { heartbeatMetadataProblem } from '../groups/member-metadata.ts';
import type { Handler } from '../request-context.ts';
import { groupLimits } from '../tenancy/tenancy.ts';
import { groupIn } from './group-access.ts';

export const handleConsumerGroupHeartbeat: Handler<typeof ConsumerGroupHeartbeat> = (
  ctx,
  req,
): ResponseOf<typeof ConsumerGroupHeartbeat> => {
  const { access, state } = ctx;
  const refuse = (errorCode: number, errorMessage: string) => ({
    throttleTimeMs: 0,
    ...heartbeatRefusal(errorCode, errorMessage),
  });
  if (!access.canGroup('READ', req.groupId)) {
    return refuse(ErrorCode.GROUP_AUTHORIZATION_FAILED, `not authorized to read group ${req.groupId}`);
  }
  const problem = heartbeatMetadataProblem(req, state.config.groupMemberMetadataMaxBytes);
  if (problem) {
    ctx.log.info({ group: req.groupId, reason: problem }, 'group member metadata refused');
    state.metrics.refused('group_member_metadata');
    return refuse(ErrorCode.INVALID_REQUEST, problem);
  }
  if (req.subscribedTopicRegex !== null) {
    return refuse(ErrorCode.INVALID_REQUEST, 'regular-expression subscriptions are not supported; subscribe to names');
  }
  const resolve = (names: string[]): SubscribedTopic[] =>
    names.flatMap((name) => {
      if (!access.canTopic('DESCRIBE', name)) return [];
      const topic = state.topics.get(access.toInternal(name));
      return topic ? [{ name, id: topic.id, partitions: topic.partitions.length }] : [];
    });
  const result = state.groups.consumerHeartbeat(
    {
      groupId: groupIn(ctx, req.groupId),
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      instanceId: req.instanceId,
      rackId: req.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      subscribedTopicNames: req.subscribedTopicNames,
      serverAssignor: req.serverAssignor,
      topicPartitions: req.topicPartitions,
      clientId: ctx.header.clientId ?? '',
      clientHost: ctx.connection.remoteAddress,
    },
    resolve,
    groupLimits(state.tenancy, access.principal, state.config),
  );
  return { throttleTimeMs: 0, ...result };
};
