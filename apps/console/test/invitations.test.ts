/**
 * The cross-tenant account takeover, performed: tenant A's admin tries to create victim@x with a password of their
 * choosing; tenant B's admin later invites victim@x. A's admin can neither sign in as the victim nor reach tenant B,
 * and nothing tells a tenant admin whether an email already has an account. Invitations are single-use, expire and
 * can be revoked.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, type Harness, seedUser, startHarness } from './helpers.ts';

let h: Harness;
let tok: { alice: string; bob: string; admin: string };
before(async () => {
  h = await startHarness();
  const { db } = await import('../src/server/db.ts');
  const a = await db().tenant.create({ data: { slug: 'tenant-a', displayName: 'A', quota: { create: {} } } });
  const b = await db().tenant.create({ data: { slug: 'tenant-b', displayName: 'B', quota: { create: {} } } });
  await db().topicAnnotation.create({ data: { tenantId: b.id, name: 'secrets', description: "B's secret topic" } });
  const alice = await seedUser('alice@a.example', { memberships: [{ tenantId: a.id, role: 'TENANT_ADMIN' }] });
  const bob = await seedUser('bob@b.example', { memberships: [{ tenantId: b.id, role: 'TENANT_ADMIN' }] });
  const admin = await seedUser('root@example.com', { platformAdmin: true });
  await seedUser('carol@elsewhere.example');
  tok = { alice: alice.token, bob: bob.token, admin: admin.token };
});
after(() => h.close());

async function post(path: string, body: unknown, peer = '198.51.100.20') {
  const { apiRoutes } = await import('../src/api/routes.ts');
  const res = await apiRoutes[path]!.POST!.handler(
    new Request(`http://console.test/api/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-samsa-peer-address': peer },
      body: JSON.stringify(body),
    }),
    { params: Promise.resolve({}) },
  );
  return { status: res.status, cookie: res.headers.get('set-cookie'), body: await res.json() };
}

/** POST /tenants/{tenant}/members as a tenant admin. */
function addMember(tenant: string, token: string, body: Record<string, unknown>) {
  return call('/tenants/{tenant}/members', 'POST', { tenant }, { token, body });
}

const tokenOf = (inviteUrl: string) => inviteUrl.split('/invite/')[1]!;

async function userRow(email: string) {
  const { db } = await import('../src/server/db.ts');
  return db().user.findUnique({ where: { email }, include: { memberships: { include: { tenant: true } } } });
}

/** The JSON shape of a value: keys and types, not values. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  return v === null ? 'null' : typeof v;
}

test("a tenant admin cannot create another tenant's future user; B's invitation goes to the real person", async () => {
  // 1. A's admin tries the old way: an account for victim@x with a password they choose
  const create = await addMember('tenant-a', tok.alice, {
    email: 'victim@x.example',
    role: 'TENANT_ADMIN',
    password: 'attacker-pass-1',
  });
  assert.equal(create.status, 400, JSON.stringify(create.body));
  assert.equal(await userRow('victim@x.example'), null, 'no account was created');
  // 2. an invitation instead: a link, no account
  const inviteA = await addMember('tenant-a', tok.alice, { email: 'victim@x.example', role: 'TENANT_ADMIN' });
  assert.equal(inviteA.status, 201);
  assert.match(inviteA.body.inviteUrl, /^http:\/\/console\.test\/invite\/[\w-]{43}$/);
  assert.equal(await userRow('victim@x.example'), null);
  // 3. B's admin invites the same email; the real victim opens B's link and chooses a password
  const inviteB = await addMember('tenant-b', tok.bob, { email: 'victim@x.example', role: 'TENANT_MEMBER' });
  assert.equal(inviteB.status, 201);
  const accepted = await post('/invitations/accept', {
    token: tokenOf(inviteB.body.inviteUrl),
    password: 'victims-own-1',
  });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  assert.equal(accepted.body.tenant, 'tenant-b');
  assert.match(accepted.cookie ?? '', /^samsa_session=/);
  // 4. A's admin cannot sign in as the victim, not with their password and not through their own link
  const signIn = await post('/auth/login', { email: 'victim@x.example', password: 'attacker-pass-1' }, '198.51.100.66');
  assert.equal(signIn.status, 401);
  const viaOwnLink = await post(
    '/invitations/accept',
    { token: tokenOf(inviteA.body.inviteUrl), password: 'attacker-pass-1' },
    '198.51.100.66',
  );
  assert.equal(viaOwnLink.status, 401, 'an existing account is joined only with its own password');
  const victim = await userRow('victim@x.example');
  assert.deepEqual(
    victim!.memberships.map((m) => [m.tenant.slug, m.role]),
    [['tenant-b', 'TENANT_MEMBER']],
  );
  const { verifyPassword } = await import('../src/server/auth.ts');
  assert.ok(await verifyPassword('victims-own-1', victim!.passwordHash), "the victim's password is unchanged");
  // 5. A's admin does not reach tenant B
  const topicsB = await call('/tenants/{tenant}/topics', 'GET', { tenant: 'tenant-b' }, { token: tok.alice });
  assert.equal(topicsB.status, 404);
  assert.ok(!JSON.stringify(topicsB.body).includes('secrets'));
});

test('inviting an email that has an account looks exactly like inviting a new one and changes nothing', async () => {
  const before = await userRow('carol@elsewhere.example');
  const existing = await addMember('tenant-a', tok.alice, { email: 'carol@elsewhere.example', role: 'TENANT_MEMBER' });
  const fresh = await addMember('tenant-a', tok.alice, {
    email: 'nobody-yet@elsewhere.example',
    role: 'TENANT_MEMBER',
  });
  assert.equal(existing.status, fresh.status);
  assert.deepEqual(shape(existing.body), shape(fresh.body));
  assert.deepEqual(Object.keys(existing.body.invitation).sort(), Object.keys(fresh.body.invitation).sort());
  assert.ok(!/exist|account/i.test(JSON.stringify(existing.body)), JSON.stringify(existing.body));
  const after = await userRow('carol@elsewhere.example');
  assert.equal(after!.passwordHash, before!.passwordHash);
  assert.deepEqual(after!.memberships, [], 'carol is not a member until she accepts');
  const list = await call('/tenants/{tenant}/invitations', 'GET', { tenant: 'tenant-a' }, { token: tok.alice });
  assert.deepEqual(list.body.map((i: { email: string }) => i.email).sort(), [
    'carol@elsewhere.example',
    'nobody-yet@elsewhere.example',
    'victim@x.example',
  ]);
  assert.ok(!JSON.stringify(list.body).includes('/invite/'), 'the link is never shown again');
  // carol joins with her own password; a wrong one does nothing
  const link = tokenOf(existing.body.inviteUrl);
  assert.equal(
    (await post('/invitations/accept', { token: link, password: 'wrong-pass' }, '198.51.100.70')).status,
    401,
  );
  const joined = await post('/invitations/accept', { token: link, password: 'password123' }, '198.51.100.71');
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  assert.deepEqual(
    (await userRow('carol@elsewhere.example'))!.memberships.map((m) => m.tenant.slug),
    ['tenant-a'],
  );
});

test('an invitation link works once, until it expires, and not after it is revoked', async () => {
  const invite = async (email: string) =>
    (await addMember('tenant-a', tok.alice, { email, role: 'TENANT_MEMBER' })).body as {
      invitation: { id: string };
      inviteUrl: string;
    };
  const once = await invite('once@example.com');
  assert.equal(
    (await post('/invitations/accept', { token: tokenOf(once.inviteUrl), password: 'password-once' })).status,
    200,
  );
  const again = await post('/invitations/accept', { token: tokenOf(once.inviteUrl), password: 'password-once' });
  assert.equal(again.status, 404);
  assert.match(again.body.error.message, /used, revoked or has expired. Ask your tenant admin for a new one/);

  const acceptStatus = async (url: string, password: string) =>
    (await post('/invitations/accept', { token: tokenOf(url), password })).status;
  const revoke = async (tenant: string, id: string, token: string) =>
    (await call('/tenants/{tenant}/invitations/{id}', 'DELETE', { tenant, id }, { token })).status;

  const old = await invite('late@example.com');
  const { db } = await import('../src/server/db.ts');
  await db().invitation.update({ where: { id: old.invitation.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
  assert.equal(await acceptStatus(old.inviteUrl, 'password-late'), 404, 'expired');

  const revoked = await invite('revoked@example.com');
  assert.equal(await revoke('tenant-a', revoked.invitation.id, tok.alice), 204);
  assert.equal(await acceptStatus(revoked.inviteUrl, 'password-rev'), 404, 'revoked');
  // another tenant's admin cannot revoke A's invitation
  const pending = await invite('pending@example.com');
  assert.equal(await revoke('tenant-b', pending.invitation.id, tok.bob), 404);
  assert.equal(await userRow('late@example.com'), null);
  assert.equal(await userRow('revoked@example.com'), null);
});

test('only platform admins create accounts with a password', async () => {
  const byTenantAdmin = await call(
    '/users',
    'POST',
    {},
    {
      token: tok.alice,
      body: { email: 'made@example.com', password: 'password123' },
    },
  );
  assert.equal(byTenantAdmin.status, 403);
  const byAdmin = await call(
    '/users',
    'POST',
    {},
    {
      token: tok.admin,
      body: {
        email: 'made@example.com',
        password: 'password123',
        memberships: [{ tenant: 'tenant-a', role: 'TENANT_MEMBER' }],
      },
    },
  );
  assert.equal(byAdmin.status, 201);
});
