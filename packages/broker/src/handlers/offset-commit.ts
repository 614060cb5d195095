/** OffsetCommit: checks membership and generation, then stores offsets durably before answering. */
import { ErrorCode } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';

interface OffsetCommitRequest {
  groupId: string;
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: {
    name: string;
    partitions: {
      partitionIndex: number;
      committedOffset: bigint;
      committedLeaderEpoch: number;
      committedMetadata: string | null;
    }[];
  }[];
}

export const handleOffsetCommit: Handler = async (ctx, req: OffsetCommitRequest) => {
  const { groups } = ctx.state;
  const allWith = (errorCode: number) =>
    req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
    }));
  const check = groups.validateCommit(req.groupId, req.generationIdOrMemberEpoch, req.memberId, req.groupInstanceId);
  if (check !== ErrorCode.NONE) return { throttleTimeMs: 0, topics: allWith(check) };
  const results = await groups.commitOffsets(
    req.groupId,
    req.topics.map((t) => ({
      topic: t.name,
      partitions: t.partitions.map((p) => ({
        partition: p.partitionIndex,
        offset: p.committedOffset,
        leaderEpoch: p.committedLeaderEpoch,
        metadata: p.committedMetadata,
      })),
    })),
  );
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: results.get(t.name)?.get(p.partitionIndex) ?? ErrorCode.NONE,
      })),
    })),
  };
};
