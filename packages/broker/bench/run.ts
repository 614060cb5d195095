/**
 * `pnpm bench`: measures a real `samsa broker` process with load generators in separate processes that send
 * pre-encoded RecordBatches over raw sockets, and prints every throughput as a ratio of raw TCP loopback between two
 * Node processes measured in the same run. Prints figures and asserts nothing; results also go to
 * bench-results/latest.json at the repo root. See bench/README.md.
 *
 *   pnpm bench [-- --seconds 10 --only loopback,produce,fetch,latency,isolation,peers,kafka,hostile,search,transactions,processors,scale-out
 *                  --partitions 4 --inflight 16
 *                  --profile DIR --broker-node-options=--trace-gc]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureHostile } from './hostile.ts';
import { measureIsolation } from './isolation.ts';
import { measureKafka, printKafkaComparison } from './kafka.ts';
import { measureSearch } from './search.ts';
import { measureLoopback } from './loopback.ts';
import { describeMachine } from './machine.ts';
import { runPackageBench } from './package-bench.ts';
import type { BenchSettings } from './phase.ts';
import {
  measureLibrdkafka,
  measureNatsJetStream,
  measurePrivateNats,
  measurePrivateRedis,
  measureRedisStreams,
} from './peers.ts';
import {
  type BenchResults,
  printComparisonTable,
  printIsolation,
  printLatencyTable,
  printMachine,
  printProcessors,
  printThroughputTable,
} from './report.ts';
import { measureSamsa, type SamsaPhase } from './samsa.ts';
import { measureTransactions, printTransactions } from './transactions.ts';
import {
  FETCH_MAX_BYTES_PER_REQUEST,
  LATENCY_RECORDS_PER_SECOND,
  PARTITIONS,
  PRODUCE_INFLIGHT_REQUESTS,
  PRODUCE_MAX_BYTES,
  RECORD_VALUE_BYTES,
  SMALL_RECORD_VALUE_BYTES,
} from './workload.ts';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
/**
 * `isolation`: the same produce load with and without tenancy (SCRAM, ACLs, quotas; needs Postgres).
 * `peers`: Redis Streams, NATS JetStream and librdkafka against Samsa, for the side-by-side table.
 * `kafka`: Apache Kafka beside a Samsa broker: the same load generators, Kafka's perf tools, CPU and memory.
 * `hostile`: an acks=all producer's latency, quiet and beside hostile clients, and nothing lost (needs Postgres).
 * `search`: message search's records per second (substring, CEL) and another tenant's producer p99 beside it.
 * `transactions`: transactional produce beside Apache Kafka (Java producer, a commit every 100 ms), and the log
 *   cleaner's MB/s with an acks=all producer's p99 beside it.
 * `processors`: @samsa/processors' bench (sandbox against plain JS, a Kafka-client pipe, the processor host).
 * `scale-out`: @samsa/gateway's bench: a 3-node Apache Kafka direct, through one gateway and through two, and a
 *   tenant's produce rate against its quota through one and two gateways.
 */
const PHASES = [
  'loopback',
  'produce',
  'fetch',
  'latency',
  'isolation',
  'peers',
  'kafka',
  'hostile',
  'search',
  'transactions',
  'processors',
  'scale-out',
] as const;
/** Other processes busier than this during a phase make its figures suspect; the run says so. */
const NOISY_OTHER_CORES = 0.25;

function settingsFromFlags(): { settings: BenchSettings; only: Set<string> } {
  const { values: flags } = parseArgs({
    // `pnpm bench -- --seconds 3` passes the `--` through.
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      seconds: { type: 'string', default: '10' },
      only: { type: 'string', default: PHASES.join(',') },
      partitions: { type: 'string', default: String(PARTITIONS) },
      inflight: { type: 'string', default: String(PRODUCE_INFLIGHT_REQUESTS) },
      profile: { type: 'string' },
      'broker-node-options': { type: 'string', default: '' },
    },
  });
  const phaseMs = Math.round(Number(flags.seconds) * 1000);
  const partitions = Number(flags.partitions);
  const inflight = Number(flags.inflight);
  const only = new Set(flags.only.split(','));
  if (!(phaseMs >= 500 && phaseMs <= 120_000)) throw new Error('--seconds: 0.5 to 120');
  if (!(Number.isInteger(partitions) && partitions >= 1 && partitions <= 256))
    throw new Error('--partitions: 1 to 256');
  if (!(Number.isInteger(inflight) && inflight >= 1 && inflight <= 512)) throw new Error('--inflight: 1 to 512');
  for (const p of only) if (!(PHASES as readonly string[]).includes(p)) throw new Error(`--only: unknown phase ${p}`);
  const profileDir = flags.profile ? resolve(flags.profile) : null;
  return {
    settings: {
      phaseMs,
      partitions,
      produceInflightRequests: inflight,
      profileArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
      brokerNodeOptions: flags['broker-node-options'].split(' ').filter((o) => o !== ''),
      brokerLogFile: join(REPO_ROOT, 'bench-results', 'broker.log'),
    },
    only,
  };
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    return dirty.trim() === '' ? head : `${head} + uncommitted changes`;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const { settings, only } = settingsFromFlags();
  const startedAt = new Date();
  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    commit: gitCommit(),
    machine: describeMachine(),
    loadAverageAtStart: loadavg()[0]!,
    workload: {
      recordValueBytes: RECORD_VALUE_BYTES,
      partitions: settings.partitions,
      produceInflightRequests: settings.produceInflightRequests,
      phaseSeconds: settings.phaseMs / 1000,
      produceMaxBytes: PRODUCE_MAX_BYTES,
      fetchMaxBytesPerRequest: FETCH_MAX_BYTES_PER_REQUEST,
      latencyRecordsPerSecond: LATENCY_RECORDS_PER_SECOND,
    },
    loopbackMBps: null,
    loopbackSinkCores: null,
    loopbackWindowMBps: null,
    throughput: [],
    latency: [],
    systems: [],
    unavailable: [],
    notes: [],
  };
  printMachine(results);

  if (only.has('loopback')) {
    process.stdout.write('  running TCP loopback baseline ...\n');
    const lb = await measureLoopback(settings);
    results.loopbackMBps = lb.mbPerSec;
    results.loopbackSinkCores = lb.sinkCores;
    results.loopbackWindowMBps = { min: lb.windowMinMBps, max: lb.windowMaxMBps };
    if (lb.windowMaxMBps > 1.5 * lb.windowMinMBps) {
      results.notes.push(
        `loopback was unsteady: 250 ms windows from ${lb.windowMinMBps.toFixed(0)} to ${lb.windowMaxMBps.toFixed(0)} MB/s`,
      );
    }
  }
  const samsaPhases = new Set((['produce', 'fetch', 'latency'] as SamsaPhase[]).filter((p) => only.has(p)));
  if (samsaPhases.size > 0) await measureSamsa(settings, samsaPhases, results);
  if (only.has('isolation')) await measureIsolation(settings, results);
  if (only.has('hostile')) await measureHostile(settings, results);
  if (only.has('search')) await measureSearch(settings, results);
  if (only.has('peers')) {
    await measureLibrdkafka(settings, results);
    await measureRedisStreams(settings, results);
    await measurePrivateRedis(settings, results);
    await measureNatsJetStream(settings, results);
    await measurePrivateNats(settings, results);
  }
  if (only.has('kafka')) await measureKafka(settings, results);
  if (only.has('transactions')) await measureTransactions(settings, results);
  if (only.has('processors')) {
    const figures = await runPackageBench(
      '@samsa/processors',
      settings,
      join(REPO_ROOT, 'bench-results', 'processors.json'),
      results,
    );
    if (figures) results.processors = figures;
  }
  if (only.has('scale-out')) {
    const figures = await runPackageBench(
      '@samsa/gateway',
      settings,
      join(REPO_ROOT, 'bench-results', 'scale-out.json'),
      results,
    );
    if (figures) results.scaleOut = figures;
  }

  const phases = [
    ...results.throughput,
    ...results.latency.map((l) => ({
      ...l,
      name: `${l.system === 'samsa' ? '' : `${l.system} `}latency${l.durability ? ` ${l.durability}` : ''}`,
    })),
  ];
  for (const t of phases) {
    if (t.otherCores > NOISY_OTHER_CORES) {
      results.notes.push(`${t.name}: other processes kept ${t.otherCores.toFixed(2)} cores busy meanwhile`);
    }
  }
  printThroughputTable(results);
  printIsolation(results);
  printLatencyTable(results);
  printComparisonTable(results, SMALL_RECORD_VALUE_BYTES, RECORD_VALUE_BYTES);
  printKafkaComparison(results);
  printTransactions(results);
  printProcessors(results);
  if (results.scaleOut) process.stdout.write(results.scaleOut.table);
  process.stdout.write('\n');
  for (const n of results.notes) process.stdout.write(`note: ${n}\n`);
  const outDir = join(REPO_ROOT, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  const tookSeconds = (Date.now() - startedAt.getTime()) / 1000;
  process.stdout.write(`results written to bench-results/latest.json (run took ${tookSeconds.toFixed(0)} s)\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
