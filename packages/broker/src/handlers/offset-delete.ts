/**
 * OffsetDelete: removes a group's committed offsets for topics it no longer subscribes to. The subscription is read
 * from the members' consumer-protocol metadata (ConsumerProtocolSubscription: version, topics, ...).
 */
import { ByteReader, ErrorCode } from '@samsa/protocol';
import type { GroupMembership } from '../groups/group-membership.ts';
import type { Handler } from '../request-context.ts';
import { groupIn } from './group-access.ts';
import type { OffsetDelete, ResponseOf } from '@samsa/protocol';

/** Topics named in the members' subscriptions, or null when the group uses a protocol we cannot read. */
export function subscribedTopics(g: GroupMembership): Set<string> | null {
  if (g.protocolType !== 'consumer') return null;
  const topics = new Set<string>();
  for (const m of g.members.values()) {
    const meta = g.metadataFor(m, g.protocolName);
    try {
      const r = new ByteReader(meta);
      r.int16(); // version
      const n = r.int32();
      for (let i = 0; i < n; i++) topics.add(r.utf8(r.int16()));
    } catch {
      return null;
    }
  }
  return topics;
}

export const handleOffsetDelete: Handler<typeof OffsetDelete> = async (
  ctx,
  req,
): Promise<ResponseOf<typeof OffsetDelete>> => {
  const { access } = ctx;
  if (!access.canGroup('DELETE', req.groupId)) {
    return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] };
  }
  const readable = req.topics.filter((t) => access.canTopic('READ', t.name));
  const result = await ctx.state.groups.deleteOffsets(
    groupIn(ctx, req.groupId),
    readable.map((t) => ({ topic: access.toInternal(t.name), partitions: t.partitions.map((p) => p.partitionIndex) })),
    // Members subscribe with the names they know; offsets are kept under internal names.
    (g) => {
      const names = subscribedTopics(g);
      return names && new Set([...names].map((n) => access.toInternal(n)));
    },
  );
  return {
    errorCode: result.errorCode,
    throttleTimeMs: 0,
    topics:
      result.errorCode === ErrorCode.NONE
        ? req.topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({
              partitionIndex: p.partitionIndex,
              errorCode: access.canTopic('READ', t.name)
                ? (result.perTopic.get(access.toInternal(t.name))?.get(p.partitionIndex) ?? ErrorCode.NONE)
                : ErrorCode.TOPIC_AUTHORIZATION_FAILED,
            })),
          }))
        : [],
  };
};
