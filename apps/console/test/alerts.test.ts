/**
 * Consumer-lag alert webhooks through /api/v1 against a real Postgres: a tenant admin sets the URL and a signing
 * secret (never returned), a test event arrives at a local receiver signed with it and shows in the delivery log,
 * changes are audited without the secret, bad URLs get field errors, and members can read but not change.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import { signWebhook } from '@samsa/lag';
import { call, type Harness, seedUser, startHarness } from './helpers.ts';

let h: Harness;
let adminToken: string;
let memberToken: string;
const received: { headers: IncomingMessage['headers']; body: string }[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    received.push({ headers: req.headers, body });
    res.writeHead(req.url === '/broken' ? 500 : 200).end('ok');
  });
});
let hookBase = '';
const T = { tenant: 'acme' };
const SECRET = 'a-very-long-signing-secret';

before(async () => {
  // The collector itself is not needed here (no broker): only the alert sender it hosts. The receiver is on
  // loopback, which webhooks may reach only with the operator's setting (webhook-destinations.test.ts: without).
  h = await startHarness({
    SAMSA_BROKER_BOOTSTRAP: '127.0.0.1:1',
    SAMSA_LAG_COLLECTOR: 'off',
    SAMSA_WEBHOOK_ALLOW_PRIVATE: 'true',
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const addr = receiver.address();
  hookBase = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const { db } = await import('../src/server/db.ts');
  const tenant = await db().tenant.create({ data: { slug: 'acme', displayName: 'Acme' } });
  adminToken = (await seedUser('ops@acme.example', { memberships: [{ tenantId: tenant.id, role: 'TENANT_ADMIN' }] }))
    .token;
  memberToken = (await seedUser('dev@acme.example', { memberships: [{ tenantId: tenant.id, role: 'TENANT_MEMBER' }] }))
    .token;
});
after(async () => {
  receiver.close();
  await h?.close();
});

test('a tenant admin sets a signed webhook; a test event arrives signed and is logged; the secret never comes back', async () => {
  assert.equal((await call('/tenants/{tenant}/webhook', 'GET', T, { token: adminToken })).body, null);
  const noHook = await call('/tenants/{tenant}/webhook/test', 'POST', T, { token: adminToken });
  assert.equal(noHook.status, 400);
  assert.match(noHook.body.error.message, /Save a webhook URL first/);

  const put = await call('/tenants/{tenant}/webhook', 'PUT', T, {
    token: adminToken,
    body: { url: `${hookBase}/alerts`, secret: SECRET },
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.deepEqual(
    { ...put.body, updatedAt: undefined },
    {
      url: `${hookBase}/alerts`,
      hasSecret: true,
      enabled: true,
      updatedAt: undefined,
    },
  );
  assert.ok(!JSON.stringify(put.body).includes(SECRET));

  const sent = await call('/tenants/{tenant}/webhook/test', 'POST', T, { token: adminToken });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  assert.equal(sent.body.outcome, 'delivered');
  const got = received.at(-1)!;
  assert.equal(JSON.parse(got.body).type, 'webhook.test');
  const ts = String(got.headers['x-samsa-timestamp']);
  assert.equal(got.headers['x-samsa-signature'], signWebhook(SECRET, ts, got.body), 'signed with the saved secret');

  // Keeping the secret while changing the URL; a failing receiver shows as failed.
  await call('/tenants/{tenant}/webhook', 'PUT', T, { token: adminToken, body: { url: `${hookBase}/broken` } });
  const failed = await call('/tenants/{tenant}/webhook/test', 'POST', T, { token: adminToken });
  assert.equal(failed.body.outcome, 'failed');
  assert.equal(failed.body.httpStatus, 500);
  assert.equal(received.at(-1)!.headers['x-samsa-signature'] !== undefined, true, 'the secret was kept');

  const log = await call('/tenants/{tenant}/webhook/deliveries', 'GET', T, { token: memberToken });
  assert.deepEqual(
    log.body.deliveries.map((d: any) => d.outcome),
    ['failed', 'delivered'],
    'members read the log, newest first',
  );

  const audit = await call('/tenants/{tenant}/audit', 'GET', T, { token: adminToken });
  const entries = JSON.stringify(audit.body);
  assert.match(entries, /webhook\.update/);
  assert.ok(!entries.includes(SECRET), 'the audit log never holds the secret');
});

test('bad URLs get field errors; members cannot change the webhook', async () => {
  for (const url of ['not a url', 'ftp://files.example/x', 'https://user:pw@hooks.example/x']) {
    const res = await call('/tenants/{tenant}/webhook', 'PUT', T, { token: adminToken, body: { url } });
    assert.equal(res.status, 400, url);
    assert.ok(res.body.error.fieldErrors.url, `${url}: ${JSON.stringify(res.body)}`);
  }
  const short = await call('/tenants/{tenant}/webhook', 'PUT', T, {
    token: adminToken,
    body: { url: `${hookBase}/x`, secret: 'short' },
  });
  assert.ok(short.body.error.fieldErrors.secret);
  const member = await call('/tenants/{tenant}/webhook', 'PUT', T, {
    token: memberToken,
    body: { url: `${hookBase}/x` },
  });
  assert.equal(member.status, 403);
  assert.equal((await call('/tenants/{tenant}/webhook', 'DELETE', T, { token: memberToken })).status, 403);
  assert.equal((await call('/tenants/{tenant}/webhook', 'DELETE', T, { token: adminToken })).status, 200);
  assert.equal((await call('/tenants/{tenant}/webhook', 'GET', T, { token: memberToken })).body, null);
});
