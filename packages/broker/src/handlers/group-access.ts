/** Group ids in a tenant's namespace: '' stays '' (the coordinator answers INVALID_GROUP_ID for it). */
import type { RequestContext } from '../request-context.ts';

export function groupIn(ctx: RequestContext, groupId: string): string {
  return groupId === '' ? '' : ctx.access.toInternal(groupId);
}
