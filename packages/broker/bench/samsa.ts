/**
 * The Samsa rows of the benchmark: starts a real broker process on a temp data dir, creates one topic per phase with
 * CreateTopics, runs the produce, fetch and latency phases against it with load generators in separate processes,
 * and removes everything afterwards. A phase that fails becomes a note; the others still run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CreateTopics } from '@samsa/protocol';
import { startBroker } from '../test/support/broker-process.ts';
import {
  type BenchSettings,
  type CpuSample,
  CpuSampler,
  cpuCores,
  runPhase,
  startWorker,
  WORKER_GRACE_MS,
  workerExitGraceMs,
} from './phase.ts';
import type { Percentiles } from './percentiles.ts';
import { PipelinedConnection } from './pipelined-connection.ts';
import type { BenchResults, LatencyRow, ThroughputRow } from './report.ts';
import type { FetchLoadOptions } from './workers/fetch-load.ts';
import type { LatencyConsumerOptions } from './workers/latency-consumer.ts';
import type { LatencyProducerOptions } from './workers/latency-producer.ts';
import type { ProduceLoadOptions } from './workers/produce-load.ts';
import {
  BATCH_SIZES_BYTES,
  FETCH_MAX_BYTES_PER_REQUEST,
  LATENCY_RECORDS_PER_SECOND,
  PRODUCE_MAX_BYTES,
  sizeLabel,
} from './workload.ts';

const PRODUCE_VERSION = 11;
const FETCH_VERSION = 17;
const CREATE_TOPICS_VERSION = 7;
const WARMUP_MS = 2000;
const LATENCY_WARMUP_MS = 1000;
const LATENCY_MAX_WAIT_MS = 500;
const LATENCY_DRAIN_TIMEOUT_MS = 5000;
const BROKER_STOP_GRACE_MS = 15_000;
const BROKER_ARGS = [
  // Log level stays at info: startBroker waits for the 'broker started' info line, and nothing is logged per request.
  '--max-request-bytes',
  String(256 * 1024 * 1024),
  '--fetch-max-bytes',
  String(64 * 1024 * 1024),
  '--auto-create-topics-enable',
  'false',
];

export type SamsaPhase = 'produce' | 'fetch' | 'latency';

interface LoadResult {
  bytes: number;
  records: number;
  seconds: number;
  cpu: { user: number; system: number };
}

const acksLabel = (acks: number) => (acks === -1 ? 'all' : String(acks));
const announce = (what: string) => process.stdout.write(`  running ${what} ...\n`);

export async function measureSamsa(settings: BenchSettings, phases: Set<SamsaPhase>, results: BenchResults) {
  const broker = await startBroker({
    args: BROKER_ARGS,
    env: { NODE_OPTIONS: [...settings.profileArgs, ...settings.brokerNodeOptions].join(' ') },
  });
  const port = broker.port;
  const cpu = () => new CpuSampler(broker.proc.pid!);
  const admin = await PipelinedConnection.open('127.0.0.1', port, () => {});
  const topicIds = new Map<string, string>();
  /** Runs one phase; a failure becomes a note and the run goes on. */
  const attempt = async (label: string, phase: () => Promise<void>) => {
    announce(label);
    try {
      await phase();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      results.notes.push(`${label}: failed: ${message.split('\n').slice(0, 3).join(' | ')}`);
      process.stdout.write(`  ${label} failed: ${message}\n`);
    }
  };

  const createTopic = async (name: string) => {
    const body = (await admin.request(CreateTopics, CREATE_TOPICS_VERSION, {
      topics: [{ name, numPartitions: settings.partitions, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 30_000,
      validateOnly: false,
    })) as unknown as { topics: { errorCode: number; errorMessage: string | null; topicId: string }[] };
    const t = body.topics[0]!;
    if (t.errorCode !== 0) throw new Error(`CreateTopics ${name}: error ${t.errorCode} ${t.errorMessage}`);
    topicIds.set(name, t.topicId);
    return name;
  };

  const produce = async (topic: string, batchSizeBytes: number, acks: number, durationMs: number) => {
    const sampler = cpu();
    const options: ProduceLoadOptions = {
      port,
      topic,
      partitions: settings.partitions,
      batchSizeBytes,
      acks,
      inflight: settings.produceInflightRequests,
      maxBytes: PRODUCE_MAX_BYTES,
      durationMs,
      produceVersion: PRODUCE_VERSION,
    };
    const r = await runPhase<LoadResult & { errorMessage: string | null }>(
      settings,
      'produce-load',
      options,
      durationMs,
      { atGo: () => sampler.start(), atEnd: () => sampler.stop() },
    );
    return { ...r, server: sampler.result! };
  };

  const fetchBack = async (topic: string, durationMs: number) => {
    const sampler = cpu();
    const options: FetchLoadOptions = {
      port,
      topic,
      topicId: topicIds.get(topic)!,
      partitions: settings.partitions,
      maxBytesPerRequest: FETCH_MAX_BYTES_PER_REQUEST,
      durationMs,
      fetchVersion: FETCH_VERSION,
    };
    const r = await runPhase<LoadResult & { partitionsComplete: number }>(settings, 'fetch-load', options, durationMs, {
      atGo: () => sampler.start(),
      atEnd: () => sampler.stop(),
    });
    return { ...r, server: sampler.result! };
  };

  const row = (
    name: string,
    kind: ThroughputRow['kind'],
    r: LoadResult & { server: CpuSample },
    extra: Partial<ThroughputRow>,
  ): ThroughputRow => {
    const mbPerSec = r.bytes / 1e6 / r.seconds;
    const wall = r.server.wallSeconds;
    const brokerThreadCores: Record<string, number> = {};
    for (const [thread, seconds] of Object.entries(r.server.threadCpuSeconds)) {
      if (seconds > 0) brokerThreadCores[thread] = Math.round((seconds / wall) * 100) / 100;
    }
    const loadGeneratorCores = cpuCores(r.cpu, r.seconds);
    return {
      system: 'samsa',
      name,
      kind,
      mbPerSec,
      recordsPerSec: r.records / r.seconds,
      bytes: r.bytes,
      records: r.records,
      seconds: r.seconds,
      ratioToLoopback: results.loopbackMBps ? mbPerSec / results.loopbackMBps : null,
      brokerCpuSecondsPerGB: r.bytes > 0 ? r.server.processCpuSeconds / (r.bytes / 1e9) : null,
      brokerCores: r.server.processCpuSeconds / wall,
      brokerThreadCores,
      loadGeneratorCores,
      // Whatever else ran meanwhile: other processes on the machine (the orchestrator itself is idle).
      otherCores: Math.max(
        0,
        (r.server.machineBusyCpuSeconds - r.server.processCpuSeconds) / wall - loadGeneratorCores,
      ),
      ...extra,
    };
  };

  try {
    const readBack: { topic: string; batchSizeBytes: number }[] = [];
    if (phases.has('produce') || phases.has('fetch')) {
      await attempt('warm-up (produce and fetch, not counted)', async () => {
        const warm = await createTopic('bench-warmup');
        await produce(warm, BATCH_SIZES_BYTES[0], 1, WARMUP_MS);
        await fetchBack(warm, WARMUP_MS / 2);
      });
      for (const acks of [1, -1]) {
        for (const batchSizeBytes of BATCH_SIZES_BYTES) {
          const label = `produce acks=${acksLabel(acks)} ${sizeLabel(batchSizeBytes)}`;
          await attempt(label, async () => {
            const topic = await createTopic(`bench-produce-acks${acksLabel(acks)}-${sizeLabel(batchSizeBytes)}`);
            const r = await produce(topic, batchSizeBytes, acks, settings.phaseMs);
            if (r.errorMessage) results.notes.push(`${label}: stopped on a broker error: ${r.errorMessage}`);
            results.throughput.push(
              row(label, 'produce', r, { acks, batchSizeBytes, batchBytes: r.ready.batchBytes as number }),
            );
            if (acks === 1) readBack.push({ topic, batchSizeBytes });
          });
        }
      }
    }
    if (phases.has('fetch')) {
      for (const { topic, batchSizeBytes } of readBack) {
        const label = `fetch ${sizeLabel(batchSizeBytes)} batches`;
        await attempt(label, async () => {
          const r = await fetchBack(topic, settings.phaseMs);
          const unfinished = settings.partitions - r.partitionsComplete;
          if (unfinished > 0)
            results.notes.push(`${label}: time limit reached before the end of ${unfinished} partitions`);
          results.throughput.push(row(label, 'fetch', r, { batchSizeBytes }));
        });
      }
    }
    if (phases.has('latency')) {
      for (const acks of [1, -1]) {
        const label = `end-to-end latency acks=${acksLabel(acks)} at ${LATENCY_RECORDS_PER_SECOND} records/s`;
        await attempt(label, async () => {
          const topic = await createTopic(`bench-latency-acks${acksLabel(acks)}`);
          results.latency.push(await measureLatency(settings, port, cpu(), topic, topicIds.get(topic)!, acks));
        });
      }
    }
  } finally {
    admin.close();
    // A graceful stop first, so a profiling broker writes its profile; bounded, then killed by cleanup().
    await Promise.race([broker.stop(), new Promise((r) => setTimeout(r, BROKER_STOP_GRACE_MS).unref())]);
    await broker.cleanup();
    mkdirSync(dirname(settings.brokerLogFile), { recursive: true });
    writeFileSync(settings.brokerLogFile, `${broker.logs.join('\n')}\n`);
  }
}

/** A paced producer and a long-polling consumer, each in its own process, on a fresh topic. */
async function measureLatency(
  settings: BenchSettings,
  port: number,
  sampler: CpuSampler,
  topic: string,
  topicId: string,
  acks: number,
): Promise<LatencyRow> {
  const consumerOptions: LatencyConsumerOptions = {
    port,
    topic,
    topicId,
    partitions: settings.partitions,
    fetchVersion: FETCH_VERSION,
    maxWaitMs: LATENCY_MAX_WAIT_MS,
    maxRecords: Math.ceil((LATENCY_RECORDS_PER_SECOND * (settings.phaseMs + LATENCY_WARMUP_MS)) / 1000) + 10_000,
    drainTimeoutMs: LATENCY_DRAIN_TIMEOUT_MS,
  };
  const consumer = startWorker(settings, 'latency-consumer', consumerOptions);
  try {
    await consumer.next('ready', WORKER_GRACE_MS);
    consumer.send({ type: 'go' });
    const producerOptions: LatencyProducerOptions = {
      port,
      topic,
      partitions: settings.partitions,
      acks,
      recordsPerSecond: LATENCY_RECORDS_PER_SECOND,
      warmupMs: LATENCY_WARMUP_MS,
      durationMs: settings.phaseMs,
      produceVersion: PRODUCE_VERSION,
    };
    const p = await runPhase<{
      sent: number;
      errors: number;
      ackLatencyUs: Percentiles;
      cpu: { user: number; system: number };
    }>(settings, 'latency-producer', producerOptions, settings.phaseMs + LATENCY_WARMUP_MS, {
      atGo: () => sampler.start(),
      atEnd: () => sampler.stop(),
    });
    const server = sampler.result!;
    consumer.send({ type: 'expect', records: p.sent });
    const c = (await consumer.next('result', LATENCY_DRAIN_TIMEOUT_MS + WORKER_GRACE_MS)) as unknown as {
      received: number;
      latencyUs: Percentiles;
      cpu: { user: number; system: number };
    };
    // The consumer's CPU is counted from its start, a little before the producer's: close enough for a noise gauge.
    const clientCores = cpuCores(p.cpu, server.wallSeconds) + cpuCores(c.cpu, server.wallSeconds);
    return {
      system: 'samsa',
      acks,
      recordsPerSecond: LATENCY_RECORDS_PER_SECOND,
      sent: p.sent,
      received: c.received,
      e2eUs: c.latencyUs,
      produceAckUs: p.ackLatencyUs,
      producerErrors: p.errors,
      brokerCores: server.processCpuSeconds / server.wallSeconds,
      otherCores: Math.max(
        0,
        (server.machineBusyCpuSeconds - server.processCpuSeconds) / server.wallSeconds - clientCores,
      ),
    };
  } finally {
    await consumer.finish(workerExitGraceMs(settings));
  }
}
