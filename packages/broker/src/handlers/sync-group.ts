/** SyncGroup: the leader's assignments are stored; every member gets its own once the leader has synced. */
import { ErrorCode, type ResponseOf, type SyncGroup } from '@samsa/protocol';
import { assignmentProblem } from '../groups/member-metadata.ts';
import type { Handler } from '../request-context.ts';
import { groupIn } from './group-access.ts';

/** The wire request has exactly the coordinator's fields. */
export const handleSyncGroup: Handler<typeof SyncGroup> = async (ctx, req): Promise<ResponseOf<typeof SyncGroup>> => {
  const refused = (errorCode: number) => ({
    throttleTimeMs: 0,
    errorCode,
    protocolType: null,
    protocolName: null,
    assignment: Buffer.alloc(0),
  });
  if (!ctx.access.canGroup('READ', req.groupId)) return refused(ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const groupId = groupIn(ctx, req.groupId);
  const { state } = ctx;
  // The group's protocol type decides (SyncGroup carries it only from v5).
  const protocolType = state.groups.group(groupId)?.protocolType ?? req.protocolType;
  const problem = assignmentProblem(protocolType, req.assignments, state.config.groupMemberMetadataMaxBytes);
  if (problem) {
    ctx.log.info({ group: req.groupId, protocolType, reason: problem }, 'group assignment refused');
    state.metrics.refused('group_member_metadata');
    return refused(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  }
  const result = await state.groups.sync({ ...req, groupId });
  return { throttleTimeMs: 0, ...result };
};
