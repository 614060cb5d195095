/** SyncGroup: the leader's assignments are stored; every member gets its own once the leader has synced. */
import type { Handler } from '../request-context.ts';

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
  const result = await ctx.state.groups.sync(req);
  return { throttleTimeMs: 0, ...result };
};
