/**
 * The sandbox alone: records/s of the 1 KiB JSON map through ProcessorSandbox in batches of 500, against the same
 * function as plain JS in this process (decode the value, call, encode the output, as any Node consumer must).
 * The two alternate in slices so other load on the machine weighs on both alike.
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_SANDBOX_LIMITS, type InputRecord, type OutputRecord } from '../src/index.ts';
import { compileProcessor, ProcessorSandbox } from '../src/sandbox/index.ts';
import { BATCH_RECORDS, inputRecords, MAP_SOURCE, mapPlain } from './workload.ts';

export interface SandboxThroughput {
  sandboxRecordsPerSec: number;
  plainRecordsPerSec: number;
  /** sandbox / plain. */
  ratio: number;
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
  const sandbox = await ProcessorSandbox.create({
    code,
    outputs: ['bench-out'],
    env: {},
    limits: DEFAULT_SANDBOX_LIMITS,
  });
  try {
    const [check] = await sandbox.process(records.slice(0, 1));
    if (!check.ok || check.outputs[0].value?.toString() !== mapPlain(records[0].value!.toString())) {
      throw new Error(`the sandbox's output differs from plain JS: ${JSON.stringify(check)}`);
    }
    // Warm-up: both JITs.
    await timed(Math.min(1_000, phaseMs / 4), () => sandbox.process(records));
    await timed(Math.min(1_000, phaseMs / 4), () => runPlain(records));
    let sandboxBatches = 0;
    let sandboxMs = 0;
    let plainBatches = 0;
    let plainMs = 0;
    const sliceMs = phaseMs / SLICES / 2;
    for (let slice = 0; slice < SLICES; slice++) {
      const s = await timed(sliceMs, () => sandbox.process(records));
      const p = await timed(sliceMs, () => runPlain(records));
      sandboxBatches += s.batches;
      sandboxMs += s.ms;
      plainBatches += p.batches;
      plainMs += p.ms;
    }
    const sandboxRecordsPerSec = (sandboxBatches * BATCH_RECORDS) / (sandboxMs / 1000);
    const plainRecordsPerSec = (plainBatches * BATCH_RECORDS) / (plainMs / 1000);
    return {
      sandboxRecordsPerSec,
      plainRecordsPerSec,
      ratio: sandboxRecordsPerSec / plainRecordsPerSec,
      batchRecords: BATCH_RECORDS,
      sandboxBatchMs: sandboxMs / sandboxBatches,
    };
  } finally {
    sandbox.dispose();
  }
}
