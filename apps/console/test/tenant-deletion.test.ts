/**
 * Tenant deletion against a real broker process with tenancy (SASL, keys and ACLs from the test Postgres) and the
 * console's real route handlers. The attack: tenant "acme" creates topics over Kafka (CreateTopics and auto-create,
 * which the console's Topic table never sees), keeps a live consumer group and an idle group with committed offsets;
 * the platform admin deletes the tenant; a new tenant "acme" must find none of it. Also: the old tenant's open
 * connections are cut at once, the slug cannot be re-created while the deletion runs, the deletion is listed with
 * what it removed and audited, and a deletion left unfinished by a console restart is resumed.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { type BrokerProcess, SUPERUSER, startBroker } from './broker.ts';
import { call, type Harness, seedUser, startHarness } from './helpers.ts';

let h: Harness;
let broker: BrokerProcess;
let admin: string;

before(async () => {
  h = await startHarness({
    SAMSA_BROKER_SASL_USERNAME: SUPERUSER.username,
    SAMSA_BROKER_SASL_PASSWORD: SUPERUSER.password,
    SAMSA_LAG_COLLECTOR: 'off',
  });
  broker = await startBroker({ tenancy: { databaseUrl: h.tdb.url } });
  process.env.SAMSA_BROKER_BOOTSTRAP = broker.bootstrap;
  admin = (await seedUser('root@example.com', { platformAdmin: true })).token;
});
after(async () => {
  const { stopTenantDeletionRetries } = await import('../src/features/tenants/tenant-deletion.ts');
  stopTenantDeletionRetries();
  await h?.close();
  await broker?.stop();
});

async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (
      await Promise.resolve()
        .then(check)
        .catch(() => false)
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for: ${what}`);
}

interface Key {
  keyId: string;
  secret: string;
}

/** A tenant made through the console, with one service account holding a key and the tenant_admin ACL preset. */
async function tenantWithKey(slug: string): Promise<Key> {
  const T = { tenant: slug };
  const created = await call('/tenants', 'POST', {}, { token: admin, body: { slug, displayName: slug } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const sa = await call('/tenants/{tenant}/service-accounts', 'POST', T, { token: admin, body: { name: 'app' } });
  assert.equal(sa.status, 201, JSON.stringify(sa.body));
  const key = await call('/tenants/{tenant}/api-keys', 'POST', T, { token: admin, body: { serviceAccount: 'app' } });
  assert.equal(key.status, 201, JSON.stringify(key.body));
  const acl = await call('/tenants/{tenant}/acls', 'POST', T, {
    token: admin,
    body: { preset: 'tenant_admin', serviceAccount: 'app' },
  });
  assert.equal(acl.status, 201, JSON.stringify(acl.body));
  return { keyId: key.body.keyId, secret: key.body.secret };
}

/** A KafkaJS client signed in with a tenant key; every socket it opens is recorded in `sockets`. */
function kafkaAs(key: Key, sockets: Socket[] = []) {
  return new Kafka({
    clientId: 'tenant-app',
    brokers: [broker.bootstrap],
    sasl: { mechanism: 'scram-sha-512', username: key.keyId, password: key.secret },
    retry: { retries: 3, initialRetryTime: 100 },
    logLevel: logLevel.NOTHING,
    socketFactory: ({ host, port, onConnect }) => {
      const socket = connect({ host, port }, onConnect);
      sockets.push(socket);
      return socket;
    },
  });
}

/** The broker learns new keys over LISTEN/NOTIFY: connect once it has. */
async function connectedAdmin(kafka: Kafka) {
  const a = kafka.admin();
  await eventually(async () => {
    await a.connect();
    return true;
  }, 'the broker accepts the new key');
  return a;
}

test('a deleted tenant leaves no topic, group or offset to the next tenant with the same slug', async () => {
  const oldKey = await tenantWithKey('acme');
  const sockets: Socket[] = [];
  const oldKafka = kafkaAs(oldKey, sockets);
  const oldAdmin = await connectedAdmin(oldKafka);
  // Topics the console's Topic table never hears of: one by CreateTopics, one auto-created by a produce.
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
  let seen = 0;
  await consumer.run({ eachMessage: async () => void seen++ });
  await eventually(async () => {
    const offsets = await oldAdmin.fetchOffsets({ groupId: 'billing', topics: ['secret-orders'] });
    return offsets[0]!.partitions.some((p) => p.offset === '1');
  }, 'the live group committed its offset');
  assert.deepEqual((await oldAdmin.listTopics()).sort(), ['auto-made', 'secret-orders']);
  assert.equal(
    (await call('/tenants/{tenant}/topics', 'GET', { tenant: 'acme' }, { token: admin })).body.topics?.length ?? 0,
    0,
    "the console's Topic table knows none of these topics",
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
  await assert.rejects(kafkaAs(oldKey).admin().connect(), /SASL|authentication/i, 'the old key is refused');

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
  const newKey = await tenantWithKey('acme');
  const newKafka = kafkaAs(newKey);
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
    const offsets = await newAdmin.fetchTopicOffsets('secret-orders');
    assert.deepEqual(
      offsets.map((o) => [o.partition, o.low, o.high]),
      [[0, '0', '1']],
      'producing to the old name makes a new topic that holds only the new message',
    );
  } finally {
    await newAdmin.disconnect();
  }
});

test('a deletion left unfinished (the console stopped midway) is resumed and completes', async () => {
  const key = await tenantWithKey('halfway');
  const kafka = kafkaAs(key);
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
