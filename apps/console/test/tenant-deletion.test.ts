/**
 * Tenant deletion against a real broker process with tenancy (SASL, keys and ACLs from the test Postgres) and the
 * console's real route handlers. The attack: tenant "acme" creates topics over Kafka (CreateTopics and auto-create,
 * which the console once never saw; now it lists them from the broker), keeps a live consumer group (its commit carrying a metadata string) and
 * an idle group with committed offsets; the platform admin deletes the tenant; a new tenant "acme" must find none of
 * it. Also: the old tenant's open connections are cut at once, the slug cannot be re-created while the deletion runs,
 * the deletion is listed with what it removed and audited, and a deletion left unfinished by a console restart is
 * resumed.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { call } from './helpers.ts';
import { connectedAdmin, eventually, kafkaAs, type TenancyHub, startTenancyHub, tenantWithKey } from './tenancy-hub.ts';

let hub: TenancyHub;
let admin: string;

before(async () => {
  hub = await startTenancyHub();
  admin = hub.admin;
});
after(async () => {
  await hub?.close();
});

test('a deleted tenant leaves no topic, group or offset to the next tenant with the same slug', async () => {
  const oldKey = await tenantWithKey(hub, 'acme');
  const sockets: Socket[] = [];
  const oldKafka = kafkaAs(hub, oldKey, sockets);
  const oldAdmin = await connectedAdmin(oldKafka);
  // Topics made over Kafka: one by CreateTopics, one auto-created by a produce.
  await oldAdmin.createTopics({ topics: [{ topic: 'secret-orders', numPartitions: 2 }], waitForLeaders: true });
  const producer = oldKafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  await producer.send({ topic: 'secret-orders', messages: [{ key: 'k', value: 'old tenant secret' }] });
  await producer.send({ topic: 'auto-made', messages: [{ value: 'auto-created by a produce' }] });
  // An idle group holding committed offsets, and a live group whose member stays connected.
  await oldAdmin.setOffsets({
    groupId: 'ledger',
    topic: 'secret-orders',
    partitions: [
      { partition: 0, offset: '1' },
      { partition: 1, offset: '0' },
    ],
  });
  const consumer = oldKafka.consumer({ groupId: 'billing', sessionTimeout: 60_000, heartbeatInterval: 1_000 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'secret-orders', fromBeginning: true });
  // The group's commit carries a metadata string (where secrets like checkpoints often end up).
  const secretMetadata = 'checkpoint of acme: ledger-42';
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      const offset = String(Number(message.offset) + 1);
      await consumer.commitOffsets([{ topic, partition, offset, metadata: secretMetadata } as never]);
    },
  });
  await eventually(async () => {
    const offsets = await oldAdmin.fetchOffsets({ groupId: 'billing', topics: ['secret-orders'] });
    return offsets[0]!.partitions.some((p) => p.offset === '1' && p.metadata === secretMetadata);
  }, 'the live group committed its offset with metadata');
  assert.deepEqual((await oldAdmin.listTopics()).sort(), ['auto-made', 'secret-orders']);
  assert.deepEqual(
    (await call('/tenants/{tenant}/topics', 'GET', { tenant: 'acme' }, { token: admin })).body.topics.map(
      (t: { name: string }) => t.name,
    ),
    ['auto-made', 'secret-orders'],
    'the console lists them from the broker',
  );

  const deleted = await call('/tenants/{tenant}', 'DELETE', { tenant: 'acme' }, { token: admin });
  assert.equal(deleted.status, 202, JSON.stringify(deleted.body));
  assert.equal(deleted.body.state, 'deleting');

  // While it runs: the tenant shows DELETING, its slug cannot be taken, nothing in it can change.
  const listed = await call('/tenants', 'GET', {}, { token: admin });
  assert.equal(listed.body.find((t: { slug: string }) => t.slug === 'acme')?.status, 'DELETING');
  const again = await call('/tenants', 'POST', {}, { token: admin, body: { slug: 'acme', displayName: 'Acme 2' } });
  assert.equal(again.status, 409, JSON.stringify(again.body));
  assert.match(again.body.error.message, /being deleted/);
  const change = await call(
    '/tenants/{tenant}/service-accounts',
    'POST',
    { tenant: 'acme' },
    {
      token: admin,
      body: { name: 'late' },
    },
  );
  assert.equal(change.status, 409, JSON.stringify(change.body));
  assert.equal(change.body.error.code, 'tenant_deleting');

  // The old tenant's open connections (admin, producer, consumer) are cut by the broker, not by us.
  await eventually(() => sockets.every((s) => s.destroyed), 'every connection of the old tenant is closed', 5_000);
  await consumer.disconnect().catch(() => {});
  await Promise.allSettled([producer.disconnect(), oldAdmin.disconnect()]);
  await assert.rejects(kafkaAs(hub, oldKey).admin().connect(), /SASL|authentication/i, 'the old key is refused');

  let deletion: any;
  await eventually(
    async () => {
      const res = await call('/tenant-deletions', 'GET', {}, { token: admin });
      deletion = res.body.find((d: { id: string }) => d.id === deleted.body.id);
      return deletion?.state === 'deleted';
    },
    'the deletion finishes',
    30_000,
  );
  assert.equal(deletion.slug, 'acme');
  assert.equal(deletion.requestedBy, 'root@example.com');
  assert.equal(deletion.lastError, null);
  assert.equal(deletion.removed.topics, 2);
  assert.equal(deletion.removed.partitions, 3);
  assert.equal(deletion.removed.groups, 2);
  assert.ok(deletion.removed.members >= 1, `the live member was removed: ${JSON.stringify(deletion.removed)}`);
  assert.ok(deletion.removed.offsets >= 3, `committed offsets counted: ${JSON.stringify(deletion.removed)}`);
  assert.equal(deletion.removed.serviceAccounts, 1);
  assert.equal(deletion.removed.apiKeys, 1);
  assert.equal(deletion.removed.aclBindings, 4);
  const { db } = await import('../src/server/db.ts');
  const audited = await db().auditLog.findFirstOrThrow({ where: { action: 'tenant.deleted', targetId: 'acme' } });
  assert.equal((audited.after as { removed: { topics: number } }).removed.topics, 2, 'audited with counts');

  // The next "acme" starts empty.
  const newKey = await tenantWithKey(hub, 'acme');
  const newKafka = kafkaAs(hub, newKey);
  const newAdmin = await connectedAdmin(newKafka);
  try {
    assert.deepEqual(await newAdmin.listTopics(), [], 'Metadata lists none of the old topics');
    assert.deepEqual((await newAdmin.listGroups()).groups, [], 'ListGroups shows none of the old groups');
    for (const groupId of ['billing', 'ledger']) {
      assert.deepEqual(await newAdmin.fetchOffsets({ groupId }), [], `OffsetFetch finds no offsets of ${groupId}`);
    }
    const newProducer = newKafka.producer({ allowAutoTopicCreation: true });
    await newProducer.connect();
    await newProducer.send({ topic: 'secret-orders', messages: [{ value: 'new tenant' }] });
    await newProducer.disconnect();
    assert.deepEqual(await newAdmin.listTopics(), ['secret-orders'], 'the new tenant does see its own topics');
    const offsets = await newAdmin.fetchTopicOffsets('secret-orders');
    assert.deepEqual(
      offsets.map((o) => [o.partition, o.low, o.high]),
      [[0, '0', '1']],
      'producing to the old name makes a new topic that holds only the new message',
    );
    const billing = await newAdmin.fetchOffsets({ groupId: 'billing', topics: ['secret-orders'] });
    assert.deepEqual(
      billing[0]!.partitions.map((p) => [p.offset, p.metadata]),
      [['-1', null]],
      'the old commit and its metadata are gone',
    );
  } finally {
    await newAdmin.disconnect();
  }
});

test('a deletion left unfinished (the console stopped midway) is resumed and completes', async () => {
  const key = await tenantWithKey(hub, 'halfway');
  const kafka = kafkaAs(hub, key);
  const a = await connectedAdmin(kafka);
  await a.createTopics({ topics: [{ topic: 'left-over', numPartitions: 1 }], waitForLeaders: true });
  await a.disconnect();
  // What a console that died right after starting the deletion leaves: the tenant DELETING, an open deletion row.
  const { db } = await import('../src/server/db.ts');
  const tenant = await db().tenant.update({ where: { slug: 'halfway' }, data: { status: 'DELETING' } });
  const row = await db().tenantDeletion.create({
    data: { tenantId: tenant.id, slug: 'halfway', requestedByEmail: 'root@example.com' },
  });
  const { resumeTenantDeletions, tenantDeletionSettled } = await import('../src/features/tenants/tenant-deletion.ts');
  assert.ok((await resumeTenantDeletions()) >= 1, 'the open deletion is picked up');
  await tenantDeletionSettled(row.id);
  const done = await db().tenantDeletion.findUniqueOrThrow({ where: { id: row.id } });
  assert.ok(done.finishedAt, `finished: ${done.lastError}`);
  assert.equal((done.removed as { topics: number }).topics, 1);
  assert.equal(await db().tenant.count({ where: { slug: 'halfway' } }), 0);
  const { clusterAdmin } = await import('../src/features/cluster/cluster-admin.ts');
  assert.deepEqual(await clusterAdmin().topicsWithPrefix('halfway.'), [], 'the broker holds nothing of it');
});
