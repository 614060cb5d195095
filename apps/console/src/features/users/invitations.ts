/**
 * Tenant invitations: how a tenant admin adds a person. The admin gets a single-use link (shown once; only the
 * token's SHA-256 is stored) that expires after SAMSA_INVITATION_TTL_HOURS (default 168, 7 days). Whoever opens it
 * sets a password for a new account, or signs in with the existing account's password, and becomes a member with
 * the invited role. Inviting never creates, reveals or changes an account: the response is the same for a new email
 * and for one that has an account, and only the account's owner can attach it to the tenant.
 */
import { randomBytes } from 'node:crypto';
import type { Invitation, Tenant, User } from '@samsa/db';
import { authenticate, hashPassword, sha256 } from '../../server/auth.ts';
import { db } from '../../server/db.ts';
import { ApiError } from '../../server/errors.ts';
import { log } from '../../server/log.ts';
import type { Actor } from '../../server/with-tenant.ts';
import { audit } from '../audit/audit.ts';
import { type AddMemberInput, passwordSchema } from './schemas.ts';

/** Pending invitations one tenant may have at once (a bound on the table; revoke or wait for expiry to add more). */
export const PENDING_INVITATIONS_MAX = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function invitationTtlMs(): number {
  const raw = process.env.SAMSA_INVITATION_TTL_HOURS;
  const hours = raw ? Number(raw) : 168;
  if (!(Number.isFinite(hours) && hours > 0)) throw new Error(`SAMSA_INVITATION_TTL_HOURS must be > 0, got '${raw}'`);
  return hours * 3600 * 1000;
}

function pending(nowMs = Date.now()) {
  return { acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date(nowMs) } };
}

export function invitationView(i: Invitation & { invitedBy?: { email: string } | null }) {
  return {
    id: i.id,
    email: i.email,
    role: i.role,
    createdAt: i.createdAt.toISOString(),
    expiresAt: i.expiresAt.toISOString(),
    invitedBy: i.invitedBy?.email ?? null,
  };
}

/** Creates an invitation and returns its link, once. Looks the same whether or not the email has an account. */
export async function inviteMember(actor: Actor, tenant: Tenant, input: AddMemberInput, baseUrl: string) {
  const open = await db().invitation.count({ where: { tenantId: tenant.id, ...pending() } });
  if (open >= PENDING_INVITATIONS_MAX) {
    throw new ApiError(
      'quota_exceeded',
      `Tenant '${tenant.slug}' has ${open} pending invitations (the limit is ${PENDING_INVITATIONS_MAX}): revoke some first`,
    );
  }
  const token = randomBytes(32).toString('base64url');
  const row = await db().invitation.create({
    data: {
      tenantId: tenant.id,
      email: input.email,
      role: input.role,
      tokenHash: sha256(token),
      invitedById: actor.user.id,
      expiresAt: new Date(Date.now() + invitationTtlMs()),
    },
    include: { invitedBy: true },
  });
  const view = invitationView(row);
  await audit(actor, {
    tenantId: tenant.id,
    action: 'member.invite',
    targetType: 'invitation',
    targetId: input.email,
    after: { role: view.role, expiresAt: view.expiresAt },
  });
  return { invitation: view, inviteUrl: `${baseUrl.replace(/\/+$/, '')}/invite/${token}` };
}

export async function listInvitations(tenant: Tenant) {
  const rows = await db().invitation.findMany({
    where: { tenantId: tenant.id, ...pending() },
    include: { invitedBy: true },
    orderBy: { createdAt: 'desc' },
  });
  return rows.map(invitationView);
}

export async function revokeInvitation(actor: Actor, tenant: Tenant, id: string) {
  const row = UUID.test(id)
    ? await db().invitation.findFirst({ where: { id, tenantId: tenant.id, ...pending() } })
    : null;
  if (!row) throw new ApiError('not_found', `No pending invitation '${id}' in tenant '${tenant.slug}'`);
  await db().invitation.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
  await audit(actor, {
    tenantId: tenant.id,
    action: 'member.invite_revoke',
    targetType: 'invitation',
    targetId: row.email,
    before: { role: row.role },
  });
}

const INVALID_LINK =
  'This invitation link is not valid: it was used, revoked or has expired. Ask your tenant admin for a new one';

/** What the /invite/<token> page shows, or null for a link that cannot be used. */
export async function invitationForToken(token: string) {
  const row = await db().invitation.findFirst({
    where: { tokenHash: sha256(token), ...pending() },
    include: { tenant: true },
  });
  if (row?.tenant.status !== 'ACTIVE') return null;
  return {
    email: row.email,
    role: row.role,
    tenant: row.tenant.displayName || row.tenant.slug,
    expiresAt: row.expiresAt,
  };
}

/**
 * Accepts an invitation: an existing account proves itself with its password (sign-in limits apply); otherwise the
 * account is created with the password given. The invitation is claimed in the same transaction that adds the
 * membership, so a link works once.
 */
export async function acceptInvitation(
  input: { token: string; password: string; name?: string | undefined },
  address: string,
): Promise<{ user: User; tenant: string }> {
  const invite = await db().invitation.findFirst({
    where: { tokenHash: sha256(input.token), ...pending() },
    include: { tenant: true },
  });
  if (invite?.tenant.status !== 'ACTIVE') throw new ApiError('not_found', INVALID_LINK);
  const existing = await db().user.findUnique({ where: { email: invite.email } });
  let passwordHash: string | undefined;
  if (existing) {
    await authenticate(invite.email, input.password, address);
  } else {
    const parsed = passwordSchema.safeParse(input.password);
    if (!parsed.success) {
      throw new ApiError('validation_failed', 'Choose a password of at least 8 characters', {
        password: parsed.error.issues.map((i) => i.message),
      });
    }
    passwordHash = await hashPassword(parsed.data);
  }
  const user = await db().$transaction(async (tx) => {
    const claimed = await tx.invitation.updateMany({
      where: { id: invite.id, ...pending() },
      data: { acceptedAt: new Date() },
    });
    if (claimed.count !== 1) throw new ApiError('not_found', INVALID_LINK);
    const u =
      existing ??
      (await tx.user.create({ data: { email: invite.email, name: input.name ?? '', passwordHash: passwordHash! } }));
    await tx.membership.upsert({
      where: { userId_tenantId: { userId: u.id, tenantId: invite.tenantId } },
      create: { userId: u.id, tenantId: invite.tenantId, role: invite.role },
      update: { role: invite.role },
    });
    return u;
  });
  log.info({ tenant: invite.tenant.slug, email: invite.email, newAccount: !existing }, 'invitation accepted');
  await audit(
    { user },
    {
      tenantId: invite.tenantId,
      action: 'member.join',
      targetType: 'user',
      targetId: user.email,
      after: { role: invite.role, invitationId: invite.id },
    },
  );
  return { user, tenant: invite.tenant.slug };
}
