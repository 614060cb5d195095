/**
 * A child process kept running: restarted whenever it exits, after a backoff that doubles up to a cap and starts
 * over once the child has stayed up for a stable while. `samsa start` runs the processor host this way, so a crash of
 * the host (tenant code cannot crash it, but a bug or an out-of-memory kill can) costs a restart, not the hub.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

export interface RestartPolicy {
  /** Wait before the first restart after a stable run. */
  minBackoffMs: number;
  /** The doubling stops here. */
  maxBackoffMs: number;
  /** A child up at least this long counts as stable: the next restart waits minBackoffMs again. */
  stableAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  minBackoffMs: 1_000,
  maxBackoffMs: 30_000,
  stableAfterMs: 60_000,
};

/** How long to wait before restarting a child that ran for `uptimeMs`, after waiting `previousMs` the last time. */
export function restartBackoffMs(policy: RestartPolicy, previousMs: number | null, uptimeMs: number): number {
  if (previousMs === null || uptimeMs >= policy.stableAfterMs) return policy.minBackoffMs;
  return Math.min(policy.maxBackoffMs, Math.max(policy.minBackoffMs, previousMs * 2));
}

export interface SupervisedChildOptions {
  /** Names the child in log lines: 'processor host'. */
  name: string;
  command: string;
  args: string[];
  spawnOptions: SpawnOptions;
  policy: RestartPolicy;
  /** One line per start, exit and restart. */
  log: (line: string) => void;
  /** After SIGTERM, SIGKILL when the child has not exited in this time. */
  stopTimeoutMs: number;
  /** Called with each new child process (e.g. to read its output when stdio is piped). */
  onSpawn?: (child: ChildProcess) => void;
  now?: () => number;
}

export class SupervisedChild {
  readonly #options: SupervisedChildOptions;
  readonly #now: () => number;
  #child: ChildProcess | null = null;
  #startedAtMs = 0;
  #previousBackoffMs: number | null = null;
  #restartTimer: NodeJS.Timeout | null = null;
  #stopping = false;
  #restarts = 0;

  constructor(options: SupervisedChildOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** How many times the child was restarted after an exit. */
  get restarts(): number {
    return this.#restarts;
  }

  /** The running child's pid, or null between an exit and its restart. */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  start(): void {
    if (this.#stopping || this.#child) return;
    const { command, args, spawnOptions, name } = this.#options;
    const child = spawn(command, args, spawnOptions);
    this.#child = child;
    this.#startedAtMs = this.#now();
    this.#options.onSpawn?.(child);
    child.once('error', (err) => this.#options.log(`${name} could not be started: ${err.message}`));
    child.once('exit', (code, signal) => this.#exited(child, code, signal));
  }

  #exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#child !== child) return;
    this.#child = null;
    if (this.#stopping) return;
    const { name, policy, log } = this.#options;
    const uptimeMs = this.#now() - this.#startedAtMs;
    const backoffMs = restartBackoffMs(policy, this.#previousBackoffMs, uptimeMs);
    this.#previousBackoffMs = backoffMs;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    log(`${name} ${how} after ${uptimeMs} ms; restart ${this.#restarts + 1} in ${backoffMs} ms`);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      this.#restarts++;
      this.start();
    }, backoffMs);
  }

  /** Stops supervising: no more restarts; SIGTERM to the child, SIGKILL after stopTimeoutMs. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = null;
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), this.#options.stopTimeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
