/** OffsetCommit: checks membership and generation, then stores offsets durably before answering. */
import { ErrorCode } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { groupIn } from './group-access.ts';

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
  const { access } = ctx;
  if (!access.canGroup('READ', req.groupId))
    return { throttleTimeMs: 0, topics: allWith(ErrorCode.GROUP_AUTHORIZATION_FAILED) };
  const groupId = groupIn(ctx, req.groupId);
  const check = groups.validateCommit(groupId, req.generationIdOrMemberEpoch, req.memberId, req.groupInstanceId);
  if (check !== ErrorCode.NONE) return { throttleTimeMs: 0, topics: allWith(check) };
  const readable = req.topics.filter((t) => access.canTopic('READ', t.name));
  const results = await groups.commitOffsets(
    groupId,
    readable.map((t) => ({
      topic: access.toInternal(t.name),
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
        errorCode: access.canTopic('READ', t.name)
          ? (results.get(access.toInternal(t.name))?.get(p.partitionIndex) ?? ErrorCode.NONE)
          : ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      })),
    })),
  };
};
