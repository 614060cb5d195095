/** SyncGroup: the leader's assignments are stored; every member gets its own once the leader has synced. */
import { ErrorCode } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { groupIn } from './group-access.ts';

interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export const handleSyncGroup: Handler = async (ctx, req: SyncGroupRequest) => {
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
