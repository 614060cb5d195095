/**
 * Per-tenant webhooks from the control plane (TenantWebhook rows, real Postgres): a tenant's own target wins over the
 * environment's fallback, a disabled one sends nothing, a change is picked up after the cache, and a test delivery
 * arrives signed with the tenant's secret.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import { createDb, type Db } from '@samsa/db';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { signWebhook, staticWebhookTargets, WebhookNotifier } from '../src/webhook.ts';
import { dbWebhookTargets } from '../src/webhook-targets.ts';

let database: TestDatabase;
let db: Db;
const received: { path: string; headers: IncomingMessage['headers']; body: string }[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    received.push({ path: req.url ?? '', headers: req.headers, body });
    res.writeHead(204).end();
  });
});
let base = '';

before(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, { poolMax: 2 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
after(async () => {
  server.close();
  await db.$disconnect();
  await database.drop();
});

test("a tenant's console webhook wins over the fallback; disabled sends nothing; changes apply after the cache", async () => {
  const acme = await db.tenant.create({ data: { slug: 'acme', displayName: 'Acme' } });
  const other = await db.tenant.create({ data: { slug: 'other', displayName: 'Other' } });
  let now = 0;
  const targets = dbWebhookTargets(db, staticWebhookTargets({ '*': { url: `${base}/fallback` } }), {
    cacheMs: 1000,
    clock: () => now,
  });
  assert.deepEqual(await targets(acme.id), { url: `${base}/fallback` }, 'no row: the environment fallback');
  await db.tenantWebhook.create({ data: { tenantId: acme.id, url: `${base}/acme`, secret: 'acme-secret' } });
  assert.deepEqual(await targets(acme.id), { url: `${base}/fallback` }, 'cached for a moment');
  now += 1001;
  assert.deepEqual(await targets(acme.id), { url: `${base}/acme`, secret: 'acme-secret' });
  assert.deepEqual(await targets(other.id), { url: `${base}/fallback` }, 'other tenants are not affected');
  await db.tenantWebhook.update({ where: { tenantId: acme.id }, data: { enabled: false } });
  now += 1001;
  assert.equal(await targets(acme.id), null, 'disabled: no alerts, and no fallback either');
});

test('a test delivery arrives signed with the tenant secret and is in the delivery log', async () => {
  const t = await db.tenant.create({ data: { slug: 'signed', displayName: 'Signed' } });
  await db.tenantWebhook.create({ data: { tenantId: t.id, url: `${base}/signed`, secret: 's3cret' } });
  // The receiver is on loopback, which webhooks may reach only with the operator's setting.
  const notifier = new WebhookNotifier({
    targets: dbWebhookTargets(db, null),
    destinations: { allowPrivate: false, allowedCidrs: ['127.0.0.0/8'] },
  });
  const record = await notifier.sendTest(t.id);
  assert.equal(record?.outcome, 'delivered');
  assert.equal(record?.httpStatus, 204);
  const got = received.find((r) => r.path === '/signed');
  assert.ok(got, 'the receiver got it');
  const event = JSON.parse(got.body);
  assert.equal(event.type, 'webhook.test');
  assert.equal(event.tenantId, t.id);
  const ts = String(got.headers['x-samsa-timestamp']);
  assert.equal(got.headers['x-samsa-signature'], signWebhook('s3cret', ts, got.body));
  assert.equal(notifier.log.list({ tenantId: t.id }).length, 1);

  const none = await db.tenant.create({ data: { slug: 'none', displayName: 'None' } });
  assert.equal(await notifier.sendTest(none.id), null, 'a tenant without a webhook gets nothing');
});
