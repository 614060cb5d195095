/**
 * ProcessorSandbox: one processor version's code in its own V8 isolate (isolated-vm) with a hard heap limit and a
 * CPU-time limit per call. A batch of records enters in one call; each record gets its own result. An isolate
 * runs on its own thread, so a spinning function never blocks the host's event loop or other sandboxes.
 */
import { performance } from 'node:perf_hooks';
import ivm from 'isolated-vm';
import { z } from 'zod';
import type { BatchResults, InputRecord, ProcessorErrorInfo, RecordResult, SandboxLimits } from '../types.ts';
import { type DecodedResult, decodeBatch, isRawBatchResult, logsOf, packBatch } from './batch-codec.ts';
import { loadModule } from './compile.ts';
import { ProcessorCompileError, ProcessorSandboxDisposedError } from './errors.ts';
import { RUNTIME_FILENAME, RUNTIME_SOURCE } from './runtime-source.ts';

const positiveInt = z.number().int().positive();

export const sandboxLimitsSchema = z.object({
  /** isolated-vm's minimum is 8 MiB. */
  memoryMb: z.number().int().min(8).max(4096),
  cpuMsPerCall: positiveInt.max(600_000),
  maxOutputsPerRecord: positiveInt.max(100_000),
  maxOutputBytes: positiveInt.max(256 * 1024 * 1024),
  maxLogLinesPerCall: z.number().int().min(0).max(10_000),
  maxLogLineChars: positiveInt.max(1_000_000),
}) satisfies z.ZodType<SandboxLimits>;

export const sandboxOptionsSchema = z.object({
  code: z.string().min(1),
  outputs: z.array(z.string().min(1)).min(1, 'a processor needs at least one output topic'),
  env: z.record(z.string(), z.string()),
  limits: sandboxLimitsSchema,
  /** What ctx.processor shows; the host passes the processor's name and version. */
  processor: z.object({ name: z.string(), version: z.number().int() }).default({ name: 'test-run', version: 0 }),
});

export type SandboxOptions = z.input<typeof sandboxOptionsSchema>;

/** Largest batch one process() call takes: bounds the copy into the isolate. */
export const MAX_BATCH_RECORDS = 10_000;

/** How often heapBytes() is refreshed at most, ms. */
const HEAP_MEASURE_INTERVAL_MS = 1_000;

const MEMORY_FAULT = /disposed during execution due to memory limit/;
const TIMED_OUT = /execution timed out/i;

export class ProcessorSandbox {
  readonly #isolate: ivm.Isolate;
  readonly #run: ivm.Reference<(batch: unknown) => unknown>;
  readonly #take: ivm.Reference<() => unknown>;
  readonly #outputs: readonly string[];
  readonly #limits: SandboxLimits;
  #queue: Promise<unknown> = Promise.resolve();
  #disposedByCall = false;
  #lastCpuTimeMs = 0;
  #lastHeapBytes = 0;
  #heapMeasuredAtMs = Number.NEGATIVE_INFINITY;

  private constructor(
    isolate: ivm.Isolate,
    run: ivm.Reference<(batch: unknown) => unknown>,
    take: ivm.Reference<() => unknown>,
    outputs: readonly string[],
    limits: SandboxLimits,
  ) {
    this.#isolate = isolate;
    this.#run = run;
    this.#take = take;
    this.#outputs = outputs;
    this.#limits = limits;
  }

  /** Compiles the module (from compileProcessor) in a new isolate; throws ProcessorCompileError. */
  static async create(options: SandboxOptions): Promise<ProcessorSandbox> {
    const parsed = sandboxOptionsSchema.parse(options);
    const isolate = new ivm.Isolate({ memoryLimit: parsed.limits.memoryMb });
    try {
      const context = await isolate.createContext();
      const install = await isolate.compileScript(RUNTIME_SOURCE, { filename: RUNTIME_FILENAME });
      const installFn = (await install.run(context, { reference: true })) as ivm.Reference;
      const config = { limits: parsed.limits, env: parsed.env, processor: parsed.processor };
      const runtime = (await installFn.apply(undefined, [new ivm.ExternalCopy(config).copyInto({ release: true })], {
        result: { reference: true },
        timeout: parsed.limits.cpuMsPerCall,
      })) as ivm.Reference;
      const module = await loadModule(isolate, context, parsed.code, parsed.limits.cpuMsPerCall);
      const defaultExport = await module.namespace.get('default', { reference: true });
      if (defaultExport.typeof !== 'function') {
        throw new ProcessorCompileError(
          'the module must export a default function: export default function process(record, ctx) { … }',
        );
      }
      const setProcessor = await runtime.get('setProcessor', { reference: true });
      await setProcessor.apply(undefined, [defaultExport.derefInto()]);
      const run = await runtime.get('run', { reference: true });
      const take = await runtime.get('take', { reference: true });
      const sandbox = new ProcessorSandbox(isolate, run, take, parsed.outputs, parsed.limits);
      await sandbox.#measure();
      return sandbox;
    } catch (error) {
      if (!isolate.isDisposed) isolate.dispose();
      throw error;
    }
  }

  /** True after dispose() or after a memory fault disposed the isolate. */
  get disposed(): boolean {
    return this.#disposedByCall || this.#isolate.isDisposed;
  }

  /** CPU time used by the isolate so far, ms. */
  cpuTimeMs(): number {
    if (!this.#isolate.isDisposed) this.#lastCpuTimeMs = Number(this.#isolate.cpuTime) / 1e6;
    return this.#lastCpuTimeMs;
  }

  /** Heap used by the isolate (JS heap and external buffers), bytes, as measured after a call at most
   * HEAP_MEASURE_INTERVAL_MS ago (each measurement is a round trip to the isolate's thread). */
  heapBytes(): number {
    return this.#lastHeapBytes;
  }

  /**
   * Runs the function on the records, in order; one result per record up to and including the first one whose call
   * faulted (`timeout` or `memory`): a fault ends the call at once, so the caller learns of it without waiting for
   * the rest of the batch, which was not run (see BatchResults). Calls are queued, never overlap. After a memory
   * fault `disposed` becomes true, and a later call answers `memory` for its first record.
   */
  process(records: readonly InputRecord[]): Promise<BatchResults> {
    if (this.#disposedByCall) return Promise.reject(new ProcessorSandboxDisposedError());
    if (records.length > MAX_BATCH_RECORDS) {
      return Promise.reject(
        new RangeError(`a batch holds at most ${MAX_BATCH_RECORDS} records, got ${records.length}`),
      );
    }
    const next = this.#queue.then(() => this.#processNow(records));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  dispose(): void {
    this.#disposedByCall = true;
    this.cpuTimeMs();
    if (!this.#isolate.isDisposed) this.#isolate.dispose();
  }

  async #processNow(records: readonly InputRecord[]): Promise<BatchResults> {
    const results: RecordResult[] = [];
    let next = 0;
    while (next < records.length) {
      if (this.#disposedByCall) throw new ProcessorSandboxDisposedError();
      if (this.#isolate.isDisposed) {
        results.push(this.#memoryFault());
        break;
      }
      const outcome = await this.#runBatch(records.slice(next));
      results.push(...outcome.results);
      next += outcome.results.length;
      if (outcome.stopped === 'ended') break;
      if (outcome.stopped === 'timeout') {
        if (outcome.results.length === 0) {
          // The record that ran out of time was the first of the call: it had the whole budget.
          results.push(this.#timeoutResult(outcome.stoppedLogs));
          break;
        }
        // The record that was running when the call ran out of time may only have had what was left of the
        // budget: give it the whole budget alone, so it only fails if it alone is too slow.
        const single = await this.#runBatch([records[next]!]);
        results.push(...(single.stopped === 'timeout' ? [this.#timeoutResult(single.stoppedLogs)] : single.results));
        next += 1;
        if (single.stopped) break;
      }
    }
    await this.#measure();
    return results;
  }

  /**
   * One call into the isolate. `stopped`: the call faulted; with `timeout`, `results` holds what finished before it
   * (the record that was running has no result); with `ended`, the last result is the fault. A memory fault is
   * given to the call's first record (the isolate is gone, and with it which record was running).
   */
  async #runBatch(
    batch: readonly InputRecord[],
  ): Promise<{ results: RecordResult[]; stopped?: 'timeout' | 'ended'; stoppedLogs?: RecordResult['logs'] }> {
    const startedAt = performance.now();
    try {
      const raw = await this.#run.apply(
        undefined,
        [new ivm.ExternalCopy(packBatch(batch)).copyInto({ release: true })],
        {
          timeout: this.#limits.cpuMsPerCall,
          result: { copy: true },
        },
      );
      return { results: this.#decodeAll(raw, batch, performance.now() - startedAt) };
    } catch (error) {
      if (this.#disposedByCall) throw new ProcessorSandboxDisposedError();
      if (this.#isolate.isDisposed || MEMORY_FAULT.test(errorMessage(error))) {
        if (!this.#isolate.isDisposed) this.#isolate.dispose();
        return { results: [this.#memoryFault()], stopped: 'ended' };
      }
      if (TIMED_OUT.test(errorMessage(error))) {
        const partial = await this.#take.apply(undefined, [], { result: { copy: true } });
        const done = isRawBatchResult(partial) ? Math.min(partial.status.length, batch.length) : 0;
        return {
          results: this.#decodeAll(partial, batch.slice(0, done), undefined),
          stopped: 'timeout',
          stoppedLogs: isRawBatchResult(partial) ? logsOf(partial, done, this.#limits) : [],
        };
      }
      // Anything else (an unhandled promise rejection, a result that cannot be copied out) failed the call as a
      // whole: run the records one by one, so only the one that causes it fails.
      if (batch.length > 1) return this.#runOneByOne(batch);
      const info: ProcessorErrorInfo = { kind: 'thrown', message: errorMessage(error) };
      return { results: [{ ok: false, error: info, logs: [], durationMs: performance.now() - startedAt }] };
    }
  }

  /** Each record in a call of its own; stops at the first fault like a batch. */
  async #runOneByOne(batch: readonly InputRecord[]): Promise<{ results: RecordResult[]; stopped?: 'ended' }> {
    const results: RecordResult[] = [];
    for (const record of batch) {
      const single = await this.#runBatch([record]);
      results.push(...(single.stopped === 'timeout' ? [this.#timeoutResult(single.stoppedLogs)] : single.results));
      if (single.stopped) return { results, stopped: 'ended' };
    }
    return { results };
  }

  /** `wallMs`: the measured time of the call, or undefined when it includes time not spent on these records. */
  #decodeAll(raw: unknown, batch: readonly InputRecord[], wallMs: number | undefined): RecordResult[] {
    const decoded: DecodedResult[] = decodeBatch(raw, batch, this.#outputs, this.#limits);
    for (let i = decoded.length; i < batch.length; i++) {
      decoded.push({ ok: false, outputs: [], logs: [], elapsedMs: 0, error: { kind: 'thrown', message: 'no result' } });
    }
    // Inside the isolate the clock ticks in whole ms; share the measured wall time of the call in proportion.
    const isolateMs = decoded.reduce((sum, d) => sum + d.elapsedMs, 0);
    return decoded.map((d): RecordResult => {
      const durationMs =
        wallMs === undefined
          ? d.elapsedMs
          : isolateMs > 0
            ? (wallMs * d.elapsedMs) / isolateMs
            : wallMs / decoded.length;
      return d.ok
        ? { ok: true, outputs: d.outputs, logs: d.logs, durationMs }
        : { ok: false, error: d.error!, logs: d.logs, durationMs };
    });
  }

  #memoryFault(): RecordResult {
    return {
      ok: false,
      error: {
        kind: 'memory',
        message: `memory limit of ${this.#limits.memoryMb} MiB exceeded; the sandbox was disposed`,
      },
      logs: [],
      durationMs: 0,
    };
  }

  #timeoutResult(logs: RecordResult['logs'] = []): RecordResult {
    return {
      ok: false,
      error: {
        kind: 'timeout',
        message: `the function ran longer than ${this.#limits.cpuMsPerCall} ms on this record (CPU limit per call) and was stopped`,
      },
      logs,
      durationMs: this.#limits.cpuMsPerCall,
    };
  }

  async #measure(): Promise<void> {
    if (this.#isolate.isDisposed || performance.now() - this.#heapMeasuredAtMs < HEAP_MEASURE_INTERVAL_MS) return;
    this.#heapMeasuredAtMs = performance.now();
    try {
      const heap = await this.#isolate.getHeapStatistics();
      this.#lastHeapBytes = heap.used_heap_size + heap.externally_allocated_size;
      this.cpuTimeMs();
    } catch {
      // The isolate went away between the check and the call: keep the last values.
    }
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
