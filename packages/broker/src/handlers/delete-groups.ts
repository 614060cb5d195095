/** DeleteGroups: deletes empty groups and their offsets (NON_EMPTY_GROUP while members remain). */
import { type DeleteGroups, ErrorCode, type ResponseOf } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { groupIn } from './group-access.ts';

export const handleDeleteGroups: Handler<typeof DeleteGroups> = async (
  ctx,
  req,
): Promise<ResponseOf<typeof DeleteGroups>> => {
  const allowed = req.groupsNames.filter((g) => ctx.access.canGroup('DELETE', g));
  const results = await ctx.state.groups.deleteGroups(allowed.map((g) => groupIn(ctx, g)));
  return {
    throttleTimeMs: 0,
    results: req.groupsNames.map((groupId) => ({
      groupId,
      errorCode: allowed.includes(groupId) ? results.get(groupIn(ctx, groupId))! : ErrorCode.GROUP_AUTHORIZATION_FAILED,
    })),
  };
};
