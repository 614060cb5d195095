/**
 * First-admin setup under attack: from another machine without the setup token it is refused (also through a local
 * reverse proxy that is not trusted), the real TCP peer is what counts (a forged peer header is overwritten by the
 * server hook), and ten concurrent setup calls create exactly one admin.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { type Harness, startHarness } from './helpers.ts';

const SETUP_TOKEN = 'setup-token-for-this-test-0123456789';
let h: Harness;
before(async () => {
  h = await startHarness({ SAMSA_SETUP_TOKEN: SETUP_TOKEN });
});
after(() => h.close());

async function bootstrap(body: Record<string, unknown>, headers: Record<string, string>) {
  const { apiRoutes } = await import('../src/api/routes.ts');
  const res = await apiRoutes['/auth/bootstrap']!.POST!.handler(
    new Request('http://console.test/api/v1/auth/bootstrap', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    }),
    { params: Promise.resolve({}) },
  );
  return { status: res.status, body: await res.json() };
}

async function users() {
  const { db } = await import('../src/server/db.ts');
  return db().user.count();
}

test('a setup call from another machine without the setup token is refused', async () => {
  const remote = await bootstrap(
    { email: 'intruder@example.com', password: 'password-123' },
    { 'x-samsa-peer-address': '203.0.113.9' },
  );
  assert.equal(remote.status, 403);
  assert.match(remote.body.error.message, /setup token that `samsa start` printed/);
  const wrong = await bootstrap(
    { email: 'intruder@example.com', password: 'password-123', setupToken: 'guess' },
    { 'x-samsa-peer-address': '203.0.113.9' },
  );
  assert.equal(wrong.status, 403);
  // a reverse proxy on the same machine that is not in SAMSA_TRUSTED_PROXIES: the peer is loopback, but the request
  // was forwarded for someone else
  const proxied = await bootstrap(
    { email: 'intruder@example.com', password: 'password-123' },
    { 'x-samsa-peer-address': '127.0.0.1', 'x-forwarded-for': '203.0.113.9' },
  );
  assert.equal(proxied.status, 403);
  // a request nobody stamped with its peer (not from the console's HTTP server) is never taken for loopback
  const unstamped = await bootstrap({ email: 'intruder@example.com', password: 'password-123' }, {});
  assert.equal(unstamped.status, 403);
  assert.equal(await users(), 0);
});

test("the console's HTTP server replaces a client-sent peer header with the real TCP peer", async () => {
  const { installPeerAddressHook } = await import('../src/server/peer-address-hook.ts');
  const { clientAddress, isLocalRequest } = await import('../src/server/client-address.ts');
  installPeerAddressHook();
  const seen: { peer: string; local: boolean }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const request = new Request(`http://console.test${req.url}`, { headers });
    seen.push({ peer: clientAddress(request), local: isLocalRequest(request) });
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await fetch(`http://127.0.0.1:${port}/`, { headers: { 'x-samsa-peer-address': '203.0.113.200' } });
  await fetch(`http://127.0.0.1:${port}/`, { headers: { 'x-forwarded-for': '127.0.0.1' } });
  server.close();
  assert.deepEqual(seen[0], { peer: '127.0.0.1', local: true }, 'a forged peer header is overwritten');
  assert.deepEqual(seen[1], { peer: '127.0.0.1', local: false }, 'a forwarded request is not local');
});

test('ten concurrent setup calls create exactly one admin', async () => {
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      i % 2 === 0
        ? bootstrap(
            { email: `admin${i}@example.com`, password: 'password-123' },
            { 'x-samsa-peer-address': '127.0.0.1' },
          )
        : bootstrap(
            { email: `admin${i}@example.com`, password: 'password-123', setupToken: SETUP_TOKEN },
            { 'x-samsa-peer-address': '198.51.100.4' },
          ),
    ),
  );
  const statuses = results.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 403, 403, 403, 403, 403, 403, 403, 403, 403], JSON.stringify(results));
  assert.equal(await users(), 1);
  const { db } = await import('../src/server/db.ts');
  assert.equal(await db().user.count({ where: { isPlatformAdmin: true } }), 1);
  for (const r of results.filter((x) => x.status === 403))
    assert.equal(r.body.error.message, 'The console is already set up');
});
