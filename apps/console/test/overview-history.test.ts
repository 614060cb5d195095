/**
 * The traffic history's read side against a real Postgres (rows as the broker writes them): rates are byte and
 * record sums over each bucket's length, a tenant's size is carried over buckets it did not report in, the hub
 * sums tenants, and each window reads its resolution (raw, minute or hour rows).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Harness, startHarness } from './helpers.ts';

let h: Harness;
let a: string;
let b: string;
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);

async function insert(
  tenantId: string,
  resolution: 'RAW' | 'MINUTE' | 'HOUR',
  atMs: number,
  figures: { produceBytes?: number; fetchRecords?: number; storageBytes?: number | null; topic?: string },
) {
  const { db } = await import('../src/server/db.ts');
  await db().trafficHistory.create({
    data: {
      resolution,
      tenantId,
      topic: figures.topic ?? '',
      bucketStart: new Date(atMs),
      windowMs: 5_000n,
      produceBytes: BigInt(figures.produceBytes ?? 0),
      fetchBytes: 0n,
      produceRecords: 0n,
      fetchRecords: BigInt(figures.fetchRecords ?? 0),
      produceThrottleMs: 0n,
      fetchThrottleMs: 0n,
      storageBytes:
        figures.storageBytes === undefined || figures.storageBytes === null ? null : BigInt(figures.storageBytes),
      connections: 0,
    },
  });
}

before(async () => {
  h = await startHarness();
  const { db } = await import('../src/server/db.ts');
  a = (await db().tenant.create({ data: { slug: 'a', displayName: 'A' } })).id;
  b = (await db().tenant.create({ data: { slug: 'b', displayName: 'B' } })).id;
  // 15 m reads raw rows in 5 s buckets. A: 10 kB in the bucket 60 s ago and its size then; B: a size only.
  await insert(a, 'RAW', NOW - 60_000, { produceBytes: 10_000, fetchRecords: 50, storageBytes: 1_000 });
  await insert(a, 'RAW', NOW - 30_000, { produceBytes: 5_000 });
  await insert(b, 'RAW', NOW - 45_000, { storageBytes: 500 });
  // 24 h reads minute roll-ups; 30 d hour roll-ups.
  await insert(a, 'MINUTE', NOW - 3_600_000, { produceBytes: 600_000, storageBytes: 2_000 });
  await insert(a, 'HOUR', NOW - 5 * 86_400_000, { produceBytes: 3_600_000, storageBytes: 3_000 });
  // A topic row must not count in the tenant's series.
  await insert(a, 'RAW', NOW - 60_000, { produceBytes: 999_999, topic: 'orders' });
});
after(async () => {
  await h?.close();
});

test("a tenant's raw series: rates over each bucket, its size carried forward", async () => {
  const { trafficSeries } = await import('../src/features/overview/history.ts');
  const s = await trafficSeries({ tenantIds: [a] }, '15m', NOW);
  assert.equal(s.resolution, 'RAW');
  assert.equal(s.stepMs, 5_000);
  assert.equal(s.points.length, 180);
  const at = (ms: number) => s.points.find((p) => p.t === NOW - ms)!;
  assert.equal(at(60_000).produceBytesPerSec, 2_000);
  assert.equal(at(60_000).fetchRecordsPerSec, 10);
  assert.equal(at(30_000).produceBytesPerSec, 1_000);
  assert.equal(at(55_000).produceBytesPerSec, 0);
  assert.equal(at(65_000).storageBytes, null, 'unknown before the first report');
  assert.equal(at(60_000).storageBytes, 1_000);
  assert.equal(s.points.at(-1)!.storageBytes, 1_000, 'carried to the end of the window');
});

test('the hub sums tenants, each with its own last known size', async () => {
  const { trafficSeries } = await import('../src/features/overview/history.ts');
  const s = await trafficSeries({ tenantIds: 'all' }, '15m', NOW);
  const at = (ms: number) => s.points.find((p) => p.t === NOW - ms)!;
  assert.equal(at(50_000).storageBytes, 1_000);
  assert.equal(at(45_000).storageBytes, 1_500);
  assert.equal(s.points.at(-1)!.storageBytes, 1_500);
  assert.equal(at(60_000).produceBytesPerSec, 2_000);
  const none = await trafficSeries({ tenantIds: [] }, '15m', NOW);
  assert.ok(
    none.points.every((p) => p.produceBytesPerSec === 0 && p.storageBytes === null),
    'an empty list is none',
  );
});

test('longer windows read the minute and hour roll-ups', async () => {
  const { trafficSeries } = await import('../src/features/overview/history.ts');
  const day = await trafficSeries({ tenantIds: [a] }, '24h', NOW);
  assert.equal(day.resolution, 'MINUTE');
  assert.equal(day.stepMs, 480_000);
  const busy = day.points.filter((p) => p.produceBytesPerSec > 0);
  assert.equal(busy.length, 1);
  assert.equal(busy[0]!.produceBytesPerSec, 600_000 / 480);
  assert.equal(day.points.at(-1)!.storageBytes, 2_000);
  const month = await trafficSeries({ tenantIds: [a] }, '30d', NOW);
  assert.equal(month.resolution, 'HOUR');
  assert.equal(month.points.filter((p) => p.produceBytesPerSec > 0).length, 1);
  assert.equal(month.points.at(-1)!.storageBytes, 3_000);
});
