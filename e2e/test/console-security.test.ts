/**
 * The console's request hygiene on the real server `samsa start` runs (next start, not route handlers called in a
 * test): the TCP peer stamped by the server hook is what sign-in limits count (a forged peer header or
 * X-Forwarded-For buys nothing), a cross-site post with the session cookie is refused, every response carries the
 * CSP, and an invitation link works end to end over HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Hub, startHub } from './hub.ts';

const ADMIN = { email: 'root@example.com', password: 'root-password-1' };
let hub: Hub;
before(async () => {
  hub = await startHub(ADMIN);
});
after(async () => {
  await hub?.stop();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${hub.consoleUrl}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const data: any = await res.json().catch(() => null);
  return { status: res.status, cookie: res.headers.get('set-cookie'), body: data };
}

test('forged peer and X-Forwarded-For headers do not buy fresh sign-in attempts', { timeout: 120_000 }, async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 22; i++) {
    const r = await post(
      '/auth/login',
      { email: `guess${i}@example.com`, password: 'x' },
      { 'x-samsa-peer-address': `203.0.113.${i + 1}`, 'x-forwarded-for': `198.51.100.${i + 1}` },
    );
    statuses.push(r.status);
  }
  assert.deepEqual(statuses.slice(0, 20), Array(20).fill(401), statuses.join(','));
  assert.equal(statuses[21], 429, statuses.join(','));
});

test('pages carry the CSP; a cross-site post with the session cookie is refused, the same origin works', async () => {
  const page = await fetch(`${hub.consoleUrl}/login`);
  assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  // the test above put this machine's address into a 1 s backoff
  await new Promise((r) => setTimeout(r, 1100));
  const login = await post('/auth/login', ADMIN);
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const cookie = (login.cookie ?? '').split(';')[0]!;
  const evil = await post(
    '/tenants',
    { slug: 'evil', displayName: 'Evil' },
    { cookie, origin: 'https://attacker.example' },
  );
  assert.equal(evil.status, 403);
  const form = await fetch(`${hub.consoleUrl}/api/v1/tenants`, {
    method: 'POST',
    headers: { cookie, origin: 'https://attacker.example', 'content-type': 'text/plain' },
    body: '{"slug":"evil2","displayName":"x"}',
  });
  assert.equal(form.status, 415);
  const own = await post('/tenants', { slug: 'acme', displayName: 'Acme' }, { cookie, origin: hub.consoleUrl });
  assert.equal(own.status, 201, JSON.stringify(own.body));
});

test('an invitation link: the invitee opens it and joins with their own password', async () => {
  const t = await post('/auth/token', { ...ADMIN, name: 'e2e' });
  assert.equal(t.status, 200, JSON.stringify(t.body));
  const invite = await post(
    '/tenants/acme/members',
    { email: 'new@acme.example', role: 'TENANT_ADMIN' },
    { authorization: `Bearer ${t.body.token}` },
  );
  assert.equal(invite.status, 201, JSON.stringify(invite.body));
  const url: string = invite.body.inviteUrl;
  assert.ok(url.startsWith(`${hub.consoleUrl}/invite/`), url);
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Join (<!-- -->)?Acme/);
  const token = url.split('/invite/')[1]!;
  const joined = await post(
    '/invitations/accept',
    { token, password: 'my-own-password-1' },
    { origin: hub.consoleUrl },
  );
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  const me = await fetch(`${hub.consoleUrl}/api/v1/me`, { headers: { cookie: (joined.cookie ?? '').split(';')[0]! } });
  assert.deepEqual(
    ((await me.json()) as { tenants: { slug: string }[] }).tenants.map((x) => x.slug),
    ['acme'],
  );
  const used = await fetch(url);
  assert.match(await used.text(), /Invitation not valid/);
});
