/** Heartbeat: keeps a member alive and tells it when to rejoin (REBALANCE_IN_PROGRESS). */
import { ErrorCode, type Heartbeat, type ResponseOf } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { groupIn } from './group-access.ts';

export const handleHeartbeat: Handler<typeof Heartbeat> = (ctx, req): ResponseOf<typeof Heartbeat> => ({
  throttleTimeMs: 0,
  errorCode: ctx.access.canGroup('READ', req.groupId)
    ? ctx.state.groups.heartbeat(groupIn(ctx, req.groupId), req.memberId, req.groupInstanceId, req.generationId)
    : ErrorCode.GROUP_AUTHORIZATION_FAILED,
});
