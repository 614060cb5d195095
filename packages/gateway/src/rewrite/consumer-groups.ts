/**
 * Rewrites of KIP-848 consumer groups: ConsumerGroupHeartbeat and ConsumerGroupDescribe. Group ids and subscribed
 * topic names gain the tenant's prefix; a topic regex is anchored under it (Kafka matches the whole name, so
 * `acme\.(?:R)` matches exactly the tenant's topics whose own name matches R); owned partitions name topics by id and
 * are kept only for ids known as the tenant's.
 */
import { ConsumerGroupDescribe, ConsumerGroupHeartbeat, ErrorCode } from '@samsa/protocol';
import { type ApiRewrite, external, type Msg, partition, type RewriteContext, stripMessage } from './context.ts';

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The tenant's regex as the cluster matches it: only names under the prefix, the rest matched by the client's. */
function regexToCluster(ctx: RewriteContext, regex: string): string {
  return `${escapeRegex(ctx.access.prefix ?? '')}(?:${regex})`;
}

function regexToClient(ctx: RewriteContext, regex: string | null): string | null {
  if (regex === null) return null;
  const head = `${escapeRegex(ctx.access.prefix ?? '')}(?:`;
  return regex.startsWith(head) && regex.endsWith(')') ? regex.slice(head.length, -1) : regex;
}

export const consumerGroupHeartbeatRewrite: ApiRewrite = {
  api: ConsumerGroupHeartbeat,
  async request(ctx, req) {
    if (!ctx.access.canGroup('READ', req.groupId)) {
      return {
        answer: {
          throttleTimeMs: 0,
          errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
          errorMessage: `not authorized to read group '${req.groupId}'`,
          memberId: null,
          memberEpoch: -1,
          heartbeatIntervalMs: 0,
          assignment: null,
        },
      };
    }
    const tenant = ctx.access.tenantId ?? '';
    let topicPartitions = req.topicPartitions as Msg[] | null;
    if (topicPartitions?.some((t) => ctx.topicIds.nameOf(tenant, t.topicId) === null)) {
      await ctx.refreshTopicIds();
      topicPartitions = topicPartitions.filter((t) => ctx.topicIds.nameOf(tenant, t.topicId) !== null);
    }
    return {
      send: {
        ...req,
        groupId: ctx.access.toInternal(req.groupId),
        subscribedTopicNames:
          req.subscribedTopicNames === null
            ? null
            : (req.subscribedTopicNames as string[]).map((n) => ctx.access.toInternal(n)),
        subscribedTopicRegex: req.subscribedTopicRegex == null ? null : regexToCluster(ctx, req.subscribedTopicRegex),
        topicPartitions,
      },
    };
  },
  response(ctx, res) {
    res.errorMessage = stripMessage(ctx, res.errorMessage);
  },
};

function assignmentToClient(ctx: RewriteContext, assignment: Msg): void {
  assignment.topicPartitions = (assignment.topicPartitions as Msg[]).filter((t) => {
    const name = external(ctx, t.topicName);
    if (name === null) return false;
    t.topicName = name;
    return true;
  });
}

export const consumerGroupDescribeRewrite: ApiRewrite = {
  api: ConsumerGroupDescribe,
  request(ctx, req) {
    const { kept, refused } = partition(req.groupIds as string[], (g) => ctx.access.canGroup('DESCRIBE', g));
    const merge = (res: Msg) => {
      for (const groupId of refused) {
        res.groups.push({
          errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
          errorMessage: null,
          groupId,
          groupState: '',
          groupEpoch: -1,
          assignmentEpoch: -1,
          assignorName: '',
          members: [],
        });
      }
    };
    if (kept.length === 0) {
      const answer = { throttleTimeMs: 0, groups: [] };
      merge(answer);
      return { answer };
    }
    return { send: { ...req, groupIds: kept.map((g) => ctx.access.toInternal(g)) }, merge };
  },
  response(ctx, res) {
    res.groups = (res.groups as Msg[]).filter((g) => {
      const groupId = external(ctx, g.groupId);
      if (groupId === null) return false;
      g.groupId = groupId;
      g.errorMessage = stripMessage(ctx, g.errorMessage);
      for (const m of g.members as Msg[]) {
        m.subscribedTopicNames = (m.subscribedTopicNames as string[])
          .map((n) => external(ctx, n))
          .filter((n): n is string => n !== null);
        m.subscribedTopicRegex = regexToClient(ctx, m.subscribedTopicRegex);
        assignmentToClient(ctx, m.assignment);
        assignmentToClient(ctx, m.targetAssignment);
      }
      return true;
    });
  },
};
