/**
 * The traffic history's writes against a real Postgres: each report's raw rows are summed into minute and hour
 * roll-ups (storage keeps the last size), and retention deletes each resolution's rows past its own limit only.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { TenantFixtures } from '@samsa/test-support/tenants';
import pg from 'pg';
import { pruneTrafficHistory, type TrafficHistoryRow, writeTrafficHistory } from '../src/tenancy/traffic-history.ts';

let db: TestDatabase;
let fx: TenantFixtures;
let pool: pg.Pool;
let tenantId: string;
before(async () => {
  db = await createTestDatabase();
  fx = new TenantFixtures(db.url);
  tenantId = await fx.tenant('acme');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
});
after(async () => {
  await pool?.end();
  await fx?.close();
  await db?.drop();
});

const HOUR_MS = 3_600_000;
const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);

function row(topic: string, produceBytes: number, storageBytes: number | null): TrafficHistoryRow {
  return {
    tenantId,
    topic,
    windowMs: 5_000,
    produceBytes,
    fetchBytes: 2 * produceBytes,
    produceRecords: produceBytes / 100,
    fetchRecords: produceBytes / 50,
    produceThrottleMs: 0,
    fetchThrottleMs: 10,
    storageBytes,
    connections: 3,
  };
}

async function rows(resolution: string, topic: string) {
  const res = await pool.query(
    `SELECT (extract(epoch FROM "bucketStart") * 1000)::float8 AS t, "windowMs"::float8 AS "windowMs",
            "produceBytes"::float8 AS produce, "fetchBytes"::float8 AS fetch, "produceRecords"::float8 AS records,
            "fetchRecords"::float8 AS "fetchRecords",
            "fetchThrottleMs"::float8 AS throttle, "storageBytes"::float8 AS storage, connections
       FROM "TrafficHistory" WHERE "resolution" = $1::"TrafficResolution" AND "topic" = $2 ORDER BY 1`,
    [resolution, topic],
  );
  return res.rows;
}

test('reports sum into minute and hour roll-ups; storage is the last size reported', async () => {
  await writeTrafficHistory(pool, [row('', 1000, 5000), row('orders', 1000, 5000)], T0 + 1_000);
  await writeTrafficHistory(pool, [row('', 500, null), row('orders', 500, null)], T0 + 6_000);
  await writeTrafficHistory(pool, [row('orders', 300, 7000)], T0 + 61_000);

  assert.equal((await rows('RAW', 'orders')).length, 3);
  const minutes = await rows('MINUTE', 'orders');
  assert.deepEqual(
    minutes.map((m) => [m.t - T0, m.produce, m.fetch, m.records, m.fetchRecords, m.windowMs, m.throttle, m.storage]),
    [
      [0, 1500, 3000, 15, 30, 10_000, 20, 5000],
      [60_000, 300, 600, 3, 6, 5_000, 10, 7000],
    ],
  );
  const hours = await rows('HOUR', 'orders');
  assert.deepEqual(
    hours.map((h) => [h.t - T0, h.produce, h.records, h.storage]),
    [[0, 1800, 18, 7000]],
  );
  const tenantHours = await rows('HOUR', '');
  assert.deepEqual(
    tenantHours.map((h) => [h.produce, h.storage, h.connections]),
    [[1500, 5000, 3]],
  );
});

test('retention deletes each resolution past its own limit and keeps the rest', async () => {
  await pool.query(`DELETE FROM "TrafficHistory"`);
  const now = T0 + 40 * 24 * HOUR_MS;
  // Rows 3 h, 3 d and 36 d old, and fresh ones.
  for (const ageMs of [3 * HOUR_MS, 3 * 24 * HOUR_MS, 36 * 24 * HOUR_MS, 60_000]) {
    await writeTrafficHistory(pool, [row('orders', 100, 1)], now - ageMs);
  }
  const deleted = await pruneTrafficHistory(
    pool,
    { rawMs: 2 * HOUR_MS, minuteMs: 48 * HOUR_MS, hourMs: 35 * 24 * HOUR_MS },
    now,
  );
  assert.deepEqual(deleted, { raw: 3, minute: 2, hour: 1 });
  const ages = async (res: string) => (await rows(res, 'orders')).map((r) => Math.round((now - r.t) / HOUR_MS));
  assert.deepEqual(await ages('RAW'), [0]);
  assert.deepEqual(await ages('MINUTE'), [3, 0]);
  // The fresh row's hour bucket started an hour before `now` (T0 + 40 d is on the hour).
  assert.deepEqual(await ages('HOUR'), [72, 3, 1]);
});
