/** JoinGroup: hands the request to the group coordinator; the answer may wait for the rebalance to complete. */
import { ErrorCode, type JoinGroup, type ResponseOf } from '@samsa/protocol';
import { joinMetadataProblem } from '../groups/member-metadata.ts';
import type { Handler } from '../request-context.ts';
import { groupLimits } from '../tenancy/tenancy.ts';
import { groupIn } from './group-access.ts';

export const handleJoinGroup: Handler<typeof JoinGroup> = async (ctx, req): Promise<ResponseOf<typeof JoinGroup>> => {
  const refused = (errorCode: number) => ({
    throttleTimeMs: 0,
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: ctx.version >= 7 ? null : '',
    leader: '',
    skipAssignment: false,
    memberId: req.memberId,
    members: [],
  });
  if (!ctx.access.canGroup('READ', req.groupId)) return refused(ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const { state, access } = ctx;
  const problem = joinMetadataProblem(req.protocolType, req.protocols, state.config.groupMemberMetadataMaxBytes);
  if (problem) {
    ctx.log.info(
      { group: req.groupId, protocolType: req.protocolType, reason: problem },
      'group member metadata refused',
    );
    state.metrics.refused('group_member_metadata');
    return refused(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  }
  const limits = groupLimits(state.tenancy, access.principal, state.config);
  const result = await state.groups.join(
    {
      groupId: groupIn(ctx, req.groupId),
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: ctx.header.clientId ?? '',
      clientHost: `/${ctx.connection.remoteAddress}`,
      sessionTimeoutMs: req.sessionTimeoutMs,
      // v0 has no rebalance timeout: Kafka uses the session timeout.
      rebalanceTimeoutMs: ctx.version === 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs,
      protocolType: req.protocolType,
      // Copy: the metadata bytes are views of the request frame.
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
      requireKnownMemberId: ctx.version >= 4,
    },
    limits,
  );
  if (result.errorCode === ErrorCode.POLICY_VIOLATION && limits !== null && access.principal.kind === 'tenant') {
    const slug = access.principal.tenant.slug;
    const used = state.groups.usage(slug).groups;
    ctx.log.info(
      { group: req.groupId, tenant: slug, maxGroups: limits.maxGroups, groups: used },
      `group quota exceeded: tenant '${slug}' may have ${limits.maxGroups} consumer groups and has ${used}; delete unused groups or raise samsa.max_groups`,
    );
    state.metrics.refused('tenant_groups');
  } else if (
    result.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE &&
    state.groups.groupCount() >= state.config.maxGroups
  ) {
    ctx.log.warn(
      { group: req.groupId, maxGroups: state.config.maxGroups },
      `the broker holds the most consumer groups allowed (--max-groups ${state.config.maxGroups}); delete unused groups or raise it`,
    );
    state.metrics.refused('broker_groups');
  } else if (result.errorCode === ErrorCode.GROUP_MAX_SIZE_REACHED) {
    ctx.log.info(
      { group: req.groupId, groupMaxSize: state.config.groupMaxSize },
      `group '${req.groupId}' already has the most members allowed (--group-max-size ${state.config.groupMaxSize})`,
    );
    state.metrics.refused('group_size');
  }
  return { throttleTimeMs: 0, ...result, protocolName: result.protocolName ?? (ctx.version >= 7 ? null : '') };
};
