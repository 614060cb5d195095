/**
 * Cross-site request forgery: a page on another site makes the victim's browser post to the console with the
 * session cookie attached. Such requests are refused; the console's own pages and bearer-token clients still work.
 * The security headers (CSP with frame-ancestors 'none', nosniff, Referrer-Policy) are set for every path.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Harness, seedUser, startHarness } from './helpers.ts';

let h: Harness;
let cookie: string;
let token: string;
before(async () => {
  h = await startHarness();
  ({ token } = await seedUser('admin@example.com', { platformAdmin: true }));
  const { createSession, SESSION_COOKIE } = await import('../src/server/auth.ts');
  const { db } = await import('../src/server/db.ts');
  const admin = await db().user.findUniqueOrThrow({ where: { email: 'admin@example.com' } });
  cookie = `${SESSION_COOKIE}=${(await createSession(admin.id)).token}`;
});
after(() => h.close());

async function createTenant(slug: string, headers: Record<string, string>, body?: string) {
  const { apiRoutes } = await import('../src/api/routes.ts');
  const res = await apiRoutes['/tenants']!.POST!.handler(
    new Request('http://console.test/api/v1/tenants', {
      method: 'POST',
      headers: { host: 'console.test', ...headers },
      body: body ?? JSON.stringify({ slug, displayName: slug }),
    }),
    { params: Promise.resolve({}) },
  );
  return { status: res.status, body: await res.json() };
}

async function tenantExists(slug: string) {
  const { db } = await import('../src/server/db.ts');
  return (await db().tenant.findUnique({ where: { slug } })) !== null;
}

test('a cross-site form post with the session cookie is refused, whatever its enctype', async () => {
  // <form enctype="text/plain"> can send a body that is valid JSON: {"slug":"evil","displayName":"x","=":""}
  const textPlain = await createTenant(
    'evil-a',
    { cookie, origin: 'https://attacker.example', 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' },
    '{"slug":"evil-a","displayName":"x","ignore":"="}',
  );
  assert.equal(textPlain.status, 415, JSON.stringify(textPlain.body));
  assert.match(textPlain.body.error.message, /Content-Type: application\/json/);
  const urlEncoded = await createTenant(
    'evil-b',
    { cookie, origin: 'https://attacker.example', 'content-type': 'application/x-www-form-urlencoded' },
    'slug=evil-b&displayName=x',
  );
  assert.equal(urlEncoded.status, 415);
  // JSON from another origin (a fetch with the cookie) is refused by Origin
  const json = await createTenant('evil-c', {
    cookie,
    origin: 'https://attacker.example',
    'content-type': 'application/json',
  });
  assert.equal(json.status, 403);
  assert.match(json.body.error.message, /Cross-site request refused/);
  // no Origin and no Sec-Fetch-Site: not provably same-origin, so a cookie alone is not enough
  const bare = await createTenant('evil-d', { cookie, 'content-type': 'application/json' });
  assert.equal(bare.status, 403);
  for (const slug of ['evil-a', 'evil-b', 'evil-c', 'evil-d']) assert.equal(await tenantExists(slug), false, slug);
});

test("the console's own pages and bearer-token clients still change things", async () => {
  const own = await createTenant('own-page', {
    cookie,
    origin: 'http://console.test',
    'content-type': 'application/json',
  });
  assert.equal(own.status, 201, JSON.stringify(own.body));
  const fetchMeta = await createTenant('own-fetch', {
    cookie,
    'sec-fetch-site': 'same-origin',
    'content-type': 'application/json',
  });
  assert.equal(fetchMeta.status, 201);
  const cli = await createTenant('from-cli', { authorization: `Bearer ${token}`, 'content-type': 'application/json' });
  assert.equal(cli.status, 201);
  const cliWithoutJson = await createTenant('cli-form', {
    authorization: `Bearer ${token}`,
    'content-type': 'application/x-www-form-urlencoded',
  });
  assert.equal(cliWithoutJson.status, 415, 'JSON is required from every client');
});

test('behind a trusted reverse proxy the public origin (X-Forwarded-Host/-Proto) is the own origin', async () => {
  process.env.SAMSA_TRUSTED_PROXIES = '10.0.0.0/8';
  try {
    const proxied = {
      cookie,
      'content-type': 'application/json',
      host: 'console.internal:3000',
      'x-samsa-peer-address': '10.0.0.5',
      'x-forwarded-host': 'hub.example.com',
      'x-forwarded-proto': 'https',
    };
    assert.equal((await createTenant('via-proxy', { ...proxied, origin: 'https://hub.example.com' })).status, 201);
    assert.equal(
      (await createTenant('via-proxy-evil', { ...proxied, origin: 'https://attacker.example' })).status,
      403,
    );
    // the same forwarding headers from a peer that is not a trusted proxy are not believed
    const direct = { ...proxied, 'x-samsa-peer-address': '203.0.113.5', origin: 'https://hub.example.com' };
    assert.equal((await createTenant('spoofed', direct)).status, 403);
  } finally {
    delete process.env.SAMSA_TRUSTED_PROXIES;
  }
});

test('a cross-site sign-in (login CSRF) is refused', async () => {
  const { apiRoutes } = await import('../src/api/routes.ts');
  const res = await apiRoutes['/auth/login']!.POST!.handler(
    new Request('http://console.test/api/v1/auth/login', {
      method: 'POST',
      headers: { origin: 'https://attacker.example', 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.com', password: 'password123' }),
    }),
    { params: Promise.resolve({}) },
  );
  assert.equal(res.status, 403);
  assert.equal(res.headers.get('set-cookie'), null);
});

test('every page and route is sent with a CSP that forbids framing, nosniff and a Referrer-Policy', async () => {
  const { default: config } = await import('../next.config.ts');
  const rules = await config.headers!();
  const all = rules.find((r) => r.source === '/:path*');
  assert.ok(all, JSON.stringify(rules));
  const h = Object.fromEntries(all.headers.map((x) => [x.key.toLowerCase(), x.value]));
  assert.match(h['content-security-policy']!, /frame-ancestors 'none'/);
  assert.match(h['content-security-policy']!, /default-src 'self'/);
  assert.match(h['content-security-policy']!, /object-src 'none'/);
  assert.equal(h['x-content-type-options'], 'nosniff');
  assert.equal(h['referrer-policy'], 'same-origin');
  assert.equal(h['x-frame-options'], 'DENY');
});
