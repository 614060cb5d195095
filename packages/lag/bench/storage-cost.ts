/**
 * Measures the Postgres storage cost of lag history per group-partition per day: writes one day of 10 s samples
 * for PARTITIONS partitions (one pass every 10 s, as the collector does), rolls them up, and reports table plus
 * index bytes per partition for raw samples (one day), minute roll-ups (one day) and hour roll-ups (one day).
 * Run: node bench/storage-cost.ts [partitions=20]
 */
import { createDb } from '@samsa/db';
import { createTestDatabase } from '@samsa/db/testing';
import { LagStore } from '../src/store.ts';
import type { GroupSnapshot } from '../src/types.ts';

const PARTITIONS = Number(process.argv[2] ?? 20);
const INTERVAL_MS = 10_000;
const DAY_MS = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const TENANT = '11111111-1111-4111-8111-111111111111';

const database = await createTestDatabase();
const db = createDb(database.url, { poolMax: 2 });
try {
  const store = new LagStore(db);
  const passes: GroupSnapshot[] = [];
  const flush = async () => {
    await store.insertSamples(passes);
    passes.length = 0;
  };
  for (let t = T0; t < T0 + DAY_MS; t += INTERVAL_MS) {
    const i = (t - T0) / INTERVAL_MS;
    passes.push({
      groupId: 'acme.billing-service',
      tenantId: TENANT,
      state: 'Stable',
      members: [],
      sampledAtMs: t,
      partitions: Array.from({ length: PARTITIONS }, (_, p) => ({
        topic: 'acme.orders-events',
        partition: p,
        committedOffset: 1_000_000 + i * 50,
        positionOffset: 1_000_000 + i * 50,
        logEndOffset: 1_000_000 + i * 50 + (i % 100),
        lag: i % 100,
        timeLagMs: (i % 100) * 200,
        assigned: true,
      })),
    });
    if (passes.length * PARTITIONS >= 20_000) await flush();
  }
  await flush();
  await store.rollUp(T0 + DAY_MS);
  await db.$executeRawUnsafe('VACUUM ANALYZE "ConsumerLagSample"');
  await db.$executeRawUnsafe('VACUUM ANALYZE "ConsumerLagRollup"');
  const sizes = await db.$queryRawUnsafe<{ raw: number; rollup: number }[]>(
    `SELECT pg_total_relation_size('"ConsumerLagSample"')::float8 AS raw,
            pg_total_relation_size('"ConsumerLagRollup"')::float8 AS rollup`,
  );
  const counts = await store.counts();
  const rollupRows = counts.minute + counts.hour;
  const perRollupRow = sizes[0].rollup / rollupRows;
  const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
  const rawPerPartition = sizes[0].raw / PARTITIONS;
  const minutePerPartition = (perRollupRow * counts.minute) / PARTITIONS;
  const hourPerPartition = (perRollupRow * counts.hour) / PARTITIONS;
  console.log(
    `partitions: ${PARTITIONS}, samples: ${counts.samples}, minute rows: ${counts.minute}, hour rows: ${counts.hour}`,
  );
  console.log(`bytes per raw sample row (table + 4 indexes): ${(sizes[0].raw / counts.samples).toFixed(0)}`);
  console.log(`bytes per roll-up row (table + 3 indexes): ${perRollupRow.toFixed(0)}`);
  console.log(
    `per group-partition per day: raw ${kib(rawPerPartition)}, minute ${kib(minutePerPartition)}, hour ${kib(hourPerPartition)}`,
  );
  console.log(
    `steady state per group-partition with defaults (raw 24 h, minute 30 d, hour 30 d): ${(
      (rawPerPartition + 30 * minutePerPartition + 30 * hourPerPartition) / 1024 / 1024
    ).toFixed(1)} MiB`,
  );
} finally {
  await db.$disconnect();
  await database.drop();
}
