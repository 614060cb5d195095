/**
 * Global search (GET /search, the Ctrl-K palette's source) against a real broker process with tenancy and a real
 * Postgres: it finds tenants, topics, consumer groups and processors by name, a member sees only their tenant's
 * things, the result count is bounded and bad input is refused.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, seedUser } from './helpers.ts';
import { connectedAdmin, kafkaAs, type TenancyHub, startTenancyHub, tenantWithKey } from './tenancy-hub.ts';

let hub: TenancyHub;
let acmeMember: string;

before(async () => {
  hub = await startTenancyHub();
  for (const [slug, topic] of [
    ['acme', 'orders-eu'],
    ['globex', 'orders-us'],
  ] as const) {
    const admin = await connectedAdmin(kafkaAs(hub, await tenantWithKey(hub, slug)));
    await admin.createTopics({
      topics: [
        { topic, numPartitions: 1 },
        { topic: 'enriched', numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
    await admin.setOffsets({ groupId: `${slug}-orders-billing`, topic, partitions: [{ partition: 0, offset: '0' }] });
    await admin.disconnect();
  }
  const created = await call(
    '/tenants/{tenant}/processors',
    'POST',
    { tenant: 'acme' },
    {
      token: hub.admin,
      body: {
        name: 'orders-enricher',
        input: 'orders-eu',
        outputs: ['enriched'],
        source: 'export default (record) => record.value;',
        language: 'javascript',
      },
    },
  );
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const { lagService } = await import('../src/features/consumer-groups/lag-host.ts');
  await lagService().collector.collectOnce();
  const { db } = await import('../src/server/db.ts');
  const acmeId = (await db().tenant.findUniqueOrThrow({ where: { slug: 'acme' } })).id;
  acmeMember = (await seedUser('dev@acme.example', { memberships: [{ tenantId: acmeId, role: 'TENANT_MEMBER' }] }))
    .token;
});
after(async () => {
  await hub?.close();
});

const search = (token: string, query: Record<string, string>) => call('/search', 'GET', {}, { token, query });
const found = (body: { results: { kind: string; tenant: string; name: string }[] }) =>
  body.results.map((r) => `${r.kind} ${r.tenant}/${r.name}`).sort();

test('a platform admin finds topics, groups and processors of every tenant by name, with links', async () => {
  const res = await search(hub.admin, { q: 'ORDERS' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(found(res.body), [
    'group acme/acme-orders-billing',
    'group globex/globex-orders-billing',
    'processor acme/orders-enricher',
    'topic acme/orders-enricher-dlq',
    'topic acme/orders-eu',
    'topic globex/orders-us',
  ]);
  assert.deepEqual(res.body.unavailable, []);
  const topic = res.body.results.find((r: { name: string }) => r.name === 'orders-us');
  assert.equal(topic.href, '/t/globex/topics/orders-us');
  const tenants = await search(hub.admin, { q: 'glob' });
  assert.deepEqual(found(tenants.body), ['group globex/globex-orders-billing', 'tenant globex/globex']);
});

test("a tenant member sees only their own tenant's things", async () => {
  const res = await search(acmeMember, { q: 'orders' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(found(res.body), [
    'group acme/acme-orders-billing',
    'processor acme/orders-enricher',
    'topic acme/orders-enricher-dlq',
    'topic acme/orders-eu',
  ]);
  assert.deepEqual(found((await search(acmeMember, { q: 'globex' })).body), []);
  assert.deepEqual(found((await search(acmeMember, { q: '' })).body), ['tenant acme/acme']);
});

test('results are bounded by limit and say when more matched; bad input is refused', async () => {
  const res = await search(hub.admin, { q: 'orders', limit: '2' });
  assert.equal(res.status, 200);
  assert.equal(res.body.results.length, 2);
  assert.equal(res.body.truncated, true);
  const tooMany = await search(hub.admin, { q: 'orders', limit: '500' });
  assert.equal(tooMany.status, 400, JSON.stringify(tooMany.body));
  assert.equal(tooMany.body.error.code, 'validation_failed');
  const tooLong = await search(hub.admin, { q: 'x'.repeat(101) });
  assert.equal(tooLong.status, 400);
  assert.equal((await search('', { q: 'orders' })).status, 401);
});
