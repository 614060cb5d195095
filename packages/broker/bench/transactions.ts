/**
 * Transactions and the log cleaner (issue 14), `pnpm bench -- --only transactions`:
 *
 * - Transactional produce: Kafka's Java producer (`java/TxnProduceBench.java`, through `@samsa/kafka-harness`)
 *   sends 1 KiB records as fast as it can and commits every 100 ms, against a Samsa broker and a real Apache Kafka in
 *   the same run, in slices (Samsa, Kafka, Kafka, Samsa). Records/s committed and the commitTransaction p50/p99, with
 *   the ratio Samsa/Kafka. Equal durability: Samsa fsyncs each batch, its transaction log and its markers; Kafka runs
 *   with `log.flush.interval.messages=1` (an fsync after every append to every log, `__transaction_state` included).
 * - The cleaner (Samsa): a compacted topic of keyed 1 KiB records, each key overwritten many times, is held dirty
 *   (`min.compaction.lag.ms` of a day) while it fills, then released; the cleaner's throughput comes from
 *   `samsa_log_cleaner_cleaned_bytes_total` and `samsa_log_cleaner_last_clean_timestamp_seconds`. Meanwhile an
 *   acks=all producer at 5,000 records/s on another topic measures its p99, against quiet slices before and after.
 *
 * Prints one table; figures go to latest.json under `transactions`.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KAFKA_VERSION, kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { compileJava, runJava } from '@samsa/kafka-harness/java';
import { type KafkaCluster, kafkaJvmFlags, startKafka } from '@samsa/kafka-harness/kafka';
import { decodeResponse, encodeBatch, IncrementalAlterConfigs, Produce } from '@samsa/protocol';
import {
  type Broker,
  createTopic,
  fmt,
  javaVersion,
  KAFKA_HEAP_MB,
  type KafkaComparisonRow,
  openBroker,
  PERF_TOOL_JVM_FLAGS,
  printComparisonRows,
  ratioRow,
  SIDE_NAMES,
  type Side,
} from './kafka.ts';
import { percentiles } from './percentiles.ts';
import { type BenchSettings, CpuSampler, latencyRow } from './phase.ts';
import { PipelinedConnection, type PreEncodedRequest, preEncode } from './pipelined-connection.ts';
import type { BenchResults, LatencyRow } from './report.ts';
import { attempt, BENCH_BROKER_ARGS, createTopics, measureLatency, startBenchBroker } from './samsa.ts';
import { LATENCY_RECORDS_PER_SECOND, RECORD_VALUE_BYTES } from './workload.ts';

const JAVA_DIR = join(dirname(fileURLToPath(import.meta.url)), 'java');
const COMMIT_INTERVAL_MS = 100;
/** Transactions before each measured slice (JIT, connections, the coordinator's first load): not counted. */
const TXN_WARMUP_MS = 3000;
const TXN_SLICE_ORDER: Side[] = ['samsa', 'kafka', 'kafka', 'samsa'];
const TXN_TOOL_TIMEOUT_MS = 180_000;
/** Kafka fsyncs every append to every log: Samsa's durability for data, markers and transaction state. */
const KAFKA_FLUSH_EVERY_APPEND = { 'log.flush.interval.messages': '1' };

/** The cleaner's topic: distinct keys over all partitions, segments it can clean, held dirty until released. */
const CLEANER_KEYS = 10_000;
const CLEANER_SEGMENT_BYTES = 8 * 1024 * 1024;
const CLEANER_BACKOFF_MS = 200;
/** Samsa's default log.cleaner.io.max.bytes.per.second (reads and writes): the cleaner runs at its default budget. */
const CLEANER_IO_BYTES_PER_SECOND = 104_857_600;
/**
 * Fill enough that cleaning it at the budget outlasts the measured slice: the cleaner reads the dirty log twice (the
 * key map's pass, the rewrite's), so it compacts at most half its budget of log per second.
 */
const CLEANER_FILL_OVER_SLICE = 1.3 / 2;
const CLEANER_BATCH_RECORDS = 63;
const CLEANER_FILL_INFLIGHT = 16;
const CLEANER_WAIT_MS = 300_000;
const METRICS_POLL_MS = 200;
const HOLD_DIRTY_MS = String(24 * 3600 * 1000);

export interface CleanerFigures {
  filledBytes: number;
  /** The compacted topic on disk before the clean (its active segments, never cleaned, included) and after. */
  sizeBeforeBytes: number;
  sizeAfterBytes: number;
  /** samsa_log_cleaner_cleaned_bytes_total's increase: the cleaner reads the dirty log twice (key map, rewrite). */
  cleanerReadBytes: number;
  cleanSeconds: number;
  /** Log compacted per second: sizeBeforeBytes / cleanSeconds. */
  mbPerSec: number;
  /** Seconds of the measured "cleaning" slice during which the cleaner was still working. */
  overlapSeconds: number;
  quietBefore: LatencyRow;
  cleaning: LatencyRow;
  quietAfter: LatencyRow;
}

export interface TransactionsBench {
  settings: Record<string, string>;
  rows: KafkaComparisonRow[];
  cleaner?: CleanerFigures;
}

export async function measureTransactions(settings: BenchSettings, results: BenchResults): Promise<void> {
  const bench: TransactionsBench = { settings: {}, rows: [] };
  results.transactions = bench;
  await measureTransactionalProduce(settings, results, bench);
  await attempt(results, 'transactions: the log cleaner beside an acks=all producer', () =>
    measureCleaner(settings, results, bench),
  );
}

interface SliceTotals {
  records: number;
  warmupRecords: number;
  seconds: number;
  commitMs: number[];
  /** The broker's CPU over whole slices, warm-up included (and the JVM's start, which costs the broker little). */
  cpuSeconds: number;
}

/** One run of TxnProduceBench against one broker, added to `into`. */
async function txnSlice(classpath: string, b: Broker, topic: string, id: string, sliceMs: number, into: SliceTotals) {
  const sampler = new CpuSampler(b.pid);
  sampler.start();
  const args = [b.bootstrap, topic, id, TXN_WARMUP_MS, sliceMs, COMMIT_INTERVAL_MS, RECORD_VALUE_BYTES].map(String);
  const r = await runJava('TxnProduceBench', args, {
    classpath,
    jvmFlags: PERF_TOOL_JVM_FLAGS,
    timeoutMs: TXN_TOOL_TIMEOUT_MS,
  });
  const cpu = sampler.stop();
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.code !== 0 || !line) {
    throw new Error(`${SIDE_NAMES[b.side]}: exited with ${r.code}: ${r.stderr.split('\n').slice(-5).join(' | ')}`);
  }
  const o = JSON.parse(line) as { records: number; warmupRecords: number; seconds: number; commitMs: number[] };
  into.records += o.records;
  into.warmupRecords += o.warmupRecords;
  into.seconds += o.seconds;
  into.commitMs.push(...o.commitMs);
  into.cpuSeconds += cpu.processCpuSeconds;
}

const emptyTotals = (): SliceTotals => ({ records: 0, warmupRecords: 0, seconds: 0, commitMs: [], cpuSeconds: 0 });

/** Records/s, MB/s and the commit's p50 and p99 of Samsa beside one Kafka's. */
function txnRows(s: SliceTotals, k: SliceTotals, kafkaLabel: string): KafkaComparisonRow[] {
  const rate = (t: SliceTotals) => t.records / t.seconds;
  const mb = (t: SliceTotals) => (rate(t) * RECORD_VALUE_BYTES) / 1e6;
  const cpuPerGB = (t: SliceTotals) => t.cpuSeconds / (((t.records + t.warmupRecords) * RECORD_VALUE_BYTES) / 1e9);
  const [sc, kc] = [s, k].map((t) => percentiles(Float64Array.from(t.commitMs)));
  const cpu = { samsaCpuSecondsPerGB: cpuPerGB(s), kafkaCpuSecondsPerGB: cpuPerGB(k) };
  const what = `commit every ${COMMIT_INTERVAL_MS} ms, ${RECORD_VALUE_BYTES / 1024} KiB records${kafkaLabel}`;
  const how = `Java producer, acks=all, ${sc!.count} / ${kc!.count} commits`;
  return [
    ratioRow(`transactional produce records/s, ${what}`, how, 'rec/s', 'higher', rate(s), rate(k), cpu),
    ratioRow(`transactional produce MB/s, ${what}`, how, 'MB/s', 'higher', mb(s), mb(k), cpu),
    ratioRow(`commitTransaction p50, ${what}`, how, 'ms', 'lower', sc!.p50, kc!.p50),
    ratioRow(`commitTransaction p99, ${what}`, how, 'ms', 'lower', sc!.p99, kc!.p99),
  ];
}

async function measureTransactionalProduce(
  settings: BenchSettings,
  results: BenchResults,
  bench: TransactionsBench,
): Promise<void> {
  const skip = kafkaSkipReason();
  if (skip) {
    const note = `transactional produce skipped: ${skip}`;
    results.notes.push(note);
    process.stdout.write(`  ${note}\n`);
    return;
  }
  process.stdout.write(`  starting Apache Kafka ${KAFKA_VERSION} and a Samsa broker for transactional produce ...\n`);
  const [classpath, samsaBroker] = await Promise.all([
    compileJava(JAVA_DIR),
    startBenchBroker(settings, 'broker-transactions'),
  ]);
  let kafka: KafkaCluster | null = null;
  const brokers = new Map<Side, Broker>();
  const topic = 'bench-txn-produce';
  const sliceMs = Math.max(500, Math.round((settings.phaseMs * 2) / TXN_SLICE_ORDER.length));
  const samsaTotals = emptyTotals();
  try {
    kafka = await startKafka({ heapMb: KAFKA_HEAP_MB, logLevel: 'warn', props: KAFKA_FLUSH_EVERY_APPEND });
    brokers.set('samsa', await openBroker('samsa', samsaBroker.port, samsaBroker.pid));
    brokers.set('kafka', await openBroker('kafka', kafka.nodes[0]!.port, kafka.nodes[0]!.proc.pid!));
    bench.settings = {
      kafka: `Apache Kafka ${KAFKA_VERSION}, KRaft, 1 node, ${javaVersion()}; JVM ${kafkaJvmFlags(KAFKA_HEAP_MB).slice(0, 3).join(' ')}; log.flush.interval.messages=1 (an fsync after every append to every log, transaction state and markers included) and flush.messages=1 on the topic; then a second Kafka at its defaults (no fsync), two slices after Samsa's`,
      samsa: `samsa broker, Node ${process.version}, ${BENCH_BROKER_ARGS.join(' ')}; acks=all: fsync per batch, transactions.log and markers fsynced`,
      client: `Kafka ${KAFKA_VERSION}'s Java producer (TxnProduceBench), transactional.id per slice, batch.size=65536 linger.ms=5 buffer.memory=2097152 (a commit flushes at most 2 MiB), ${RECORD_VALUE_BYTES} B records as fast as send() takes them, commitTransaction every ${COMMIT_INTERVAL_MS} ms; ${settings.partitions} partitions; slices ${TXN_SLICE_ORDER.join('/')} of ${sliceMs / 1000} s after ${TXN_WARMUP_MS / 1000} s of uncounted transactions each`,
    };
    await attempt(results, `transactions: transactional produce, slices ${TXN_SLICE_ORDER.join('/')}`, async () => {
      for (const b of brokers.values()) await createTopic(b, topic, settings.partitions, -1);
      const kafkaTotals = emptyTotals();
      for (const [i, side] of TXN_SLICE_ORDER.entries()) {
        const into = side === 'samsa' ? samsaTotals : kafkaTotals;
        await txnSlice(classpath, brokers.get(side)!, topic, `bench-txn-${i}`, sliceMs, into);
      }
      bench.rows.push(...txnRows(samsaTotals, kafkaTotals, ''));
    });
  } catch (err) {
    const note = `transactional produce failed: ${(err as Error).message.split('\n')[0]}`;
    results.notes.push(note);
    process.stdout.write(`  ${note}\n`);
  } finally {
    for (const b of brokers.values()) b.admin.close();
    await samsaBroker.stop();
    await kafka?.stop();
  }
  if (samsaTotals.records === 0) return;
  // Kafka as most run it, without an fsync per append: beside Samsa's slices above (not interleaved with them).
  await attempt(results, 'transactions: transactional produce on Kafka at its defaults (no fsync)', async () => {
    const defaults = await startKafka({ heapMb: KAFKA_HEAP_MB, logLevel: 'warn' });
    let b: Broker | null = null;
    try {
      b = await openBroker('kafka', defaults.nodes[0]!.port, defaults.nodes[0]!.proc.pid!);
      await createTopic(b, topic, settings.partitions, 1);
      const totals = emptyTotals();
      for (let i = 0; i < 2; i++) await txnSlice(classpath, b, topic, `bench-txn-defaults-${i}`, sliceMs, totals);
      bench.rows.push(...txnRows(samsaTotals, totals, ', Kafka at its defaults (no fsync)'));
    } finally {
      b?.admin.close();
      await defaults.stop();
    }
  });
}

/** Sum and latest of the cleaner's per-partition metrics for one topic, from the broker's /metrics. */
async function cleanerMetrics(httpPort: number, topic: string) {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  let cleanedBytes = 0;
  let sizeBytes = 0;
  const lastCleanSeconds: number[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes(`topic="${topic}"`)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith('samsa_log_cleaner_cleaned_bytes_total{')) cleanedBytes += value;
    if (line.startsWith('samsa_partition_size_bytes{')) sizeBytes += value;
    if (line.startsWith('samsa_log_cleaner_last_clean_timestamp_seconds{')) lastCleanSeconds.push(value);
  }
  return { cleanedBytes, sizeBytes, lastCleanSeconds };
}

interface ProduceResponse {
  responses: { partitionResponses: { errorCode: number; errorMessage: string | null }[] }[];
}

/** Writes `totalBytes` of keyed 1 KiB records, every key many times, acks=1 with requests pipelined. */
async function fillCompacted(port: number, topic: string, partitions: number, totalBytes: number): Promise<number> {
  const value = Buffer.alloc(RECORD_VALUE_BYTES, 7);
  const requests: PreEncodedRequest[] = [];
  const batchesForAllKeys = Math.ceil(CLEANER_KEYS / CLEANER_BATCH_RECORDS);
  for (let b = 0; b < batchesForAllKeys; b++) {
    const records = Array.from({ length: CLEANER_BATCH_RECORDS }, (_, i) => ({
      key: Buffer.from(`key-${(b * CLEANER_BATCH_RECORDS + i) % CLEANER_KEYS}`),
      value,
    }));
    requests.push(
      preEncode(Produce, 11, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 30_000,
        topicData: [{ name: topic, partitionData: [{ index: b % partitions, records: encodeBatch({ records }) }] }],
      }),
    );
  }
  const conn = await PipelinedConnection.open('127.0.0.1', port, () => {});
  const requestBytes = requests[0]!.rest.length;
  const total = Math.ceil(totalBytes / requestBytes);
  let sent = 0;
  let done = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const next = () => {
        if (done === total) resolve();
        while (sent < total && sent - done < CLEANER_FILL_INFLIGHT) {
          conn.send(
            requests[sent++ % requests.length]!,
            (frame) => {
              const body = decodeResponse(Produce, 11, frame).body as unknown as ProduceResponse;
              const failed = body.responses[0]?.partitionResponses.find((p) => p.errorCode !== 0);
              if (failed) reject(new Error(`fill: Produce error ${failed.errorCode} ${failed.errorMessage}`));
              done++;
              next();
            },
            reject,
          );
        }
      };
      next();
    });
  } finally {
    conn.close();
  }
  return total * requestBytes;
}

async function measureCleaner(settings: BenchSettings, results: BenchResults, bench: TransactionsBench) {
  const broker = await startBenchBroker(settings, 'broker-cleaner', {
    args: ['--log-cleaner-backoff-ms', String(CLEANER_BACKOFF_MS)],
  });
  const admin = await PipelinedConnection.open('127.0.0.1', broker.port, () => {});
  try {
    const compacted = 'bench-compacted';
    const latencyTopic = 'bench-cleaner-latency';
    await createTopics(admin, [compacted], settings.partitions, [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'segment.bytes', value: String(CLEANER_SEGMENT_BYTES) },
      { name: 'min.cleanable.dirty.ratio', value: '0.01' },
      { name: 'min.compaction.lag.ms', value: HOLD_DIRTY_MS },
    ]);
    const [latencyTopicId] = await createTopics(admin, [latencyTopic], settings.partitions);
    const fillBytes = Math.round(((CLEANER_IO_BYTES_PER_SECOND * settings.phaseMs) / 1000) * CLEANER_FILL_OVER_SLICE);
    process.stdout.write(
      `  filling ${compacted} with ${(fillBytes / 1e6).toFixed(0)} MB of ${CLEANER_KEYS} keys ...\n`,
    );
    const filledBytes = await fillCompacted(broker.port, compacted, settings.partitions, fillBytes);
    const latency = async () => {
      const r = await measureLatency(
        settings,
        broker.port,
        new CpuSampler(broker.pid),
        latencyTopic,
        latencyTopicId!,
        -1,
      );
      return latencyRow('samsa', -1, LATENCY_RECORDS_PER_SECOND, r);
    };
    const quietBefore = await latency();

    const before = await cleanerMetrics(broker.httpPort, compacted);
    const releasedMs = Date.now();
    const alter = await admin.request(IncrementalAlterConfigs, 1, {
      resources: [
        {
          resourceType: 2,
          resourceName: compacted,
          configs: [{ name: 'min.compaction.lag.ms', configOperation: 0, value: '0' }],
        },
      ],
      validateOnly: false,
    });
    const alterError = (alter.responses as { errorCode: number; errorMessage: string | null }[])[0]!;
    if (alterError.errorCode !== 0) throw new Error(`IncrementalAlterConfigs: ${alterError.errorMessage}`);
    const sliceStartMs = Date.now();
    const cleaningRow = latency();
    // Cleaned once every partition has a clean that ended after the release.
    let after = before;
    for (;;) {
      await new Promise((r) => setTimeout(r, METRICS_POLL_MS));
      after = await cleanerMetrics(broker.httpPort, compacted);
      const cleanedAll =
        after.lastCleanSeconds.length === settings.partitions &&
        after.lastCleanSeconds.every((s) => s * 1000 >= releasedMs);
      if (cleanedAll) break;
      if (Date.now() - releasedMs > CLEANER_WAIT_MS) throw new Error(`not cleaned after ${CLEANER_WAIT_MS} ms`);
    }
    const cleanEndMs = Math.max(...after.lastCleanSeconds) * 1000;
    const cleaning = await cleaningRow;
    const quietAfter = await latency();
    const cleanSeconds = (cleanEndMs - releasedMs) / 1000;
    bench.cleaner = {
      filledBytes,
      sizeBeforeBytes: before.sizeBytes,
      sizeAfterBytes: after.sizeBytes,
      cleanerReadBytes: after.cleanedBytes - before.cleanedBytes,
      cleanSeconds,
      mbPerSec: before.sizeBytes / 1e6 / cleanSeconds,
      overlapSeconds: Math.max(0, Math.min(settings.phaseMs / 1000, (cleanEndMs - sliceStartMs) / 1000)),
      quietBefore,
      cleaning,
      quietAfter,
    };
    if (bench.cleaner.overlapSeconds < settings.phaseMs / 1000) {
      results.notes.push(
        `cleaner: the clean ended ${bench.cleaner.overlapSeconds.toFixed(1)} s into the ${settings.phaseMs / 1000} s slice measured "while cleaning"`,
      );
    }
  } finally {
    admin.close();
    await broker.stop();
  }
}

const out = (line = '') => process.stdout.write(`${line}\n`);

/** The transactions table: transactional produce against Kafka, then the cleaner and the producer beside it. */
export function printTransactions(r: BenchResults): void {
  const t = r.transactions;
  if (!t) return;
  printComparisonRows('Transactions and the log cleaner; ratio = Samsa / Kafka, or cleaning / quiet', t);
  const c = t.cleaner;
  if (!c) return;
  out();
  out(
    `cleaner (Samsa, log.cleaner.io.max.bytes.per.second ${CLEANER_IO_BYTES_PER_SECOND.toLocaleString('en-US')}): ` +
      `${fmt(c.mbPerSec)} MB/s of log compacted: ${(c.sizeBeforeBytes / 1e6).toFixed(0)} MB to ${(c.sizeAfterBytes / 1e6).toFixed(1)} MB ` +
      `(${CLEANER_KEYS.toLocaleString('en-US')} keys, ${RECORD_VALUE_BYTES} B values, ${CLEANER_SEGMENT_BYTES / 2 ** 20} MiB segments) ` +
      `in ${c.cleanSeconds.toFixed(1)} s, the cleaner reading ${fmt(c.cleanerReadBytes / 1e6 / c.cleanSeconds)} MB/s ` +
      `(${(c.cleanerReadBytes / 1e6).toFixed(0)} MB: the key map's pass and the rewrite's); cleaning during ` +
      `${c.overlapSeconds.toFixed(1)} s of the measured slice`,
  );
  const us = (v: number) => fmt(v / 1000, 'ms');
  const quietP99 = (c.quietBefore.produceAckUs.p99 + c.quietAfter.produceAckUs.p99) / 2;
  out(
    `acks=all producer at ${LATENCY_RECORDS_PER_SECOND.toLocaleString('en-US')} rec/s on another topic, ack p99 ` +
      `quiet before / cleaning / quiet after: ${us(c.quietBefore.produceAckUs.p99)} / ${us(c.cleaning.produceAckUs.p99)} / ` +
      `${us(c.quietAfter.produceAckUs.p99)}, cleaning / quiet ${(c.cleaning.produceAckUs.p99 / quietP99).toFixed(2)}x ` +
      `(p50 ${us(c.quietBefore.produceAckUs.p50)} / ${us(c.cleaning.produceAckUs.p50)} / ${us(c.quietAfter.produceAckUs.p50)}); ` +
      `broker cores ${fmt(c.quietBefore.brokerCores)} / ` +
      `${fmt(c.cleaning.brokerCores)} / ${fmt(c.quietAfter.brokerCores)}`,
  );
}
