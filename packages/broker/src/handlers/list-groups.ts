/** ListGroups: the groups this connection may see, filtered by state (v4+) and type (v5+: classic, consumer). */
import { ErrorCode, type ListGroups, type ResponseOf } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';

export const handleListGroups: Handler<typeof ListGroups> = (ctx, req): ResponseOf<typeof ListGroups> => {
  const { access } = ctx;
  const states = new Set(req.statesFilter.map((s) => s.toLowerCase()));
  const types = new Set(req.typesFilter.map((s) => s.toLowerCase()));
  const groups = ctx.state.groups
    .listGroups()
    .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
    .filter((g) => types.size === 0 || types.has(g.type))
    .filter((g) => access.owns(g.groupId) && access.canGroup('DESCRIBE', access.toExternal(g.groupId)))
    .map((g) => ({
      groupId: access.toExternal(g.groupId),
      protocolType: g.protocolType,
      groupState: g.state,
      groupType: g.type,
    }));
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups };
};
