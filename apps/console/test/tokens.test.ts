/**
 * Personal API tokens: they expire (default 90 days, at most SAMSA_TOKEN_MAX_TTL_DAYS), record their last use, are
 * listed and revoked by their owner and by platform admins, and a password change or a disabled account revokes
 * them all (and ends every other session).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, type Harness, seedUser, startHarness } from './helpers.ts';

let h: Harness;
let adminToken: string;
before(async () => {
  h = await startHarness();
  adminToken = (await seedUser('root@example.com', { platformAdmin: true })).token;
  await seedUser('dana@example.com');
  await seedUser('eve@example.com');
});
after(() => h.close());

const DAY_MS = 24 * 3600 * 1000;
let peer = 0;

async function mint(email: string, password: string, extra: Record<string, unknown> = {}) {
  const { apiRoutes } = await import('../src/api/routes.ts');
  const res = await apiRoutes['/auth/token']!.POST!.handler(
    new Request('http://console.test/api/v1/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-samsa-peer-address': `198.51.100.${++peer}` },
      body: JSON.stringify({ email, password, name: 'ci', ...extra }),
    }),
    { params: Promise.resolve({}) },
  );
  return { status: res.status, body: await res.json() };
}

async function me(headers: Record<string, string>) {
  const { apiRoutes } = await import('../src/api/routes.ts');
  const res = await apiRoutes['/me']!.GET!.handler(new Request('http://console.test/api/v1/me', { headers }), {
    params: Promise.resolve({}),
  });
  return res.status;
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

test('a token expires: 90 days by default, chosen at creation, capped; an expired token is refused', async () => {
  const t0 = Date.now();
  const def = await mint('dana@example.com', 'password123');
  assert.equal(def.status, 200);
  assert.ok(Math.abs(Date.parse(def.body.expiresAt) - (t0 + 90 * DAY_MS)) < 60_000, def.body.expiresAt);
  const short = await mint('dana@example.com', 'password123', { expiresInDays: 1 });
  assert.ok(Math.abs(Date.parse(short.body.expiresAt) - (t0 + DAY_MS)) < 60_000);
  const tooLong = await mint('dana@example.com', 'password123', { expiresInDays: 400 });
  assert.equal(tooLong.status, 400);
  assert.match(tooLong.body.error.message, /1 to 365 days/);
  assert.equal(await me(bearer(short.body.token)), 200);
  const { db } = await import('../src/server/db.ts');
  await db().personalApiToken.update({ where: { id: short.body.id }, data: { expiresAt: new Date(Date.now() - 1) } });
  assert.equal(await me(bearer(short.body.token)), 401, 'expired');
});

test('the owner lists their tokens with last use, and revokes one; another user cannot', async () => {
  const a = (await mint('eve@example.com', 'password123')).body;
  const b = (await mint('eve@example.com', 'password123', { name: 'laptop' })).body;
  assert.equal(await me(bearer(a.token)), 200);
  const list = await call('/auth/tokens', 'GET', {}, { token: a.token });
  assert.equal(list.status, 200);
  const mine = list.body.filter((t: { id: string }) => t.id === a.id || t.id === b.id);
  assert.equal(mine.length, 2);
  const used = list.body.find((t: { id: string }) => t.id === a.id);
  assert.ok(used.lastUsedAt && Date.now() - Date.parse(used.lastUsedAt) < 60_000, JSON.stringify(used));
  assert.equal(used.status, 'active');
  assert.ok(!JSON.stringify(list.body).includes(a.token) && !('tokenHash' in used));
  // dana cannot see or revoke eve's token
  const dana = (await mint('dana@example.com', 'password123')).body;
  const danaList = await call('/auth/tokens', 'GET', {}, { token: dana.token });
  assert.ok(!danaList.body.some((t: { id: string }) => t.id === b.id));
  const steal = await call('/auth/tokens/{id}', 'DELETE', { id: b.id }, { token: dana.token });
  assert.equal(steal.status, 404);
  assert.equal(await me(bearer(b.token)), 200);
  // eve revokes her laptop token with the other one
  assert.equal((await call('/auth/tokens/{id}', 'DELETE', { id: b.id }, { token: a.token })).status, 204);
  assert.equal(await me(bearer(b.token)), 401);
  const after = await call('/auth/tokens', 'GET', {}, { token: a.token });
  assert.equal(after.body.find((t: { id: string }) => t.id === b.id).status, 'revoked');
});

test('platform admins list and revoke any user’s tokens', async () => {
  const t = (await mint('dana@example.com', 'password123', { name: 'ci-2' })).body;
  const list = await call('/users/{user}/tokens', 'GET', { user: 'dana@example.com' }, { token: adminToken });
  assert.ok(list.body.some((x: { id: string }) => x.id === t.id));
  const del = await call(
    '/users/{user}/tokens/{id}',
    'DELETE',
    { user: 'dana@example.com', id: t.id },
    { token: adminToken },
  );
  assert.equal(del.status, 204);
  assert.equal(await me(bearer(t.token)), 401);
});

test('changing your password revokes every token and ends your other sessions, not the current one', async () => {
  const { createSession, SESSION_COOKIE } = await import('../src/server/auth.ts');
  const { db } = await import('../src/server/db.ts');
  const u = await seedUser('frank@example.com');
  const t = (await mint('frank@example.com', 'password123')).body;
  const here = `${SESSION_COOKIE}=${(await createSession(u.user.id)).token}`;
  const elsewhere = `${SESSION_COOKIE}=${(await createSession(u.user.id)).token}`;
  const { apiRoutes } = await import('../src/api/routes.ts');
  const res = await apiRoutes['/auth/password']!.POST!.handler(
    new Request('http://console.test/api/v1/auth/password', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: here, origin: 'http://console.test' },
      body: JSON.stringify({ currentPassword: 'password123', newPassword: 'a-new-password-1' }),
    }),
    { params: Promise.resolve({}) },
  );
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(await me(bearer(t.token)), 401, 'the token minted before the change');
  assert.equal(await me(bearer(u.token)), 401, 'the seeded token too');
  assert.equal(await me({ cookie: elsewhere }), 401, 'the other session');
  assert.equal(await me({ cookie: here }), 200, 'the session that made the change');
  assert.equal(await db().personalApiToken.count({ where: { userId: u.user.id, revokedAt: null } }), 0);
});

test('a platform admin setting a password or disabling the account revokes its tokens and sessions', async () => {
  const { createSession, SESSION_COOKIE } = await import('../src/server/auth.ts');
  const g = await seedUser('gina@example.com');
  const gSession = `${SESSION_COOKIE}=${(await createSession(g.user.id)).token}`;
  const reset = await call(
    '/users/{user}',
    'PATCH',
    { user: 'gina@example.com' },
    {
      token: adminToken,
      body: { password: 'set-by-admin-1' },
    },
  );
  assert.equal(reset.status, 200);
  assert.equal(await me(bearer(g.token)), 401);
  assert.equal(await me({ cookie: gSession }), 401);

  const h2 = await seedUser('hank@example.com');
  const disable = await call(
    '/users/{user}',
    'PATCH',
    { user: 'hank@example.com' },
    {
      token: adminToken,
      body: { disabled: true },
    },
  );
  assert.equal(disable.status, 200);
  await call('/users/{user}', 'PATCH', { user: 'hank@example.com' }, { token: adminToken, body: { disabled: false } });
  assert.equal(await me(bearer(h2.token)), 401, 'revoked, not merely hidden while disabled');
});

test('live tokens per user are bounded: past SAMSA_MAX_TOKENS_PER_USER minting is refused until one is revoked', async () => {
  const seeded = await seedUser('mint@example.com'); // comes with one token
  process.env.SAMSA_MAX_TOKENS_PER_USER = '3';
  try {
    const minted = [await mint('mint@example.com', 'password123'), await mint('mint@example.com', 'password123')];
    assert.deepEqual(
      minted.map((m) => m.status),
      [200, 200],
    );
    const fourth = await mint('mint@example.com', 'password123');
    assert.equal(fourth.status, 422, JSON.stringify(fourth.body));
    assert.equal(fourth.body.error.code, 'quota_exceeded');
    assert.match(fourth.body.error.message, /revoke one/);
    const revoked = await call('/auth/tokens/{id}', 'DELETE', { id: minted[0]!.body.id }, { token: seeded.token });
    assert.equal(revoked.status, 204, JSON.stringify(revoked.body));
    assert.equal((await mint('mint@example.com', 'password123')).status, 200, 'room again after a revoke');
  } finally {
    delete process.env.SAMSA_MAX_TOKENS_PER_USER;
  }
});
