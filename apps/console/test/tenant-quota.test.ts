/**
 * The tenant quota API carries the broker's group limits (samsa.max_groups, samsa.max_committed_offsets): validated
 * by the shared zod schema, stored on the row the broker reads, and null meaning the broker's finite default.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, type Harness, seedUser, startHarness } from './helpers.ts';

let h: Harness;
let admin: string;
let tenantId: string;

before(async () => {
  h = await startHarness({ SAMSA_BROKER_BOOTSTRAP: '127.0.0.1:1' });
  const { db } = await import('../src/server/db.ts');
  tenantId = (await db().tenant.create({ data: { slug: 'quota-co', displayName: 'Q', quota: { create: {} } } })).id;
  admin = (await seedUser('root@example.com', { platformAdmin: true })).token;
});
after(() => h.close());

test('group, committed-offset and transactional-id limits are set, read back and validated', async () => {
  const initial = await call('/tenants/{tenant}/quota', 'GET', { tenant: 'quota-co' }, { token: admin });
  assert.equal(initial.status, 200);
  assert.equal(initial.body.maxGroups, null, 'a new tenant falls back to the broker default');
  assert.equal(initial.body.maxCommittedOffsets, null);
  assert.equal(initial.body.maxTransactionalIds, null);

  for (const bad of [
    { maxGroups: 0 },
    { maxGroups: -5 },
    { maxCommittedOffsets: 1.5 },
    { maxGroups: 2 ** 31 },
    { maxTransactionalIds: 0 },
  ]) {
    const res = await call('/tenants/{tenant}/quota', 'PUT', { tenant: 'quota-co' }, { token: admin, body: bad });
    assert.equal(res.status, 400, JSON.stringify(bad));
    assert.ok(JSON.stringify(res.body).includes(Object.keys(bad)[0]!), 'the error names the field');
  }

  const set = await call(
    '/tenants/{tenant}/quota',
    'PUT',
    { tenant: 'quota-co' },
    { token: admin, body: { maxGroups: 50, maxCommittedOffsets: 5000, maxTransactionalIds: 7 } },
  );
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const read = await call('/tenants/{tenant}/quota', 'GET', { tenant: 'quota-co' }, { token: admin });
  assert.equal(read.body.maxGroups, 50);
  assert.equal(read.body.maxCommittedOffsets, 5000);
  assert.equal(read.body.maxTransactionalIds, 7);
  const { db } = await import('../src/server/db.ts');
  const row = await db().tenantQuota.findUnique({ where: { tenantId } });
  assert.equal(row?.maxGroups, 50, 'the row the broker reads');
  assert.equal(row?.maxCommittedOffsets, 5000);
  assert.equal(row?.maxTransactionalIds, 7, 'the row the broker reads for InitProducerId');

  const cleared = await call(
    '/tenants/{tenant}/quota',
    'PUT',
    { tenant: 'quota-co' },
    { token: admin, body: { maxGroups: null } },
  );
  assert.equal(cleared.status, 200);
  assert.equal((await db().tenantQuota.findUnique({ where: { tenantId } }))?.maxGroups, null);
});
