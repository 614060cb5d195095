/** LeaveGroup: one member (v0-2) or a batch of members (v3+, also by group.instance.id) leave; the rest rebalance. */
import { ErrorCode, type LeaveGroup, type ResponseOf } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { groupIn } from './group-access.ts';

export const handleLeaveGroup: Handler<typeof LeaveGroup> = (ctx, req): ResponseOf<typeof LeaveGroup> => {
  const wanted = ctx.version >= 3 ? req.members : [{ memberId: req.memberId, groupInstanceId: null }];
  if (!ctx.access.canGroup('READ', req.groupId)) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
  }
  const result = ctx.state.groups.leave(groupIn(ctx, req.groupId), wanted);
  const errorCode = ctx.version >= 3 ? result.errorCode : (result.members[0]?.errorCode ?? result.errorCode);
  return { throttleTimeMs: 0, errorCode, members: result.members };
};
