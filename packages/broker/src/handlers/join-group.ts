/** JoinGroup: hands the request to the group coordinator; the answer may wait for the rebalance to complete. */
import { ErrorCode } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { groupIn } from './group-access.ts';

interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
}

export const handleJoinGroup: Handler = async (ctx, req: JoinGroupRequest) => {
  if (!ctx.access.canGroup('READ', req.groupId)) {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
      generationId: -1,
      protocolType: null,
      protocolName: ctx.version >= 7 ? null : '',
      leader: '',
      skipAssignment: false,
      memberId: req.memberId,
      members: [],
    };
  }
  const result = await ctx.state.groups.join({
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
  });
  return { throttleTimeMs: 0, ...result, protocolName: result.protocolName ?? (ctx.version >= 7 ? null : '') };
};
