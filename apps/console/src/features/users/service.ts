/** Console users (platform admins manage them) and tenant memberships (tenant admins manage their own tenant's). */
import type { Tenant, User } from '@samsa/db';
import { hashPassword, revokeUserCredentials } from '../../server/auth.ts';
import { db } from '../../server/db.ts';
import { ApiError } from '../../server/errors.ts';
import type { Actor } from '../../server/with-tenant.ts';
import { audit } from '../audit/audit.ts';
import type { CreateUserInput } from './schemas.ts';

type UserWithMemberships = User & { memberships?: { role: string; tenant: { slug: string } }[] };

export function userView(u: UserWithMemberships) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    isPlatformAdmin: u.isPlatformAdmin,
    disabled: u.disabled,
    createdAt: u.createdAt.toISOString(),
    memberships: (u.memberships ?? []).map((m) => ({ tenant: m.tenant.slug, role: m.role })),
  };
}

export async function listUsers() {
  const users = await db().user.findMany({
    orderBy: { email: 'asc' },
    include: { memberships: { include: { tenant: true } } },
  });
  return users.map(userView);
}

export async function findUser(id: string) {
  const isUuid = /^[0-9a-f-]{36}$/i.test(id);
  const user = await db().user.findFirst({
    where: isUuid ? { id } : { email: id.toLowerCase() },
    include: { memberships: { include: { tenant: true } } },
  });
  if (!user) throw new ApiError('not_found', `No user '${id}'`);
  return user;
}

export async function createUser(actor: Actor, input: CreateUserInput) {
  if (await db().user.findUnique({ where: { email: input.email } })) {
    throw new ApiError('conflict', `A user with email ${input.email} already exists`, { email: ['Already exists'] });
  }
  const tenants = await db().tenant.findMany({ where: { slug: { in: input.memberships.map((m) => m.tenant) } } });
  const user = await db().user.create({
    data: {
      email: input.email,
      name: input.name,
      passwordHash: await hashPassword(input.password),
      isPlatformAdmin: input.isPlatformAdmin,
      memberships: {
        create: input.memberships.map((m) => {
          const t = tenants.find((x) => x.slug === m.tenant);
          if (!t)
            throw new ApiError('validation_failed', `No tenant '${m.tenant}'`, {
              memberships: [`No tenant '${m.tenant}'`],
            });
          return { tenantId: t.id, role: m.role };
        }),
      },
    },
    include: { memberships: { include: { tenant: true } } },
  });
  await audit(actor, {
    tenantId: null,
    action: 'user.create',
    targetType: 'user',
    targetId: user.email,
    after: userView(user),
  });
  return userView(user);
}

/**
 * A platform admin edits a user. A new password or disabling the account revokes all the user's API tokens and
 * ends their sessions (except the caller's own session when admins edit themselves).
 */
export async function updateUser(
  actor: Actor,
  id: string,
  input: { name?: string; password?: string; isPlatformAdmin?: boolean; disabled?: boolean },
  currentSessionToken?: string,
) {
  const before = await findUser(id);
  const { password, ...rest } = input;
  const user = await db().user.update({
    where: { id: before.id },
    data: { ...rest, ...(password ? { passwordHash: await hashPassword(password) } : {}) },
    include: { memberships: { include: { tenant: true } } },
  });
  const revoked =
    input.disabled || password
      ? await revokeUserCredentials(user.id, user.id === actor.user.id ? currentSessionToken : undefined)
      : undefined;
  await audit(actor, {
    tenantId: null,
    action: 'user.update',
    targetType: 'user',
    targetId: user.email,
    before: userView(before),
    after: { ...userView(user), passwordChanged: Boolean(password), ...(revoked ? { revoked } : {}) },
  });
  return userView(user);
}

export async function deleteUser(actor: Actor, id: string) {
  const user = await findUser(id);
  if (user.id === actor.user.id) throw new ApiError('validation_failed', 'You cannot delete your own account');
  await db().user.delete({ where: { id: user.id } });
  await audit(actor, {
    tenantId: null,
    action: 'user.delete',
    targetType: 'user',
    targetId: user.email,
    before: userView(user),
  });
}

export async function listMembers(tenant: Tenant) {
  const rows = await db().membership.findMany({
    where: { tenantId: tenant.id },
    include: { user: true },
    orderBy: { user: { email: 'asc' } },
  });
  return rows.map((m) => ({ userId: m.userId, email: m.user.email, name: m.user.name, role: m.role }));
}

export async function removeMember(actor: Actor, tenant: Tenant, userIdOrEmail: string) {
  const user = await findUser(userIdOrEmail).catch(() => null);
  const m = user
    ? await db().membership.findUnique({ where: { userId_tenantId: { userId: user.id, tenantId: tenant.id } } })
    : null;
  if (!user || !m) throw new ApiError('not_found', `No member '${userIdOrEmail}' in tenant '${tenant.slug}'`);
  await db().membership.delete({ where: { userId_tenantId: { userId: user.id, tenantId: tenant.id } } });
  await audit(actor, {
    tenantId: tenant.id,
    action: 'member.remove',
    targetType: 'user',
    targetId: user.email,
    before: { role: m.role },
  });
}
