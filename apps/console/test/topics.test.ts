/**
 * The tenant topic flow against a real broker process with tenancy and a real Postgres: the broker's quota checks
 * (the console creates topics as the tenant) with the broker's message, create/describe/produce/browse/delete
 * through the cluster-admin seam (Kafka protocol), API keys shown once.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { saltedPasswordAad } from '@samsa/db';
import { generateSecretKey, openSecret, secretKeyFromEnv } from '@samsa/db/secret-box';
import { SUPERUSER } from './broker.ts';
import { call, seedUser } from './helpers.ts';
import { type TenancyHub, startTenancyHub } from './tenancy-hub.ts';

// The hub's secrets key, as samsa start hands it to the console: new keys' SCRAM salted passwords are sealed with it.
process.env.SAMSA_SECRETS_KEY = generateSecretKey();

let hub: TenancyHub;
let admin: string;
let tenantAdmin: string;

before(async () => {
  hub = await startTenancyHub();
  admin = hub.admin;
  const res = await call(
    '/tenants',
    'POST',
    {},
    { token: admin, body: { slug: 'acme', displayName: 'Acme', quota: { maxTopics: 2, maxPartitions: 4 } } },
  );
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const { db } = await import('../src/server/db.ts');
  tenantAdmin = (await seedUser('ops@acme.example', { memberships: [{ tenantId: res.body.id, role: 'TENANT_ADMIN' }] }))
    .token;
  assert.ok(await db().tenant.findUnique({ where: { slug: 'acme' } }));
});
after(async () => {
  await hub?.close();
});

const T = { tenant: 'acme' };

test('create a topic, see it on the broker with the tenant prefix, produce and browse messages', async () => {
  const created = await call('/tenants/{tenant}/topics', 'POST', T, {
    token: tenantAdmin,
    body: { name: 'orders', partitions: 2, retentionMs: 3_600_000, description: 'order events', tags: ['core'] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const p = { tenant: 'acme', topic: 'orders' };
  for (const value of ['{"id":1}', 'plain text', '{"id":2}']) {
    const res = await call('/tenants/{tenant}/topics/{topic}/messages', 'POST', p, {
      token: tenantAdmin,
      body: { partition: 0, key: 'k', value },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  const detail = await call('/tenants/{tenant}/topics/{topic}', 'GET', p, { token: tenantAdmin });
  assert.equal(detail.status, 200, JSON.stringify(detail.body));
  assert.equal(detail.body.partitionDetails.length, 2);
  assert.equal(detail.body.partitionDetails[0].endOffset, 3);
  assert.equal(detail.body.messages, 3);
  assert.ok(detail.body.partitionDetails[0].sizeBytes > 100, 'partition 0 has bytes on disk (DescribeLogDirs)');
  assert.equal(detail.body.partitionDetails[1].sizeBytes, 0, 'partition 1 is empty');
  assert.equal(detail.body.sizeBytes, detail.body.partitionDetails[0].sizeBytes);
  assert.equal(detail.body.configs['retention.ms'], '3600000');
  const page = await call('/tenants/{tenant}/topics/{topic}/messages', 'GET', p, {
    token: tenantAdmin,
    query: { partition: '0', offset: '0' },
  });
  assert.equal(page.status, 200, JSON.stringify(page.body));
  assert.deepEqual(
    page.body.messages.map((m: any) => [m.offset, m.value.encoding]),
    [
      [0, 'json'],
      [1, 'utf8'],
      [2, 'json'],
    ],
  );
  assert.equal(page.body.messages[0].value.text, '{\n  "id": 1\n}');
  const next = await call('/tenants/{tenant}/topics/{topic}/messages', 'GET', p, {
    token: tenantAdmin,
    query: { partition: '0', offset: '2', limit: '1' },
  });
  assert.deepEqual(
    next.body.messages.map((m: any) => m.offset),
    [2],
  );
  // A consumer group of the tenant (`acme.billing` on the broker) that committed offset 1 on partition 0.
  const { Admin } = await import('@platformatic/kafka');
  const kafkaAdmin = new Admin({
    clientId: 'test',
    bootstrapBrokers: [hub.broker.bootstrap],
    sasl: { mechanism: 'SCRAM-SHA-512', ...SUPERUSER },
  });
  try {
    await kafkaAdmin.alterConsumerGroupOffsets({
      groupId: 'acme.billing',
      topics: [{ name: 'acme.orders', partitionOffsets: [{ partition: 0, offset: 1n }] }],
    });
  } finally {
    await kafkaAdmin.close();
  }
  const withGroups = await call('/tenants/{tenant}/topics/{topic}', 'GET', p, { token: tenantAdmin });
  assert.deepEqual(
    withGroups.body.consumerGroups.map((g: any) => [g.groupId, g.lag]),
    [['billing', 2]],
  );
  const list = await call('/tenants/{tenant}/topics', 'GET', T, { token: tenantAdmin });
  assert.equal(list.body.clusterError, null);
  assert.equal(list.body.topics[0].messages, 3);
  assert.equal(list.body.topics[0].retentionMs, 3_600_000);
  assert.equal(list.body.topics[0].sizeBytes, detail.body.sizeBytes);
  // The platform admin's tenant list adds up each tenant's usage from the broker.
  const tenants = await call('/tenants', 'GET', {}, { token: admin });
  const acme = tenants.body.find((t: any) => t.slug === 'acme');
  assert.deepEqual(acme.usage, { topics: 1, partitions: 2, storageBytes: detail.body.sizeBytes, messages: 3 });
});

test("over-quota creation fails with the broker's message naming the quota", async () => {
  const tooMany = await call('/tenants/{tenant}/topics', 'POST', T, {
    token: tenantAdmin,
    body: { name: 'big', partitions: 3 },
  });
  assert.equal(tooMany.status, 422, JSON.stringify(tooMany.body));
  assert.equal(tooMany.body.error.code, 'quota_exceeded');
  assert.match(tooMany.body.error.message, /partition quota exceeded: tenant 'acme' may have 4 partitions, has 2/);
  assert.ok(tooMany.body.error.fieldErrors.partitions, 'the form points at the partitions field');
  assert.equal(
    (await call('/tenants/{tenant}/topics', 'POST', T, { token: tenantAdmin, body: { name: 'second', partitions: 1 } }))
      .status,
    201,
  );
  const third = await call('/tenants/{tenant}/topics', 'POST', T, {
    token: tenantAdmin,
    body: { name: 'third', partitions: 1 },
  });
  assert.equal(third.status, 422);
  assert.match(third.body.error.message, /topic quota exceeded: tenant 'acme' may have 2 topics and has 2/);
  assert.ok(third.body.error.fieldErrors.name);
});

test('invalid topic names get field errors', async () => {
  const res = await call('/tenants/{tenant}/topics', 'POST', T, {
    token: tenantAdmin,
    body: { name: 'bad name!', partitions: 0 },
  });
  assert.equal(res.status, 400);
  assert.ok(res.body.error.fieldErrors.name);
  assert.ok(res.body.error.fieldErrors.partitions);
});

test('API keys: the secret is returned once, listed never, and verifiers (and sealed salted passwords) are stored', async () => {
  const res = await call('/tenants/{tenant}/api-keys', 'POST', T, {
    token: tenantAdmin,
    body: { serviceAccount: 'billing', description: 'ci' },
  });
  assert.equal(res.status, 201);
  assert.match(res.body.keyId, /^SK/);
  assert.ok(res.body.secret.length >= 40);
  assert.match(res.body.configs.kafkajs, new RegExp(res.body.keyId));
  assert.match(res.body.configs.java, /ScramLoginModule/);
  const list = await call('/tenants/{tenant}/api-keys', 'GET', T, { token: tenantAdmin });
  assert.ok(!JSON.stringify(list.body).includes(res.body.secret));
  const { db } = await import('../src/server/db.ts');
  const row = await db().apiKey.findUnique({ where: { keyId: res.body.keyId } });
  assert.ok(
    row &&
      !Object.values(row)
        .map(String)
        .some((v) => v.includes(res.body.secret)),
  );
  // For a managed Kafka cluster: the SCRAM-SHA-512 salted password, sealed, of the same credential as the verifier.
  const salted = Buffer.from(
    openSecret(secretKeyFromEnv(), saltedPasswordAad(row.keyId, 'SCRAM-SHA-512'), row.scram512SaltedSealed ?? ''),
    'base64',
  );
  const clientKey = createHmac('sha512', salted).update('Client Key').digest();
  assert.equal(createHash('sha512').update(clientKey).digest('base64'), row.scram512Stored);
  const audit = await db().auditLog.findMany({ where: { action: 'apiKey.create' } });
  assert.ok(
    !JSON.stringify(audit, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).includes(res.body.secret),
    'the audit log never holds the secret',
  );
  const revoke = await call(
    '/tenants/{tenant}/api-keys/{keyId}',
    'DELETE',
    { tenant: 'acme', keyId: res.body.keyId },
    { token: tenantAdmin },
  );
  assert.equal(revoke.status, 204);
});

test('traffic: the rates and throttling the broker last reported, stale when old', async () => {
  // A tenant of its own that no client connects to: the broker reports acme's traffic while the other tests run
  // (the console's clients keep connections as acme), which would overwrite the rows this test writes.
  const created = await call('/tenants', 'POST', {}, { token: admin, body: { slug: 'quiet', displayName: 'Quiet' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const quietAdmin = (
    await seedUser('ops@quiet.example', { memberships: [{ tenantId: created.body.id, role: 'TENANT_ADMIN' }] })
  ).token;
  const Q = { tenant: 'quiet' };
  const { db } = await import('../src/server/db.ts');
  const quiet = await db().tenant.findUniqueOrThrow({ where: { slug: 'quiet' } });
  const none = await call('/tenants/{tenant}/traffic', 'GET', Q, { token: quietAdmin });
  assert.equal(none.status, 200, JSON.stringify(none.body));
  assert.equal(none.body.reportedAt, null);
  assert.equal(none.body.throttled, false);

  const row = {
    windowMs: 5000,
    produceBytes: 50_000n,
    fetchBytes: 0n,
    produceThrottleMs: 4000n,
    fetchThrottleMs: 0n,
    connections: 2,
    reportedAt: new Date(),
  };
  await db().tenantTraffic.create({ data: { tenantId: quiet.id, ...row } });
  const now = await call('/tenants/{tenant}/traffic', 'GET', Q, { token: quietAdmin });
  assert.equal(now.body.produceBytesPerSec, 10_000);
  assert.equal(now.body.produceThrottledShare, 0.8);
  assert.equal(now.body.throttled, true);
  assert.equal(now.body.connections, 2);
  assert.equal(now.body.stale, false);

  await db().tenantTraffic.update({
    where: { tenantId: quiet.id },
    data: { reportedAt: new Date(Date.now() - 120_000) },
  });
  const old = await call('/tenants/{tenant}/traffic', 'GET', Q, { token: quietAdmin });
  assert.equal(old.body.stale, true);
  assert.equal(old.body.throttled, false, 'an old report does not say throttled');
});

test('deleting a topic removes it from the broker; deleting the tenant removes the rest', async () => {
  const del = await call(
    '/tenants/{tenant}/topics/{topic}',
    'DELETE',
    { tenant: 'acme', topic: 'second' },
    { token: tenantAdmin },
  );
  assert.equal(del.status, 204);
  const { clusterAdmin } = await import('../src/features/cluster/cluster-admin.ts');
  assert.equal(await clusterAdmin().describeTopic('acme.second'), null);
  assert.ok(await clusterAdmin().describeTopic('acme.orders'));
  const delTenant = await call('/tenants/{tenant}', 'DELETE', T, { token: admin });
  assert.equal(delTenant.status, 202, JSON.stringify(delTenant.body));
  const { tenantDeletionSettled } = await import('../src/features/tenants/tenant-deletion.ts');
  await tenantDeletionSettled(delTenant.body.id);
  assert.equal(await clusterAdmin().describeTopic('acme.orders'), null);
  const audit = await call('/audit', 'GET', {}, { token: admin, query: { action: 'tenant.delete' } });
  assert.equal(audit.body.length, 1);
  assert.equal(audit.body[0].after.status, 'DELETING');
  const done = await call('/audit', 'GET', {}, { token: admin, query: { action: 'tenant.deleted' } });
  assert.equal(done.body[0].after.removed.topics, 1, JSON.stringify(done.body));
});
