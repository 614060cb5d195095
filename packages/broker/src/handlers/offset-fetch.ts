/**
 * OffsetFetch: committed offsets of one group (v0-7) or several groups (v8+); -1 where nothing is committed. v0-1
 * have no top-level error code, so a group error is given on every partition asked about, as Kafka does. With
 * requireStable (v7+, KIP-447) a partition whose offset is part of an unfinished transaction answers
 * UNSTABLE_OFFSET_COMMIT, so a read_committed consumer waits for the transaction instead of reading a stale offset.
 */
import { ErrorCode, type OffsetFetch, type ResponseOf } from '@samsa/protocol';
import type { Handler, RequestContext } from '../request-context.ts';
import { partitionKey } from '../transactions/transaction-coordinator.ts';
import { groupIn } from './group-access.ts';

type TopicsFilter = { name: string; partitionIndexes: number[] }[] | null;

/** Committed offsets of a group the client named, with topic names in the client's namespace. */
function offsetsFor(ctx: RequestContext, groupId: string, topics: TopicsFilter, requireStable: boolean) {
  const { access } = ctx;
  const committed = ctx.state.groups.committedOffsets(groupIn(ctx, groupId));
  const unstable = requireStable ? ctx.state.transactions.pendingOffsetPartitions(groupIn(ctx, groupId)) : new Set();
  const wanted =
    topics ??
    [...committed.entries()]
      .filter(([internal]) => access.owns(internal))
      .map(([internal, partitions]) => ({
        name: access.toExternal(internal),
        partitionIndexes: [...partitions.keys()].sort((a, b) => a - b),
      }))
      .filter((t) => access.canTopic('DESCRIBE', t.name));
  return wanted.map((t) => {
    const allowed = access.canTopic('DESCRIBE', t.name);
    return {
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => {
        const o = allowed ? committed.get(access.toInternal(t.name))?.get(partitionIndex) : undefined;
        if (allowed && unstable.has(partitionKey(access.toInternal(t.name), partitionIndex))) {
          return {
            partitionIndex,
            committedOffset: -1n,
            committedLeaderEpoch: -1,
            metadata: '',
            errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT,
          };
        }
        return {
          partitionIndex,
          committedOffset: o?.offset ?? -1n,
          committedLeaderEpoch: o?.leaderEpoch ?? -1,
          metadata: o ? o.metadata : '',
          errorCode: allowed ? ErrorCode.NONE : ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        };
      }),
    };
  });
}

export const handleOffsetFetch: Handler<typeof OffsetFetch> = (ctx, req): ResponseOf<typeof OffsetFetch> => {
  if (ctx.version >= 8) {
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((g) =>
        ctx.access.canGroup('DESCRIBE', g.groupId)
          ? {
              groupId: g.groupId,
              topics: offsetsFor(ctx, g.groupId, g.topics, req.requireStable === true),
              errorCode: ErrorCode.NONE,
            }
          : { groupId: g.groupId, topics: [], errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED },
      ),
    };
  }
  if (!ctx.access.canGroup('DESCRIBE', req.groupId)) {
    const errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
    const topics =
      ctx.version >= 2
        ? []
        : (req.topics ?? []).map((t) => ({
            name: t.name,
            partitions: t.partitionIndexes.map((partitionIndex) => ({
              partitionIndex,
              committedOffset: -1n,
              committedLeaderEpoch: -1,
              metadata: '',
              errorCode,
            })),
          }));
    return { throttleTimeMs: 0, topics, errorCode, groups: [] };
  }
  return {
    throttleTimeMs: 0,
    topics: offsetsFor(ctx, req.groupId, req.topics, req.requireStable === true),
    errorCode: ErrorCode.NONE,
    groups: [],
  };
};
