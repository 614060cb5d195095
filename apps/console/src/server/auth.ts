/**
 * Authentication: local accounts (bcrypt), console sessions in an httpOnly cookie, personal API tokens for the
 * REST API and the CLI, login rate limiting, and the first platform admin from SAMSA_ADMIN_EMAIL/PASSWORD.
 * Only SHA-256 hashes of session and API tokens are stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { User } from '@samsa/db';
import { db } from './db.ts';
import { ApiError } from './errors.ts';
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

/** Creates the first platform admin from the environment when the database has no users yet. */
export async function ensureBootstrapAdmin(): Promise<void> {
  const email = process.env.SAMSA_ADMIN_EMAIL;
  const password = process.env.SAMSA_ADMIN_PASSWORD;
  if (!email || !password) return;
  if ((await db().user.count()) > 0) return;
  await db()
    .user.create({
      data: {
        email: email.toLowerCase(),
        name: 'Admin',
        passwordHash: await hashPassword(password),
        isPlatformAdmin: true,
      },
    })
    .catch((err: { code?: string }) => {
      if (err.code !== 'P2002') throw err;
    });
  log.info({ email }, 'bootstrap platform admin created');
}

// Login rate limiting: at most LOGIN_FAILURES_MAX failures per email and per client address in a window.
const LOGIN_WINDOW_MS = 15 * 60 * 1000;
const LOGIN_FAILURES_MAX = 10;
const LOGIN_KEYS_MAX = 10_000;
const failures = new Map<string, { count: number; since_ms: number }>();

function limited(key: string, now_ms: number): boolean {
  const f = failures.get(key);
  if (!f) return false;
  if (now_ms - f.since_ms > LOGIN_WINDOW_MS) {
    failures.delete(key);
    return false;
  }
  return f.count >= LOGIN_FAILURES_MAX;
}

function recordFailure(key: string, now_ms: number): void {
  if (failures.size >= LOGIN_KEYS_MAX) failures.clear();
  const f = failures.get(key);
  if (!f || now_ms - f.since_ms > LOGIN_WINDOW_MS) failures.set(key, { count: 1, since_ms: now_ms });
  else f.count++;
}

export function clientAddress(req: Request): string {
  return req.headers.get('x-forwarded-for')?.split(',')[0]?.trim() || 'local';
}

/** Checks credentials; throws `rate_limited` or `unauthorized` (same message for unknown email and bad password). */
export async function authenticate(email: string, password: string, address: string): Promise<User> {
  await ensureBootstrapAdmin();
  const now_ms = Date.now();
  const keys = [`e:${email.toLowerCase()}`, `a:${address}`];
  if (keys.some((k) => limited(k, now_ms))) {
    throw new ApiError('rate_limited', 'Too many failed sign-in attempts. Try again in 15 minutes.');
  }
  const user = await db().user.findUnique({ where: { email: email.toLowerCase() } });
  const ok = user && !user.disabled ? await verifyPassword(password, user.passwordHash) : false;
  if (!user || !ok) {
    for (const k of keys) recordFailure(k, now_ms);
    log.warn({ email, address }, 'sign-in failed');
    throw new ApiError('unauthorized', 'Wrong email or password');
  }
  for (const k of keys) failures.delete(k);
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

export async function createApiToken(
  userId: string,
  name: string,
): Promise<{ token: string; id: string; prefix: string }> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const prefix = token.slice(0, TOKEN_PREFIX.length + 6);
  const row = await db().personalApiToken.create({ data: { userId, name, tokenHash: sha256(token), prefix } });
  return { token, id: row.id, prefix };
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
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() < Date.now()) || row.user.disabled)
      return null;
    return row.user;
  }
  return userFromSessionToken(readCookie(req.headers.get('cookie'), SESSION_COOKIE));
}
