/**
 * The `hostile` phase (issue 10): a tenancy-on broker serves a real acks=all producer of one tenant (KafkaJS over
 * SCRAM-SHA-512), quiet and beside hostile clients (a worker process: connection floods, slowloris, oversized
 * pre-authentication frames, random and mutated frames). Quiet and attacked slices alternate, so other work on the
 * machine weighs on both alike. It prints the producer's p50/p99 in both, their ratio, the messages acknowledged
 * against those read back (nothing may be lost), and the broker's RSS. Needs Postgres (the server on 127.0.0.1:5432,
 * else an embedded one).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { availableParallelism, setPriority } from 'node:os';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { Kafka, logLevel } from 'kafkajs';
import { readPartition } from '../test/support/read-back.ts';
import { TenantFixtures, type TestKey } from '@samsa/test-support/tenants';
import { type BenchSettings, CpuSampler, WORKER_GRACE_MS } from './phase.ts';
import { type Percentiles, percentiles } from './percentiles.ts';
import type { BenchResults } from './report.ts';
import { attempt, startBenchBroker } from './samsa.ts';
import type { HostileClientsOptions } from './workers/hostile-clients.ts';
import { startWorker, workerExitGraceMs } from './phase.ts';

const TOPIC = 'orders';
/** The measured producer sends one message at a time, at most this often (acks=all: each waits for an fsync). */
const PRODUCER_MESSAGES_PER_SECOND = 200;
const RSS_SAMPLE_INTERVAL_MS = 250;
const ATTACKER_NICE = 19;

/**
 * With SAMSA_BENCH_HOSTILE_PIN=1 the attackers get the last core to themselves (taskset) and the broker and the
 * producer (this process) the others: the attack then stands in for other machines, and the ratio measures what it
 * costs the broker rather than CPU scheduling among processes. Without it everything shares every core.
 */
function cpuPlan(): { victim: string; attacker: string } | null {
  const cores = availableParallelism();
  if (process.env.SAMSA_BENCH_HOSTILE_PIN !== '1' || cores < 2) return null;
  return { victim: cores === 2 ? '0' : `0-${cores - 2}`, attacker: String(cores - 1) };
}

function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}
/** Whether each slice runs under attack; together they take two phases' time. */
const SLICE_ORDER = [false, true, true, false];
const ATTACK: Omit<HostileClientsOptions, 'port' | 'durationMs'> = {
  floodConnections: 1500,
  slowlorisConnections: 100,
  oversizedLoops: 4,
  garbageLoops: 4,
};

export interface HostileResult {
  quiet: Percentiles;
  underAttack: Percentiles;
  p99Ratio: number;
  acknowledged: number;
  readBack: number;
  producerErrors: number;
  rssBytes: { before: number; peak: number; after: number };
  /** CPU cores the broker, and the whole machine, kept busy in quiet and attacked slices. */
  brokerCores: { quiet: number; attack: number };
  machineCores: { quiet: number; attack: number };
  attack: Record<string, number>;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** Sends one message at a time for `durationMs`, paced; returns each acknowledged send's latency in µs. */
async function produceFor(
  producer: ReturnType<Kafka['producer']>,
  durationMs: number,
  acked: Set<string>,
  phase: string,
): Promise<{ latenciesUs: Float64Array; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const intervalMs = 1000 / PRODUCER_MESSAGES_PER_SECOND;
  const endMs = performance.now() + durationMs;
  for (let i = 0; performance.now() < endMs; i++) {
    const value = `${phase}-${i}`;
    const startedMs = performance.now();
    try {
      await producer.send({ topic: TOPIC, acks: -1, messages: [{ value }] });
      latencies.push((performance.now() - startedMs) * 1000);
      acked.add(value);
    } catch {
      errors++;
    }
    const waitMs = startedMs + intervalMs - performance.now();
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  }
  return { latenciesUs: Float64Array.from(latencies), errors };
}

export async function measureHostile(settings: BenchSettings, results: BenchResults): Promise<void> {
  let db: TestDatabase;
  try {
    db = await createTestDatabase();
  } catch (err) {
    const note = `hostile clients skipped: no Postgres (${(err as Error).message})`;
    results.notes.push(note);
    process.stdout.write(`  ${note}\n`);
    return;
  }
  const fx = new TenantFixtures(db.url);
  try {
    await attempt(results, `hostile clients beside an acks=all producer, ${settings.phaseMs / 1000} s each`, () =>
      runHostile(settings, results, db, fx),
    );
  } finally {
    await fx.close();
    await db.drop();
  }
}

async function runHostile(
  settings: BenchSettings,
  results: BenchResults,
  db: TestDatabase,
  fx: TenantFixtures,
): Promise<void> {
  const tenant = await fx.tenant('victim');
  const key: TestKey = await fx.key(tenant, 'app');
  await fx.admin(tenant, 'app');
  const broker = await startBenchBroker(settings, 'broker-hostile', {
    args: ['--database-url', db.url],
    env: { SAMSA_SUPERUSER_PASSWORD: randomBytes(18).toString('base64url') },
  });
  const plan = cpuPlan();
  if (plan) {
    pin(broker.pid, plan.victim);
    pin(process.pid, plan.victim);
  }
  try {
    const kafka = new Kafka({
      clientId: 'hostile-bench-victim',
      brokers: [`127.0.0.1:${broker.port}`],
      logLevel: logLevel.NOTHING,
      sasl: { mechanism: 'scram-sha-512', username: key.keyId, password: key.secret },
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const acked = new Set<string>();
    await produceFor(producer, 1000, acked, 'warmup');

    const sliceMs = Math.round((2 * settings.phaseMs) / SLICE_ORDER.length);
    const latencies = { quiet: [] as Float64Array[], attack: [] as Float64Array[] };
    let producerErrors = 0;
    const rssBefore = rssBytes(broker.pid);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, rssBytes(broker.pid));
    }, RSS_SAMPLE_INTERVAL_MS);
    const attack: Record<string, number> = {};
    const cpu = { quiet: { wall: 0, broker: 0, machine: 0 }, attack: { wall: 0, broker: 0, machine: 0 } };
    const sampleCpu = async (kind: 'quiet' | 'attack', slice: () => Promise<void>) => {
      const sampler = new CpuSampler(broker.pid);
      sampler.start();
      await slice();
      const sample = sampler.stop();
      cpu[kind].wall += sample.wallSeconds;
      cpu[kind].broker += sample.processCpuSeconds;
      cpu[kind].machine += sample.machineBusyCpuSeconds;
    };
    try {
      for (const [i, underAttack] of SLICE_ORDER.entries()) {
        if (!underAttack) {
          await sampleCpu('quiet', async () => {
            const slice = await produceFor(producer, sliceMs, acked, `quiet-${i}`);
            latencies.quiet.push(slice.latenciesUs);
            producerErrors += slice.errors;
          });
          continue;
        }
        const worker = startWorker(settings, 'hostile-clients', {
          ...ATTACK,
          port: broker.port,
          durationMs: sliceMs,
        } satisfies HostileClientsOptions);
        // The attackers stand in for machines of their own: at the lowest CPU priority they take the cores only
        // when the broker and the producer leave them idle, so the ratio measures what the attack costs the broker
        // rather than three processes sharing two cores (the machine's busy cores are printed beside it).
        setPriority(worker.proc.pid!, ATTACKER_NICE);
        if (plan) pin(worker.proc.pid!, plan.attacker);
        try {
          await worker.next('ready', WORKER_GRACE_MS);
          worker.send({ type: 'go' });
          await sampleCpu('attack', async () => {
            const slice = await produceFor(producer, sliceMs, acked, `attack-${i}`);
            latencies.attack.push(slice.latenciesUs);
            producerErrors += slice.errors;
          });
          const counts = await worker.next('result', sliceMs + WORKER_GRACE_MS);
          for (const [k, v] of Object.entries(counts)) if (typeof v === 'number') attack[k] = (attack[k] ?? 0) + v;
        } finally {
          await worker.finish(workerExitGraceMs(settings));
        }
      }
    } finally {
      clearInterval(sampler);
    }
    await producer.disconnect();
    const rssAfter = rssBytes(broker.pid);

    const stored = await readPartition(broker.port, TOPIC, 0, 0n, { username: key.keyId, password: key.secret });
    const readBack = stored.filter((r) => r.value !== null && acked.has(r.value)).length;
    const joined = (parts: Float64Array[]) => Float64Array.from(parts.flatMap((p) => Array.from(p)));
    const q = percentiles(joined(latencies.quiet));
    const a = percentiles(joined(latencies.attack));
    const r: HostileResult = {
      quiet: q,
      underAttack: a,
      p99Ratio: a.p99 / q.p99,
      acknowledged: acked.size,
      readBack,
      producerErrors,
      rssBytes: { before: rssBefore, peak: rssPeak, after: rssAfter },
      brokerCores: { quiet: cpu.quiet.broker / cpu.quiet.wall, attack: cpu.attack.broker / cpu.attack.wall },
      machineCores: { quiet: cpu.quiet.machine / cpu.quiet.wall, attack: cpu.attack.machine / cpu.attack.wall },
      attack,
    };
    results.hostile = r;
    printHostile(r, plan);
  } finally {
    if (plan) pin(process.pid, `0-${availableParallelism() - 1}`);
    await broker.stop();
  }
}

function printHostile(r: HostileResult, plan: { victim: string; attacker: string } | null): void {
  const ms = (us: number) => `${(us / 1000).toFixed(2)} ms`;
  const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
  const lines = [
    '',
    'hostile clients beside a real acks=all producer of another tenant (KafkaJS, SCRAM-SHA-512, one message at a time;',
    `  ${SLICE_ORDER.map((x) => (x ? 'attacked' : 'quiet')).join(', ')} slices; attackers at nice ${ATTACKER_NICE}` +
      (plan
        ? `, on core ${plan.attacker} alone; broker and producer on ${plan.victim})`
        : ', sharing every core with the broker and the producer)'),
    `  quiet:        p50 ${ms(r.quiet.p50)}  p99 ${ms(r.quiet.p99)}  (${r.quiet.count} messages)`,
    `  under attack: p50 ${ms(r.underAttack.p50)}  p99 ${ms(r.underAttack.p99)}  (${r.underAttack.count} messages)`,
    `  p99 under attack / quiet: ${r.p99Ratio.toFixed(2)}x (the aim: within 2x)`,
    `  acknowledged ${r.acknowledged}, read back ${r.readBack}${r.acknowledged === r.readBack ? ' (nothing lost)' : ' (LOST MESSAGES)'}, producer errors ${r.producerErrors}`,
    `  broker RSS: ${mib(r.rssBytes.before)} before, ${mib(r.rssBytes.peak)} peak, ${mib(r.rssBytes.after)} after`,
    `  CPU cores busy, quiet / attacked: broker ${r.brokerCores.quiet.toFixed(2)} / ${r.brokerCores.attack.toFixed(2)}, whole machine ${r.machineCores.quiet.toFixed(2)} / ${r.machineCores.attack.toFixed(2)}`,
    `  attack (all slices): ${JSON.stringify(r.attack)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
