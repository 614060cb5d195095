/**
 * One input partition of a running processor: records in offset order through the sandbox, outputs produced and
 * acknowledged, then the input offset committed (at-least-once); with exactly-once, outputs the output log already
 * holds are skipped (see output-fence.ts). Errors are retried with a doubling backoff, then handled by the version's
 * policy: to the dead-letter topic, skipped, or the processor stops at the record.
 */
import type { Message } from '@platformatic/kafka';
import type { BatchResults, InputRecord, ProcessorErrorInfo, RecordResult } from '../types.ts';
import {
  commitWithMetadata,
  committedPositions,
  EARLIEST,
  KafkaCallError,
  LATEST,
  partitionOffsets,
  readRange,
} from './kafka-access.ts';
import {
  decodeFenceMetadata,
  encodeFenceMetadata,
  fenceStartOf,
  OutputFence,
  type OutputPartitionKey,
  outputPartitionKey,
} from './output-fence.ts';
import { deadLetterMessage, type OutMessage, outputMessage } from './output-records.ts';
import type { ProcessorRuntime } from './processor-runtime.ts';
import type { RecordSandbox } from './sandbox-port.ts';
import { withSchemas } from './schema-sandbox.ts';

type InputMessage = Message<Buffer, Buffer, Buffer, Buffer>;

const OFFSET_OUT_OF_RANGE = 1;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class PartitionTask {
  readonly partition: number;
  readonly done: Promise<void>;
  retired = false;
  /** The next offset to process (the committed offset once known). */
  nextOffset: bigint | null = null;
  /** The last offset the broker confirmed committed (lag is counted from it). */
  committedOffset: bigint | null = null;
  #commitInFlight: Promise<void> = Promise.resolve();
  /** The last batch's send and the issue of its commit; never rejects (a failure went to #onTaskError). */
  #sendInFlight: Promise<void> = Promise.resolve();
  #queue: InputMessage[] = [];
  #wake: (() => void) | null = null;
  #sandbox: RecordSandbox | null = null;
  readonly #rt: ProcessorRuntime;
  #fence: OutputFence | null = null;
  /** Exactly-once: per output partition, an offset at or below every output of a not-yet-committed record. */
  readonly #fenceStarts = new Map<OutputPartitionKey, bigint>();

  constructor(rt: ProcessorRuntime, partition: number, previous?: PartitionTask) {
    this.#rt = rt;
    this.partition = partition;
    this.done = this.#run(previous);
  }

  get heapBytes(): number {
    try {
      return this.#sandbox && !this.#sandbox.disposed ? this.#sandbox.heapBytes() : 0;
    } catch {
      return 0;
    }
  }

  /** The append time of the oldest record fetched and not yet processed, ms (null: none waiting). */
  get oldestWaitingMs(): number | null {
    const first = this.#queue[0];
    return first ? Number(first.timestamp) : null;
  }

  enqueue(m: InputMessage): void {
    this.#queue.push(m);
    this.#wake?.();
  }

  /** Stops after the batch in hand; returns how many queued records were dropped. */
  retire(): number {
    if (this.retired) return 0;
    this.#rt.log.debug({ partition: this.partition, queued: this.#queue.length }, 'partition task retired');
    this.retired = true;
    const dropped = this.#queue.length;
    this.#queue = [];
    this.#wake?.();
    return dropped;
  }

  async #run(previous?: PartitionTask): Promise<void> {
    await previous?.done;
    const rt = this.#rt;
    try {
      if (this.retired) return;
      await this.#init();
      rt.log.debug({ partition: this.partition, nextOffset: String(this.nextOffset) }, 'partition task ready');
      while (!this.retired) {
        if (this.#queue.length === 0) {
          await new Promise<void>((r) => (this.#wake = r));
          this.#wake = null;
          continue;
        }
        await rt.deps.budget.waitForRoom(() => this.retired);
        if (this.retired) break;
        const batch = this.#queue.splice(0, rt.deps.settings.batchMaxRecords);
        rt.dequeued(batch.length);
        const next = this.nextOffset;
        const fresh = next === null ? batch : batch.filter((m) => m.offset >= next);
        if (fresh.length === 0) continue;
        if (next !== null && fresh[0]!.offset > next && (await this.#recordsBetween(next, fresh[0]!.offset)))
          throw new Error(
            `partition ${this.partition}: the fetch position ran past the committed offset ${next} (to ${fresh[0]!.offset}); restarting from the committed offset`,
          );
        await this.#processBatch(fresh);
      }
    } catch (error) {
      this.#onTaskError(error);
    } finally {
      // The next task of this partition reads the committed offset: let the last send and commit land first.
      await this.#sendInFlight;
      await this.#commitInFlight;
      this.#sandbox?.dispose();
      this.#sandbox = null;
    }
  }

  #onTaskError(error: unknown): void {
    const rt = this.#rt;
    if (error instanceof KafkaCallError && error.fenced) {
      rt.log.info({ processor: rt.spec.name, partition: this.partition }, 'partition moved to another member');
      rt.dequeued(this.retire());
    } else if (!this.retired) {
      rt.crash(error as Error);
    }
  }

  async #init(): Promise<void> {
    const rt = this.#rt;
    const { access } = rt.deps;
    const committed = (await committedPositions(rt.consumer, rt.inputName, [this.partition])).get(this.partition);
    const offset = committed?.offset ?? -1n;
    this.nextOffset = offset >= 0n ? offset : null;
    this.committedOffset = this.nextOffset;
    if (rt.spec.delivery !== 'exactly-once') return;
    this.#fence = new OutputFence();
    const starts = decodeFenceMetadata(committed?.metadata ?? null);
    const targets = [
      ...rt.spec.outputTopics,
      ...(rt.spec.errorPolicy === 'dlq' && rt.spec.dlqTopic ? [rt.spec.dlqTopic] : []),
    ];
    const { settings } = rt.deps;
    const scanBudget = {
      maxBytes: settings.fenceScanMaxBytes,
      timeoutMs: settings.fenceScanTimeoutMs,
      fetchMaxBytes: settings.fetchMaxBytes,
    };
    const started = Date.now();
    for (const topic of targets) {
      const ends = await partitionOffsets(rt.consumer, access.name(topic), LATEST);
      for (let p = 0; p < ends.length; p++) {
        const key = outputPartitionKey(topic, p);
        const end = ends[p]!;
        const from = starts ? fenceStartOf(starts, topic, p) : undefined;
        this.#fenceStarts.set(key, from ?? end);
        if (from === undefined || from >= end || offset < 0n) continue;
        const observe = (r: { headers: Array<[string, Buffer]> }) =>
          this.#fence!.observe(rt.spec.processorId, this.partition, offset, r.headers);
        const read = (fromOffset: bigint) =>
          readRange(rt.consumer, access.name(topic), p, fromOffset, end, scanBudget, observe);
        const result = await read(from).catch(async (error) => {
          if (!(error instanceof KafkaCallError && error.errorCode === OFFSET_OUT_OF_RANGE)) throw error;
          // Retention deleted the start of the range: what is left begins at the log start.
          const logStart = (await partitionOffsets(rt.consumer, access.name(topic), EARLIEST))[p] ?? from;
          return read(logStart > from ? logStart : from);
        });
        if (!result.complete)
          rt.log.warn(
            {
              processor: rt.spec.name,
              partition: this.partition,
              output: key,
              readUpTo: String(result.nextOffset),
              end: String(end),
            },
            'exactly-once fence scan stopped at its bound (SAMSA_PROCESSORS_FENCE_SCAN_MAX_BYTES / _TIMEOUT_MS): outputs beyond it may be written again',
          );
      }
    }
    rt.log.debug(
      {
        processor: rt.spec.name,
        partition: this.partition,
        committed: String(offset),
        fenced: this.#fence.size,
        ms: Date.now() - started,
      },
      'exactly-once fence read',
    );
  }

  /** True when the input holds records in [from, until): a jump over them is a stale fetch, not a gap in the log. */
  async #recordsBetween(from: bigint, until: bigint): Promise<boolean> {
    const rt = this.#rt;
    let found = false;
    const bounds = { maxBytes: 1, timeoutMs: rt.deps.settings.requestTimeoutMs, fetchMaxBytes: 65_536 };
    try {
      await readRange(rt.consumer, rt.inputName, this.partition, from, until, bounds, () => {
        found = true;
      });
    } catch (error) {
      // Below the log start (retention deleted them): a real gap.
      if (error instanceof KafkaCallError && error.errorCode === OFFSET_OUT_OF_RANGE) return false;
      throw error;
    }
    return found;
  }

  async #ensureSandbox(): Promise<RecordSandbox> {
    if (this.#sandbox && !this.#sandbox.disposed) return this.#sandbox;
    const s = this.#rt.spec;
    const sandbox = await this.#rt.deps.createSandbox(s.tenantId, {
      code: s.code,
      outputs: s.outputTopics,
      env: s.env,
      limits: s.limits,
    });
    this.#sandbox = withSchemas(sandbox, this.#rt.deps.schemas, s.slug, s.limits);
    return this.#sandbox;
  }

  /**
   * One sandbox call. A `timeout` or `memory` fault ends it (see BatchResults): the answer is then shorter than
   * `inputs`. After a memory fault the sandbox is rebuilt at the next call.
   */
  async #runOnce(inputs: InputRecord[]): Promise<BatchResults> {
    const sandbox = await this.#ensureSandbox();
    const before = sandbox.cpuTimeMs();
    const results = await sandbox.process(inputs);
    let after = before;
    try {
      after = sandbox.cpuTimeMs();
    } catch {
      // a disposed isolate has no clock; its time was spent all the same, but cannot be read
    }
    this.#rt.stats.counters.cpuMs += after - before;
    this.#rt.deps.budget.charge(after - before);
    if (sandbox.disposed) {
      this.#sandbox = null;
      this.#rt.log.info(
        { processor: this.#rt.spec.name, partition: this.partition },
        'sandbox lost to a memory fault: rebuilt at the next call',
      );
    }
    if (results.length === 0 && inputs.length > 0) throw new Error('the sandbox answered no result');
    return results;
  }

  async #withRetries(input: InputRecord, first: RecordResult): Promise<RecordResult> {
    const s = this.#rt.spec;
    let result = first;
    for (let attempt = 1; attempt <= s.retries && !result.ok && !this.retired; attempt++) {
      this.#emitLogs(result, input);
      const backoffMs = Math.min(this.#rt.deps.settings.maxRetryBackoffMs, s.retryBackoffMs * 2 ** (attempt - 1));
      await sleep(backoffMs);
      result = (await this.#runOnce([input]))[0]!;
    }
    return result;
  }

  #emitLogs(result: RecordResult, input: InputRecord): void {
    const rt = this.#rt;
    for (const l of result.logs)
      rt.deps.events.log({ ...l, version: rt.spec.version, partition: this.partition, offset: input.offset });
    if (!result.ok)
      rt.deps.events.log({
        level: 'error',
        message: `${result.error.kind}: ${result.error.message}`,
        atMs: Date.now(),
        version: rt.spec.version,
        partition: this.partition,
        offset: input.offset,
      });
  }

  async #processBatch(batch: InputMessage[]): Promise<void> {
    const rt = this.#rt;
    const s = rt.spec;
    const inputs: InputRecord[] = batch.map((m) => ({
      topic: s.inputTopic,
      partition: m.partition,
      offset: m.offset,
      timestampMs: Number(m.timestamp),
      key: m.key && m.key.length > 0 ? m.key : null,
      value: m.value ?? null,
      headers: m.headerEntries.map(([k, v]) => [k.toString('utf8'), v]),
    }));
    // A fault ends a sandbox call: it is handled (and its outputs sent) before the rest of the batch is run.
    let rest = inputs;
    while (rest.length > 0 && !this.retired) {
      const results = await this.#runOnce(rest);
      const fault = results.length - 1;
      if (results[fault]?.ok === false && results[fault].error.kind === 'memory' && fault < rest.length - 1) {
        // A memory fault is given to the first record of the call it ended (the isolate is gone, and with it which
        // record was running): that record alone, in a fresh sandbox, says whether it was the one.
        results[fault] = (await this.#runOnce([rest[fault]!]))[0]!;
      }
      if (!(await this.#handleResults(rest, results))) return;
      rest = rest.slice(results.length);
    }
  }

  /**
   * Acts on the results of `inputs`' first records (retries, error policy), sends their outputs and commits past
   * them. False when the processor stopped (policy `stop`) or the task was retired.
   */
  async #handleResults(inputs: InputRecord[], results: BatchResults): Promise<boolean> {
    const rt = this.#rt;
    const s = rt.spec;
    const { access } = rt.deps;
    const messages: OutMessage[] = [];
    let stopAt: { index: number; error: ProcessorErrorInfo } | null = null;
    let outCount = 0;
    for (let i = 0; i < results.length; i++) {
      const input = inputs[i]!;
      let result = results[i]!;
      if (!result.ok) result = await this.#withRetries(input, result);
      if (this.retired) return false;
      this.#emitLogs(result, input);
      rt.stats.recordDuration(result.durationMs);
      rt.stats.counters.inRecords++;
      if (result.ok) {
        if (result.outputs.length === 0) rt.stats.counters.drops++;
        result.outputs.forEach((o, index) => {
          if (this.#fence?.has(input.offset, index)) return;
          messages.push(outputMessage(access, s, input, o, index));
          outCount++;
        });
        continue;
      }
      rt.stats.counters.errors++;
      if (s.errorPolicy === 'stop') {
        stopAt = { index: i, error: result.error };
        break;
      }
      if (s.errorPolicy === 'skip' || !s.dlqTopic) continue;
      rt.stats.counters.dlq++;
      if (this.#fence?.has(input.offset, 'dlq')) continue;
      messages.push(deadLetterMessage(access, s, s.dlqTopic, input, result.error));
    }
    // The previous batch's outputs were sent while this one ran in the sandbox: one send in flight at a time, so
    // outputs stay in order; a failed send has retired the task (or ended the runtime) and nothing more is sent.
    await this.#sendInFlight;
    if (this.retired) return false;
    const commitOffset = stopAt ? inputs[stopAt.index]!.offset : inputs[results.length - 1]!.offset + 1n;
    const advance = this.nextOffset === null || commitOffset > this.nextOffset;
    if (advance) this.nextOffset = commitOffset;
    this.#sendInFlight = this.#sendAndCommit(messages, outCount, commitOffset, advance).catch((error) =>
      this.#onTaskError(error),
    );
    if (stopAt) {
      await this.#sendInFlight;
      await this.#commitInFlight;
      if (this.retired) return false;
      const input = inputs[stopAt.index]!;
      rt.fail({
        message: stopAt.error.message,
        stack: stopAt.error.stack ?? null,
        kind: stopAt.error.kind,
        topic: s.inputTopic,
        partition: this.partition,
        offset: String(input.offset),
        version: s.version,
        at: new Date().toISOString(),
        deploymentId: s.deploymentId,
      });
      this.retired = true;
      return false;
    }
    return true;
  }

  /**
   * Sends a batch's outputs (and dead letters), waits for their acknowledgement, then commits the input offset past
   * the batch. One commit in flight at a time, in order; the next batch is processed meanwhile. Its outputs are sent
   * after this batch's acknowledgement, so the commit metadata's bounds still hold for every record not yet
   * committed.
   */
  async #sendAndCommit(messages: OutMessage[], outCount: number, commitOffset: bigint, advance: boolean) {
    const rt = this.#rt;
    // Base offsets of the (possibly gathered, see send-coalescer.ts) request: at or below this batch's outputs.
    const produced = messages.length > 0 ? await rt.sends.send(messages) : [];
    rt.stats.counters.outRecords += outCount;
    if (this.#fence && !this.#fence.holdsFrom(commitOffset))
      for (const p of produced)
        this.#fenceStarts.set(outputPartitionKey(rt.deps.access.local(p.topic), p.partition), p.offset);
    if (!advance) return;
    const metadata = this.#fence ? encodeFenceMetadata(this.#fenceStarts) : null;
    await this.#commitInFlight;
    this.#commitInFlight = commitWithMetadata(rt.consumer, rt.inputName, [
      { partition: this.partition, offset: commitOffset, metadata },
    ]).then(
      () => {
        this.committedOffset = commitOffset;
      },
      (error) => this.#onTaskError(error),
    );
  }
}
