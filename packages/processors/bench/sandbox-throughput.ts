/**
 * The sandbox alone: records/s of the 1 KiB JSON map through ProcessorSandbox in batches of 500, and through a
 * sandbox in a child process (SandboxProcessPool: the same plus IPC), against the same function as plain JS in
 * this process (decode the value, call, encode the output, as any Node consumer must). They alternate in slices
 * so other load on the machine weighs on all alike.
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_SANDBOX_LIMITS, type InputRecord, type OutputRecord } from '../src/index.ts';
import { compileProcessor, ProcessorSandbox, SandboxProcessPool } from '../src/sandbox/index.ts';
import { BATCH_RECORDS, inputRecords, MAP_SOURCE, mapPlain } from './workload.ts';

export interface SandboxThroughput {
  sandboxRecordsPerSec: number;
  /** The sandbox in a child process. */
  processSandboxRecordsPerSec: number;
  plainRecordsPerSec: number;
  /** sandbox / plain. */
  ratio: number;
  /** processSandbox / plain. */
  processRatio: number;
  batchRecords: number;
  /** Mean time of one batch call into the sandbox, ms. */
  sandboxBatchMs: number;
}

const SLICES = 4;

function runPlain(records: readonly InputRecord[]): OutputRecord[] {
  return records.map((r) => ({
    topic: 'bench-out',
    key: r.key,
    value: Buffer.from(mapPlain(r.value!.toString('utf8'))),
    headers: [],
  }));
}

async function timed(durationMs: number, once: () => unknown): Promise<{ batches: number; ms: number }> {
  const startedAt = performance.now();
  let batches = 0;
  while (performance.now() - startedAt < durationMs) {
    await once();
    batches++;
  }
  return { batches, ms: performance.now() - startedAt };
}

export async function measureSandboxThroughput(phaseMs: number): Promise<SandboxThroughput> {
  const records = inputRecords(BATCH_RECORDS);
  const { code } = compileProcessor(MAP_SOURCE, 'javascript');
  const options = { code, outputs: ['bench-out'], env: {}, limits: DEFAULT_SANDBOX_LIMITS };
  const pool = new SandboxProcessPool();
  const sandbox = await ProcessorSandbox.create(options);
  try {
    const inProcess = await sandbox.process(records.slice(0, 1));
    const expected = mapPlain(records[0].value!.toString());
    if (!inProcess[0].ok || inProcess[0].outputs[0].value?.toString() !== expected) {
      throw new Error(`the sandbox's output differs from plain JS: ${JSON.stringify(inProcess[0])}`);
    }
    const child = await pool.create('bench', options);
    const rows = {
      sandbox: () => sandbox.process(records),
      child: () => child.process(records),
      plain: () => runPlain(records),
    };
    const totals = { sandbox: { batches: 0, ms: 0 }, child: { batches: 0, ms: 0 }, plain: { batches: 0, ms: 0 } };
    // Warm-up: every JIT involved.
    for (const run of Object.values(rows)) await timed(Math.min(1_000, phaseMs / 6), run);
    const sliceMs = phaseMs / SLICES / 3;
    for (let slice = 0; slice < SLICES; slice++) {
      for (const [name, run] of Object.entries(rows) as Array<[keyof typeof rows, () => unknown]>) {
        const t = await timed(sliceMs, run);
        totals[name].batches += t.batches;
        totals[name].ms += t.ms;
      }
    }
    const rate = (t: { batches: number; ms: number }) => (t.batches * BATCH_RECORDS) / (t.ms / 1000);
    const plainRecordsPerSec = rate(totals.plain);
    return {
      sandboxRecordsPerSec: rate(totals.sandbox),
      processSandboxRecordsPerSec: rate(totals.child),
      plainRecordsPerSec,
      ratio: rate(totals.sandbox) / plainRecordsPerSec,
      processRatio: rate(totals.child) / plainRecordsPerSec,
      batchRecords: BATCH_RECORDS,
      sandboxBatchMs: totals.sandbox.ms / totals.sandbox.batches,
    };
  } finally {
    sandbox.dispose();
    pool.close();
  }
}
