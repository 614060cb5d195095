/** JoinGroup: hands the request to the group coordinator; the answer may wait for the rebalance to complete. */
import type { Handler } from '../request-context.ts';

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
  const result = await ctx.state.groups.join({
    groupId: req.groupId,
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
