/**
 * What every measured phase shares: the run's settings, a worker's ready -> go -> result lifecycle, and CPU samples
 * of the server process (total and by thread) and of the whole machine around the measured part.
 */
import { machineBusyCpuSeconds, processCpuSeconds, threadCpuDelta, threadCpuSeconds } from './machine.ts';
import type { Percentiles } from './percentiles.ts';
import type { BenchResults, LatencyRow, ThroughputRow } from './report.ts';
import { Worker } from './worker-ipc.ts';

export interface BenchSettings {
  /** Time limit of each throughput phase, and length of each latency phase after its warm-up. */
  phaseMs: number;
  partitions: number;
  produceInflightRequests: number;
  /** Extra Node flags for every worker and the broker (e.g. --cpu-prof). */
  profileArgs: string[];
  /** Extra Node flags for the broker only (e.g. --trace-gc); its output goes to the broker log file. */
  brokerNodeOptions: string[];
  /** Where the broker's stdout and stderr are written after the run. */
  brokerLogFile: string;
}

/** Grace on top of a phase's own time limit before the orchestrator gives up on a worker. */
export const WORKER_GRACE_MS = 30_000;

/** The system Python with python3-confluent-kafka (apt), for the librdkafka worker. */
export const PYTHON = '/usr/bin/python3';

/** A worker file: `name.ts`, or `name.py` when the name says so. */
export function workerFile(name: string): URL {
  return new URL(name.endsWith('.py') ? `./workers/${name}` : `./workers/${name}.ts`, import.meta.url);
}

/** Starts a worker: Node with the run's extra Node flags, or Python for a `.py` worker. */
export function startWorker(settings: BenchSettings, name: string, options: unknown): Worker {
  if (name.endsWith('.py')) return new Worker(workerFile(name), options, [], PYTHON);
  return new Worker(workerFile(name), options, settings.profileArgs);
}

/** How long a worker that has answered gets to exit by itself (a profiling worker writes its profile at exit). */
export function workerExitGraceMs(settings: BenchSettings): number {
  return settings.profileArgs.length > 0 ? 10_000 : 1000;
}

/** CPU cores a process.cpuUsage() difference amounts to over `seconds`. */
export function cpuCores(cpu: { user: number; system: number } | undefined, seconds: number): number {
  if (!cpu || seconds <= 0) return Number.NaN;
  return (cpu.user + cpu.system) / 1e6 / seconds;
}

/** Runs a worker through ready -> go -> result, calling `atGo`/`atEnd` right around the measured part. */
export async function runPhase<T>(
  settings: BenchSettings,
  name: string,
  options: unknown,
  limitMs: number,
  hooks: { atGo?: () => void; atEnd?: () => void } = {},
): Promise<T & { ready: Record<string, unknown> }> {
  const w = startWorker(settings, name, options);
  try {
    const ready = await w.next('ready', WORKER_GRACE_MS);
    hooks.atGo?.();
    w.send({ type: 'go' });
    const result = await w.next('result', limitMs + WORKER_GRACE_MS);
    hooks.atEnd?.();
    return { ...(result as T), ready };
  } finally {
    await w.finish(workerExitGraceMs(settings));
  }
}

export interface CpuSample {
  wallSeconds: number;
  /** CPU seconds of the server process (all threads). */
  processCpuSeconds: number;
  /** The same by thread name ('main' is the event loop). */
  threadCpuSeconds: Record<string, number>;
  /** Busy CPU seconds of the whole machine, every process included. */
  machineBusyCpuSeconds: number;
}

/** Samples a server process's CPU and the machine's between start() and stop(). */
export class CpuSampler {
  private readonly pid: number;
  private startWall = 0;
  private startProcess = 0;
  private startThreads: Record<string, number> = {};
  private startMachine = 0;
  result: CpuSample | null = null;

  constructor(pid: number) {
    this.pid = pid;
  }

  start(): void {
    this.startThreads = threadCpuSeconds(this.pid);
    this.startProcess = processCpuSeconds(this.pid);
    this.startMachine = machineBusyCpuSeconds();
    this.startWall = performance.now();
  }

  stop(): CpuSample {
    const wall = performance.now();
    const machine = machineBusyCpuSeconds();
    const proc = processCpuSeconds(this.pid);
    const threads = threadCpuSeconds(this.pid);
    this.result = {
      wallSeconds: (wall - this.startWall) / 1000,
      processCpuSeconds: proc - this.startProcess,
      threadCpuSeconds: threadCpuDelta(this.startThreads, threads),
      machineBusyCpuSeconds: machine - this.startMachine,
    };
    return this.result;
  }
}

/** What a throughput worker reports: bytes and records acknowledged or read, over `seconds`, and its own CPU. */
export interface LoadResult {
  bytes: number;
  records: number;
  seconds: number;
  cpu: { user: number; system: number };
}

/** A throughput row from a worker's result and the server's CPU sample around it. */
export function throughputRow(
  results: BenchResults,
  system: string,
  name: string,
  kind: ThroughputRow['kind'],
  r: LoadResult & { server: CpuSample },
  extra: Partial<ThroughputRow>,
): ThroughputRow {
  const mbPerSec = r.bytes / 1e6 / r.seconds;
  const wall = r.server.wallSeconds;
  const brokerThreadCores: Record<string, number> = {};
  for (const [thread, seconds] of Object.entries(r.server.threadCpuSeconds)) {
    if (seconds > 0) brokerThreadCores[thread] = Math.round((seconds / wall) * 100) / 100;
  }
  const loadGeneratorCores = cpuCores(r.cpu, r.seconds);
  return {
    system,
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
    otherCores: Math.max(0, (r.server.machineBusyCpuSeconds - r.server.processCpuSeconds) / wall - loadGeneratorCores),
    ...extra,
  };
}

export interface LatencyPairResult {
  sent: number;
  errors: number;
  ackLatencyUs: Percentiles;
  received: number;
  latencyUs: Percentiles;
  server: CpuSample;
  /** CPU cores of the producer and the consumer during the producer's run. */
  clientCores: number;
}

/**
 * The end-to-end latency phase for any system: starts the consumer worker, runs the paced producer worker with the
 * server sampled around it, then tells the consumer how many records were sent and waits for its figures.
 */
export async function runLatencyPair(
  settings: BenchSettings,
  sampler: CpuSampler,
  consumer: { name: string; options: unknown },
  producer: { name: string; options: unknown; limitMs: number },
  drainTimeoutMs: number,
): Promise<LatencyPairResult> {
  const c = startWorker(settings, consumer.name, consumer.options);
  try {
    await c.next('ready', WORKER_GRACE_MS);
    c.send({ type: 'go' });
    const p = await runPhase<{ sent: number; errors: number; ackLatencyUs: Percentiles; cpu: NodeJS.CpuUsage }>(
      settings,
      producer.name,
      producer.options,
      producer.limitMs,
      { atGo: () => sampler.start(), atEnd: () => sampler.stop() },
    );
    const server = sampler.result!;
    c.send({ type: 'expect', records: p.sent });
    const r = (await c.next('result', drainTimeoutMs + WORKER_GRACE_MS)) as unknown as {
      received: number;
      latencyUs: Percentiles;
      cpu: NodeJS.CpuUsage;
    };
    // The consumer's CPU is counted from its start, a little before the producer's: close enough for a noise gauge.
    const clientCores = cpuCores(p.cpu, server.wallSeconds) + cpuCores(r.cpu, server.wallSeconds);
    return { ...p, received: r.received, latencyUs: r.latencyUs, server, clientCores };
  } finally {
    await c.finish(workerExitGraceMs(settings));
  }
}

/** A latency row from a latency pair's figures. */
export function latencyRow(
  system: string,
  acks: number,
  recordsPerSecond: number,
  r: LatencyPairResult,
  extra: Partial<LatencyRow> = {},
): LatencyRow {
  const wall = r.server.wallSeconds;
  return {
    system,
    acks,
    recordsPerSecond,
    sent: r.sent,
    received: r.received,
    e2eUs: r.latencyUs,
    produceAckUs: r.ackLatencyUs,
    producerErrors: r.errors,
    brokerCores: r.server.processCpuSeconds / wall,
    otherCores: Math.max(0, (r.server.machineBusyCpuSeconds - r.server.processCpuSeconds) / wall - r.clientCores),
    ...extra,
  };
}

/** Two slices of the same load, as one. */
export function addLoads(a: LoadResult, b: LoadResult): LoadResult {
  return {
    bytes: a.bytes + b.bytes,
    records: a.records + b.records,
    seconds: a.seconds + b.seconds,
    cpu: { user: a.cpu.user + b.cpu.user, system: a.cpu.system + b.cpu.system },
  };
}

/** Two CPU samples of the same process, as one. */
export function addSamples(a: CpuSample, b: CpuSample): CpuSample {
  const threadCpuSeconds = { ...a.threadCpuSeconds };
  for (const [thread, seconds] of Object.entries(b.threadCpuSeconds)) {
    threadCpuSeconds[thread] = (threadCpuSeconds[thread] ?? 0) + seconds;
  }
  return {
    wallSeconds: a.wallSeconds + b.wallSeconds,
    processCpuSeconds: a.processCpuSeconds + b.processCpuSeconds,
    threadCpuSeconds,
    machineBusyCpuSeconds: a.machineBusyCpuSeconds + b.machineBusyCpuSeconds,
  };
}
