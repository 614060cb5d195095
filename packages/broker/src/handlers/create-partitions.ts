/** CreatePartitions: raises a topic's partition count (never lowers it). */
import { ErrorCode } from '@samsa/protocol';
import { InvalidReplicaAssignmentError, toErrorCode } from '../errors.ts';
import type { Handler } from '../request-context.ts';

interface CreatePartitionsRequest {
  topics: { name: string; count: number; assignments: { brokerIds: number[] }[] | null }[];
  validateOnly: boolean;
}

export const handleCreatePartitions: Handler = async (ctx, req: CreatePartitionsRequest) => {
  const { state } = ctx;
  const results = [];
  for (const t of req.topics) {
    try {
      if (t.assignments?.some((a) => a.brokerIds.some((b) => b !== state.config.nodeId))) {
        throw new InvalidReplicaAssignmentError(`partitions can only be assigned to broker ${state.config.nodeId}`);
      }
      state.topics.validateAddPartitions(t.name, t.count);
      if (!req.validateOnly) await state.topics.addPartitions(t.name, t.count);
      results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
    } catch (err) {
      results.push({ name: t.name, ...toErrorCode(err) });
    }
  }
  return { throttleTimeMs: 0, results };
};
