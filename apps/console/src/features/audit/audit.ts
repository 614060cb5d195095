/** Records a change made by the calling user in the audit log. */
import { recordAudit } from '@samsa/db';
import { db } from '../../server/db.ts';
import type { Actor } from '../../server/with-tenant.ts';

export async function audit(
  actor: Actor,
  entry: {
    tenantId: string | null;
    action: string;
    targetType: string;
    targetId: string;
    before?: unknown;
    after?: unknown;
  },
): Promise<void> {
  await recordAudit(db(), { actorId: actor.user.id, actorEmail: actor.user.email, ...entry });
}
