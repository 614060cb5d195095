/**
 * Multi-tenancy with real clients and a real Postgres: SASL/PLAIN and SCRAM with API keys from the control plane's
 * tables, isolated namespaces (two tenants with the same topic names), ACL allow/deny, revocation and suspension
 * within seconds, and quotas (byte-rate throttling per tenant, topic/partition/connection/storage limits).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { Admin as PlatformaticAdmin } from '@platformatic/kafka';
import kafkajs, { Kafka, type KafkaConfig, logLevel } from 'kafkajs';

import { Metadata } from '@samsa/protocol';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { RawClient } from '@samsa/test-support/raw-client';
import { kcat } from '@samsa/test-support/kcat';
import { TenantFixtures, type TestKey } from '@samsa/test-support/tenants';
import { eventually, logged } from '@samsa/test-support/eventually';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

let db: TestDatabase;
let fx: TenantFixtures;
let broker: BrokerProcess;
let acme: string;
let globex: string;
let acmeAdmin: TestKey;
let globexAdmin: TestKey;
const SUPERUSER_PASSWORD = 'super-secret-password';

before(async () => {
  db = await createTestDatabase();
  fx = new TenantFixtures(db.url);
  acme = await fx.tenant('acme');
  globex = await fx.tenant('globex');
  acmeAdmin = await fx.key(acme, 'acme-admin');
  await fx.admin(acme, 'acme-admin');
  globexAdmin = await fx.key(globex, 'globex-admin');
  await fx.admin(globex, 'globex-admin');
  broker = await startBroker({
    args: ['--database-url', db.url, '--group-initial-rebalance-delay-ms', '0', '--traffic-report-interval-ms', '500'],
    env: { SAMSA_SUPERUSER_PASSWORD: SUPERUSER_PASSWORD },
  });
});
after(async () => {
  await broker?.cleanup();
  await fx?.close();
  await db?.drop();
});

function client(
  key: TestKey | { keyId: string; secret: string },
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512' = 'plain',
  extra: Partial<KafkaConfig> = {},
) {
  return new Kafka({
    clientId: 'tenancy-test',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    sasl: { mechanism, username: key.keyId, password: key.secret } as KafkaConfig['sasl'],
    ...extra,
  });
}

test('the right key works with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512; a wrong one fails cleanly', async () => {
  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    const admin = client(acmeAdmin, mechanism).admin();
    await admin.connect();
    await admin.listTopics();
    await admin.disconnect();
  }
  for (const mechanism of ['plain', 'scram-sha-256'] as const) {
    const admin = client({ keyId: acmeAdmin.keyId, secret: 'wrong' }, mechanism).admin();
    await assert.rejects(admin.connect(), (err: Error) => /SASL|authentication/i.test(err.message), mechanism);
  }
  await assert.rejects(client({ keyId: 'SKNOSUCHKEY', secret: 'x' }).admin().connect(), /SASL|authentication/i);
  await logged(broker, 'authentication failed');
  assert.ok(!broker.logs.some((l) => l.includes(acmeAdmin.secret)), 'secrets are never logged');
  // The broker is still healthy after the failures.
  const admin = client(acmeAdmin).admin();
  await admin.connect();
  await admin.disconnect();
});

test('anonymous requests are refused when auth is on', async () => {
  const anon = new Kafka({
    clientId: 'anon',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const admin = anon.admin();
  await assert.rejects(async () => {
    await admin.connect();
    await admin.listTopics();
  });
});

test('two tenants with the same topic names see only their own data, through every API', async () => {
  const a = client(acmeAdmin);
  const b = client(globexAdmin);
  const aAdmin = a.admin();
  const bAdmin = b.admin();
  await Promise.all([aAdmin.connect(), bAdmin.connect()]);
  await aAdmin.createTopics({
    topics: [
      { topic: 'orders', numPartitions: 2 },
      { topic: 'acme-only', numPartitions: 1 },
    ],
  });
  await bAdmin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] });

  const aProducer = a.producer();
  const bProducer = b.producer();
  await Promise.all([aProducer.connect(), bProducer.connect()]);
  await aProducer.send({ topic: 'orders', messages: [{ value: 'acme-order', partition: 0 }] });
  await bProducer.send({ topic: 'orders', messages: [{ value: 'globex-order', partition: 0 }] });
  await Promise.all([aProducer.disconnect(), bProducer.disconnect()]);

  assert.deepEqual((await aAdmin.listTopics()).sort(), ['acme-only', 'orders']);
  assert.deepEqual(await bAdmin.listTopics(), ['orders']);
  assert.equal((await bAdmin.fetchTopicMetadata({ topics: ['orders'] })).topics[0]!.partitions.length, 3);
  await assert.rejects(bAdmin.fetchTopicMetadata({ topics: ['acme-only'] }), 'globex cannot learn of acme-only');
  await assert.rejects(
    bAdmin.describeConfigs({ resources: [{ type: 2, name: 'acme-only' }], includeSynonyms: false }),
    'nor describe its configs',
  );

  // Each tenant's consumer group reads only its own 'orders'.
  const read = async (k: Kafka, groupId: string) => {
    const got: string[] = [];
    const consumer = k.consumer({ groupId, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    await eventually(async () => got.length >= 1, `${groupId} reads`);
    await new Promise((r) => setTimeout(r, 300));
    await consumer.disconnect();
    return got;
  };
  assert.deepEqual(await read(a, 'workers'), ['acme-order']);
  assert.deepEqual(await read(b, 'workers'), ['globex-order']);
  assert.deepEqual(
    (await aAdmin.listGroups()).groups.map((g) => g.groupId),
    ['workers'],
  );
  assert.deepEqual(
    (await bAdmin.listGroups()).groups.map((g) => g.groupId),
    ['workers'],
  );

  // kcat -L with a tenant key shows only that tenant's world.
  const meta = JSON.parse(
    (
      await kcat([
        '-b',
        broker.bootstrap,
        '-X',
        'security.protocol=SASL_PLAINTEXT',
        '-X',
        'sasl.mechanisms=SCRAM-SHA-512',
        '-X',
        `sasl.username=${globexAdmin.keyId}`,
        '-X',
        `sasl.password=${globexAdmin.secret}`,
        '-L',
        '-J',
      ])
    ).stdout,
  );
  assert.deepEqual(
    meta.topics.map((t: { topic: string }) => t.topic),
    ['orders'],
  );

  // DescribeLogDirs (topic sizes): only the tenant's own partitions, under its own names, never the broker's path.
  const logDirs = async (key: TestKey) => {
    const admin = new PlatformaticAdmin({
      clientId: 'tenancy-logdirs',
      bootstrapBrokers: [broker.bootstrap],
      sasl: { mechanism: 'SCRAM-SHA-512', username: key.keyId, password: key.secret },
    });
    try {
      const [described] = await admin.describeLogDirs({
        topics: [
          { name: 'orders', partitions: [0, 1, 2] },
          { name: 'acme-only', partitions: [0] },
        ],
      });
      const dir = described!.results[0]!;
      assert.ok(!dir.logDir.includes(broker.dataDir), 'the broker path is not shown to a tenant');
      assert.equal(dir.totalBytes, -1n, 'nor its disk');
      return dir.topics.map((t) => `${t.name}:${t.partitions.map((p) => p.partitionIndex).join(',')}`).sort();
    } finally {
      await admin.close();
    }
  };
  assert.deepEqual(await logDirs(acmeAdmin), ['acme-only:0', 'orders:0,1']);
  assert.deepEqual(await logDirs(globexAdmin), ['orders:0,1,2'], 'globex cannot learn of acme-only');

  // The superuser sees every tenant's topics, tenant-qualified.
  const su = client({ keyId: 'admin', secret: SUPERUSER_PASSWORD }, 'scram-sha-256').admin();
  await su.connect();
  const all = await su.listTopics();
  for (const t of ['acme.orders', 'acme.acme-only', 'globex.orders']) assert.ok(all.includes(t), `superuser sees ${t}`);
  await su.disconnect();
  await Promise.all([aAdmin.disconnect(), bAdmin.disconnect()]);
});

test('ACLs: allow and deny for produce, fetch, group join, topic create and delete, describe', async () => {
  const admin = client(acmeAdmin).admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: 'payments', numPartitions: 1 },
      { topic: 'audit', numPartitions: 1 },
    ],
  });
  const writer = await fx.key(acme, 'payments-writer');
  await fx.acl(acme, 'User:payments-writer', 'TOPIC', 'payments', 'WRITE');
  const reader = await fx.key(acme, 'payments-reader');
  await fx.acl(acme, 'User:payments-reader', 'TOPIC', 'pay', 'READ', { patternType: 'PREFIXED' });
  await fx.acl(acme, 'User:payments-reader', 'GROUP', 'readers-', 'READ', { patternType: 'PREFIXED' });
  await fx.acl(acme, 'User:payments-reader', 'TOPIC', 'payments', 'READ', { permission: 'DENY' });
  await new Promise((r) => setTimeout(r, 1000)); // the broker follows the change within a second

  const w = client(writer).producer();
  await w.connect();
  await w.send({ topic: 'payments', messages: [{ value: 'paid' }] });
  await assert.rejects(w.send({ topic: 'audit', messages: [{ value: 'nope' }] }), /authoriz/i, 'no WRITE on audit');
  await w.disconnect();

  const wAdmin = client(writer).admin();
  await wAdmin.connect();
  assert.deepEqual(await wAdmin.listTopics(), ['payments'], 'WRITE implies DESCRIBE; other topics are hidden');
  await assert.rejects(wAdmin.createTopics({ topics: [{ topic: 'new-one', numPartitions: 1 }] }), 'no CREATE');
  await assert.rejects(wAdmin.deleteTopics({ topics: ['payments'] }), 'no DELETE');
  await wAdmin.disconnect();

  // DENY wins over the prefixed READ: the reader cannot consume payments; a group outside its prefix is refused.
  const attempt = async (groupId: string, refusal: RegExp) => {
    const consumer = client(reader).consumer({ groupId, maxWaitTimeInMs: 200, retry: { retries: 0 } });
    const got: string[] = [];
    const crashes: string[] = [];
    consumer.on(consumer.events.CRASH, (e) => void crashes.push(String(e.payload.error?.message ?? e.payload.error)));
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: 'payments', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
      await eventually(async () => crashes.some((m) => refusal.test(m)), `the ${groupId} consumer to be refused`);
    } finally {
      await Promise.race([consumer.disconnect().catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
    }
    return { got, crashes };
  };
  const denied = await attempt('readers-1', /not authorized to access topics/i);
  assert.deepEqual(denied.got, []);
  // FindCoordinator already needs DESCRIBE on the group: KafkaJS reports the refusal as a coordinator lookup failure.
  const outside = await attempt('elsewhere', /group coordinator|authoriz/i);
  assert.deepEqual(outside.got, []);
  await admin.disconnect();
});

test('Kafka ACL tooling: CreateAcls, DescribeAcls and DeleteAcls work within the tenant and match the console rows', async () => {
  const admin = client(acmeAdmin).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'reports', numPartitions: 1 }] });
  const analyst = await fx.key(acme, 'analyst');
  const acl = {
    resourceType: AclResourceTypes.TOPIC,
    resourceName: 'reports',
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: 'User:analyst',
    host: '*',
    operation: AclOperationTypes.READ,
    permissionType: AclPermissionTypes.ALLOW,
  };
  await admin.createAcls({ acl: [acl] });
  const rows = await fx.pool.query(
    `SELECT principal, "resourceName", operation FROM "AclBinding" WHERE "tenantId" = $1 AND principal = 'User:analyst'`,
    [acme],
  );
  assert.deepEqual(
    rows.rows,
    [{ principal: 'User:analyst', resourceName: 'reports', operation: 'READ' }],
    'stored where the console reads',
  );
  const described = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  assert.ok(
    described.resources.some((r) => r.resourceName === 'reports' && r.acls.some((a) => a.principal === 'User:analyst')),
  );
  // The analyst can read right away (READ implies DESCRIBE) ...
  const analystAdmin = client(analyst).admin();
  await analystAdmin.connect();
  assert.deepEqual(await analystAdmin.listTopics(), ['reports']);
  // ... and another tenant's admin sees none of acme's ACLs.
  const other = client(globexAdmin).admin();
  await other.connect();
  const theirs = await other.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  assert.ok(!theirs.resources.some((r) => r.resourceName === 'reports'));
  await other.disconnect();
  // A key without ALTER on the cluster cannot create ACLs.
  await assert.rejects(
    analystAdmin.createAcls({ acl: [{ ...acl, principal: 'User:analyst', operation: AclOperationTypes.WRITE }] }),
  );
  await admin.deleteAcls({ filters: [{ ...acl }] });
  await eventually(async () => (await analystAdmin.listTopics()).length === 0, 'the deleted ACL stops applying');
  await analystAdmin.disconnect();
  await admin.disconnect();
});

test("SUBJECT bindings are the schema registry's: Kafka clients neither see nor delete them, and they grant no topic", async () => {
  const admin = client(acmeAdmin).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'payments', numPartitions: 1 }] });
  const reader = await fx.key(acme, 'schema-reader');
  await fx.acl(acme, 'User:schema-reader', 'SUBJECT', 'payments', 'ALL', { patternType: 'PREFIXED' });
  await fx.acl(acme, 'User:schema-reader', 'SUBJECT', '*', 'READ');
  await fx.acl(acme, 'User:schema-reader', 'GROUP', 'payments-audit', 'READ');
  const everything = {
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  };
  await eventually(
    async () => (await admin.describeAcls(everything)).resources.some((r) => r.resourceName === 'payments-audit'),
    'the broker has read the bindings written with them',
  );
  const described = await admin.describeAcls(everything);
  const readers = described.resources.filter((r) => r.acls.some((a) => a.principal === 'User:schema-reader'));
  assert.deepEqual(
    readers.map((r) => [r.resourceType, r.resourceName]),
    [[AclResourceTypes.GROUP, 'payments-audit']],
    'DescribeAcls lists no SUBJECT binding',
  );
  // Topic authorization is unchanged: ALL on subjects named payments* grants nothing on the topic payments.
  const readerAdmin = client(reader).admin();
  await readerAdmin.connect();
  assert.deepEqual(await readerAdmin.listTopics(), []);
  await readerAdmin.disconnect();
  // DeleteAcls with filters that would match them (any type, the same names) removes only the Kafka binding.
  const byName = (resourceName: string) => ({
    ...everything,
    resourceName,
    principal: 'User:schema-reader',
    host: '*',
  });
  await admin.deleteAcls({ filters: [byName('*'), byName('payments'), byName('payments-audit')] });
  const rows = await fx.pool.query(
    `SELECT "resourceType", "resourceName" FROM "AclBinding" WHERE "tenantId" = $1 AND principal = 'User:schema-reader'
      ORDER BY "resourceName"`,
    [acme],
  );
  assert.deepEqual(rows.rows, [
    { resourceType: 'SUBJECT', resourceName: '*' },
    { resourceType: 'SUBJECT', resourceName: 'payments' },
  ]);
  await admin.disconnect();
});

test('DescribeClientQuotas and AlterClientQuotas: the superuser edits the same quota rows as the console', async () => {
  const { Admin } = await import('@platformatic/kafka');
  const su = new Admin({
    clientId: 'quota-admin',
    bootstrapBrokers: [broker.bootstrap],
    sasl: { mechanism: 'SCRAM-SHA-256', username: 'admin', password: SUPERUSER_PASSWORD },
  });
  try {
    await su.alterClientQuotas({
      entries: [
        {
          entities: [{ entityType: 'user', entityName: 'globex' }],
          ops: [{ key: 'consumer_byte_rate', value: 2048, remove: false }],
        },
      ],
    });
    const row = await fx.pool.query(`SELECT "fetchBytesPerSec" FROM "TenantQuota" WHERE "tenantId" = $1`, [globex]);
    assert.equal(Number(row.rows[0].fetchBytesPerSec), 2048);
    const described = await su.describeClientQuotas({
      components: [{ entityType: 'user', matchType: 0, match: 'globex' }],
    });
    assert.deepEqual(
      described.map((e) => e.entity[0]?.entityName),
      ['globex'],
    );
    assert.ok(described[0]!.values.some((v) => v.key === 'consumer_byte_rate' && v.value === 2048));
    await su.alterClientQuotas({
      entries: [
        {
          entities: [{ entityType: 'user', entityName: 'globex' }],
          ops: [{ key: 'consumer_byte_rate', remove: true }],
        },
      ],
    });
    const cleared = await fx.pool.query(`SELECT "fetchBytesPerSec" FROM "TenantQuota" WHERE "tenantId" = $1`, [globex]);
    assert.equal(cleared.rows[0].fetchBytesPerSec, null);
  } finally {
    await su.close();
  }
  // A tenant key may not use them.
  const tenantAdmin = new Admin({
    clientId: 'tenant-quota',
    bootstrapBrokers: [broker.bootstrap],
    sasl: { mechanism: 'SCRAM-SHA-512', username: acmeAdmin.keyId, password: acmeAdmin.secret },
  });
  try {
    await assert.rejects(
      tenantAdmin.describeClientQuotas({ components: [{ entityType: 'user', matchType: 0, match: 'acme' }] }),
    );
  } finally {
    await tenantAdmin.close();
  }
});

test('a revoked key is cut off within seconds; a suspended tenant is refused at authentication', async () => {
  const temp = await fx.tenant('tempco');
  const key = await fx.key(temp, 'svc');
  await fx.admin(temp, 'svc');
  await new Promise((r) => setTimeout(r, 1000));
  const admin = client(key).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'x', numPartitions: 1 }] });
  const closedBefore = broker.logs.filter((l) => l.includes('credentials revoked')).length;
  await fx.revoke(key.keyId);
  await eventually(
    async () => broker.logs.filter((l) => l.includes('credentials revoked')).length > closedBefore,
    'revoked connection closed',
    5000,
  );
  await admin.disconnect().catch(() => {});
  await assert.rejects(client(key).admin().connect(), /SASL|authentication/i);

  const key2 = await fx.key(temp, 'svc');
  await new Promise((r) => setTimeout(r, 1000));
  const ok = client(key2).admin();
  await ok.connect();
  await ok.disconnect();
  await fx.suspend(temp);
  await new Promise((r) => setTimeout(r, 1000));
  await assert.rejects(client(key2).admin().connect(), /SASL|authentication/i);
  await eventually(async () => broker.logs.some((l) => l.includes('suspended')), 'the broker logs it');
});

test('quotas: topics, partitions and connections are hard limits that name the quota', async () => {
  const small = await fx.tenant('smallco', { maxTopics: 2, maxPartitions: 4, maxConnections: 3 });
  const key = await fx.key(small, 'svc');
  await fx.admin(small, 'svc');
  await new Promise((r) => setTimeout(r, 1000));
  const admin = client(key).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'one', numPartitions: 3 }] });
  await assert.rejects(
    admin.createTopics({ topics: [{ topic: 'two', numPartitions: 2 }] }),
    (err: Error & { errors?: { type: string }[] }) => err.errors?.[0]?.type === 'POLICY_VIOLATION',
  );
  await admin.createTopics({ topics: [{ topic: 'two', numPartitions: 1 }] });
  await assert.rejects(
    admin.createTopics({ topics: [{ topic: 'three', numPartitions: 1 }] }),
    (err: Error & { errors?: { type: string }[] }) => err.errors?.[0]?.type === 'POLICY_VIOLATION',
  );
  await eventually(
    async () => broker.logs.some((l) => l.includes("topic quota exceeded: tenant 'smallco' may have 2 topics")),
    'the broker logs it',
  );
  await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'two', count: 2 }] }), /policy/i);
  await eventually(
    async () => broker.logs.some((l) => l.includes("partition quota exceeded: tenant 'smallco' may have 4 partitions")),
    'the broker logs it',
  );
  assert.deepEqual((await admin.listTopics()).sort(), ['one', 'two'], 'nothing already stored is touched');

  // Connections: the admin holds some; open more until the limit refuses one with a message naming the quota.
  const extra = [];
  let refused: Error | null = null;
  for (let i = 0; i < 4 && !refused; i++) {
    const c = client(key).admin();
    try {
      await c.connect();
      await c.listTopics();
      extra.push(c);
    } catch (err) {
      refused = err as Error;
    }
  }
  assert.ok(refused, 'the connection quota refuses a connection');
  assert.match(refused.message, /connection quota exceeded: tenant 'smallco' allows 3 connections/);
  await Promise.all(extra.map((c) => c.disconnect()));
  await admin.disconnect();
});

test('quotas: storage is a hard limit; what is stored stays readable', async () => {
  const tiny = await fx.tenant('tinyco', { storageBytes: 4000 });
  const key = await fx.key(tiny, 'svc');
  await fx.admin(tiny, 'svc');
  await new Promise((r) => setTimeout(r, 1000));
  const k = client(key);
  const producer = k.producer();
  await producer.connect();
  await producer.send({ topic: 'logs', messages: [{ value: 'x'.repeat(5000) }] });
  await assert.rejects(producer.send({ topic: 'logs', messages: [{ value: 'more' }] }), /policy/i);
  await producer.disconnect();
  const admin = k.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets('logs');
  assert.equal(offsets[0]!.high, '1', 'the first message is kept, the refused one is not stored');
  await admin.disconnect();
});

test('quotas: a producer over its byte rate is throttled while another tenant is not', async () => {
  const slow = await fx.tenant('slowco', { produceBytesPerSec: 100_000 });
  const slowKey = await fx.key(slow, 'svc');
  await fx.admin(slow, 'svc');
  await new Promise((r) => setTimeout(r, 1000));
  const payload = 'x'.repeat(10_000);
  const run = async (key: TestKey, topic: string) => {
    const k = client(key);
    const admin = k.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await admin.disconnect();
    const p = k.producer();
    await p.connect();
    const started = Date.now();
    let bytes = 0;
    while (Date.now() - started < 4000) {
      await p.send({ topic, messages: Array.from({ length: 5 }, () => ({ value: payload })) });
      bytes += 5 * payload.length;
    }
    await p.disconnect();
    return bytes / ((Date.now() - started) / 1000);
  };
  // Meanwhile, watch what the broker reports to the control plane (the console's "throttled" comes from it).
  const seen = new Map<string, { throttleMs: number; bytes: number }>();
  let watching = true;
  const watch = (async () => {
    while (watching) {
      const rows = await fx.pool.query(
        `SELECT "tenantId", "produceThrottleMs", "produceBytes" FROM "TenantTraffic" WHERE "tenantId" = ANY($1::uuid[])`,
        [[slow, globex]],
      );
      for (const r of rows.rows) {
        const prev = seen.get(r.tenantId) ?? { throttleMs: 0, bytes: 0 };
        seen.set(r.tenantId, {
          throttleMs: Math.max(prev.throttleMs, Number(r.produceThrottleMs)),
          bytes: Math.max(prev.bytes, Number(r.produceBytes)),
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const [throttledRate, freeRate] = await Promise.all([run(slowKey, 'limited'), run(globexAdmin, 'unlimited')]);
  await eventually(async () => (seen.get(slow)?.throttleMs ?? 0) > 0, 'a traffic report with throttle time');
  watching = false;
  await watch;
  // One second of burst is allowed, so the measured rate over 4 s stays within about 1.5x the quota.
  assert.ok(throttledRate < 100_000 * 1.6, `throttled tenant stays near its quota: ${Math.round(throttledRate)} B/s`);
  assert.ok(freeRate > throttledRate * 3, `the other tenant is not slowed: ${Math.round(freeRate)} B/s`);
  assert.ok((seen.get(slow)?.bytes ?? 0) > 0, 'the throttled tenant reports produced bytes');
  assert.equal(seen.get(globex)?.throttleMs, 0, 'the other tenant was never throttled');
  assert.ok((seen.get(globex)?.bytes ?? 0) > 0, 'and reports its produced bytes');
});

test('quotas: the request-rate quota (a share of a broker thread) throttles a busy tenant, not another', async () => {
  const busy = await fx.tenant('busyco', { requestPercentage: 1 });
  const busyKey = await fx.key(busy, 'svc');
  await fx.admin(busy, 'svc');
  await new Promise((r) => setTimeout(r, 1000));
  // 1% of a thread is 10 ms of broker time per second, with one second of burst: enough Metadata requests in a row
  // exceed it. Returns how many requests were answered and how many of those said to wait.
  const hammer = async (key: TestKey, stopAtFirstThrottle: boolean, maxRequests: number) => {
    const c = await RawClient.connect(broker.port);
    try {
      await c.saslPlain(key.keyId, key.secret);
      let sent = 0;
      let throttled = 0;
      while (sent < maxRequests) {
        const res = await c.request(Metadata, 12, {
          topics: null,
          allowAutoTopicCreation: false,
          includeTopicAuthorizedOperations: true,
        });
        sent++;
        if ((res.throttleTimeMs as number) > 0) throttled++;
        if (throttled > 0 && stopAtFirstThrottle) break;
      }
      return { sent, throttled };
    } finally {
      c.close();
    }
  };
  const busyRun = await hammer(busyKey, true, 20_000);
  assert.ok(busyRun.throttled > 0, 'the tenant over its request percentage is told to wait (throttle_time_ms > 0)');
  const otherRun = await hammer(globexAdmin, false, busyRun.sent);
  assert.equal(
    otherRun.throttled,
    0,
    `a tenant without a request quota is never throttled (${otherRun.sent} requests)`,
  );
});
