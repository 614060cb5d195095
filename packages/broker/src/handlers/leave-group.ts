/** LeaveGroup: one member (v0-2) or a batch of members (v3+, also by group.instance.id) leave; the rest rebalance. */
import type { Handler } from '../request-context.ts';

interface LeaveGroupRequest {
  groupId: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null }[];
}

export const handleLeaveGroup: Handler = (ctx, req: LeaveGroupRequest) => {
  const wanted = ctx.version >= 3 ? req.members : [{ memberId: req.memberId, groupInstanceId: null }];
  const result = ctx.state.groups.leave(req.groupId, wanted);
  const errorCode = ctx.version >= 3 ? result.errorCode : (result.members[0]?.errorCode ?? result.errorCode);
  return { throttleTimeMs: 0, errorCode, members: result.members };
};
