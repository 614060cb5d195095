/**
 * The log cleaner's state in the control plane (TopicCleanerState), written by the traffic reporter against a real
 * Postgres: each compacted partition's dirty ratio and last clean under the tenant's own topic name; unchanged rows
 * are not rewritten until a minute has passed; a broker that restarted (no clean known yet) keeps the last clean it
 * reported; rows not reported for a day are deleted; topics outside every tenant are left out.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { TenantFixtures } from '@samsa/test-support/tenants';
import pg from 'pg';
import { pino } from 'pino';
import { CLEANER_STATE_RETENTION_MS } from '../src/tenancy/cleaner-states.ts';
import { ControlPlaneStore } from '../src/tenancy/control-plane-store.ts';
import { TenantTraffic } from '../src/tenancy/tenant-traffic.ts';
import { type PartitionCleanerState, TrafficReporter } from '../src/tenancy/traffic-reporter.ts';

let db: TestDatabase;
let fx: TenantFixtures;
let pool: pg.Pool;
let store: ControlPlaneStore;
let tenantId: string;
before(async () => {
  db = await createTestDatabase();
  fx = new TenantFixtures(db.url);
  tenantId = await fx.tenant('acme');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  store = new ControlPlaneStore(db.url);
});
after(async () => {
  await store?.close();
  await pool?.end();
  await fx?.close();
  await db?.drop();
});

const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);

async function stored() {
  const res = await pool.query(
    `SELECT topic, partition, "dirtyRatio", (extract(epoch FROM "lastCleanAt") * 1000)::float8 AS "lastCleanAtMs",
            "lastCleanDurationMs"::float8 AS "durationMs", "lastCleanBytesBefore"::float8 AS before,
            "lastCleanBytesAfter"::float8 AS after, (extract(epoch FROM "reportedAt") * 1000)::float8 AS "reportedAtMs"
       FROM "TopicCleanerState" WHERE "tenantId" = $1 ORDER BY topic, partition`,
    [tenantId],
  );
  return res.rows;
}

test('the reporter writes each compacted partition of a tenant, when it changes or once a minute', async () => {
  let nowMs = T0;
  let states: PartitionCleanerState[] = [
    {
      topic: 'acme.prices',
      partition: 0,
      dirtyRatio: 0.25,
      lastClean: { endedAtMs: T0 - 1_000, durationMs: 40, bytesBefore: 10_000, bytesAfter: 2_000 },
    },
    { topic: 'acme.prices', partition: 1, dirtyRatio: 0.5, lastClean: null },
    { topic: 'outside', partition: 0, dirtyRatio: 0.9, lastClean: null },
  ];
  const reporter = new TrafficReporter({
    traffic: new TenantTraffic(() => nowMs),
    store,
    tenantExists: (id) => id === tenantId,
    connectionCount: () => 0,
    connectedTenants: () => [],
    intervalMs: 5_000,
    logger: pino({ level: 'silent' }),
    topicOwner: (name) => (name.startsWith('acme.') ? { tenantId, topic: name.slice(5) } : null),
    cleanerStates: () => states,
    nowMs: () => nowMs,
  });
  await reporter.report();
  assert.deepEqual(await stored(), [
    {
      topic: 'prices',
      partition: 0,
      dirtyRatio: 0.25,
      lastCleanAtMs: T0 - 1_000,
      durationMs: 40,
      before: 10_000,
      after: 2_000,
      reportedAtMs: T0,
    },
    {
      topic: 'prices',
      partition: 1,
      dirtyRatio: 0.5,
      lastCleanAtMs: null,
      durationMs: null,
      before: null,
      after: null,
      reportedAtMs: T0,
    },
  ]);

  // Unchanged 5 s later: not rewritten. Partition 1's ratio changed: rewritten.
  nowMs = T0 + 5_000;
  states = [states[0]!, { ...states[1]!, dirtyRatio: 0.1 }];
  await reporter.report();
  const [p0, p1] = await stored();
  assert.equal(p0.reportedAtMs, T0);
  assert.equal(p1.reportedAtMs, T0 + 5_000);
  assert.equal(p1.dirtyRatio, 0.1);

  // A minute after each was written, every row is written again.
  nowMs = T0 + 66_000;
  await reporter.report();
  assert.deepEqual(
    (await stored()).map((r) => r.reportedAtMs),
    [T0 + 66_000, T0 + 66_000],
  );
});

test('a restarted broker (no clean known) keeps the last clean; rows unreported for a day are deleted', async () => {
  await store.reportCleanerStates(
    [
      {
        tenantId,
        topic: 'prices',
        partition: 0,
        dirtyRatio: 0.7,
        lastCleanAtMs: null,
        lastCleanDurationMs: null,
        lastCleanBytesBefore: null,
        lastCleanBytesAfter: null,
      },
    ],
    T0 + 120_000,
  );
  const [p0] = await stored();
  assert.equal(p0.dirtyRatio, 0.7);
  assert.equal(p0.lastCleanAtMs, T0 - 1_000, 'the last clean reported before the restart');
  assert.equal(p0.before, 10_000);

  const deleted = await store.pruneCleanerStates(T0 + 66_000 + CLEANER_STATE_RETENTION_MS + 1);
  assert.equal(deleted, 1, 'partition 1, last reported at T0 + 66 s');
  assert.deepEqual(
    (await stored()).map((r) => `${r.topic}-${r.partition}`),
    ['prices-0'],
  );
});
