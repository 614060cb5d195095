/**
 * The processor host's rows of the processors bench: its throughput on the 1 KiB JSON map with 1 and 6 input
 * partitions (records/s, beside the @platformatic/kafka pipe of kafka-pipe.ts on the same broker), and its
 * end-to-end p50/p99 from input append to output visible at 5,000 records/s (measureEndToEnd, as for the pipe).
 *
 * The host runs in this process (`startProcessorHost`, superuser null: the bench broker has no auth, so topics carry
 * the tenant prefix `bench.`), against a fresh database with one tenant and a processor per row written as the
 * console writes them (at-least-once, errors to the DLQ). Throughput: the input is filled first, then the clock runs
 * from the first output visible to the last (the output topic's end offsets, polled), as the pipe's runs from its
 * first input record to its last acknowledged output.
 */
import { performance } from 'node:perf_hooks';
import { Admin, Producer } from '@platformatic/kafka';
import { brokerName } from '@samsa/cluster/namespace';
import { createDb, type Db } from '@samsa/db';
import { createTestDatabase } from '@samsa/db/testing';
import type { BrokerProcess } from '@samsa/test-support/broker-process';
import { pino } from 'pino';
import { startProcessorHost } from '../src/host/index.ts';
import { compileProcessor } from '../src/sandbox/index.ts';
import { type EndToEndLatency, measureEndToEnd } from './end-to-end.ts';
import type { ProcessorHostRows } from './processor-host.ts';
import { jsonValue, LATENCY_RECORDS_PER_SECOND, MAP_SOURCE } from './workload.ts';

const TENANT = 'bench';
/** Input records per second of phase (the pipe's figure), within bounds. */
const RECORDS_PER_PHASE_SECOND = 8_000;
const MIN_RECORDS = 10_000;
const MAX_RECORDS = 200_000;
/** A row gives up after this many phases' worth of time; it then reports what it saw. */
const TIME_LIMIT_PHASES = 4;
const POLL_MS = 20;
const FILL_CHUNK_RECORDS = 1_000;

async function createTopics(admin: Admin, names: string[], partitions: number): Promise<void> {
  await admin.createTopics({ topics: names.map((n) => brokerName(TENANT, n)), partitions, replicas: 1 });
}

/** Records in `topic` (broker name): the sum of its partitions' end offsets (nothing is deleted in a bench). */
async function recordCount(admin: Admin, topic: string, partitions: number): Promise<number> {
  const listed = await admin.listOffsets({
    topics: [
      {
        name: topic,
        partitions: Array.from({ length: partitions }, (_, p) => ({ partitionIndex: p, timestamp: -1n })),
      },
    ],
  });
  return listed[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
}

/** A processor running MAP_SOURCE from `input` to `<input>-out`, written as the console writes one. */
async function deployMap(db: Db, tenantId: string, input: string): Promise<string> {
  const processor = await db.processor.create({ data: { tenantId, name: input } });
  const version = await db.processorVersion.create({
    data: {
      processorId: processor.id,
      version: 1,
      inputTopic: input,
      outputTopics: [`${input}-out`],
      dlqTopic: `${input}-dlq`,
      language: 'JAVASCRIPT',
      source: MAP_SOURCE,
      code: compileProcessor(MAP_SOURCE, 'javascript').code,
      createdByEmail: 'bench@example.com',
    },
  });
  const deployment = await db.processorDeployment.create({
    data: {
      processorId: processor.id,
      versionId: version.id,
      action: 'CREATE',
      startFrom: { kind: 'earliest' },
      byEmail: 'bench@example.com',
    },
  });
  await db.processor.update({ where: { id: processor.id }, data: { activeDeploymentId: deployment.id } });
  return deployment.id;
}

async function throughputRow(
  ctx: { db: Db; admin: Admin; bootstrap: string; tenantId: string },
  partitions: number,
  phaseMs: number,
): Promise<ProcessorHostRows['throughput'][number]> {
  const input = `host-${partitions}p`;
  await createTopics(ctx.admin, [input, `${input}-out`, `${input}-dlq`], partitions);
  const records = Math.max(MIN_RECORDS, Math.min(MAX_RECORDS, Math.round((RECORDS_PER_PHASE_SECOND * phaseMs) / 1000)));
  const producer = new Producer({ clientId: 'bench-host-fill', bootstrapBrokers: [ctx.bootstrap], acks: 1 });
  try {
    for (let first = 0; first < records; first += FILL_CHUNK_RECORDS) {
      const count = Math.min(FILL_CHUNK_RECORDS, records - first);
      await producer.send({
        messages: Array.from({ length: count }, (_, n) => ({
          topic: brokerName(TENANT, input),
          partition: (first + n) % partitions,
          key: Buffer.from(`key-${(first + n) % 1000}`),
          value: Buffer.from(jsonValue(first + n)),
        })),
      });
    }
  } finally {
    await producer.close();
  }
  await deployMap(ctx.db, ctx.tenantId, input);
  const output = brokerName(TENANT, `${input}-out`);
  const deadlineMs = performance.now() + TIME_LIMIT_PHASES * phaseMs + 30_000;
  let firstSeenMs = 0;
  let seen = 0;
  let lastMs = 0;
  while (seen < records && performance.now() < deadlineMs) {
    seen = await recordCount(ctx.admin, output, partitions);
    lastMs = performance.now();
    if (seen > 0 && firstSeenMs === 0) firstSeenMs = lastMs;
    if (seen < records) await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const seconds = firstSeenMs === 0 ? 0 : (lastMs - firstSeenMs) / 1000;
  return { partitions, records: seen, seconds, recordsPerSec: seconds > 0 ? seen / seconds : 0 };
}

async function endToEndRow(
  ctx: { db: Db; admin: Admin; bootstrap: string; tenantId: string },
  phaseMs: number,
): Promise<EndToEndLatency> {
  const input = 'host-e2e';
  await createTopics(ctx.admin, [input, `${input}-out`, `${input}-dlq`], 1);
  const deploymentId = await deployMap(ctx.db, ctx.tenantId, input);
  // Measure once the host has started the processor (its deployment applied), not its start-up.
  const deadlineMs = Date.now() + 60_000;
  while ((await ctx.db.processorDeployment.findUnique({ where: { id: deploymentId } }))?.appliedAt == null) {
    if (Date.now() > deadlineMs) throw new Error('the processor host did not start the end-to-end processor in 60 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return measureEndToEnd(ctx.bootstrap, {
    inputTopic: brokerName(TENANT, input),
    outputTopic: brokerName(TENANT, `${input}-out`),
    recordsPerSec: LATENCY_RECORDS_PER_SECOND,
    warmupMs: 1_000,
    durationMs: phaseMs,
  });
}

/** The host's rows against `broker` (no auth), with their own database; null rows are never returned. */
export async function measureHostRows(broker: BrokerProcess, phaseMs: number): Promise<ProcessorHostRows> {
  const database = await createTestDatabase();
  const db = createDb(database.url, { poolMax: 2 });
  const admin = new Admin({ clientId: 'bench-host-admin', bootstrapBrokers: [broker.bootstrap] });
  try {
    const tenant = await db.tenant.create({ data: { slug: TENANT, displayName: 'Bench' } });
    const host = await startProcessorHost({
      databaseUrl: database.url,
      bootstrap: [broker.bootstrap],
      superuser: null,
      secretsKey: null,
      logger: pino({ level: 'warn' }),
      settings: { pollMs: 100 },
    });
    try {
      const ctx = { db, admin, bootstrap: broker.bootstrap, tenantId: tenant.id };
      const throughput: ProcessorHostRows['throughput'] = [];
      for (const partitions of [1, 6]) {
        process.stdout.write(`  running processors: processor host, ${partitions} partition(s) ...\n`);
        throughput.push(await throughputRow(ctx, partitions, phaseMs));
      }
      process.stdout.write(
        `  running processors: processor host end-to-end at ${LATENCY_RECORDS_PER_SECOND} records/s ...\n`,
      );
      return { throughput, endToEnd: await endToEndRow(ctx, phaseMs) };
    } finally {
      await host.stop();
    }
  } finally {
    await admin.close();
    await db.$disconnect();
    await database.drop();
  }
}
