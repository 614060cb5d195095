/**
 * ConsumerGroupDescribe (KIP-848 groups): state, epochs, members with their current and target assignments, topic
 * names as the caller sees them. A classic or unknown group answers GROUP_ID_NOT_FOUND, on which the Admin client
 * describes it with DescribeGroups instead (as it does against Kafka).
 */
import { type ConsumerGroupDescribe, ErrorCode, type ResponseOf } from '@samsa/protocol';
import { assignmentOf } from '../groups/consumer-protocol-groups.ts';
import type { Handler, RequestContext } from '../request-context.ts';
import { groupIn } from './group-access.ts';

type Described = ResponseOf<typeof ConsumerGroupDescribe>['groups'][number];

export const handleConsumerGroupDescribe: Handler<typeof ConsumerGroupDescribe> = (
  ctx,
  req,
): ResponseOf<typeof ConsumerGroupDescribe> => ({
  throttleTimeMs: 0,
  groups: req.groupIds.map((groupId) => describe(ctx, groupId)),
});

function describe(ctx: RequestContext, groupId: string): Described {
  const none = {
    groupId,
    groupState: '',
    groupEpoch: -1,
    assignmentEpoch: -1,
    assignorName: '',
    members: [],
    authorizedOperations: -2147483648,
  };
  if (!ctx.access.canGroup('DESCRIBE', groupId)) {
    return { ...none, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null };
  }
  const g = ctx.state.groups.consumerProtocol.describe(groupIn(ctx, groupId));
  if (!g) {
    return {
      ...none,
      errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
      errorMessage: `group ${groupId} is not a consumer group`,
    };
  }
  const assignment = (keys: Iterable<string>) => ({
    topicPartitions: assignmentOf(keys).flatMap(({ topicId, partitions }) => {
      const topic = ctx.state.topics.getById(topicId);
      return topic ? [{ topicId, topicName: ctx.access.toExternal(topic.name), partitions }] : [];
    }),
  });
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    groupId,
    groupState: g.state,
    groupEpoch: g.groupEpoch,
    assignmentEpoch: g.assignmentEpoch,
    assignorName: 'uniform',
    members: [...g.members.values()].map((m) => ({
      memberId: m.memberId,
      instanceId: m.instanceId,
      rackId: m.rackId,
      memberEpoch: m.memberEpoch,
      clientId: m.clientId,
      clientHost: m.clientHost,
      subscribedTopicNames: m.subscribed,
      subscribedTopicRegex: null,
      assignment: assignment(m.assigned),
      targetAssignment: assignment(g.target.get(m.memberId) ?? []),
    })),
    authorizedOperations: -2147483648,
  };
}
