/**
 * Attack through /api/v1: a tenant admin points the alert webhook at the console's own network and presses the
 * test button to reach internal services or scan ports. With the default policy (no operator setting): saving
 * loopback, private, link-local/metadata, [::1] or a name resolving to loopback is refused with a field error
 * naming the reason; a webhook row that already points inside (saved before the policy) is refused at send time
 * without connecting, with the same message for an open and a closed port; test sends beyond 5 a minute get 429.
 * An internal HTTP service on loopback stands in for the target and must never see a request.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, test } from 'node:test';
import { closedLoopbackPort, listenOnLoopback } from '@samsa/test-support/loopback';
import { call, type Harness, seedUser, startHarness } from './helpers.ts';

let h: Harness;
let internal: Server;
let port = 0;
let closedPort = 0;
const hits: string[] = [];
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};

before(async () => {
  h = await startHarness({ SAMSA_BROKER_BOOTSTRAP: '127.0.0.1:1', SAMSA_LAG_COLLECTOR: 'off' });
  delete process.env.SAMSA_WEBHOOK_ALLOW_PRIVATE;
  delete process.env.SAMSA_WEBHOOK_ALLOWED_CIDRS;
  ({ server: internal, port } = await listenOnLoopback((req, res) => {
    hits.push(req.url ?? '');
    res.end('internal');
  }));
  closedPort = await closedLoopbackPort();
  const { db } = await import('../src/server/db.ts');
  for (const slug of ['acme', 'beta']) {
    const tenant = await db().tenant.create({ data: { slug, displayName: slug } });
    ids[slug] = tenant.id;
    tokens[slug] = (
      await seedUser(`ops@${slug}.example`, { memberships: [{ tenantId: tenant.id, role: 'TENANT_ADMIN' }] })
    ).token;
  }
});
after(async () => {
  internal?.close();
  await h?.close();
});

test('saving a webhook that points inside the network is refused with the reason', async () => {
  const cases: [string, RegExp][] = [
    [`http://127.0.0.1:${port}/`, /127\.0\.0\.1 is loopback/],
    ['http://10.0.0.1/hook', /10\.0\.0\.1 is a private network/],
    ['http://169.254.169.254/latest/meta-data/', /link-local .*cloud metadata/],
    [`http://[::1]:${port}/`, /::1 is loopback/],
    [`http://localhost:${port}/`, /localhost \(localhost resolves to .*\) is loopback/],
    ['http://[::ffff:10.1.2.3]/', /private network .*IPv6 form of 10\.1\.2\.3/],
  ];
  for (const [url, reason] of cases) {
    const res = await call(
      '/tenants/{tenant}/webhook',
      'PUT',
      { tenant: 'acme' },
      {
        token: tokens.acme,
        body: { url },
      },
    );
    assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'validation_failed');
    assert.match(res.body.error.fieldErrors.url[0], reason, url);
    assert.match(res.body.error.message, /SAMSA_WEBHOOK_ALLOW_PRIVATE/, 'says what the operator can do');
  }
  assert.equal((await call('/tenants/{tenant}/webhook', 'GET', { tenant: 'acme' }, { token: tokens.acme })).body, null);
  assert.deepEqual(hits, [], 'nothing reached the internal service');
});

test('a saved webhook pointing inside is refused at send time, the same for open and closed ports', async () => {
  const { db } = await import('../src/server/db.ts');
  const errors: string[] = [];
  for (const p of [port, closedPort]) {
    // As if saved before the policy existed (or by a name whose DNS changed since).
    await db().tenantWebhook.upsert({
      where: { tenantId: ids.acme },
      create: { tenantId: ids.acme, url: `http://127.0.0.1:${p}/admin`, enabled: true },
      update: { url: `http://127.0.0.1:${p}/admin` },
    });
    const res = await call('/tenants/{tenant}/webhook/test', 'POST', { tenant: 'acme' }, { token: tokens.acme });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.outcome, 'failed');
    assert.equal(res.body.httpStatus, null);
    errors.push(res.body.error);
  }
  assert.match(errors[0], /is loopback: alerts may only go to public addresses/);
  assert.equal(errors[0], errors[1], 'no open-vs-closed port oracle');
  assert.deepEqual(hits, [], 'nothing reached the internal service');
  // Operators see refusals in Prometheus.
  const { apiRoutes } = await import('../src/api/routes.ts');
  const root = (await seedUser('root@example.com', { platformAdmin: true })).token;
  const scrape = await apiRoutes['/metrics/lag']!.GET!.handler(
    new Request('http://console.test/api/v1/metrics/lag', { headers: { authorization: `Bearer ${root}` } }),
    { params: Promise.resolve({}) },
  );
  assert.match(await scrape.text(), /^samsa_lag_webhook_destinations_refused_total 2$/m);
});

test('test sends are limited to 5 a minute per tenant, with a clear 429', async () => {
  const { db } = await import('../src/server/db.ts');
  await db().tenantWebhook.create({ data: { tenantId: ids.beta, url: 'http://10.0.0.1/hook', enabled: true } });
  const send = () => call('/tenants/{tenant}/webhook/test', 'POST', { tenant: 'beta' }, { token: tokens.beta });
  for (let i = 0; i < 5; i++) assert.equal((await send()).status, 200, `send ${i + 1}`);
  const limited = await send();
  assert.equal(limited.status, 429, JSON.stringify(limited.body));
  assert.equal(limited.body.error.code, 'rate_limited');
  assert.match(limited.body.error.message, /At most 5 test sends per minute per tenant; try again in \d+ s/);
  // Another tenant has its own budget.
  const other = await call('/tenants/{tenant}/webhook/test', 'POST', { tenant: 'acme' }, { token: tokens.acme });
  assert.equal(other.status, 200, JSON.stringify(other.body));
});
