/**
 * LagService (the console's API) and the collector's bookkeeping, over a scripted cluster, a controlled clock and
 * a real Postgres: tenant scoping, filters and sorting, group detail, status history, chart data, topic consumers,
 * Prometheus text, webhooks, scheduled roll-ups and pruning, and the timer loop.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createDb, type Db } from '@samsa/db';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { LagCollector } from '../src/collector.ts';
import { LagService } from '../src/service.ts';
import { LagStore } from '../src/store.ts';
import { FakeCluster } from './support/fake-cluster.ts';

const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
let database: TestDatabase;
let db: Db;
let acme = '';
let globex = '';
before(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, { poolMax: 4 });
  acme = (await db.tenant.create({ data: { slug: 'acme', displayName: 'Acme' } })).id;
  globex = (await db.tenant.create({ data: { slug: 'globex', displayName: 'Globex' } })).id;
});
after(async () => {
  await db.$disconnect();
  await database.drop();
});

test('the console API: list with status, filters, sorting and sparklines; detail; history; consumers; metrics; webhooks', async () => {
  const cluster = new FakeCluster();
  let now = T0;
  const posted: { to: string; tenantId: string | null }[] = [];
  const service = new LagService({
    db,
    kafka: { bootstrapBrokers: ['127.0.0.1:1'] },
    source: cluster,
    clock: () => now,
    evaluation: { stalledAfterMs: 30_000, stoppedAfterMs: 60_000 },
    webhooks: {
      targets: (tenantId) => (tenantId === acme ? { url: 'http://hooks.example/acme' } : null),
      fetch: (async (_url: string, init: RequestInit) => {
        const e = JSON.parse(String(init.body));
        posted.push({ to: e.to, tenantId: e.tenantId });
        return new Response('ok');
      }) as typeof fetch,
    },
  });
  // acme.billing keeps up on acme.orders; acme.audit is stuck on it; globex.etl reads globex.events and leaves.
  for (let p = 0; p < 3; p++) cluster.setEnd('acme.orders', p, 0);
  cluster.setEnd('globex.events', 0, 0);
  cluster.members('acme.billing', 'acme.orders', [0, 1, 2]);
  cluster.members('acme.audit', 'acme.orders', [0, 1, 2]);
  cluster.members('globex.etl', 'globex.events', [0]);
  cluster.group('connect-offsets', 'connect'); // not a consumer group: ignored
  for (let i = 0; i <= 8; i++) {
    for (let p = 0; p < 3; p++) {
      cluster.setEnd('acme.orders', p, 100 * i);
      cluster.commit('acme.billing', 'acme.orders', p, 100 * i);
      cluster.commit('acme.audit', 'acme.orders', p, 50);
    }
    cluster.setEnd('globex.events', 0, 10 * i);
    cluster.commit('globex.etl', 'globex.events', 0, i < 4 ? 10 * i : 30);
    if (i === 4) cluster.members('globex.etl', 'globex.events', null);
    await service.collector.collectOnce();
    now += 10_000;
  }
  now -= 10_000;

  const all = await service.listGroupsWithStatus({ sortBy: 'groupId', order: 'asc' });
  assert.deepEqual(
    all.map((g) => [g.groupId, g.status, g.tenantId]),
    [
      ['acme.audit', 'STALLED', acme],
      ['acme.billing', 'OK', acme],
      ['globex.etl', 'EMPTY', globex], // left 40 s ago with lag 50: not STOPPED yet
    ],
  );
  const acmeOnly = await service.listGroupsWithStatus({ tenantId: acme, sparkline: true, sparklinePoints: 200 });
  assert.deepEqual(
    acmeOnly.map((g) => g.groupId),
    ['acme.audit', 'acme.billing'],
    'worst status first by default',
  );
  assert.equal(acmeOnly[0].totalLag, 3 * (800 - 50));
  assert.deepEqual(acmeOnly[0].topics, ['acme.orders']);
  assert.equal(acmeOnly[0].name, 'audit', 'the name without the tenant prefix');
  assert.ok(acmeOnly[0].sparkline && acmeOnly[0].sparkline.length >= 2, 'sparkline from stored samples');
  assert.equal(acmeOnly[0].sparkline.at(-1)?.lag, 3 * 750);
  assert.deepEqual(
    (await service.listGroupsWithStatus({ sortBy: 'totalLag', order: 'desc' })).map((g) => g.groupId),
    ['acme.audit', 'globex.etl', 'acme.billing'],
  );
  assert.deepEqual(
    (await service.listGroupsWithStatus({ status: ['OK', 'EMPTY'], search: 'EVENTS' })).map((g) => g.groupId),
    ['globex.etl'],
    'search matches topics too, case-insensitively',
  );

  const detail = service.getGroup('acme.audit', { tenantId: acme });
  assert.ok(detail);
  assert.equal(detail.partitions.length, 3);
  assert.deepEqual(
    [detail.partitions[0].committedOffset, detail.partitions[0].logEndOffset, detail.partitions[0].clientId],
    [50, 800, 'acme.audit-client'],
  );
  assert.deepEqual(
    detail.statusHistory.map((h) => h.to),
    ['OK', 'STALLED'],
  );
  assert.equal(service.getGroup('acme.audit', { tenantId: globex }), null, 'other tenants see nothing');

  const history = await service.getGroupLagHistory({ tenantId: acme, groupId: 'acme.audit', window: '15m' });
  assert.equal(history.partitions.length, 3);
  assert.deepEqual(
    history.total.map((p) => p.lag),
    [0, 150, 450, 750, 1050, 1350, 1650, 1950, 2250],
  );
  assert.equal(history.total.at(-1)?.timeLagMs, 75_000, 'offset 50 was passed half-way through the first 10 s');

  assert.deepEqual(service.getTopicConsumers('acme.orders', { tenantId: acme }), [
    { groupId: 'acme.audit', status: 'STALLED', lag: 2250, maxTimeLagMs: 75_000, partitions: 3 },
    { groupId: 'acme.billing', status: 'OK', lag: 0, maxTimeLagMs: 0, partitions: 3 },
  ]);

  const metrics = service.metricsText({ tenantId: acme });
  assert.match(metrics, /samsa_consumergroup_status\{group="acme.audit",tenant="[^"]+",status="STALLED"\} 1/);
  assert.doesNotMatch(metrics, /globex/);

  // globex.etl: its member left at pass 4 with the offset at 30; 60 s later it is STOPPED (no webhook: no target).
  now += 30_000;
  await service.collector.collectOnce();
  assert.equal(service.getGroup('globex.etl')?.evaluation.status, 'STOPPED');
  await service.notifier?.idle();
  assert.deepEqual(posted, [{ to: 'STALLED', tenantId: acme }]);
  assert.ok(service.webhookDeliveries({ tenantId: acme }).every((d) => d.outcome === 'delivered'));
  await service.stop();
});

test('the collector rolls up and prunes on schedule, survives store failures, and its timer loop stops cleanly', async () => {
  await db.consumerLagSample.deleteMany({});
  await db.consumerLagRollup.deleteMany({});
  const cluster = new FakeCluster();
  cluster.setEnd('t', 0, 5);
  cluster.commit('g', 't', 0, 5);
  let now = T0;
  const store = new LagStore(db, { rawRetentionMs: 120_000 });
  const collector = new LagCollector({ source: cluster, store, clock: () => now, maintenanceIntervalMs: 60_000 });
  for (let i = 0; i < 30; i++) {
    await collector.collectOnce();
    now += 10_000;
  }
  // Passes at 0..290 s; maintenance at 0, 60, ..., 240 s pruned raw samples older than 120 s at that time.
  const counts = await store.counts();
  assert.equal(counts.samples, 30 - 12);
  assert.equal(counts.minute, 5, 'minutes 0-4 rolled up (minute 4 at its first sample)');
  assert.equal(counts.hour, 1);

  const failing = new LagCollector({
    source: cluster,
    store: {
      insertSamples: async () => {
        throw new Error('db down');
      },
    } as unknown as LagStore,
  });
  const pass = await failing.collectOnce();
  assert.equal(pass.evaluations.length, 1, 'the pass still evaluates when the store fails');
  const noTenants = new LagCollector({
    source: cluster,
    tenants: {
      refresh: async () => {
        throw new Error('db down');
      },
      resolve: () => null,
    },
  });
  assert.equal((await noTenants.collectOnce()).evaluations.length, 1, 'and when tenants cannot be reloaded');

  // A failed pass rejects collectOnce and nothing else (no unhandled rejection would crash the host process).
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  cluster.failures = 1;
  const flaky = new LagCollector({ source: cluster });
  await assert.rejects(flaky.collectOnce(), /cluster unreachable/);
  assert.equal((await flaky.collectOnce()).evaluations.length, 1, 'the next pass runs normally');

  // The timer loop survives failing passes and records the error for /metrics.
  cluster.failures = 2;
  const timed = new LagCollector({ source: cluster, intervalMs: 20 });
  const before = cluster.calls;
  timed.start();
  await new Promise((r) => setTimeout(r, 200));
  await timed.stop();
  const after = cluster.calls;
  assert.ok(after - before >= 4, `passes ran on the timer (${after - before})`);
  assert.equal(timed.lastError, null, 'cleared by the passes that succeeded');
  assert.ok(timed.lastPass);
  await new Promise((r) => setImmediate(r));
  process.off('unhandledRejection', onUnhandled);
  assert.deepEqual(unhandled, []);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(cluster.calls, after, 'no pass after stop');
});

test('a restarted collector warms up from stored samples: time lag at once, a STOPPED group stays STOPPED', async () => {
  await db.consumerLagSample.deleteMany({});
  const cluster = new FakeCluster();
  let now = T0 + 86_400_000;
  const store = new LagStore(db);
  const evaluation = { stoppedAfterMs: 60_000 };
  const first = new LagCollector({ source: cluster, store, clock: () => now, evaluation });
  cluster.members('gone', 't', null);
  for (let i = 0; i < 10; i++) {
    cluster.setEnd('t', 0, 100 + 10 * i);
    cluster.commit('gone', 't', 0, 100);
    await first.collectOnce();
    now += 10_000;
  }
  assert.equal(first.current()[0].status, 'STOPPED');

  const cold = new LagCollector({ source: cluster, clock: () => now, evaluation });
  const coldPass = await cold.collectOnce();
  assert.equal(coldPass.evaluations[0].status, 'EMPTY', 'without history the clock starts again');
  assert.equal(coldPass.snapshots[0].partitions[0].timeLagMs, null);

  const warm = new LagCollector({ source: cluster, store, clock: () => now, evaluation });
  assert.equal(await warm.warmUp(), 10);
  const warmPass = await warm.collectOnce();
  assert.equal(warmPass.evaluations[0].status, 'STOPPED');
  assert.equal(
    warmPass.snapshots[0].partitions[0].timeLagMs,
    100_000,
    'offset 100 was the log end at the first sample',
  );
});
