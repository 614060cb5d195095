/**
 * `pnpm bench`: measures a real `samsa broker` process with load generators in separate processes that send
 * pre-encoded RecordBatches over raw sockets, and prints every throughput as a ratio of raw TCP loopback between two
 * Node processes measured in the same run. Prints figures and asserts nothing; results also go to
 * bench-results/latest.json at the repo root.
 *
 *   pnpm bench [-- --seconds 10] [-- --only loopback,produce,fetch,latency]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CreateTopics } from '@samsa/protocol';
import { startBroker } from '../test/support/broker-process.ts';
import {
  describeMachine,
  machineBusyCpuSeconds,
  processCpuSeconds,
  threadCpuDelta,
  threadCpuSeconds,
} from './machine.ts';
import { PipelinedConnection } from './pipelined-connection.ts';
import type { Percentiles } from './percentiles.ts';
import {
  type BenchResults,
  type LatencyRow,
  printLatencyTable,
  printMachine,
  printThroughputTable,
  type ThroughputRow,
} from './report.ts';
import { Worker } from './worker-ipc.ts';
import type { FetchLoadOptions } from './workers/fetch-load.ts';
import type { LatencyConsumerOptions } from './workers/latency-consumer.ts';
import type { LatencyProducerOptions } from './workers/latency-producer.ts';
import type { ProduceLoadOptions } from './workers/produce-load.ts';
import {
  BATCH_SIZES_BYTES,
  FETCH_MAX_BYTES_PER_REQUEST,
  LATENCY_RECORDS_PER_SECOND,
  PARTITIONS,
  PRODUCE_INFLIGHT_REQUESTS,
  PRODUCE_MAX_BYTES,
  RECORD_VALUE_BYTES,
  sizeLabel,
} from './workload.ts';

const PRODUCE_VERSION = 11;
const FETCH_VERSION = 17;
const CREATE_TOPICS_VERSION = 7;
const LOOPBACK_WRITE_BYTES = 1024 * 1024;
const LOOPBACK_WARMUP_MS = 1000;
const WARMUP_MS = 2000;
const LATENCY_WARMUP_MS = 1000;
/** Grace on top of a phase's own time limit before the orchestrator gives up on a worker. */
const WORKER_GRACE_MS = 30_000;
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

const { values: flags } = parseArgs({
  // `pnpm bench -- --seconds 3` passes the `--` through.
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    seconds: { type: 'string', default: '10' },
    only: { type: 'string', default: 'loopback,produce,fetch,latency' },
    /** Write V8 CPU profiles of the broker and every worker into this directory. */
    profile: { type: 'string' },
  },
});
const PROFILE_DIR = flags.profile ? resolve(flags.profile) : null;
const PROFILE_ARGS = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
/** How long a worker that has answered gets to exit by itself (profiles are written at exit). */
const WORKER_EXIT_GRACE_MS = PROFILE_DIR ? 10_000 : 1000;
const BROKER_STOP_GRACE_MS = 15_000;
const PHASE_MS = Math.round(Number(flags.seconds) * 1000);
if (!(PHASE_MS >= 500 && PHASE_MS <= 120_000)) throw new Error('--seconds must be between 0.5 and 120');
const ONLY = new Set(flags.only.split(','));

function workerFile(name: string): URL {
  return new URL(`./workers/${name}.ts`, import.meta.url);
}

function cpuShare(cpu: { user: number; system: number } | undefined, seconds: number): number {
  if (!cpu || seconds <= 0) return Number.NaN;
  return (cpu.user + cpu.system) / 1e6 / seconds;
}

/** Runs a worker through ready -> go -> result, calling `atGo`/`atEnd` around the measured part. */
async function runPhase<T>(
  file: URL,
  options: unknown,
  limitMs: number,
  hooks: { atGo?: () => void; atEnd?: () => void } = {},
): Promise<T & { ready: Record<string, unknown> }> {
  const w = new Worker(file, options, PROFILE_ARGS);
  try {
    const ready = await w.next('ready', WORKER_GRACE_MS);
    hooks.atGo?.();
    w.send({ type: 'go' });
    const result = await w.next('result', limitMs + WORKER_GRACE_MS);
    hooks.atEnd?.();
    return { ...(result as T), ready };
  } finally {
    await w.finish(WORKER_EXIT_GRACE_MS);
  }
}

/** Raw TCP between two Node processes: the source writes 1 MiB buffers as fast as it can, the sink counts. */
async function measureLoopback(): Promise<{ mbPerSec: number; bytes: number; seconds: number; sinkCores: number }> {
  const durationMs = LOOPBACK_WARMUP_MS + Math.min(PHASE_MS, 5000);
  const source = new Worker(
    workerFile('loopback-source'),
    { durationMs, writeBytes: LOOPBACK_WRITE_BYTES },
    PROFILE_ARGS,
  );
  let sink: Worker | null = null;
  try {
    const { port } = await source.next('ready', WORKER_GRACE_MS);
    sink = new Worker(workerFile('loopback-sink'), { port, warmupMs: LOOPBACK_WARMUP_MS }, PROFILE_ARGS);
    await sink.next('ready', WORKER_GRACE_MS);
    source.send({ type: 'go' });
    const r = (await sink.next('result', durationMs + WORKER_GRACE_MS)) as unknown as {
      bytes: number;
      seconds: number;
      cpu: { user: number; system: number };
    };
    await source.next('result', WORKER_GRACE_MS);
    return {
      mbPerSec: r.bytes / 1e6 / r.seconds,
      bytes: r.bytes,
      seconds: r.seconds,
      sinkCores: cpuShare(r.cpu, r.seconds),
    };
  } finally {
    await Promise.all([sink?.finish(WORKER_EXIT_GRACE_MS), source.finish(WORKER_EXIT_GRACE_MS)]);
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const machine = describeMachine();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    commit,
    machine,
    workload: {
      recordValueBytes: RECORD_VALUE_BYTES,
      partitions: PARTITIONS,
      produceInflightRequests: PRODUCE_INFLIGHT_REQUESTS,
      phaseSeconds: PHASE_MS / 1000,
      produceMaxBytes: PRODUCE_MAX_BYTES,
      fetchMaxBytesPerRequest: FETCH_MAX_BYTES_PER_REQUEST,
      latencyRecordsPerSecond: LATENCY_RECORDS_PER_SECOND,
    },
    loopbackMBps: null,
    loopbackSinkCores: null,
    throughput: [],
    latency: [],
    notes: [],
  };
  printMachine(results);

  if (ONLY.has('loopback')) {
    const lb = await measureLoopback();
    results.loopbackMBps = lb.mbPerSec;
    results.loopbackSinkCores = lb.sinkCores;
    process.stdout.write(`loopback baseline: ${lb.mbPerSec.toFixed(0)} MB/s\n`);
  }

  if (['produce', 'fetch', 'latency'].some((p) => ONLY.has(p))) await measureBroker(results);

  printThroughputTable(results);
  printLatencyTable(results);
  for (const n of results.notes) process.stdout.write(`note: ${n}\n`);
  const outDir = join(REPO_ROOT, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  const tookSeconds = (Date.now() - startedAt.getTime()) / 1000;
  process.stdout.write(`\nresults written to bench-results/latest.json (run took ${tookSeconds.toFixed(0)} s)\n`);
}

/** Starts a broker on a temp data dir, runs the selected phases against it, and removes it. */
async function measureBroker(results: BenchResults): Promise<void> {
  const broker = await startBroker({
    // Kept at info: startBroker waits for the 'broker started' info line; the broker logs nothing per request.
    args: [
      '--max-request-bytes',
      String(256 * 1024 * 1024),
      '--fetch-max-bytes',
      String(64 * 1024 * 1024),
      '--auto-create-topics-enable',
      'false',
    ],
    env: PROFILE_DIR ? { NODE_OPTIONS: PROFILE_ARGS.join(' ') } : {},
  });
  const brokerPid = broker.proc.pid!;
  const port = broker.port;
  try {
    const admin = await PipelinedConnection.open('127.0.0.1', port, () => {});
    const topicIds = new Map<string, string>();
    const createTopic = async (name: string) => {
      const body = (await admin.request(CreateTopics, CREATE_TOPICS_VERSION, {
        topics: [{ name, numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 30_000,
        validateOnly: false,
      })) as unknown as { topics: { errorCode: number; errorMessage: string | null; topicId: string }[] };
      const t = body.topics[0]!;
      if (t.errorCode !== 0) throw new Error(`CreateTopics ${name}: error ${t.errorCode} ${t.errorMessage}`);
      topicIds.set(name, t.topicId);
      return name;
    };

    const produce = async (topic: string, batchSizeBytes: number, acks: number, durationMs: number) => {
      let cpuBefore = 0;
      let cpuAfter = 0;
      let threadsBefore: Record<string, number> = {};
      let threadsAfter: Record<string, number> = {};
      let wallBefore = 0;
      let wallAfter = 0;
      let machineBefore = 0;
      let machineAfter = 0;
      const options: ProduceLoadOptions = {
        port,
        topic,
        partitions: PARTITIONS,
        batchSizeBytes,
        acks,
        inflight: PRODUCE_INFLIGHT_REQUESTS,
        maxBytes: PRODUCE_MAX_BYTES,
        durationMs,
        produceVersion: PRODUCE_VERSION,
      };
      const r = await runPhase<{
        bytes: number;
        records: number;
        seconds: number;
        errorMessage: string | null;
        cpu: { user: number; system: number };
      }>(workerFile('produce-load'), options, durationMs, {
        atGo: () => {
          threadsBefore = threadCpuSeconds(brokerPid);
          cpuBefore = processCpuSeconds(brokerPid);
          machineBefore = machineBusyCpuSeconds();
          wallBefore = performance.now();
        },
        atEnd: () => {
          wallAfter = performance.now();
          machineAfter = machineBusyCpuSeconds();
          cpuAfter = processCpuSeconds(brokerPid);
          threadsAfter = threadCpuSeconds(brokerPid);
        },
      });
      return {
        ...r,
        brokerCpuSeconds: cpuAfter - cpuBefore,
        brokerThreadCpuSeconds: threadCpuDelta(threadsBefore, threadsAfter),
        brokerWallSeconds: (wallAfter - wallBefore) / 1000,
        machineBusyCpuSeconds: machineAfter - machineBefore,
      };
    };

    const fetchBack = async (topic: string, durationMs: number) => {
      let cpuBefore = 0;
      let cpuAfter = 0;
      let threadsBefore: Record<string, number> = {};
      let threadsAfter: Record<string, number> = {};
      let wallBefore = 0;
      let wallAfter = 0;
      let machineBefore = 0;
      let machineAfter = 0;
      const options: FetchLoadOptions = {
        port,
        topic,
        topicId: topicIds.get(topic)!,
        partitions: PARTITIONS,
        maxBytesPerRequest: FETCH_MAX_BYTES_PER_REQUEST,
        durationMs,
        fetchVersion: FETCH_VERSION,
      };
      const r = await runPhase<{
        bytes: number;
        records: number;
        seconds: number;
        partitionsComplete: number;
        cpu: { user: number; system: number };
      }>(workerFile('fetch-load'), options, durationMs, {
        atGo: () => {
          threadsBefore = threadCpuSeconds(brokerPid);
          cpuBefore = processCpuSeconds(brokerPid);
          machineBefore = machineBusyCpuSeconds();
          wallBefore = performance.now();
        },
        atEnd: () => {
          wallAfter = performance.now();
          machineAfter = machineBusyCpuSeconds();
          cpuAfter = processCpuSeconds(brokerPid);
          threadsAfter = threadCpuSeconds(brokerPid);
        },
      });
      return {
        ...r,
        brokerCpuSeconds: cpuAfter - cpuBefore,
        brokerThreadCpuSeconds: threadCpuDelta(threadsBefore, threadsAfter),
        brokerWallSeconds: (wallAfter - wallBefore) / 1000,
        machineBusyCpuSeconds: machineAfter - machineBefore,
      };
    };

    const row = (
      name: string,
      kind: ThroughputRow['kind'],
      r: {
        bytes: number;
        records: number;
        seconds: number;
        brokerCpuSeconds: number;
        brokerThreadCpuSeconds: Record<string, number>;
        brokerWallSeconds: number;
        machineBusyCpuSeconds: number;
        cpu: { user: number; system: number };
      },
      extra: Partial<ThroughputRow>,
    ): ThroughputRow => {
      const mbPerSec = r.bytes / 1e6 / r.seconds;
      const brokerThreadCores: Record<string, number> = {};
      for (const [name, seconds] of Object.entries(r.brokerThreadCpuSeconds)) {
        if (seconds > 0) brokerThreadCores[name] = Math.round((seconds / r.brokerWallSeconds) * 100) / 100;
      }
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
        brokerCpuSecondsPerGB: r.bytes > 0 ? r.brokerCpuSeconds / (r.bytes / 1e9) : null,
        brokerCores: r.brokerCpuSeconds / r.brokerWallSeconds,
        brokerThreadCores,
        loadGeneratorCores: cpuShare(r.cpu, r.seconds),
        // Whatever else ran on the machine meanwhile (other processes; the orchestrator itself is idle).
        otherCores: Math.max(
          0,
          (r.machineBusyCpuSeconds - r.brokerCpuSeconds) / r.brokerWallSeconds - cpuShare(r.cpu, r.seconds),
        ),
        ...extra,
      };
    };

    const announce = (what: string) => process.stdout.write(`  running ${what} ...\n`);
    const readBack: { topic: string; batchSizeBytes: number }[] = [];

    if (ONLY.has('produce') || ONLY.has('fetch')) {
      announce('warm-up (produce and fetch, not counted)');
      const warm = await createTopic('bench-warmup');
      await produce(warm, BATCH_SIZES_BYTES[0], 1, WARMUP_MS);
      await fetchBack(warm, WARMUP_MS / 2);
      for (const acks of [1, -1]) {
        for (const batchSizeBytes of BATCH_SIZES_BYTES) {
          const label = `produce acks=${acks === -1 ? 'all' : acks} ${sizeLabel(batchSizeBytes)}`;
          announce(label);
          const topic = await createTopic(
            `bench-produce-acks${acks === -1 ? 'all' : acks}-${sizeLabel(batchSizeBytes)}`,
          );
          const r = await produce(topic, batchSizeBytes, acks, PHASE_MS);
          if (r.errorMessage) results.notes.push(`${label}: stopped on a broker error: ${r.errorMessage}`);
          results.throughput.push(
            row(label, 'produce', r, { acks, batchSizeBytes, batchBytes: r.ready.batchBytes as number }),
          );
          if (acks === 1) readBack.push({ topic, batchSizeBytes });
        }
      }
    }

    if (ONLY.has('fetch')) {
      for (const { topic, batchSizeBytes } of readBack) {
        const label = `fetch ${sizeLabel(batchSizeBytes)} batches`;
        announce(label);
        const r = await fetchBack(topic, PHASE_MS);
        if (r.partitionsComplete < PARTITIONS) {
          results.notes.push(
            `${label}: time limit reached before the end of ${PARTITIONS - r.partitionsComplete} partitions`,
          );
        }
        results.throughput.push(row(label, 'fetch', r, { batchSizeBytes }));
      }
    }

    if (ONLY.has('latency')) {
      for (const acks of [1, -1]) {
        const label = `acks=${acks === -1 ? 'all' : acks}`;
        announce(`end-to-end latency ${label} at ${LATENCY_RECORDS_PER_SECOND} records/s`);
        const topic = await createTopic(`bench-latency-acks${acks === -1 ? 'all' : acks}`);
        results.latency.push(await measureLatency(port, topic, topicIds.get(topic)!, acks));
      }
    }
    admin.close();
  } finally {
    // A graceful stop first, so a profiling broker writes its profile; bounded, then killed by cleanup().
    await Promise.race([broker.stop(), new Promise((r) => setTimeout(r, BROKER_STOP_GRACE_MS).unref())]);
    await broker.cleanup();
  }
}

async function measureLatency(port: number, topic: string, topicId: string, acks: number): Promise<LatencyRow> {
  const consumerOptions: LatencyConsumerOptions = {
    port,
    topic,
    topicId,
    partitions: PARTITIONS,
    fetchVersion: FETCH_VERSION,
    maxWaitMs: 500,
    maxRecords: Math.ceil((LATENCY_RECORDS_PER_SECOND * (PHASE_MS + LATENCY_WARMUP_MS)) / 1000) + 10_000,
    drainTimeoutMs: 5000,
  };
  const consumer = new Worker(workerFile('latency-consumer'), consumerOptions, PROFILE_ARGS);
  try {
    await consumer.next('ready', WORKER_GRACE_MS);
    consumer.send({ type: 'go' });
    const producerOptions: LatencyProducerOptions = {
      port,
      topic,
      partitions: PARTITIONS,
      acks,
      recordsPerSecond: LATENCY_RECORDS_PER_SECOND,
      warmupMs: LATENCY_WARMUP_MS,
      durationMs: PHASE_MS,
      produceVersion: PRODUCE_VERSION,
    };
    const p = await runPhase<{ sent: number; errors: number; ackLatencyUs: Percentiles }>(
      workerFile('latency-producer'),
      producerOptions,
      PHASE_MS + LATENCY_WARMUP_MS,
    );
    consumer.send({ type: 'expect', records: p.sent });
    const c = (await consumer.next('result', consumerOptions.drainTimeoutMs + WORKER_GRACE_MS)) as unknown as {
      received: number;
      latencyUs: Percentiles;
    };
    return {
      system: 'samsa',
      acks,
      recordsPerSecond: LATENCY_RECORDS_PER_SECOND,
      sent: p.sent,
      received: c.received,
      e2eUs: c.latencyUs,
      produceAckUs: p.ackLatencyUs,
      producerErrors: p.errors,
    };
  } finally {
    await consumer.finish(WORKER_EXIT_GRACE_MS);
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
