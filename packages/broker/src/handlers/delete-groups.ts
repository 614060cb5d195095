/** DeleteGroups: deletes empty groups and their offsets (NON_EMPTY_GROUP while members remain). */
import type { Handler } from '../request-context.ts';

export const handleDeleteGroups: Handler = async (ctx, req: { groupsNames: string[] }) => {
  const results = await ctx.state.groups.deleteGroups(req.groupsNames);
  return {
    throttleTimeMs: 0,
    results: req.groupsNames.map((groupId) => ({ groupId, errorCode: results.get(groupId)! })),
  };
};
