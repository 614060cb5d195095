/**
 * What every measured phase shares: the run's settings, a worker's ready -> go -> result lifecycle, and CPU samples
 * of the server process (total and by thread) and of the whole machine around the measured part.
 */
import { machineBusyCpuSeconds, processCpuSeconds, threadCpuDelta, threadCpuSeconds } from './machine.ts';
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

export function workerFile(name: string): URL {
  return new URL(`./workers/${name}.ts`, import.meta.url);
}

/** Starts a worker with the run's extra Node flags. */
export function startWorker(settings: BenchSettings, name: string, options: unknown): Worker {
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
