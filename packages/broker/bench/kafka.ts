/**
 * Samsa vs Apache Kafka (issue 13): a real Kafka broker (`@samsa/kafka-harness`, KRaft, one node, Kafka's default
 * heap of 1 GiB and its G1 flags) beside a Samsa broker in the same run, under the same raw-protocol load generators
 * as Samsa's own phases and under Kafka's own perf tools. Equal durability: Samsa acks=1 against Kafka's defaults
 * (no fsync per write), Samsa acks=all (fsync per batch) against Kafka acks=all on topics with `flush.messages=1`.
 * Throughput rows alternate between the brokers in slices (Samsa, Kafka, Kafka, Samsa) so other work on the machine
 * weighs on both alike. Prints one table with the ratio Samsa/Kafka per row; results go to latest.json (`kafka`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KAFKA_VERSION, kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { runJava } from '@samsa/kafka-harness/java';
import { type KafkaCluster, kafkaJvmFlags, startKafka } from '@samsa/kafka-harness/kafka';
import { Metadata } from '@samsa/protocol';
import { processMemoryBytes } from './machine.ts';
import {
  CONSUMER_PERFORMANCE,
  type ConsumerPerfSummary,
  PRODUCER_PERFORMANCE,
  type ProducerPerfSummary,
  parseConsumerPerformance,
  parseProducerPerformance,
} from '@samsa/kafka-harness/perf-tools';
import {
  addLoads,
  addSamples,
  type BenchSettings,
  type CpuSample,
  CpuSampler,
  type LoadResult,
  latencyRow,
  throughputRow,
} from './phase.ts';
import { PipelinedConnection } from './pipelined-connection.ts';
import type { BenchResults, LatencyRow, ThroughputRow } from './report.ts';
import {
  attempt,
  BENCH_BROKER_ARGS,
  createTopics,
  measureFetch,
  measureLatency,
  measureProduce,
  startBenchBroker,
} from './samsa.ts';
import {
  BATCH_SIZES_BYTES,
  LATENCY_RECORDS_PER_SECOND,
  PRODUCE_MAX_BYTES,
  RECORD_VALUE_BYTES,
  SMALL_RECORD_VALUE_BYTES,
  sizeLabel,
} from './workload.ts';

/** Kafka's own default heap (kafka-server-start.sh: -Xmx1G -Xms1G). */
export const KAFKA_HEAP_MB = 1024;
/** Kafka's topic config for an fsync after every append: the durability of Samsa's acks=all. */
const FLUSH_EVERY_WRITE = [{ name: 'flush.messages', value: '1' }];
const PRODUCE_VERSION = 11;
const METADATA_VERSION = 12;
const BATCH_SIZE_BYTES = BATCH_SIZES_BYTES[0];
/**
 * Produce warm-up per broker, half with each record size, then a fetch: not counted. Kafka's C2 compiler threads were
 * still busy after 20 s of load on the busy 2-core machine, and a cold JIT would be measured instead of Kafka.
 */
const WARMUP_MS = 15_000;
const FETCH_WARMUP_MS = 3000;
/** The extra produce row with several connections: Kafka handles one request per connection at a time. */
const PARALLEL_CONNECTIONS = 4;
const LEADER_WAIT_MS = 30_000;
/** Each broker's turn in the measured slices; together the slices of one row take two phases' time. */
const SLICE_ORDER: Side[] = ['samsa', 'kafka', 'kafka', 'samsa'];
/** A JVM for a load client, as Kafka's kafka-run-class.sh gives its tools (G1), with a 512 MiB heap. */
export const PERF_TOOL_JVM_FLAGS = [
  '-Xms512m',
  '-Xmx512m',
  '-XX:+UseG1GC',
  '-Djava.awt.headless=true',
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
  '-Dorg.slf4j.simpleLogger.logFile=System.err',
];
/** Producer settings of the perf-tool runs beside acks: the load generators' batch size, Kafka 4's default linger. */
const PERF_PRODUCER_PROPS = [`batch.size=${BATCH_SIZE_BYTES}`, 'linger.ms=5'];
/** Records per second of the phase length for the perf tools: 1 KiB records, and 100 B records (5 times more). */
const PERF_RECORDS_PER_PHASE_SECOND = 50_000;
const PERF_TOOL_TIMEOUT_MS = 300_000;
const CONSUMER_PERF_TIMEOUT_MS = 30_000;

export type Side = 'samsa' | 'kafka';
const SIDES: Side[] = ['samsa', 'kafka'];
export const SIDE_NAMES: Record<Side, string> = { samsa: 'Samsa', kafka: 'Apache Kafka' };

/** One line of the "Samsa vs Apache Kafka" table. */
export interface KafkaComparisonRow {
  name: string;
  /** What the row ran with (acks, durability, sizes). */
  settings: string;
  unit: string;
  better: 'higher' | 'lower';
  samsa: number | null;
  kafka: number | null;
  /** samsa / kafka. */
  ratio: number | null;
  samsaCpuSecondsPerGB?: number | null;
  kafkaCpuSecondsPerGB?: number | null;
  /** Cores busy outside the brokers and the clients during the row's measured time. */
  otherCores?: number;
}

export interface KafkaComparison {
  /** Settings of both brokers and of the load, printed above the table. */
  settings: Record<string, string>;
  rows: KafkaComparisonRow[];
  perfTools: { side: Side; tool: string; settings: string; summary: ProducerPerfSummary | ConsumerPerfSummary }[];
  memoryBytes: Record<Side, { afterStart: number; peak: number; end: number }>;
}

export interface Broker {
  side: Side;
  port: number;
  pid: number;
  bootstrap: string;
  admin: PipelinedConnection;
  topicIds: Map<string, string>;
}

const acksLabel = (acks: number) => (acks === -1 ? 'all' : String(acks));
const recordLabel = (bytes: number) => (bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`);
/** What an acknowledgement means on each side, by acks. */
const durability = (acks: number) =>
  acks === -1
    ? 'acks=all; Samsa: fsync per batch; Kafka: flush.messages=1'
    : 'acks=1; no fsync (page cache); Kafka: defaults';

export async function measureKafka(settings: BenchSettings, results: BenchResults): Promise<void> {
  const skip = kafkaSkipReason();
  if (skip) {
    const note = `Samsa vs Apache Kafka skipped: ${skip}`;
    results.notes.push(note);
    process.stdout.write(`  ${note}\n`);
    return;
  }
  const comparison: KafkaComparison = {
    settings: {},
    rows: [],
    perfTools: [],
    memoryBytes: {} as KafkaComparison['memoryBytes'],
  };
  results.kafka = comparison;
  process.stdout.write(`  starting Apache Kafka ${KAFKA_VERSION} (heap ${KAFKA_HEAP_MB} MiB) and a Samsa broker ...\n`);
  const samsaBroker = await startBenchBroker(settings, 'broker-vs-kafka');
  let kafka: KafkaCluster | null = null;
  const brokers = new Map<Side, Broker>();
  try {
    try {
      kafka = await startKafka({ heapMb: KAFKA_HEAP_MB, logLevel: 'warn' });
    } catch (err) {
      const note = `Samsa vs Apache Kafka skipped: Kafka did not start: ${(err as Error).message.split('\n')[0]}`;
      results.notes.push(note);
      process.stdout.write(`  ${note}\n`);
      return;
    }
    const kafkaNode = kafka.nodes[0]!;
    brokers.set('samsa', await openBroker('samsa', samsaBroker.port, samsaBroker.pid));
    brokers.set('kafka', await openBroker('kafka', kafkaNode.port, kafkaNode.proc.pid!));
    const afterStart = new Map(SIDES.map((s) => [s, processMemoryBytes(brokers.get(s)!.pid).rss]));
    comparison.settings = describeSettings(settings);
    await compare(settings, results, comparison, brokers);
    await attempt(results, 'vs Kafka: resident memory of both brokers', async () => {
      for (const side of SIDES) {
        const m = processMemoryBytes(brokers.get(side)!.pid);
        comparison.memoryBytes[side] = { afterStart: afterStart.get(side)!, peak: m.peakRss, end: m.rss };
      }
      const mib = (side: Side, k: 'afterStart' | 'peak' | 'end') => comparison.memoryBytes[side][k] / 2 ** 20;
      for (const [k, what] of [
        ['afterStart', 'after start'],
        ['peak', 'peak (VmHWM)'],
        ['end', 'at the end'],
      ] as const) {
        const row = ratioRow(`broker resident memory ${what}`, 'RSS', 'MiB', 'lower', mib('samsa', k), mib('kafka', k));
        comparison.rows.push(row);
      }
    });
  } finally {
    for (const b of brokers.values()) b.admin.close();
    await samsaBroker.stop();
    if (kafka) {
      mkdirSync(dirname(settings.brokerLogFile), { recursive: true });
      writeFileSync(join(dirname(settings.brokerLogFile), 'kafka.log'), `${kafka.nodes[0]!.logs.join('\n')}\n`);
      await kafka.stop();
    }
  }
}

export async function openBroker(side: Side, port: number, pid: number): Promise<Broker> {
  const admin = await PipelinedConnection.open('127.0.0.1', port, () => {});
  return { side, port, pid, bootstrap: `127.0.0.1:${port}`, admin, topicIds: new Map() };
}

/** Creates a topic on one broker (Kafka's acks=all topics with flush.messages=1) and waits for its leaders. */
export async function createTopic(b: Broker, name: string, partitions: number, acks: number): Promise<void> {
  const configs = b.side === 'kafka' && acks === -1 ? FLUSH_EVERY_WRITE : [];
  const [id] = await createTopics(b.admin, [name], partitions, configs);
  b.topicIds.set(name, id!);
  // Kafka answers CreateTopics before the partitions have a leader: a Produce right away would fail.
  const deadline = Date.now() + LEADER_WAIT_MS;
  for (;;) {
    const body = (await b.admin.request(Metadata, METADATA_VERSION, {
      topics: [{ topicId: null, name }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    })) as unknown as { topics: { errorCode: number; partitions: { errorCode: number; leaderId: number }[] }[] };
    const t = body.topics[0];
    const ready =
      t?.errorCode === 0 &&
      t.partitions.length === partitions &&
      t.partitions.every((p) => p.errorCode === 0 && p.leaderId >= 0);
    if (ready) return;
    if (Date.now() > deadline)
      throw new Error(`${SIDE_NAMES[b.side]}: topic ${name} has no leaders after ${LEADER_WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Measured = LoadResult & { server: CpuSample; errorMessage?: string | null; partitionsComplete?: number };

/** Runs a load against each broker in the slices of SLICE_ORDER and adds up each broker's slices. */
async function alternate(
  sliceMs: number,
  run: (b: Side, sliceMs: number) => Promise<Measured>,
): Promise<Map<Side, Measured>> {
  const totals = new Map<Side, Measured>();
  for (const side of SLICE_ORDER) {
    const r = await run(side, sliceMs);
    const before = totals.get(side);
    totals.set(
      side,
      before
        ? {
            ...addLoads(before, r),
            server: addSamples(before.server, r.server),
            errorMessage: before.errorMessage ?? r.errorMessage,
            partitionsComplete: Math.min(before.partitionsComplete ?? 0, r.partitionsComplete ?? 0),
          }
        : r,
    );
  }
  return totals;
}

export function ratioRow(
  name: string,
  settings: string,
  unit: string,
  better: 'higher' | 'lower',
  samsa: number | null,
  kafka: number | null,
  extra: Partial<KafkaComparisonRow> = {},
): KafkaComparisonRow {
  const ratio = samsa !== null && kafka !== null && kafka > 0 ? samsa / kafka : null;
  return { name, settings, unit, better, samsa, kafka, ratio, ...extra };
}

async function compare(
  settings: BenchSettings,
  results: BenchResults,
  comparison: KafkaComparison,
  brokers: Map<Side, Broker>,
): Promise<void> {
  const partitions = settings.partitions;
  const sliceMs = Math.max(500, Math.round((settings.phaseMs * 2) / SLICE_ORDER.length));
  const onBoth = async (name: string, acks: number) => {
    for (const b of brokers.values()) await createTopic(b, name, partitions, acks);
  };

  const produce = (
    b: Broker,
    topic: string,
    recordValueBytes: number,
    acks: number,
    durationMs: number,
    connections = 1,
  ) =>
    measureProduce(settings, b, {
      topic,
      batchSizeBytes: BATCH_SIZE_BYTES,
      recordValueBytes,
      acks,
      durationMs,
      // Each broker has half the slices: half the byte bound of a phase each.
      maxBytes: PRODUCE_MAX_BYTES / 2,
      connections,
    });
  const fetchBack = (b: Broker, topic: string, durationMs: number) =>
    measureFetch(settings, b, { topic, topicId: b.topicIds.get(topic)!, durationMs });

  /** Both brokers' rows of one load: into results.throughput (as `versus: 'kafka'`) and the comparison. */
  const throughputPair = (
    what: string,
    kind: ThroughputRow['kind'],
    rowSettings: string,
    totals: Map<Side, Measured>,
    extra: Partial<ThroughputRow>,
  ) => {
    const rows = new Map<Side, ThroughputRow>();
    for (const side of SIDES) {
      const r = totals.get(side)!;
      if (r.errorMessage)
        results.notes.push(`${SIDE_NAMES[side]} ${what}: stopped on a broker error: ${r.errorMessage}`);
      if (kind === 'fetch' && (r.partitionsComplete ?? partitions) < partitions)
        results.notes.push(`${SIDE_NAMES[side]} ${what}: a slice ended before the end of every partition`);
      const row = throughputRow(results, side, `${SIDE_NAMES[side]} (Samsa vs Kafka): ${what}`, kind, r, {
        versus: 'kafka',
        batchSizeBytes: BATCH_SIZE_BYTES,
        ...extra,
      });
      rows.set(side, row);
      results.throughput.push(row);
    }
    const s = rows.get('samsa')!;
    const k = rows.get('kafka')!;
    comparison.rows.push(
      ratioRow(what, rowSettings, 'MB/s', 'higher', s.mbPerSec, k.mbPerSec, {
        samsaCpuSecondsPerGB: s.brokerCpuSecondsPerGB,
        kafkaCpuSecondsPerGB: k.brokerCpuSecondsPerGB,
        otherCores: Math.max(s.otherCores, k.otherCores),
      }),
    );
  };

  await attempt(results, 'vs Kafka: warm-up of both brokers (produce and fetch, not counted)', async () => {
    await onBoth('bench-warmup', 1);
    for (const b of brokers.values()) {
      await produce(b, 'bench-warmup', RECORD_VALUE_BYTES, 1, WARMUP_MS / 2);
      await produce(b, 'bench-warmup', SMALL_RECORD_VALUE_BYTES, 1, WARMUP_MS / 2);
      await fetchBack(b, 'bench-warmup', FETCH_WARMUP_MS);
    }
  });

  const readBack: { topic: string; recordValueBytes: number }[] = [];
  for (const acks of [1, -1]) {
    for (const recordValueBytes of [RECORD_VALUE_BYTES, SMALL_RECORD_VALUE_BYTES]) {
      const what = `produce ${recordLabel(recordValueBytes)} records, acks=${acksLabel(acks)}`;
      await attempt(results, `vs Kafka: ${what}, slices ${SLICE_ORDER.join('/')}`, async () => {
        const topic = `bench-produce-acks${acksLabel(acks)}-${recordValueBytes}`;
        await onBoth(topic, acks);
        const totals = await alternate(sliceMs, (side, ms) =>
          produce(brokers.get(side)!, topic, recordValueBytes, acks, ms),
        );
        throughputPair(what, 'produce', durability(acks), totals, { acks, recordValueBytes });
        if (acks === 1) readBack.push({ topic, recordValueBytes });
      });
    }
  }
  await attempt(results, `vs Kafka: produce 1 KiB records, acks=1, ${PARALLEL_CONNECTIONS} connections`, async () => {
    const what = `produce 1 KiB records, acks=1, ${PARALLEL_CONNECTIONS} connections`;
    const topic = `bench-produce-acks1-${PARALLEL_CONNECTIONS}-connections`;
    await onBoth(topic, 1);
    const totals = await alternate(sliceMs, (side, ms) =>
      produce(brokers.get(side)!, topic, RECORD_VALUE_BYTES, 1, ms, PARALLEL_CONNECTIONS),
    );
    const inflight = Math.max(1, Math.round(settings.produceInflightRequests / PARALLEL_CONNECTIONS));
    throughputPair(what, 'produce', `${durability(1)}; ${inflight} requests in flight on each connection`, totals, {
      acks: 1,
      recordValueBytes: RECORD_VALUE_BYTES,
    });
  });
  for (const { topic, recordValueBytes } of readBack) {
    const what = `fetch ${recordLabel(recordValueBytes)} records`;
    await attempt(results, `vs Kafka: ${what}, slices ${SLICE_ORDER.join('/')}`, async () => {
      const totals = await alternate(sliceMs, (side, ms) => fetchBack(brokers.get(side)!, topic, ms));
      const how = 'the acks=1 topic from offset 0, one 16 MiB Fetch in flight per partition';
      throughputPair(what, 'fetch', how, totals, { recordValueBytes });
    });
  }

  // Latency: acks=1 Samsa then Kafka, acks=all Kafka then Samsa, so neither always runs first.
  const latencyOrder: [number, Side][] = [
    [1, 'samsa'],
    [1, 'kafka'],
    [-1, 'kafka'],
    [-1, 'samsa'],
  ];
  const latency = new Map<string, LatencyRow>();
  for (const [acks, side] of latencyOrder) {
    const label = `vs Kafka: ${SIDE_NAMES[side]} end-to-end latency acks=${acksLabel(acks)} at ${LATENCY_RECORDS_PER_SECOND} records/s`;
    await attempt(results, label, async () => {
      const b = brokers.get(side)!;
      const topic = `bench-latency-acks${acksLabel(acks)}`;
      await createTopic(b, topic, partitions, acks);
      const r = await measureLatency(settings, b.port, new CpuSampler(b.pid), topic, b.topicIds.get(topic)!, acks);
      const row = latencyRow(side, acks, LATENCY_RECORDS_PER_SECOND, r, { versus: 'kafka' });
      results.latency.push(row);
      latency.set(`${acks} ${side}`, row);
    });
  }
  for (const acks of [1, -1]) {
    const s = latency.get(`${acks} samsa`);
    const k = latency.get(`${acks} kafka`);
    if (!s || !k) continue;
    const what = `at ${LATENCY_RECORDS_PER_SECOND.toLocaleString('en-US')} rec/s, acks=${acksLabel(acks)}`;
    const other = Math.max(s.otherCores, k.otherCores);
    const us = (v: number) => v / 1000;
    comparison.rows.push(
      ratioRow(`end-to-end p50 ${what}`, durability(acks), 'ms', 'lower', us(s.e2eUs.p50), us(k.e2eUs.p50), {
        otherCores: other,
      }),
      ratioRow(`end-to-end p99 ${what}`, durability(acks), 'ms', 'lower', us(s.e2eUs.p99), us(k.e2eUs.p99), {
        otherCores: other,
      }),
      ratioRow(`broker cores ${what}`, durability(acks), 'cores', 'lower', s.brokerCores, k.brokerCores, {
        otherCores: other,
      }),
    );
  }

  await comparePerfTools(settings, results, comparison, brokers, onBoth);
}

/**
 * Kafka's own ProducerPerformance and ConsumerPerformance against both brokers, the same records and counts. Each
 * tool runs on one broker after the other, the first broker alternating from one test to the next.
 */
async function comparePerfTools(
  settings: BenchSettings,
  results: BenchResults,
  comparison: KafkaComparison,
  brokers: Map<Side, Broker>,
  onBoth: (name: string, acks: number) => Promise<void>,
): Promise<void> {
  const phaseSeconds = settings.phaseMs / 1000;
  const count = (recordValueBytes: number) =>
    Math.round(PERF_RECORDS_PER_PHASE_SECOND * phaseSeconds * (recordValueBytes === RECORD_VALUE_BYTES ? 1 : 5));
  const tests: { tool: 'producer' | 'consumer'; recordValueBytes: number; acks: number; records: number }[] = [
    { tool: 'producer', recordValueBytes: RECORD_VALUE_BYTES, acks: 1, records: count(RECORD_VALUE_BYTES) },
    { tool: 'producer', recordValueBytes: SMALL_RECORD_VALUE_BYTES, acks: 1, records: count(SMALL_RECORD_VALUE_BYTES) },
    // acks=all with an fsync per batch is slower: a quarter of the records keeps the run short.
    { tool: 'producer', recordValueBytes: RECORD_VALUE_BYTES, acks: -1, records: count(RECORD_VALUE_BYTES) / 4 },
    { tool: 'consumer', recordValueBytes: RECORD_VALUE_BYTES, acks: 1, records: count(RECORD_VALUE_BYTES) },
    { tool: 'consumer', recordValueBytes: SMALL_RECORD_VALUE_BYTES, acks: 1, records: count(SMALL_RECORD_VALUE_BYTES) },
  ];
  const topicOf = (t: { recordValueBytes: number; acks: number }) =>
    `perf-${t.recordValueBytes}-acks${acksLabel(t.acks)}`;
  for (const [i, t] of tests.entries()) {
    const order: Side[] = i % 2 === 0 ? ['samsa', 'kafka'] : ['kafka', 'samsa'];
    const records = `${t.records.toLocaleString('en-US')} records of ${recordLabel(t.recordValueBytes)}`;
    const toolSettings =
      t.tool === 'producer'
        ? `acks=${acksLabel(t.acks)} ${PERF_PRODUCER_PROPS.join(' ')}, ${records}${t.acks === -1 ? ', Kafka: flush.messages=1' : ''}`
        : `${records}, the acks=1 topic from the start, a new group`;
    const what = `${t.tool === 'producer' ? 'ProducerPerformance' : 'ConsumerPerformance'} ${recordLabel(t.recordValueBytes)} records${t.tool === 'producer' ? `, acks=${acksLabel(t.acks)}` : ''}`;
    await attempt(results, `vs Kafka: ${what}`, async () => {
      const topic = topicOf(t);
      if (t.tool === 'producer') await onBoth(topic, t.acks);
      const figures = new Map<Side, { recordsPerSec: number; cpuSecondsPerGB: number; other: number }>();
      for (const side of order) {
        const b = brokers.get(side)!;
        const sampler = new CpuSampler(b.pid);
        sampler.start();
        const args =
          t.tool === 'producer'
            ? [
                '--topic',
                topic,
                '--num-records',
                String(t.records),
                '--record-size',
                String(t.recordValueBytes),
                '--throughput',
                '-1',
                '--producer-props',
                `bootstrap.servers=${b.bootstrap}`,
                `acks=${acksLabel(t.acks)}`,
                ...PERF_PRODUCER_PROPS,
              ]
            : [
                '--bootstrap-server',
                b.bootstrap,
                '--topic',
                topic,
                '--messages',
                String(t.records),
                '--timeout',
                String(CONSUMER_PERF_TIMEOUT_MS),
              ];
        const r = await runJava(t.tool === 'producer' ? PRODUCER_PERFORMANCE : CONSUMER_PERFORMANCE, args, {
          jvmFlags: PERF_TOOL_JVM_FLAGS,
          timeoutMs: PERF_TOOL_TIMEOUT_MS,
        });
        const server = sampler.stop();
        if (r.code !== 0) {
          throw new Error(`${SIDE_NAMES[side]}: exited with ${r.code}: ${r.stderr.split('\n').slice(-5).join(' | ')}`);
        }
        const gb = (t.records * t.recordValueBytes) / 1e9;
        // The tool's CPU is not known here; the machine's other cores include it (a JVM client is not cheap).
        const other = Math.max(0, (server.machineBusyCpuSeconds - server.processCpuSeconds) / server.wallSeconds);
        if (t.tool === 'producer') {
          const summary = parseProducerPerformance(r.stdout);
          comparison.perfTools.push({ side, tool: PRODUCER_PERFORMANCE, settings: toolSettings, summary });
          if (summary.records !== t.records)
            throw new Error(`${SIDE_NAMES[side]}: sent ${summary.records} of ${t.records}`);
          figures.set(side, {
            recordsPerSec: summary.recordsPerSec,
            cpuSecondsPerGB: server.processCpuSeconds / gb,
            other,
          });
        } else {
          const summary = parseConsumerPerformance(r.stdout);
          comparison.perfTools.push({ side, tool: CONSUMER_PERFORMANCE, settings: toolSettings, summary });
          if (summary.records < t.records)
            throw new Error(`${SIDE_NAMES[side]}: read ${summary.records} of ${t.records}`);
          figures.set(side, {
            recordsPerSec: summary.fetchRecordsPerSec,
            cpuSecondsPerGB: server.processCpuSeconds / gb,
            other,
          });
        }
      }
      const s = figures.get('samsa')!;
      const k = figures.get('kafka')!;
      const mb = (f: { recordsPerSec: number }) => (f.recordsPerSec * t.recordValueBytes) / 1e6;
      comparison.rows.push(
        ratioRow(what, toolSettings, 'MB/s', 'higher', mb(s), mb(k), {
          samsaCpuSecondsPerGB: s.cpuSecondsPerGB,
          kafkaCpuSecondsPerGB: k.cpuSecondsPerGB,
          otherCores: Math.max(s.other, k.other),
        }),
      );
    });
  }
}

/** The first line of `java -version` (printed on stderr). */
export function javaVersion(): string {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return r.stderr?.split('\n')[0]?.trim() || 'unknown Java';
}

function describeSettings(settings: BenchSettings): Record<string, string> {
  const java = javaVersion();
  return {
    kafka:
      `Apache Kafka ${KAFKA_VERSION}, KRaft, 1 node (broker+controller), ${java}; JVM ${kafkaJvmFlags(KAFKA_HEAP_MB).join(' ')} ` +
      "(kafka-server-start.sh's defaults); server defaults otherwise (no flush.messages: the OS writes back, no fsync " +
      'per write), except the harness: listeners on free loopback ports, group.initial.rebalance.delay.ms=0, ' +
      'replication factor 1',
    samsa: `samsa broker, Node ${process.version}, ${BENCH_BROKER_ARGS.join(' ')}`,
    load:
      `${settings.partitions} partitions; the raw-protocol load generators: RecordBatches as big as fit in ` +
      `${sizeLabel(BATCH_SIZE_BYTES)} of ${RECORD_VALUE_BYTES} B and ${SMALL_RECORD_VALUE_BYTES} B incompressible ` +
      `records, ${settings.produceInflightRequests} Produce requests (v${PRODUCE_VERSION}) in flight on one connection ` +
      '(Kafka reads the next request of a connection only once it has answered the previous one), ' +
      `Fetch v17; throughput rows in slices ${SLICE_ORDER.join('/')} of ${Math.round((settings.phaseMs * 2) / SLICE_ORDER.length) / 1000} s; ` +
      `latency at ${LATENCY_RECORDS_PER_SECOND} records/s of ${RECORD_VALUE_BYTES} B, ${settings.phaseMs / 1000} s after 1 s of warm-up`,
    perfTools: `Kafka ${KAFKA_VERSION}'s ProducerPerformance and ConsumerPerformance, JVM ${PERF_TOOL_JVM_FLAGS.slice(0, 3).join(' ')}`,
    durability:
      'acks=1: Samsa and Kafka acknowledge once written to the OS page cache; acks=all: Samsa fsyncs each batch ' +
      '(group commit), Kafka with flush.messages=1 on the topic fsyncs after each append',
  };
}

const out = (line = '') => process.stdout.write(`${line}\n`);

export function fmt(n: number | null | undefined, unit = ''): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  return `${n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}${unit ? ` ${unit}` : ''}`;
}

/** The "Samsa vs Apache Kafka" table: one line per measure, with both figures and their ratio. */
export function printKafkaComparison(r: BenchResults): void {
  const c = r.kafka;
  if (!c || c.rows.length === 0) return;
  printComparisonRows(`Samsa vs Apache Kafka ${KAFKA_VERSION}: same machine, same run; ratio = Samsa / Kafka`, c);
  out(
    'MB/s = 10^6 bytes/s: RecordBatch bytes for the load generators, record values for the perf tools ' +
      '(ConsumerPerformance: fetch.nMsg.sec, without the group join). CPU s/GB: the broker process per 10^9 bytes. ' +
      "other cores: the busier of the two brokers' turns; for the perf tools it includes the tool's own JVM.",
  );
}

/** A title, the settings, then one line per row with both figures, their ratio and the CPU columns. */
export function printComparisonRows(
  title: string,
  c: { settings: Record<string, string>; rows: KafkaComparisonRow[] },
): void {
  out();
  out(title);
  for (const [k, v] of Object.entries(c.settings)) out(`  ${k}: ${v}`);
  out();
  const cols: [string, number, 'left' | 'right'][] = [
    ['measure', 52, 'left'],
    ['Samsa', 13, 'right'],
    ['Kafka', 13, 'right'],
    ['Samsa/Kafka', 12, 'right'],
    ['better', 7, 'right'],
    ['CPU s/GB Samsa', 15, 'right'],
    ['Kafka', 7, 'right'],
    ['other cores', 12, 'right'],
    ['settings', 30, 'left'],
  ];
  const line = (cells: string[]) =>
    out(
      cells
        .map((cell, i) => (cols[i]![2] === 'left' ? cell.padEnd(cols[i]![1]) : cell.padStart(cols[i]![1])))
        .join(' ')
        .trimEnd(),
    );
  line(cols.map((col) => col[0]));
  line(cols.map((col) => '-'.repeat(col[1])));
  for (const row of c.rows) {
    line([
      row.name,
      fmt(row.samsa, row.unit),
      fmt(row.kafka, row.unit),
      row.ratio === null ? '-' : `${row.ratio.toFixed(2)}x`,
      row.better,
      fmt(row.samsaCpuSecondsPerGB),
      fmt(row.kafkaCpuSecondsPerGB),
      fmt(row.otherCores),
      row.settings,
    ]);
  }
}
