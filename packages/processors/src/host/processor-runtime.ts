/**
 * One processor running on this host: its consumer in the processor's group (the group spreads the input's
 * partitions over the hosts), one PartitionTask per assigned partition, a producer (idempotent, acks=all), and the
 * counters the status reporter reads. A task failure that is not the function's (the broker went away, a fenced
 * commit) ends the runtime; the reconciler starts it again, and the committed offsets say where to continue.
 */
import { Consumer, type Message, type MessagesStream, Producer } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { type Delivery, type ErrorPolicy, type LogLevel, processorGroupId, type SandboxLimits } from '../types.ts';
import type { CpuBudget } from './cpu-budget.ts';
import { IDEMPOTENT_PRODUCER, type TenantAccess } from './kafka-access.ts';
import { PartitionTask } from './partition-task.ts';
import { ProcessorStats } from './processor-stats.ts';
import type { SandboxFactory } from './sandbox-port.ts';
import type { SchemaLookup } from '../schemas/schema-lookup.ts';
import { SendCoalescer } from './send-coalescer.ts';
import type { HostSettings } from './settings.ts';

/** What runs: one deployment's version with its settings, env and limits. */
export interface ProcessorSpec {
  processorId: string;
  tenantId: string;
  slug: string;
  name: string;
  deploymentId: string;
  version: number;
  inputTopic: string;
  outputTopics: string[];
  dlqTopic: string | null;
  code: string;
  delivery: Delivery;
  errorPolicy: ErrorPolicy;
  retries: number;
  retryBackoffMs: number;
  /** Plain values and opened secrets. */
  env: Record<string, string>;
  limits: SandboxLimits;
}

/** The record at which a processor stopped (error policy `stop`), as written to Processor.lastError. */
export interface ProcessorFailure {
  message: string;
  stack: string | null;
  kind: string;
  topic: string;
  partition: number;
  offset: string;
  version: number;
  at: string;
  deploymentId: string;
}

export interface ProcessorLogLine {
  level: LogLevel;
  message: string;
  atMs: number;
  version: number;
  partition: number | null;
  offset: bigint | null;
}

export interface RuntimeEvents {
  log(line: ProcessorLogLine): void;
  /** The error policy `stop` stopped the processor at a record. */
  failed(failure: ProcessorFailure): void;
}

export interface RuntimeDeps {
  access: TenantAccess;
  settings: HostSettings;
  logger: Logger;
  budget: CpuBudget;
  createSandbox: SandboxFactory;
  /** The tenants' schema registry (null: none configured): see schema-codec.ts. */
  schemas: SchemaLookup | null;
  events: RuntimeEvents;
  hostId: string;
}

export class ProcessorRuntime {
  readonly spec: ProcessorSpec;
  readonly stats = new ProcessorStats();
  readonly deps: RuntimeDeps;
  /** Set when the runtime ended by itself: the error (a crash) or the failure (policy stop). */
  ended: { error?: Error; failure?: ProcessorFailure } | null = null;
  consumer!: Consumer;
  producer!: Producer;
  /** The tasks' sends through `producer`, gathered while a request is in flight. */
  sends!: SendCoalescer;
  #stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | null = null;
  readonly #tasks = new Map<number, PartitionTask>();
  #queued = 0;
  #paused = false;
  #awaitingOffsets = false;
  #stopping: Promise<void> | null = null;

  constructor(spec: ProcessorSpec, deps: RuntimeDeps) {
    this.spec = spec;
    this.deps = deps;
  }

  get log(): Logger {
    return this.deps.logger;
  }

  get stopping(): boolean {
    return this.#stopping !== null;
  }

  /** The broker's name of the input topic on this runtime's connection. */
  get inputName(): string {
    return this.deps.access.name(this.spec.inputTopic);
  }

  async start(): Promise<void> {
    const { access, settings, hostId } = this.deps;
    const clientId = `samsa-processor-${this.spec.name}-${hostId}`;
    this.producer = new Producer({
      ...access.clientOptions(clientId),
      ...IDEMPOTENT_PRODUCER,
    });
    const producer = this.producer;
    // As large as one fetch of the input: a gathered request stays in the broker's bounds when a fetch does.
    this.sends = new SendCoalescer(
      async (messages) => (await producer.send({ messages, acks: -1 })).offsets ?? [],
      settings.fetchMaxBytes,
    );
    this.consumer = new Consumer({
      ...access.clientOptions(clientId),
      groupId: access.name(processorGroupId(this.spec.name)),
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: Math.max(100, Math.floor(settings.sessionTimeoutMs / 4)),
      rebalanceTimeout: settings.sessionTimeoutMs,
      autocommit: false,
    });
    // Every (re)join makes the stream fetch each assigned partition again from its committed offset: the tasks
    // start over from there (an exactly-once task reads its fence again).
    this.consumer.on('consumer:group:join', (j) => {
      this.log.debug({ assignments: j.assignments, generation: j.generationId }, 'joined the group');
      // After a rejoin, records of fetches from before it are dropped until the stream has read the committed
      // offsets again (its 'offsets' event). The first join happens inside consume(), before any fetch.
      if (this.#stream) this.#awaitingOffsets = true;
      for (const task of this.#tasks.values()) this.#retire(task);
    });
    const stream = await this.consumer.consume({
      topics: [this.inputName],
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
      maxBytes: settings.fetchMaxBytes,
      maxWaitTime: 200,
    });
    this.#stream = stream;
    stream.on('offsets', () => {
      this.#awaitingOffsets = false;
    });
    stream.on('data', (m: Message<Buffer, Buffer, Buffer, Buffer>) => this.#onMessage(m));
    stream.on('error', (e: Error) => this.crash(e));
  }

  /** Input partitions assigned to this host. */
  assignedPartitions(): number[] {
    const a = this.consumer?.assignments?.find((x) => x.topic === this.inputName);
    return a ? [...a.partitions].sort((x, y) => x - y) : [];
  }

  /** How far behind the input the oldest waiting record is, seconds (0 when none waits). */
  lagSeconds(): number {
    let oldest: number | null = null;
    for (const t of this.#tasks.values()) {
      const at = t.retired ? null : t.oldestWaitingMs;
      if (at !== null && (oldest === null || at < oldest)) oldest = at;
    }
    return oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1_000);
  }

  tasks(): PartitionTask[] {
    return [...this.#tasks.values()];
  }

  #onMessage(m: Message<Buffer, Buffer, Buffer, Buffer>): void {
    if (this.#stopping || this.#awaitingOffsets) return;
    let task = this.#tasks.get(m.partition);
    if (!task || task.retired) {
      task = new PartitionTask(this, m.partition, task);
      this.#tasks.set(m.partition, task);
    }
    task.enqueue(m);
    this.#queued++;
    if (!this.#paused && this.#queued >= this.deps.settings.queueMaxRecords) {
      this.#paused = true;
      this.#stream?.pause();
    }
  }

  /** A task took `n` records off its queue (or dropped them). */
  dequeued(n: number): void {
    this.#queued -= n;
    if (this.#paused && this.#queued <= this.deps.settings.queueMaxRecords / 2 && !this.#stopping) {
      this.#paused = false;
      this.#stream?.resume();
    }
  }

  #retire(task: PartitionTask): void {
    this.dequeued(task.retire());
  }

  /** The error policy `stop` hit a record: report it and stop every task. */
  fail(failure: ProcessorFailure): void {
    if (this.ended) return;
    this.ended = { failure };
    this.deps.events.failed(failure);
    void this.stop();
  }

  /** Something outside the function failed (broker, network): stop; the reconciler starts the processor again. */
  crash(error: Error): void {
    if (this.ended || this.#stopping) return;
    this.log.warn({ err: error, processor: this.spec.name }, 'processor runtime failed; it will be started again');
    this.ended = { error };
    void this.stop();
  }

  async stop(): Promise<void> {
    this.#stopping ??= (async () => {
      for (const task of this.#tasks.values()) this.#retire(task);
      await Promise.allSettled([...this.#tasks.values()].map((t) => t.done));
      await this.#stream?.close().catch(() => undefined);
      await this.consumer?.close(true).catch(() => undefined);
      await this.producer?.close().catch(() => undefined);
    })();
    return this.#stopping;
  }
}
