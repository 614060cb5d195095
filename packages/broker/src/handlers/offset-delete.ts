/**
 * OffsetDelete: removes a group's committed offsets for topics it no longer subscribes to. The subscription is read
 * from the members' consumer-protocol metadata (ConsumerProtocolSubscription: version, topics, ...).
 */
import { ByteReader, ErrorCode } from '@samsa/protocol';
import type { Group } from '../groups/group.ts';
import type { Handler } from '../request-context.ts';

/** Topics named in the members' subscriptions, or null when the group uses a protocol we cannot read. */
export function subscribedTopics(g: Group): Set<string> | null {
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

interface OffsetDeleteRequest {
  groupId: string;
  topics: { name: string; partitions: { partitionIndex: number }[] }[];
}

export const handleOffsetDelete: Handler = async (ctx, req: OffsetDeleteRequest) => {
  const result = await ctx.state.groups.deleteOffsets(
    req.groupId,
    req.topics.map((t) => ({ topic: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })),
    subscribedTopics,
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
              errorCode: result.perTopic.get(t.name)?.get(p.partitionIndex) ?? ErrorCode.NONE,
            })),
          }))
        : [],
  };
};
