/**
 * Authentication: local accounts (bcrypt), console sessions in an httpOnly cookie, personal API tokens for the
 * REST API and the CLI (expiring, revocable), sign-in backoff, and the first platform admin (atomic). Only SHA-256
 * hashes of session and API tokens are stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { User } from '@samsa/db';
import { db } from './db.ts';
import { ApiError } from './errors.ts';
import { LoginBackoff, addressBucket } from './login-limiter.ts';
import { log } from './log.ts';

export const SESSION_COOKIE = 'samsa_session';
export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;
const BCRYPT_ROUNDS = 10;
export const TOKEN_PREFIX = 'samsa_pat_';

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export async function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_ROUNDS);
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

/** One advisory-lock id for "create the first admin": whichever way it is created, only one transaction decides. */
const FIRST_ADMIN_LOCK_ID = 727073_01;

/**
 * Creates the first platform admin if and only if there are no users, atomically: the check and the insert run in
 * one transaction under a Postgres advisory lock, so any number of concurrent callers create exactly one admin.
 * Returns null when the console already has users.
 */
export async function createFirstAdmin(input: { email: string; name: string; password: string }): Promise<User | null> {
  const passwordHash = await hashPassword(input.password);
  return db().$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${FIRST_ADMIN_LOCK_ID}::bigint)`;
    if ((await tx.user.count()) > 0) return null;
    return tx.user.create({
      data: { email: input.email.toLowerCase(), name: input.name, passwordHash, isPlatformAdmin: true },
    });
  });
}

/** Creates the first platform admin from the environment when the database has no users yet. */
export async function ensureBootstrapAdmin(): Promise<void> {
  const email = process.env.SAMSA_ADMIN_EMAIL;
  const password = process.env.SAMSA_ADMIN_PASSWORD;
  if (!email || !password) return;
  if ((await db().user.count()) > 0) return;
  if (await createFirstAdmin({ email, name: 'Admin', password }))
    log.info({ email }, 'bootstrap platform admin created');
}

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const v = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
  return v;
}

/**
 * Sign-in limits (see login-limiter.ts): per account (SAMSA_LOGIN_ACCOUNT_FREE_FAILURES, default 5) and per client
 * address or IPv6 /64 (SAMSA_LOGIN_ADDRESS_FREE_FAILURES, default 20) free failures, then a wait doubling from 1 s up to
 * SAMSA_LOGIN_MAX_BACKOFF_MS (default 15 min); forgotten after an hour without failures; at most
 * SAMSA_LOGIN_TABLE_MAX_KEYS (default 10,000) keys per table.
 */
function loginLimiters(): { account: LoginBackoff; address: LoginBackoff } {
  const g = globalThis as { samsaLoginLimiters?: { account: LoginBackoff; address: LoginBackoff } };
  if (!g.samsaLoginLimiters) {
    const common = {
      baseDelayMs: 1000,
      maxDelayMs: envInt('SAMSA_LOGIN_MAX_BACKOFF_MS', 15 * 60 * 1000),
      windowMs: 60 * 60 * 1000,
      maxKeys: Math.max(1, envInt('SAMSA_LOGIN_TABLE_MAX_KEYS', 10_000)),
    };
    g.samsaLoginLimiters = {
      account: new LoginBackoff({ ...common, freeFailures: envInt('SAMSA_LOGIN_ACCOUNT_FREE_FAILURES', 5) }),
      address: new LoginBackoff({ ...common, freeFailures: envInt('SAMSA_LOGIN_ADDRESS_FREE_FAILURES', 20) }),
    };
  }
  return g.samsaLoginLimiters;
}

/** Forgets every failure (tests; an operator restart does the same). */
export function resetLoginLimits(): void {
  delete (globalThis as { samsaLoginLimiters?: unknown }).samsaLoginLimiters;
}

let dummyHash: Promise<string> | undefined;
/** A hash of a random password, so an unknown email costs the same bcrypt work as a wrong password. */
function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

/**
 * Checks credentials; throws `rate_limited` (with Retry-After seconds) or `unauthorized` (same message and the same
 * bcrypt work for an unknown email, a disabled account and a wrong password).
 */
export async function authenticate(email: string, password: string, address: string): Promise<User> {
  await ensureBootstrapAdmin();
  const nowMs = Date.now();
  const { account, address: byAddress } = loginLimiters();
  const accountKey = email.toLowerCase();
  const addressKey = addressBucket(address);
  const waitMs = Math.max(account.waitMs(accountKey, nowMs), byAddress.waitMs(addressKey, nowMs));
  if (waitMs > 0) {
    const seconds = Math.ceil(waitMs / 1000);
    log.warn({ email: accountKey, address, waitMs }, 'sign-in refused: backing off after failed attempts');
    throw new ApiError(
      'rate_limited',
      `Too many failed sign-in attempts. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
      undefined,
      { 'retry-after': String(seconds) },
    );
  }
  const user = await db().user.findUnique({ where: { email: accountKey } });
  const usable = user && !user.disabled;
  const ok = await verifyPassword(password, usable ? user.passwordHash : await dummyPasswordHash());
  if (!usable || !ok) {
    const a = account.recordFailure(accountKey, nowMs);
    const b = byAddress.recordFailure(addressKey, nowMs);
    log.warn(
      { email: accountKey, address, accountFailures: a.failures, addressFailures: b.failures },
      'sign-in failed',
    );
    throw new ApiError('unauthorized', 'Wrong email or password');
  }
  // only the account is forgiven: an address's failures decay with time, or a valid account of one's own would reset
  // the address limit between guesses
  account.forget(accountKey);
  return user;
}

export async function createSession(userId: string): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await db().session.create({ data: { tokenHash: sha256(token), userId, expiresAt } });
  return { token, expiresAt };
}

export async function deleteSession(token: string): Promise<void> {
  await db().session.deleteMany({ where: { tokenHash: sha256(token) } });
}

export function sessionCookie(req: Request, token: string, expiresAt: Date): string {
  const secure = req.headers.get('x-forwarded-proto') === 'https' || new URL(req.url).protocol === 'https:';
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Expires=${expiresAt.toUTCString()}${secure ? '; Secure' : ''}`;
}

export function clearSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
}

export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

export async function userFromSessionToken(token: string | undefined): Promise<User | null> {
  if (!token) return null;
  const session = await db().session.findUnique({ where: { tokenHash: sha256(token) }, include: { user: true } });
  if (!session || session.expiresAt.getTime() < Date.now() || session.user.disabled) return null;
  return session.user;
}

/** Personal API tokens live TOKEN_TTL_DEFAULT_DAYS unless their creator picks 1..tokenTtlMaxDays() days. */
export const TOKEN_TTL_DEFAULT_DAYS = 90;
/** SAMSA_TOKEN_MAX_TTL_DAYS (default 365): the longest lifetime a personal API token can be given. */
export function tokenTtlMaxDays(): number {
  return Math.max(1, envInt('SAMSA_TOKEN_MAX_TTL_DAYS', 365));
}
const DAY_MS = 24 * 3600 * 1000;
/** A token's last-used time is written at most this often, so a busy CLI does not write on every request. */
const TOKEN_LAST_USED_RESOLUTION_MS = 60_000;

export async function createApiToken(
  userId: string,
  name: string,
  ttlDays: number = TOKEN_TTL_DEFAULT_DAYS,
): Promise<{ token: string; id: string; prefix: string; expiresAt: string }> {
  const maxDays = tokenTtlMaxDays();
  if (!(Number.isInteger(ttlDays) && ttlDays >= 1 && ttlDays <= maxDays)) {
    throw new ApiError('validation_failed', `A token lives 1 to ${maxDays} days`, {
      expiresInDays: [`Choose 1 to ${maxDays} days (SAMSA_TOKEN_MAX_TTL_DAYS)`],
    });
  }
  // Any signed-in user can mint tokens: bound the live ones (not revoked, not expired) per user.
  const maxLive = Math.max(1, envInt('SAMSA_MAX_TOKENS_PER_USER', 100));
  const live = await db().personalApiToken.count({
    where: { userId, revokedAt: null, expiresAt: { gt: new Date() } },
  });
  if (live >= maxLive) {
    throw new ApiError(
      'quota_exceeded',
      `You have ${live} live API tokens, the most allowed (SAMSA_MAX_TOKENS_PER_USER); revoke one you no longer use (/account or 'samsa token revoke')`,
    );
  }
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const prefix = token.slice(0, TOKEN_PREFIX.length + 6);
  const expiresAt = new Date(Date.now() + ttlDays * DAY_MS);
  const row = await db().personalApiToken.create({
    data: { userId, name, tokenHash: sha256(token), prefix, expiresAt },
  });
  return { token, id: row.id, prefix, expiresAt: expiresAt.toISOString() };
}

/**
 * After a password change or when an account is disabled: revokes every personal API token of the user and ends
 * every session except `keepSessionToken` (the caller's own, when they changed their own password).
 */
export async function revokeUserCredentials(
  userId: string,
  keepSessionToken?: string,
): Promise<{ tokens: number; sessions: number }> {
  const tokens = await db().personalApiToken.updateMany({
    where: { userId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  const sessions = await db().session.deleteMany({
    where: { userId, ...(keepSessionToken ? { tokenHash: { not: sha256(keepSessionToken) } } : {}) },
  });
  log.info({ userId, tokens: tokens.count, sessions: sessions.count }, "revoked the user's tokens and other sessions");
  return { tokens: tokens.count, sessions: sessions.count };
}

/** The user behind a request: `Authorization: Bearer samsa_pat_…` or the session cookie. */
export async function userFromRequest(req: Request): Promise<User | null> {
  const auth = req.headers.get('authorization');
  if (auth?.startsWith('Bearer ')) {
    const token = auth.slice('Bearer '.length).trim();
    const row = await db().personalApiToken.findUnique({
      where: { tokenHash: sha256(token) },
      include: { user: true },
    });
    const nowMs = Date.now();
    if (!row || row.revokedAt || row.expiresAt.getTime() <= nowMs || row.user.disabled) return null;
    if (!row.lastUsedAt || nowMs - row.lastUsedAt.getTime() >= TOKEN_LAST_USED_RESOLUTION_MS) {
      await db().personalApiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date(nowMs) } });
    }
    return row.user;
  }
  return userFromSessionToken(readCookie(req.headers.get('cookie'), SESSION_COOKIE));
}
