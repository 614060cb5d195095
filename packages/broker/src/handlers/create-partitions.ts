/** CreatePartitions: raises a topic's partition count (never lowers it). */
import { type CreatePartitions, ErrorCode, type ResponseOf } from '@samsa/protocol';
import {
  InvalidReplicaAssignmentError,
  PolicyViolationError,
  TopicAuthorizationError,
  toErrorCode,
} from '../errors.ts';
import { topicQuotaProblem } from '../tenancy/tenancy.ts';
import type { Handler } from '../request-context.ts';

export const handleCreatePartitions: Handler<typeof CreatePartitions> = async (
  ctx,
  req,
): Promise<ResponseOf<typeof CreatePartitions>> => {
  const { state, access } = ctx;
  const results: ResponseOf<typeof CreatePartitions>['results'][number][] = [];
  for (const t of req.topics) {
    try {
      if (t.assignments?.some((a) => a.brokerIds.some((b) => b !== state.config.nodeId))) {
        throw new InvalidReplicaAssignmentError(`partitions can only be assigned to broker ${state.config.nodeId}`);
      }
      if (!access.canTopic('ALTER', t.name))
        throw new TopicAuthorizationError(`not authorized to alter topic '${t.name}'`);
      const internal = access.toInternal(t.name);
      const topic = state.topics.validateAddPartitions(internal, t.count);
      const quotaProblem = topicQuotaProblem(state.tenancy, access.principal, 0, t.count - topic.partitions.length);
      if (quotaProblem) {
        ctx.log.info({ topic: t.name }, quotaProblem);
        throw new PolicyViolationError(quotaProblem);
      }
      if (!req.validateOnly) await state.topics.addPartitions(internal, t.count);
      results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
    } catch (err) {
      const e = toErrorCode(err);
      results.push({ name: t.name, ...e, errorMessage: access.toExternalMessage(e.errorMessage) });
    }
  }
  return { throttleTimeMs: 0, results };
};
