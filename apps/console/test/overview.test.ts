/**
 * Overview pages and traffic history against a real broker process with tenancy and a real Postgres: a real
 * KafkaJS producer's and consumer's traffic shows up in the tenant's and the topic's history and in the platform
 * overview's top tenants and topics; the broker's minute and hour roll-ups hold the same sums as its raw rows; a
 * member sees only their own tenant.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, seedUser } from './helpers.ts';
import {
  connectedAdmin,
  eventually,
  kafkaAs,
  type Key,
  type TenancyHub,
  startTenancyHub,
  tenantWithKey,
} from './tenancy-hub.ts';

let hub: TenancyHub;
let acmeKey: Key;
let acmeId: string;
let acmeMember: string;
let otherMember: string;

before(async () => {
  // Reports every 300 ms instead of 5 s, so the history fills quickly.
  process.env.SAMSA_TRAFFIC_REPORT_INTERVAL_MS = '300';
  hub = await startTenancyHub();
  acmeKey = await tenantWithKey(hub, 'acme');
  await tenantWithKey(hub, 'globex');
  const { db } = await import('../src/server/db.ts');
  acmeId = (await db().tenant.findUniqueOrThrow({ where: { slug: 'acme' } })).id;
  const globexId = (await db().tenant.findUniqueOrThrow({ where: { slug: 'globex' } })).id;
  acmeMember = (await seedUser('dev@acme.example', { memberships: [{ tenantId: acmeId, role: 'TENANT_MEMBER' }] }))
    .token;
  otherMember = (await seedUser('dev@globex.example', { memberships: [{ tenantId: globexId, role: 'TENANT_MEMBER' }] }))
    .token;
});
after(async () => {
  delete process.env.SAMSA_TRAFFIC_REPORT_INTERVAL_MS;
  await hub?.close();
});

const A = { tenant: 'acme' };

test("a real producer's and consumer's traffic shows in the tenant's and topic's history and the overview", async () => {
  const kafka = kafkaAs(hub, acmeKey);
  const admin = await connectedAdmin(kafka);
  await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const value = 'x'.repeat(1000);
  for (let i = 0; i < 20; i++) {
    await producer.send({ topic: 'orders', messages: Array.from({ length: 10 }, (_, j) => ({ key: `k${j}`, value })) });
  }
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: 'billing' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'orders', fromBeginning: true });
  let consumed = 0;
  await consumer.run({
    eachMessage: async () => {
      consumed++;
    },
  });
  await eventually(() => consumed === 200, 'the consumer read all 200 records', 30_000);
  await consumer.disconnect();

  const sum = (points: { [k: string]: number | null }[], k: string) =>
    points.reduce((a, p) => a + Number(p[k] ?? 0), 0);
  let tenantHistory: any;
  await eventually(
    async () => {
      const res = await call('/tenants/{tenant}/traffic/history', 'GET', A, {
        token: acmeMember,
        query: { window: '15m' },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      tenantHistory = res.body;
      return sum(res.body.points, 'fetchBytesPerSec') > 0 && sum(res.body.points, 'produceRecordsPerSec') > 0;
    },
    "the tenant's history shows the produce and the fetch",
    20_000,
  );
  assert.equal(tenantHistory.resolution, 'RAW');
  assert.ok(tenantHistory.points.length > 10 && tenantHistory.points.length <= 200, 'points over the window');
  // Rates times bucket lengths give back what was sent: 200 records, and at least their 200 kB of values.
  const seconds = tenantHistory.stepMs / 1000;
  const last = tenantHistory.points.at(-1);
  const lastSeconds = Math.max(1, Math.min(tenantHistory.stepMs, tenantHistory.toMs - last.t)) / 1000;
  const totalOf = (k: string) =>
    tenantHistory.points.slice(0, -1).reduce((a: number, p: any) => a + p[k] * seconds, 0) + last[k] * lastSeconds;
  assert.equal(Math.round(totalOf('produceRecordsPerSec')), 200);
  // The consumer read each record once (it started from the beginning, in one group).
  assert.equal(Math.round(totalOf('fetchRecordsPerSec')), 200);
  assert.ok(totalOf('produceBytesPerSec') >= 200 * 1000, `produced bytes ${totalOf('produceBytesPerSec')}`);

  await eventually(
    async () => {
      const res = await call('/tenants/{tenant}/traffic/history', 'GET', A, {
        token: acmeMember,
        query: { window: '1h', topic: 'orders' },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const storage = res.body.points.at(-1).storageBytes;
      return sum(res.body.points, 'fetchBytesPerSec') > 0 && storage !== null && storage >= 200 * 1000;
    },
    "the topic's history has its fetch and its size on disk",
    20_000,
  );

  const overview = await call('/overview', 'GET', {}, { token: hub.admin });
  assert.equal(overview.status, 200, JSON.stringify(overview.body));
  assert.equal(overview.body.topTenantsByTraffic[0]?.tenant, 'acme', JSON.stringify(overview.body.topTenantsByTraffic));
  assert.equal(overview.body.topTopicsByTraffic[0]?.name, 'acme/orders');
  assert.equal(overview.body.topTenantsByStorage[0]?.tenant, 'acme');
  assert.ok(overview.body.totals.produceBytesPerSec > 0);
  const health = Object.fromEntries(overview.body.health.map((h: any) => [h.name, h]));
  assert.equal(health.broker.status, 'ok', JSON.stringify(health.broker));
  assert.equal(health.database.status, 'ok');
  assert.equal(health.lag_collector.status, 'off');
  assert.match(health.lag_collector.reason, /SAMSA_LAG_COLLECTOR=off/);

  const hubHistory = await call('/overview/traffic', 'GET', {}, { token: hub.admin, query: { window: '15m' } });
  assert.equal(hubHistory.status, 200);
  assert.ok(sum(hubHistory.body.points, 'produceBytesPerSec') > 0);

  const home = await call('/tenants/{tenant}/overview', 'GET', A, { token: acmeMember });
  assert.equal(home.status, 200, JSON.stringify(home.body));
  assert.equal(home.body.topicsByTraffic[0].name, 'orders');
  assert.equal(home.body.recentChanges, null, 'members do not get the audit log');
  const topics = home.body.quotaUsage.find((q: any) => q.key === 'maxTopics');
  assert.equal(topics.used, 1);
});

test('the minute and hour roll-ups hold the same sums as the raw rows', async () => {
  const { db } = await import('../src/server/db.ts');
  // One statement: one snapshot, whatever the broker writes meanwhile.
  const rows = await db().$queryRawUnsafe<
    { resolution: string; produce: number; records: number; fetch: number; fetchRecords: number }[]
  >(
    `SELECT "resolution"::text AS resolution, sum("produceBytes")::float8 AS produce,
            sum("produceRecords")::float8 AS records, sum("fetchBytes")::float8 AS fetch,
            sum("fetchRecords")::float8 AS "fetchRecords"
       FROM "TrafficHistory" WHERE "tenantId" = $1::uuid AND "topic" = 'orders' GROUP BY 1`,
    acmeId,
  );
  const by = Object.fromEntries(rows.map((r) => [r.resolution, r]));
  assert.equal(by.RAW.records, 200);
  for (const res of ['MINUTE', 'HOUR']) {
    assert.equal(by[res].records, by.RAW.records, `${res} records`);
    assert.equal(by[res].produce, by.RAW.produce, `${res} produce bytes`);
    assert.equal(by[res].fetch, by.RAW.fetch, `${res} fetch bytes`);
    assert.equal(by[res].fetchRecords, by.RAW.fetchRecords, `${res} fetch records`);
  }
});

test('a quota change and the throttling it causes are marked on the tenant history', async () => {
  const quota = await call('/tenants/{tenant}/quota', 'PUT', A, {
    token: hub.admin,
    body: { produceBytesPerSec: 20_000 },
  });
  assert.equal(quota.status, 200, JSON.stringify(quota.body));
  const kafka = kafkaAs(hub, acmeKey);
  const producer = kafka.producer();
  await producer.connect();
  // 60 kB at 20 kB/s: the broker throttles this producer for a few seconds.
  const value = 'y'.repeat(10_000);
  await eventually(
    async () => {
      await producer.send({ topic: 'orders', messages: [{ value }, { value }] });
      const res = await call('/tenants/{tenant}/traffic/history', 'GET', A, {
        token: acmeMember,
        query: { window: '15m' },
      });
      return res.body.marks.some((m: { kind: string }) => m.kind === 'throttle');
    },
    'a throttled period on the chart',
    30_000,
  );
  await producer.disconnect();
  const res = await call('/tenants/{tenant}/traffic/history', 'GET', A, { token: acmeMember, query: { window: '1h' } });
  const quotaMarks = res.body.marks.filter((m: { kind: string }) => m.kind === 'quota');
  assert.equal(quotaMarks.length, 1, JSON.stringify(res.body.marks));
  assert.match(quotaMarks[0].label, /root@example.com/);
  assert.ok(res.body.points.some((p: { throttledShare: number }) => p.throttledShare > 0));
});

test("a member sees only their tenant's overview and history; the hub's are for platform admins", async () => {
  for (const path of ['/tenants/{tenant}/overview', '/tenants/{tenant}/traffic/history']) {
    const res = await call(path, 'GET', A, { token: otherMember });
    assert.ok(res.status === 403 || res.status === 404, `${path}: ${res.status}`);
  }
  for (const path of ['/overview', '/overview/traffic']) {
    const res = await call(path, 'GET', {}, { token: acmeMember });
    assert.equal(res.status, 403, path);
  }
  const bad = await call('/tenants/{tenant}/traffic/history', 'GET', A, {
    token: acmeMember,
    query: { window: '2y' },
  });
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(bad.body), /window/);
});
