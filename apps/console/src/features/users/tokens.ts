/**
 * Personal API tokens seen by their owner (and platform admins): list with last use and expiry, revoke one, and the
 * owner's own password change, which revokes every token and every other session.
 */
import type { PersonalApiToken, User } from '@samsa/db';
import { hashPassword, revokeUserCredentials, verifyPassword } from '../../server/auth.ts';
import { db } from '../../server/db.ts';
import { ApiError } from '../../server/errors.ts';
import type { Actor } from '../../server/with-tenant.ts';
import { audit } from '../audit/audit.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function apiTokenView(t: PersonalApiToken, nowMs = Date.now()) {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
    status: t.revokedAt ? 'revoked' : t.expiresAt.getTime() <= nowMs ? 'expired' : 'active',
  } as const;
}

export async function listApiTokens(user: User) {
  const rows = await db().personalApiToken.findMany({ where: { userId: user.id }, orderBy: { createdAt: 'desc' } });
  return rows.map((t) => apiTokenView(t));
}

/** Revokes one of `owner`'s tokens; another user's token id is simply not found. */
export async function revokeApiToken(actor: Actor, owner: User, id: string) {
  const row = UUID.test(id) ? await db().personalApiToken.findFirst({ where: { id, userId: owner.id } }) : null;
  if (!row) throw new ApiError('not_found', `No API token '${id}' of ${owner.email}`);
  if (!row.revokedAt) await db().personalApiToken.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
  await audit(actor, {
    tenantId: null,
    action: 'api_token.revoke',
    targetType: 'user',
    targetId: owner.email,
    before: { id: row.id, name: row.name, prefix: row.prefix },
  });
}

/** The signed-in user changes their own password: every API token is revoked and every other session ends. */
export async function changeOwnPassword(
  actor: Actor,
  input: { currentPassword: string; newPassword: string },
  currentSessionToken: string | undefined,
) {
  if (!(await verifyPassword(input.currentPassword, actor.user.passwordHash))) {
    throw new ApiError('validation_failed', 'The current password is wrong', { currentPassword: ['Wrong password'] });
  }
  await db().user.update({
    where: { id: actor.user.id },
    data: { passwordHash: await hashPassword(input.newPassword) },
  });
  const revoked = await revokeUserCredentials(actor.user.id, currentSessionToken);
  await audit(actor, {
    tenantId: null,
    action: 'user.password_change',
    targetType: 'user',
    targetId: actor.user.email,
    after: { revoked },
  });
  return revoked;
}
