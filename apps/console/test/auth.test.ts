/** Sign-in: bootstrap admin from the environment, session cookies, sign-out, tokens, the OpenAPI document. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Harness, startHarness } from './helpers.ts';

let h: Harness;
before(async () => {
  h = await startHarness({ SAMSA_ADMIN_EMAIL: 'Boot@Example.com', SAMSA_ADMIN_PASSWORD: 'bootstrap-pass-1' });
});
after(() => h.close());

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const { apiRoutes } = await import('../src/api/routes.ts');
  return apiRoutes[path]!.POST!.handler(
    new Request(`http://console.test/api/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    }),
    { params: Promise.resolve({}) },
  );
}

async function me(headers: Record<string, string>) {
  const { apiRoutes } = await import('../src/api/routes.ts');
  return apiRoutes['/me']!.GET!.handler(new Request('http://console.test/api/v1/me', { headers }), {
    params: Promise.resolve({}),
  });
}

test('the first platform admin comes from SAMSA_ADMIN_EMAIL/PASSWORD; sessions are httpOnly cookies; sign-out ends them', async () => {
  const res = await post('/auth/login', { email: 'boot@example.com', password: 'bootstrap-pass-1' });
  assert.equal(res.status, 200);
  const cookie = res.headers.get('set-cookie') ?? '';
  assert.match(cookie, /^samsa_session=[\w-]{40,}; Path=\/; HttpOnly; SameSite=Lax; Expires=/);
  assert.doesNotMatch(cookie, /Secure/, 'plain http on localhost');
  const session = cookie.split(';')[0]!;
  const who = await me({ cookie: session });
  assert.equal(who.status, 200);
  const body = await who.json();
  assert.equal(body.email, 'boot@example.com');
  assert.equal(body.isPlatformAdmin, true);
  const out = await post('/auth/logout', {}, { cookie: session, origin: 'http://console.test' });
  assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
  assert.equal((await me({ cookie: session })).status, 401);
  const secure = await post(
    '/auth/login',
    { email: 'boot@example.com', password: 'bootstrap-pass-1' },
    { 'x-forwarded-proto': 'https' },
  );
  assert.match(secure.headers.get('set-cookie') ?? '', /; Secure/);
});

test('the bootstrap page only works while there are no users', async () => {
  const res = await post(
    '/auth/bootstrap',
    { email: 'late@example.com', password: 'password-123' },
    { 'x-samsa-peer-address': '127.0.0.1' },
  );
  assert.equal(res.status, 403);
  assert.equal((await res.json()).error.message, 'The console is already set up');
});

test('API tokens authenticate; only their hash is stored', async () => {
  const res = await post('/auth/token', { email: 'boot@example.com', password: 'bootstrap-pass-1', name: 'ci' });
  const { token } = await res.json();
  assert.match(token, /^samsa_pat_/);
  assert.equal((await me({ authorization: `Bearer ${token}` })).status, 200);
  assert.equal((await me({ authorization: `Bearer ${token}x` })).status, 401);
  const { db } = await import('../src/server/db.ts');
  const rows = await db().personalApiToken.findMany();
  assert.ok(rows.every((r) => r.tokenHash !== token && !r.tokenHash.includes(token)));
});

test('OpenAPI document covers every operation with its zod schemas', async () => {
  const { openApiDocument } = await import('../src/api/openapi.ts');
  const { apiRoutes } = await import('../src/api/routes.ts');
  const doc = openApiDocument() as any;
  assert.equal(doc.openapi, '3.1.0');
  for (const [path, spec] of Object.entries(apiRoutes)) {
    for (const method of Object.keys(spec))
      assert.ok(doc.paths[`/api/v1${path}`][method.toLowerCase()], `${method} ${path}`);
  }
  const create = doc.paths['/api/v1/tenants/{tenant}/topics'].post;
  assert.deepEqual(create.requestBody.content['application/json'].schema.required, ['name']);
  assert.equal(create.requestBody.content['application/json'].schema.properties.partitions.minimum, 1);
  assert.deepEqual(create.parameters[0], { name: 'tenant', in: 'path', required: true, schema: { type: 'string' } });
});
