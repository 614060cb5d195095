/** The baseline: raw TCP over loopback between two Node processes, one writing 1 MiB buffers as fast as it can. */
import { type BenchSettings, cpuCores, startWorker, WORKER_GRACE_MS, workerExitGraceMs } from './phase.ts';
import type { Worker } from './worker-ipc.ts';

const WRITE_BYTES = 1024 * 1024;
const WARMUP_MS = 1000;
const MAX_MEASURE_MS = 5000;

export interface LoopbackResult {
  mbPerSec: number;
  bytes: number;
  seconds: number;
  /** CPU cores the receiving process used: what reading the bytes alone costs a client. */
  sinkCores: number;
  /** The slowest and fastest 250 ms windows: how steady the loopback was (other processes, core placement). */
  windowMinMBps: number;
  windowMaxMBps: number;
}

export async function measureLoopback(settings: BenchSettings): Promise<LoopbackResult> {
  const durationMs = WARMUP_MS + Math.min(settings.phaseMs, MAX_MEASURE_MS);
  const source = startWorker(settings, 'loopback-source', { durationMs, writeBytes: WRITE_BYTES });
  let sink: Worker | null = null;
  try {
    const { port } = await source.next('ready', WORKER_GRACE_MS);
    sink = startWorker(settings, 'loopback-sink', { port, warmupMs: WARMUP_MS });
    await sink.next('ready', WORKER_GRACE_MS);
    source.send({ type: 'go' });
    const r = (await sink.next('result', durationMs + WORKER_GRACE_MS)) as unknown as {
      bytes: number;
      seconds: number;
      windowMBps: number[];
      cpu: { user: number; system: number };
    };
    await source.next('result', WORKER_GRACE_MS);
    return {
      mbPerSec: r.bytes / 1e6 / r.seconds,
      bytes: r.bytes,
      seconds: r.seconds,
      sinkCores: cpuCores(r.cpu, r.seconds),
      windowMinMBps: Math.min(...r.windowMBps),
      windowMaxMBps: Math.max(...r.windowMBps),
    };
  } finally {
    await Promise.all([sink?.finish(workerExitGraceMs(settings)), source.finish(workerExitGraceMs(settings))]);
  }
}
