/**
 * Sandboxes in child processes, one process per key (a tenant): the same API as ProcessorSandbox, behind which a
 * crash of V8 itself ends only that key's process. isolated-vm stops most memory bombs inside the isolate, but a
 * single large allocation that fails (a Map, Set or dictionary object growing past the limit) aborts the whole
 * process it runs in (laverdet/isolated-vm#527, #457). When a process dies, its pending calls answer `memory`
 * for their first record (the rest were not run, see BatchResults), its sandboxes become `disposed`, and the next create() for the key starts a new process.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { BatchResults, InputRecord, RecordResult } from '../types.ts';
import { ProcessorCompileError, ProcessorSandboxDisposedError } from './errors.ts';
import { MAX_BATCH_RECORDS, type SandboxOptions, sandboxOptionsSchema } from './sandbox.ts';
import type { SandboxChildRequest } from './sandbox-child.ts';

const CHILD_ENTRY = fileURLToPath(new URL('./sandbox-child.ts', import.meta.url));
/** Tail of a sandbox process's stderr kept to explain its death, characters. */
const STDERR_TAIL_CHARS = 4_000;

interface Reply {
  id: number;
  ok: boolean;
  results?: RecordResult[];
  disposed?: boolean;
  cpuTimeMs?: number;
  heapBytes?: number;
  error?: { name: string; message: string; line?: number; column?: number };
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** Why a sandbox process ended. */
interface Death {
  code: number | null;
  signal: NodeJS.Signals | null;
}

class SandboxChild {
  /** Sandboxes alive in this process, and creates under way. */
  users = 0;
  readonly #proc: ChildProcess;
  readonly #pending = new Map<number, { resolve: (reply: Reply | Death) => void }>();
  #nextId = 1;
  #death: Death | null = null;
  #stderrTail = '';

  constructor(onExit: (death: Death, stderrTail: string) => void) {
    this.#proc = fork(CHILD_ENTRY, [], {
      serialization: 'advanced',
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.#proc.stderr?.on('data', (chunk: Buffer) => {
      this.#stderrTail = (this.#stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    this.#proc.on('message', (message: Reply) => {
      const waiter = this.#pending.get(message?.id);
      if (!waiter) return;
      this.#pending.delete(message.id);
      waiter.resolve(message);
    });
    this.#proc.on('exit', (code, signal) => {
      this.#death = { code, signal };
      for (const waiter of this.#pending.values()) waiter.resolve(this.#death);
      this.#pending.clear();
      onExit(this.#death, this.#stderrTail);
    });
  }

  get dead(): Death | null {
    return this.#death;
  }

  get stderrTail(): string {
    return this.#stderrTail;
  }

  request(message: WithoutId<Extract<SandboxChildRequest, { id: number }>>): Promise<Reply | Death> {
    if (this.#death) return Promise.resolve(this.#death);
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, { resolve });
      this.#proc.send({ ...message, id });
    });
  }

  send(message: SandboxChildRequest): void {
    if (!this.#death && this.#proc.connected) this.#proc.send(message);
  }

  kill(): void {
    if (!this.#death) this.#proc.kill('SIGKILL');
  }

  /** Lets the process finish what it was asked and exit (it exits when the IPC channel closes). */
  end(): void {
    if (!this.#death && this.#proc.connected) this.#proc.disconnect();
  }
}

function isDeath(reply: Reply | Death): reply is Death {
  return !('id' in reply);
}

export class ProcessSandbox {
  readonly #child: SandboxChild;
  readonly #sandboxId: number;
  readonly #memoryMb: number;
  readonly #onDispose: () => void;
  #disposedByCall = false;
  #faulted = false;
  #cpuTimeMs = 0;
  #heapBytes = 0;

  constructor(child: SandboxChild, sandboxId: number, memoryMb: number, onDispose: () => void) {
    this.#child = child;
    this.#sandboxId = sandboxId;
    this.#memoryMb = memoryMb;
    this.#onDispose = onDispose;
  }

  get disposed(): boolean {
    return this.#disposedByCall || this.#faulted || this.#child.dead !== null;
  }

  cpuTimeMs(): number {
    return this.#cpuTimeMs;
  }

  heapBytes(): number {
    return this.#heapBytes;
  }

  async process(records: readonly InputRecord[]): Promise<BatchResults> {
    if (this.#disposedByCall) throw new ProcessorSandboxDisposedError();
    if (records.length > MAX_BATCH_RECORDS) {
      throw new RangeError(`a batch holds at most ${MAX_BATCH_RECORDS} records, got ${records.length}`);
    }
    const reply = await this.#child.request({
      type: 'process',
      sandboxId: this.#sandboxId,
      records: records as unknown[],
    });
    if (isDeath(reply)) {
      if (this.#disposedByCall) throw new ProcessorSandboxDisposedError();
      const how = reply.signal ? `signal ${reply.signal}` : `exit code ${reply.code}`;
      const message = `the sandbox process ended (${how}): memory limit of ${this.#memoryMb} MiB exceeded or V8 failed; the sandbox was disposed`;
      return records.length === 0 ? [] : [{ ok: false, error: { kind: 'memory', message }, logs: [], durationMs: 0 }];
    }
    if (!reply.ok || !reply.results) {
      if (reply.error?.name === 'ProcessorSandboxDisposedError') throw new ProcessorSandboxDisposedError();
      throw new Error(`sandbox process: ${reply.error?.message ?? 'no results'}`);
    }
    this.#faulted = reply.disposed === true;
    this.#cpuTimeMs = reply.cpuTimeMs ?? this.#cpuTimeMs;
    this.#heapBytes = reply.heapBytes ?? this.#heapBytes;
    return reply.results;
  }

  dispose(): void {
    if (this.#disposedByCall) return;
    this.#disposedByCall = true;
    this.#child.send({ type: 'dispose', sandboxId: this.#sandboxId });
    this.#onDispose();
  }
}

export interface SandboxProcessPoolOptions {
  /** Most sandbox processes at once (keys with a live sandbox). */
  maxProcesses?: number;
  logger?: Logger;
}

/**
 * One sandbox process per key; sandboxes of one key share it (and its fate). A process ends when its last sandbox
 * is disposed.
 */
export class SandboxProcessPool {
  readonly #children = new Map<string, SandboxChild>();
  readonly #maxProcesses: number;
  readonly #logger: Logger | undefined;
  #nextSandboxId = 1;
  #closed = false;

  constructor(options: SandboxProcessPoolOptions = {}) {
    this.#maxProcesses = options.maxProcesses ?? 256;
    this.#logger = options.logger;
  }

  /** Creates a sandbox in the process of `key` (started when missing or dead); throws ProcessorCompileError. */
  async create(key: string, options: SandboxOptions): Promise<ProcessSandbox> {
    if (this.#closed) throw new Error('the sandbox process pool is closed');
    const parsed = sandboxOptionsSchema.parse(options);
    let child = this.#children.get(key);
    if (!child || child.dead) {
      if (this.#children.size >= this.#maxProcesses && !child) {
        throw new RangeError(`at most ${this.#maxProcesses} sandbox processes run at once`);
      }
      const started = new SandboxChild((death, stderrTail) => {
        if (this.#children.get(key) === started) this.#children.delete(key);
        if (death.code !== 0) {
          this.#logger?.warn({ key, code: death.code, signal: death.signal, stderrTail }, 'sandbox process ended');
        }
      });
      child = started;
      this.#children.set(key, child);
    }
    const user = child;
    user.users++;
    const release = () => {
      user.users--;
      if (user.users === 0) {
        if (this.#children.get(key) === user) this.#children.delete(key);
        user.end();
      }
    };
    try {
      const sandboxId = this.#nextSandboxId++;
      const reply = await user.request({ type: 'create', sandboxId, options: parsed });
      if (isDeath(reply)) {
        throw new Error(`the sandbox process ended while creating a sandbox: ${user.stderrTail.slice(-500)}`);
      }
      if (!reply.ok) {
        const e = reply.error;
        if (e?.name === 'ProcessorCompileError') {
          const position =
            e.line !== undefined && e.column !== undefined ? { line: e.line, column: e.column } : undefined;
          throw new ProcessorCompileError(e.message, position);
        }
        throw new Error(`sandbox process: ${e?.message ?? 'create failed'}`);
      }
      return new ProcessSandbox(user, sandboxId, parsed.limits.memoryMb, release);
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Sandbox processes running now. */
  get processCount(): number {
    return this.#children.size;
  }

  /** Ends every sandbox process. */
  close(): void {
    this.#closed = true;
    for (const child of this.#children.values()) child.kill();
    this.#children.clear();
  }
}
