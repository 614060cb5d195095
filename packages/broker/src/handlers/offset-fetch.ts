/** OffsetFetch: committed offsets of one group (v1-7) or several groups (v8+); -1 where nothing is committed. */
import { ErrorCode } from '@samsa/protocol';
import type { GroupCoordinator } from '../groups/group-coordinator.ts';
import type { Handler } from '../request-context.ts';

type TopicsFilter = { name: string; partitionIndexes: number[] }[] | null;

function offsetsFor(groups: GroupCoordinator, groupId: string, topics: TopicsFilter) {
  const committed = groups.committedOffsets(groupId);
  const wanted =
    topics ??
    [...committed.entries()].map(([name, partitions]) => ({
      name,
      partitionIndexes: [...partitions.keys()].sort((a, b) => a - b),
    }));
  return wanted.map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((partitionIndex) => {
      const o = committed.get(t.name)?.get(partitionIndex);
      return {
        partitionIndex,
        committedOffset: o?.offset ?? -1n,
        committedLeaderEpoch: o?.leaderEpoch ?? -1,
        metadata: o ? o.metadata : '',
        errorCode: ErrorCode.NONE,
      };
    }),
  }));
}

export const handleOffsetFetch: Handler = (
  ctx,
  req: { groupId: string; topics: TopicsFilter; groups: { groupId: string; topics: TopicsFilter }[] },
) => {
  const { groups } = ctx.state;
  if (ctx.version >= 8) {
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((g) => ({
        groupId: g.groupId,
        topics: offsetsFor(groups, g.groupId, g.topics),
        errorCode: ErrorCode.NONE,
      })),
    };
  }
  return { throttleTimeMs: 0, topics: offsetsFor(groups, req.groupId, req.topics), errorCode: ErrorCode.NONE };
};
