/** LagStore against a real Postgres (fresh database per run): samples, minute/hour roll-ups, pruning, history reads. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createDb, type Db } from '@samsa/db';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { getGroupLagHistory } from '../src/history.ts';
import { LagStore } from '../src/store.ts';
import type { GroupSnapshot } from '../src/types.ts';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TENANT = '11111111-1111-4111-8111-111111111111';

let database: TestDatabase;
let db: Db;
before(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, { poolMax: 2 });
});
after(async () => {
  await db.$disconnect();
  await database.drop();
});

function snapshot(groupId: string, atMs: number, lags: number[], tenantId: string | null = TENANT): GroupSnapshot {
  return {
    groupId,
    tenantId,
    state: 'Stable',
    members: [],
    sampledAtMs: atMs,
    partitions: lags.map((lag, partition) => ({
      topic: 'orders',
      partition,
      committedOffset: 1000 + Math.floor((atMs - T0) / 1000),
      positionOffset: 1000 + Math.floor((atMs - T0) / 1000),
      logEndOffset: 1000 + Math.floor((atMs - T0) / 1000) + lag,
      lag,
      timeLagMs: lag * 10,
      assigned: true,
    })),
  };
}

test('samples roll up into minutes and hours idempotently, history reads pick the right resolution, pruning bounds growth', async () => {
  const store = new LagStore(db);
  // 3 minutes of 10 s samples, lag = seconds since T0 on partition 0 and twice that on partition 1.
  const pass: GroupSnapshot[] = [];
  for (let s = 0; s < 180; s += 10) pass.push(snapshot('g1', T0 + s * 1000, [s, 2 * s]));
  pass.push(snapshot('other-tenant-group', T0, [5], null));
  assert.equal(await store.insertSamples(pass), 18 * 2 + 1);

  const first = await store.rollUp(T0 + 3 * MIN);
  assert.equal(first.minute, 3 * 2 + 1);
  assert.equal(first.hour, 2 + 1);
  const again = await store.rollUp(T0 + 3 * MIN);
  assert.equal(again.minute, 2, 'only the latest minute is recomputed; nothing is duplicated');
  assert.deepEqual(await store.counts(), { samples: 37, minute: 7, hour: 3 });

  const minute0 = await db.consumerLagRollup.findFirstOrThrow({
    where: { resolution: 'MINUTE', groupId: 'g1', partition: 0, bucketStart: new Date(T0) },
  });
  assert.equal(minute0.lagMin, 0n);
  assert.equal(minute0.lagMax, 50n);
  assert.equal(minute0.lagAvg, 25);
  assert.equal(minute0.timeLagMsMax, 500n);
  assert.equal(minute0.tenantId, TENANT);
  const hour0 = await db.consumerLagRollup.findFirstOrThrow({
    where: { resolution: 'HOUR', groupId: 'g1', partition: 1, bucketStart: new Date(T0) },
  });
  assert.equal(hour0.lagMin, 0n);
  assert.equal(hour0.lagMax, 340n);
  assert.equal(hour0.committedOffset, 1170n, 'offsets are the last of the bucket');

  // Raw history for 15 minutes: one point per sample, per partition, plus per-topic and total sums.
  const raw = await getGroupLagHistory(store, { groupId: 'g1', window: '15m', nowMs: T0 + 3 * MIN });
  assert.equal(raw.resolution, 'raw');
  assert.equal(raw.partitions.length, 2);
  assert.equal(raw.partitions[0].points.length, 18);
  assert.equal(raw.total.length, 18);
  assert.deepEqual(raw.total[17], { t: T0 + 170_000, lag: 170 + 340, timeLagMs: 3400 });
  assert.deepEqual(
    raw.topics.map((t) => t.topic),
    ['orders'],
  );
  // 24 h reads minute roll-ups; 30 d reads hour roll-ups.
  const day = await getGroupLagHistory(store, { groupId: 'g1', window: '24h', nowMs: T0 + 3 * MIN });
  assert.equal(day.resolution, 'minute');
  assert.equal(day.stepMs, 5 * MIN, '1440 minutes fit in 300 points at 5 min per bucket');
  assert.equal(day.partitions[1].points.length, 1);
  assert.equal(day.partitions[1].points[0].lag, 340);
  const month = await getGroupLagHistory(store, { groupId: 'g1', window: '30d', nowMs: T0 + 3 * MIN });
  assert.equal(month.resolution, 'hour');
  assert.equal(month.total[0].lag, 170 * 3);
  // Tenant filter: the other group's rows carry no tenant and are invisible to a tenant query.
  const scoped = await getGroupLagHistory(store, {
    tenantId: TENANT,
    groupId: 'other-tenant-group',
    window: '15m',
    nowMs: T0 + 3 * MIN,
  });
  assert.equal(scoped.partitions.length, 0);
  const admin = await getGroupLagHistory(store, { groupId: 'other-tenant-group', window: '15m', nowMs: T0 + 3 * MIN });
  assert.equal(admin.partitions.length, 1);

  const spark = await store.totalLagSeries({ groupIds: ['g1'], fromMs: T0, toMs: T0 + 3 * MIN, stepMs: MIN });
  assert.deepEqual(
    spark.get('g1')?.map((p) => p.lag),
    [50 + 100, 110 + 220, 170 + 340],
  );

  // A day later: new samples arrive, the first day's raw samples expire, its roll-ups stay.
  const later = T0 + DAY + 2 * HOUR;
  await store.insertSamples([snapshot('g1', later, [7, 7])]);
  const rolled = await store.rollUp(later);
  assert.equal(rolled.minute, 2 + 2, 'resumes from the last minute bucket, catching up after a gap');
  let pruned = await store.prune(later);
  assert.deepEqual(pruned, { samples: 37, minuteRollups: 0, hourRollups: 0 });
  assert.deepEqual(await store.counts(), { samples: 2, minute: 9, hour: 5 });

  // Thirty days after that, everything from day 0 has expired; the later hour survives.
  pruned = await store.prune(T0 + 30 * DAY + HOUR);
  assert.deepEqual(pruned, { samples: 2, minuteRollups: 7, hourRollups: 3 });
  assert.deepEqual(await store.counts(), { samples: 0, minute: 2, hour: 2 });
});

test('pruning deletes in bounded batches', async () => {
  const store = new LagStore(db, { pruneBatchRows: 10, pruneMaxBatches: 2, rawRetentionMs: HOUR });
  await db.consumerLagSample.deleteMany({});
  const base = T0 + 100 * DAY;
  const pass: GroupSnapshot[] = [];
  for (let i = 0; i < 25; i++) pass.push(snapshot('batchy', base + i * 1000, [1]));
  await store.insertSamples(pass);
  assert.equal((await store.prune(base + 2 * HOUR)).samples, 20, 'at most two batches of ten per pass');
  assert.equal((await store.prune(base + 2 * HOUR)).samples, 5);
});
