/**
 * How the orchestrator and its worker processes talk: the worker gets its options as JSON in argv, reports
 * `ready` once connected and prepared, starts measuring on `go`, and ends with one `result` (or `error`) message.
 * Every wait has a deadline, so a stuck worker cannot hang the run.
 */
import { type ChildProcess, fork } from 'node:child_process';

export interface WorkerMessage {
  type: string;
  [key: string]: unknown;
}

// ------------------------------------------------------------ worker side

export function workerOptions<T>(): T {
  const raw = process.argv[2];
  if (!raw) throw new Error('worker started without options');
  return JSON.parse(raw) as T;
}

export function tellParent(msg: WorkerMessage): void {
  process.send!(msg);
}

/** Resolves with the next message of this type from the orchestrator. */
export function fromParent(type: string): Promise<WorkerMessage> {
  return new Promise((resolve) => {
    const onMessage = (msg: WorkerMessage) => {
      if (msg.type !== type) return;
      process.off('message', onMessage);
      resolve(msg);
    };
    process.on('message', onMessage);
  });
}

/** Runs a worker's main: reports its result, or its error, then exits. */
export function runWorker(main: () => Promise<Record<string, unknown>>): void {
  main().then(
    (result) => {
      process.send!({ type: 'result', ...result }, () => process.exit(0));
    },
    (err: Error) => {
      process.send!({ type: 'error', message: err.stack ?? String(err) }, () => process.exit(1));
    },
  );
}

// ------------------------------------------------------------ orchestrator side

export class Worker {
  readonly proc: ChildProcess;
  readonly name: string;
  private readonly inbox: WorkerMessage[] = [];
  private readonly waiters: { type: string; resolve: (m: WorkerMessage) => void; reject: (e: Error) => void }[] = [];
  private exitError: Error | null = null;

  /**
   * `execArgv` adds Node flags, e.g. --cpu-prof. `execPath` runs another interpreter (e.g. /usr/bin/python3) that
   * speaks the same IPC: one JSON object per line on the file descriptor in NODE_CHANNEL_FD.
   */
  constructor(file: URL, options: unknown, execArgv: string[] = [], execPath?: string) {
    this.name = file.pathname.split('/').pop()!;
    this.proc = fork(file, [JSON.stringify(options)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      ...(execPath ? { execPath, execArgv } : { execArgv: [...process.execArgv, ...execArgv] }),
    });
    this.proc.on('message', (msg: WorkerMessage) => {
      if (msg.type === 'error') {
        this.failAll(new Error(`${this.name} failed: ${msg.message}`));
        return;
      }
      const i = this.waiters.findIndex((w) => w.type === msg.type);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(msg);
      else this.inbox.push(msg);
    });
    this.proc.on('exit', (code, signal) => {
      this.failAll(new Error(`${this.name} exited (code ${code}, signal ${signal}) before answering`));
    });
  }

  /** Resolves with the next message of this type; rejects after `timeoutMs` or if the worker dies. */
  next(type: string, timeoutMs: number): Promise<WorkerMessage> {
    const i = this.inbox.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]!);
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const w = this.waiters.indexOf(waiter);
        if (w >= 0) this.waiters.splice(w, 1);
        reject(new Error(`${this.name}: no '${type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        type,
        resolve: (m: WorkerMessage) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  send(msg: WorkerMessage): void {
    this.proc.send(msg);
  }

  /** Gives a worker that has answered a moment to exit by itself (so --cpu-prof can write), then kills it. */
  async finish(graceMs: number): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.proc.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.kill();
  }

  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }

  private failAll(err: Error): void {
    this.exitError ??= err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}
