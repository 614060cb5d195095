/**
 * OffsetCommit: checks membership and generation, then stores offsets durably before answering. v0 has no
 * generation or member and commits as a stand-alone consumer (generation -1), as v1+ clients outside a group do;
 * v1's per-partition commit timestamp and v2-4's retention time are kept, and offsets retention honours them.
 */
import { ErrorCode, type OffsetCommit, type ResponseOf } from '@samsa/protocol';
import type { NamespaceLimits } from '../groups/group-coordinator.ts';
import type { Handler, RequestContext } from '../request-context.ts';
import { groupLimits } from '../tenancy/tenancy.ts';
import { groupIn } from './group-access.ts';

export const handleOffsetCommit: Handler<typeof OffsetCommit> = async (
  ctx,
  req,
): Promise<ResponseOf<typeof OffsetCommit>> => {
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
  // Like Kafka, only partitions that exist take offsets: names and partition numbers stay bounded by the topics.
  const refusal = (name: string, partition: number): number => {
    if (!access.canTopic('READ', name)) return ErrorCode.TOPIC_AUTHORIZATION_FAILED;
    const topic = ctx.state.topics.get(access.toInternal(name));
    const exists = topic !== undefined && partition >= 0 && partition < topic.partitions.length;
    return exists ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  };
  const limits = groupLimits(ctx.state.tenancy, access.principal, ctx.state.config);
  // v2-4 may ask to keep these offsets for a time of their own (-1: the broker's offsets.retention.minutes).
  const retentionMs = req.retentionTimeMs >= 0n ? Number(req.retentionTimeMs) : undefined;
  const results = await groups.commitOffsets(
    groupId,
    req.topics.map((t) => ({
      topic: access.toInternal(t.name),
      partitions: t.partitions
        .filter((p) => refusal(t.name, p.partitionIndex) === ErrorCode.NONE)
        .map((p) => ({
          partition: p.partitionIndex,
          offset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch,
          metadata: p.committedMetadata,
          commitTimestampMs: ctx.version === 1 ? Number(p.commitTimestamp) : undefined,
          retentionMs,
        })),
    })),
    limits,
  );
  logRefusals(ctx, req.groupId, results, limits);
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const refused = refusal(t.name, p.partitionIndex);
        return {
          partitionIndex: p.partitionIndex,
          errorCode:
            refused !== ErrorCode.NONE
              ? refused
              : (results.get(access.toInternal(t.name))?.get(p.partitionIndex) ?? ErrorCode.NONE),
        };
      }),
    })),
  };
};

/** One log line and metric per refused kind of commit in this request (never one per partition). */
function logRefusals(
  ctx: RequestContext,
  groupId: string,
  results: Map<string, Map<number, number>>,
  limits: NamespaceLimits | null,
): void {
  const codes = new Set<number>();
  for (const perPartition of results.values()) for (const code of perPartition.values()) codes.add(code);
  const { access, state } = ctx;
  if (codes.has(ErrorCode.POLICY_VIOLATION) && limits !== null && access.principal.kind === 'tenant') {
    const slug = access.principal.tenant.slug;
    const used = state.groups.usage(slug);
    ctx.log.info(
      { group: groupId, tenant: slug, ...limits, ...used },
      `committed-offset quota exceeded: tenant '${slug}' may have ${limits.maxCommittedOffsets} committed offsets in ${limits.maxGroups} groups and has ${used.offsets} in ${used.groups}; delete unused groups or offsets, or raise samsa.max_committed_offsets`,
    );
    state.metrics.refused('tenant_committed_offsets');
  }
  if (codes.has(ErrorCode.OFFSET_METADATA_TOO_LARGE)) {
    ctx.log.info(
      { group: groupId, offsetMetadataMaxBytes: state.config.offsetMetadataMaxBytes },
      `offset commit metadata longer than ${state.config.offsetMetadataMaxBytes} bytes refused (--offset-metadata-max-bytes)`,
    );
    state.metrics.refused('offset_metadata');
  }
}
