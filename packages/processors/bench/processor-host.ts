/**
 * The processor host's rows: its throughput on the same 1 KiB JSON map with 1 and 6 input partitions (records/s,
 * beside the @platformatic/kafka pipe of kafka-pipe.ts), and the end-to-end p99 from input append to output visible
 * at 5,000 records/s. The bench broker has no auth, so the host connects anonymously and names the tenant `bench`'s
 * topics `bench.<topic>`; its control-plane rows live in a fresh test database. The clock of a throughput phase
 * runs from the first output to the last (as the pipe's runs from its first input), so the deploy is not counted.
 */
import { performance } from 'node:perf_hooks';
import { Consumer } from '@platformatic/kafka';
import { createDb, type Db } from '@samsa/db';
import { createTestDatabase } from '@samsa/db/testing';
import type { BrokerProcess } from '@samsa/test-support/broker-process';
import { pino } from 'pino';
import { hostSettingsFromEnv, startProcessorHost } from '../src/host/index.ts';
import { compileProcessor } from '../src/sandbox/index.ts';
import { type EndToEndLatency, measureEndToEnd } from './end-to-end.ts';
import { createPipeTopics, fillInput, inputRecordsFor } from './kafka-pipe.ts';
import { LATENCY_RECORDS_PER_SECOND, MAP_SOURCE } from './workload.ts';

export interface ProcessorHostRows {
  throughput: Array<{ partitions: number; records: number; seconds: number; recordsPerSec: number }>;
  /** From the input's append to the output being readable, at LATENCY_RECORDS_PER_SECOND (workload.ts). */
  endToEnd: EndToEndLatency | null;
}

const HOST_PARTITIONS = [1, 6];
/** A phase stops after this many phases' worth of time, whatever it has written. */
const TIME_LIMIT_PHASES = 4;
const POLL_MS = 20;

/** Creates the processor with version 1 deployed from the earliest offset (what POST /processors writes). */
async function deployMap(db: Db, tenantId: string, name: string, input: string): Promise<void> {
  const p = await db.processor.create({ data: { tenantId, name } });
  const v = await db.processorVersion.create({
    data: {
      processorId: p.id,
      version: 1,
      inputTopic: input,
      outputTopics: [`${input}-out`],
      language: 'JAVASCRIPT',
      source: MAP_SOURCE,
      code: compileProcessor(MAP_SOURCE, 'javascript').code,
      createdByEmail: 'bench@example.com',
    },
  });
  const d = await db.processorDeployment.create({
    data: { processorId: p.id, versionId: v.id, action: 'CREATE', startFrom: { kind: 'earliest' }, byEmail: 'bench' },
  });
  await db.processor.update({ where: { id: p.id }, data: { activeDeploymentId: d.id } });
}

async function outputCount(consumer: Consumer, topic: string): Promise<number> {
  const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
  return ends.reduce((sum, o) => sum + Number(o), 0);
}

export async function measureProcessorHost(broker: BrokerProcess, phaseMs: number): Promise<ProcessorHostRows | null> {
  const database = await createTestDatabase();
  const db = createDb(database.url, { poolMax: 2 });
  const tenant = await db.tenant.create({ data: { slug: 'bench', displayName: 'bench' } });
  await db.tenantQuota.create({ data: { tenantId: tenant.id, processorCpuMsPerSec: 64_000 } });
  const host = await startProcessorHost({
    databaseUrl: database.url,
    bootstrap: [broker.bootstrap],
    superuser: null,
    secretsKey: null,
    logger: pino({ level: 'warn' }),
    settings: { ...hostSettingsFromEnv(process.env), pollMs: 200 },
  });
  const watcher = new Consumer({
    groupId: 'bench-host-watch',
    clientId: 'bench-host-watch',
    bootstrapBrokers: [broker.bootstrap],
  });
  try {
    const throughput: ProcessorHostRows['throughput'] = [];
    for (const partitions of HOST_PARTITIONS) {
      process.stdout.write(`  running processors: processor host, ${partitions} partition(s) ...\n`);
      const local = `host-${partitions}p`;
      const records = inputRecordsFor(phaseMs);
      await fillInput(broker.bootstrap, `bench.${local}`, partitions, records);
      await deployMap(db, tenant.id, local, local);
      const out = `bench.${local}-out`;
      const deadline = performance.now() + TIME_LIMIT_PHASES * phaseMs + 10_000;
      let first = 0;
      let firstAt = 0;
      let written = 0;
      while (written < records && performance.now() < deadline) {
        written = await outputCount(watcher, out);
        if (firstAt === 0 && written > 0) {
          firstAt = performance.now();
          first = written;
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      const seconds = (performance.now() - firstAt) / 1000;
      throughput.push({ partitions, records: written - first, seconds, recordsPerSec: (written - first) / seconds });
    }
    process.stdout.write(
      `  running processors: processor host end-to-end at ${LATENCY_RECORDS_PER_SECOND} records/s ...\n`,
    );
    await createPipeTopics(broker.bootstrap, 'bench.host-e2e', 1);
    await deployMap(db, tenant.id, 'host-e2e', 'host-e2e');
    const deadline = performance.now() + 30_000;
    while (performance.now() < deadline) {
      const p = await db.processor.findFirst({ where: { name: 'host-e2e' }, include: { instances: true } });
      if (p?.status === 'RUNNING' && p.instances.some((i) => i.partitions.length > 0)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const endToEnd = await measureEndToEnd(broker.bootstrap, {
      inputTopic: 'bench.host-e2e',
      outputTopic: 'bench.host-e2e-out',
      recordsPerSec: LATENCY_RECORDS_PER_SECOND,
      warmupMs: 1_000,
      durationMs: phaseMs,
    });
    return { throughput, endToEnd };
  } finally {
    await watcher.close().catch(() => undefined);
    await host.stop();
    await db.$disconnect();
    await database.drop();
  }
}
