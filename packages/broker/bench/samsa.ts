/**
 * The Samsa rows of the benchmark: starts a real broker process on a temp data dir, creates one topic per phase with
 * CreateTopics, runs the produce, fetch and latency phases against it with load generators in separate processes,
 * and removes everything afterwards. A phase that fails becomes a note; the others still run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CreateTopics } from '@samsa/protocol';
import { startBroker } from '@samsa/test-support/broker-process';
import {
  type BenchSettings,
  CpuSampler,
  type LoadResult,
  latencyRow,
  runLatencyPair,
  runPhase,
  throughputRow,
} from './phase.ts';
import { PipelinedConnection } from './pipelined-connection.ts';
import type { BenchResults, ThroughputRow } from './report.ts';
import type { FetchLoadOptions } from './workers/fetch-load.ts';
import type { LatencyConsumerOptions } from './workers/latency-consumer.ts';
import type { LatencyProducerOptions } from './workers/latency-producer.ts';
import type { ProduceLoadOptions } from './workers/produce-load.ts';
import {
  BATCH_SIZES_BYTES,
  FETCH_MAX_BYTES_PER_REQUEST,
  LATENCY_RECORDS_PER_SECOND,
  PRODUCE_MAX_BYTES,
  RECORD_VALUE_BYTES,
  SMALL_RECORD_VALUE_BYTES,
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
/** Rows for the side-by-side table with the peers: 64 KiB batches (Kafka's batch.size is 16 KiB, many raise it). */
export const COMPARED_BATCH_SIZE_BYTES = BATCH_SIZES_BYTES[0];
export const SAMSA_RAW_CLIENT = 'pre-encoded Kafka protocol';
/** What an acknowledgement meant, by acks. */
export const SAMSA_DURABILITY: Record<number, string> = {
  1: 'acks=1: no fsync (page cache)',
  [-1]: 'acks=all: fsync per batch',
};
/** Every bench broker's flags (the comparison with Kafka prints them). */
export const BENCH_BROKER_ARGS = [
  // Log level stays at info: startBroker waits for the 'broker started' info line, and nothing is logged per request.
  '--max-request-bytes',
  String(256 * 1024 * 1024),
  '--fetch-max-bytes',
  String(64 * 1024 * 1024),
  '--auto-create-topics-enable',
  'false',
];

export type SamsaPhase = 'produce' | 'fetch' | 'latency';

const acksLabel = (acks: number) => (acks === -1 ? 'all' : String(acks));
const announce = (what: string) => process.stdout.write(`  running ${what} ...\n`);

/** Runs one phase; a failure becomes a note and the run goes on. */
export async function attempt(results: BenchResults, label: string, phase: () => Promise<void>): Promise<void> {
  announce(label);
  try {
    await phase();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    results.notes.push(`${label}: failed: ${message.split('\n').slice(0, 3).join(' | ')}`);
    process.stdout.write(`  ${label} failed: ${message}\n`);
  }
}

/** A running bench broker: a real `samsa broker` process on a temp data dir, and an admin connection to it. */
export interface BenchBroker {
  port: number;
  pid: number;
  /** The health and Prometheus metrics listener. */
  httpPort: number;
  /** Creates a topic with the run's partition count; returns its topic id. */
  createTopic(name: string): Promise<string>;
  /** Stops the broker, removes its data and writes its output to bench-results/<logName>.log. */
  stop(): Promise<void>;
}

export async function startBenchBroker(
  settings: BenchSettings,
  logName: string,
  extra: { args?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<BenchBroker> {
  const broker = await startBroker({
    args: [...BENCH_BROKER_ARGS, ...(extra.args ?? [])],
    env: { NODE_OPTIONS: [...settings.profileArgs, ...settings.brokerNodeOptions].join(' '), ...extra.env },
  });
  let admin: PipelinedConnection | null = null;
  const stop = async () => {
    admin?.close();
    // A graceful stop first, so a profiling broker writes its profile; bounded, then killed by cleanup().
    await Promise.race([broker.stop(), new Promise((r) => setTimeout(r, BROKER_STOP_GRACE_MS).unref())]);
    await broker.cleanup();
    mkdirSync(dirname(settings.brokerLogFile), { recursive: true });
    writeFileSync(join(dirname(settings.brokerLogFile), `${logName}.log`), `${broker.logs.join('\n')}\n`);
  };
  try {
    admin = await PipelinedConnection.open('127.0.0.1', broker.port, () => {});
  } catch (err) {
    await stop();
    throw err;
  }
  const createTopic = async (name: string) => (await createTopics(admin!, [name], settings.partitions))[0]!;
  return { port: broker.port, pid: broker.proc.pid!, httpPort: broker.httpPort, createTopic, stop };
}

/** Creates topics in one CreateTopics request, with topic configs if given; returns their topic ids. */
export async function createTopics(
  conn: PipelinedConnection,
  names: string[],
  partitions: number,
  configs: { name: string; value: string }[] = [],
): Promise<string[]> {
  const body = (await conn.request(CreateTopics, CREATE_TOPICS_VERSION, {
    topics: names.map((name) => ({
      name,
      numPartitions: partitions,
      replicationFactor: 1,
      assignments: [],
      configs,
    })),
    timeoutMs: 30_000,
    validateOnly: false,
  })) as unknown as { topics: { name: string; errorCode: number; errorMessage: string | null; topicId: string }[] };
  for (const t of body.topics) {
    if (t.errorCode !== 0) throw new Error(`CreateTopics ${t.name}: error ${t.errorCode} ${t.errorMessage}`);
  }
  return body.topics.map((t) => t.topicId);
}

/** A broker the load generators measure: its Kafka port and the pid whose CPU is sampled. */
export interface LoadTarget {
  port: number;
  pid: number;
}

/**
 * One produce phase through the produce-load worker: `connections` connections (default 1) share the run's requests in
 * flight; the broker's CPU is sampled around the measured part.
 */
export async function measureProduce(
  settings: BenchSettings,
  target: LoadTarget,
  o: {
    topic: string;
    batchSizeBytes: number;
    recordValueBytes: number;
    acks: number;
    durationMs: number;
    maxBytes?: number;
    connections?: number;
  },
) {
  const sampler = new CpuSampler(target.pid);
  const connections = o.connections ?? 1;
  const options: ProduceLoadOptions = {
    port: target.port,
    connections: Array.from({ length: connections }, () => ({ topics: [o.topic], partitions: settings.partitions })),
    batchSizeBytes: o.batchSizeBytes,
    recordValueBytes: o.recordValueBytes,
    acks: o.acks,
    inflight: Math.max(1, Math.round(settings.produceInflightRequests / connections)),
    maxBytes: o.maxBytes ?? PRODUCE_MAX_BYTES,
    durationMs: o.durationMs,
    produceVersion: PRODUCE_VERSION,
  };
  const r = await runPhase<LoadResult & { errorMessage: string | null }>(
    settings,
    'produce-load',
    options,
    o.durationMs,
    { atGo: () => sampler.start(), atEnd: () => sampler.stop() },
  );
  return { ...r, server: sampler.result! };
}

/** One fetch phase through the fetch-load worker: every partition from offset 0; the broker's CPU sampled. */
export async function measureFetch(
  settings: BenchSettings,
  target: LoadTarget,
  o: { topic: string; topicId: string; durationMs: number },
) {
  const sampler = new CpuSampler(target.pid);
  const options: FetchLoadOptions = {
    port: target.port,
    topic: o.topic,
    topicId: o.topicId,
    partitions: settings.partitions,
    maxBytesPerRequest: FETCH_MAX_BYTES_PER_REQUEST,
    durationMs: o.durationMs,
    fetchVersion: FETCH_VERSION,
  };
  const r = await runPhase<LoadResult & { partitionsComplete: number }>(settings, 'fetch-load', options, o.durationMs, {
    atGo: () => sampler.start(),
    atEnd: () => sampler.stop(),
  });
  return { ...r, server: sampler.result! };
}

export async function measureSamsa(settings: BenchSettings, phases: Set<SamsaPhase>, results: BenchResults) {
  const broker = await startBenchBroker(settings, 'broker');
  const port = broker.port;
  const cpu = () => new CpuSampler(broker.pid);
  const topicIds = new Map<string, string>();
  const createTopic = async (name: string) => {
    topicIds.set(name, await broker.createTopic(name));
    return name;
  };

  const target = { port, pid: broker.pid };
  const produce = (topic: string, batchSizeBytes: number, recordValueBytes: number, acks: number, durationMs: number) =>
    measureProduce(settings, target, { topic, batchSizeBytes, recordValueBytes, acks, durationMs });
  const fetchBack = (topic: string, durationMs: number) =>
    measureFetch(settings, target, { topic, topicId: topicIds.get(topic)!, durationMs });

  /** Rows that also go into the side-by-side table with the peers carry the client and their durability. */
  const compared = (batchSizeBytes: number, acks: number): Partial<ThroughputRow> =>
    batchSizeBytes === COMPARED_BATCH_SIZE_BYTES
      ? { client: SAMSA_RAW_CLIENT, durability: SAMSA_DURABILITY[acks] }
      : {};
  const shapes = [
    ...BATCH_SIZES_BYTES.map((batchSizeBytes) => ({ batchSizeBytes, recordValueBytes: RECORD_VALUE_BYTES })),
    { batchSizeBytes: COMPARED_BATCH_SIZE_BYTES, recordValueBytes: SMALL_RECORD_VALUE_BYTES },
  ];
  const shapeLabel = (batchSizeBytes: number, recordValueBytes: number) =>
    `${sizeLabel(batchSizeBytes)}${recordValueBytes === RECORD_VALUE_BYTES ? '' : ` ${recordValueBytes} B rec`}`;

  try {
    const readBack: { topic: string; batchSizeBytes: number; recordValueBytes: number }[] = [];
    if (phases.has('produce') || phases.has('fetch')) {
      await attempt(results, 'warm-up (produce and fetch, not counted)', async () => {
        const warm = await createTopic('bench-warmup');
        await produce(warm, BATCH_SIZES_BYTES[0], RECORD_VALUE_BYTES, 1, WARMUP_MS);
        await fetchBack(warm, WARMUP_MS / 2);
      });
      for (const acks of [1, -1]) {
        for (const { batchSizeBytes, recordValueBytes } of shapes) {
          const shape = shapeLabel(batchSizeBytes, recordValueBytes);
          const label = `produce acks=${acksLabel(acks)} ${shape}`;
          await attempt(results, label, async () => {
            const topic = await createTopic(`bench-produce-acks${acksLabel(acks)}-${shape.replace(/ /g, '-')}`);
            const r = await produce(topic, batchSizeBytes, recordValueBytes, acks, settings.phaseMs);
            if (r.errorMessage) results.notes.push(`${label}: stopped on a broker error: ${r.errorMessage}`);
            results.throughput.push(
              throughputRow(results, 'samsa', label, 'produce', r, {
                acks,
                batchSizeBytes,
                batchBytes: r.ready.batchBytes as number,
                recordValueBytes,
                ...compared(batchSizeBytes, acks),
              }),
            );
            if (acks === 1) readBack.push({ topic, batchSizeBytes, recordValueBytes });
          });
        }
      }
    }
    if (phases.has('fetch')) {
      for (const { topic, batchSizeBytes, recordValueBytes } of readBack) {
        const label = `fetch ${shapeLabel(batchSizeBytes, recordValueBytes)} batches`;
        await attempt(results, label, async () => {
          const r = await fetchBack(topic, settings.phaseMs);
          const unfinished = settings.partitions - r.partitionsComplete;
          if (unfinished > 0)
            results.notes.push(`${label}: time limit reached before the end of ${unfinished} partitions`);
          results.throughput.push(
            throughputRow(results, 'samsa', label, 'fetch', r, {
              batchSizeBytes,
              recordValueBytes,
              ...compared(batchSizeBytes, 1),
            }),
          );
        });
      }
    }
    if (phases.has('latency')) {
      for (const acks of [1, -1]) {
        const label = `end-to-end latency acks=${acksLabel(acks)} at ${LATENCY_RECORDS_PER_SECOND} records/s`;
        await attempt(results, label, async () => {
          const topic = await createTopic(`bench-latency-acks${acksLabel(acks)}`);
          const r = await measureLatency(settings, port, cpu(), topic, topicIds.get(topic)!, acks);
          results.latency.push(
            latencyRow('samsa', acks, LATENCY_RECORDS_PER_SECOND, r, {
              client: SAMSA_RAW_CLIENT,
              durability: SAMSA_DURABILITY[acks],
            }),
          );
        });
      }
    }
  } finally {
    await broker.stop();
  }
}

/** A paced producer and a long-polling consumer, each in its own process, on a fresh topic. */
export function measureLatency(
  settings: BenchSettings,
  port: number,
  sampler: CpuSampler,
  topic: string,
  topicId: string,
  acks: number,
) {
  const consumer: LatencyConsumerOptions = {
    port,
    topic,
    topicId,
    partitions: settings.partitions,
    fetchVersion: FETCH_VERSION,
    maxWaitMs: LATENCY_MAX_WAIT_MS,
    maxRecords: Math.ceil((LATENCY_RECORDS_PER_SECOND * (settings.phaseMs + LATENCY_WARMUP_MS)) / 1000) + 10_000,
    drainTimeoutMs: LATENCY_DRAIN_TIMEOUT_MS,
  };
  const producer: LatencyProducerOptions = {
    port,
    topic,
    partitions: settings.partitions,
    acks,
    recordsPerSecond: LATENCY_RECORDS_PER_SECOND,
    warmupMs: LATENCY_WARMUP_MS,
    durationMs: settings.phaseMs,
    produceVersion: PRODUCE_VERSION,
  };
  return runLatencyPair(
    settings,
    sampler,
    { name: 'latency-consumer', options: consumer },
    { name: 'latency-producer', options: producer, limitMs: settings.phaseMs + LATENCY_WARMUP_MS },
    LATENCY_DRAIN_TIMEOUT_MS,
  );
}
