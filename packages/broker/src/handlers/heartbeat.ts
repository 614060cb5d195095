/** Heartbeat: keeps a member alive and tells it when to rejoin (REBALANCE_IN_PROGRESS). */
import type { Handler } from '../request-context.ts';

export const handleHeartbeat: Handler = (
  ctx,
  req: { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null },
) => ({
  throttleTimeMs: 0,
  errorCode: ctx.state.groups.heartbeat(req.groupId, req.memberId, req.groupInstanceId, req.generationId),
});
