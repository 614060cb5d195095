/** SyncGroup: the leader's assignments are stored; every member gets its own once the leader has synced. */
import { ErrorCode } from '@samsa/protocol';
import type { SyncRequest } from '../groups/group-coordinator.ts';
import type { Handler } from '../request-context.ts';
import { groupIn } from './group-access.ts';

/** The wire request has exactly the coordinator's fields. */
export const handleSyncGroup: Handler = async (ctx, req: SyncRequest) => {
  if (!ctx.access.canGroup('READ', req.groupId)) {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
      protocolType: null,
      protocolName: null,
      assignment: Buffer.alloc(0),
    };
  }
  const result = await ctx.state.groups.sync({ ...req, groupId: groupIn(ctx, req.groupId) });
  return { throttleTimeMs: 0, ...result };
};
