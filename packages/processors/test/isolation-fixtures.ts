/**
 * The isolation tests run the processor host as in production: `samsa processors`, a child process, against the
 * hub of host-support.ts (a real broker process with tenancy over a test database).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { generateSecretKey } from '@samsa/db/secret-box';
import { SAMSA_BIN } from '@samsa/test-support/broker-process';
import { type Hub, SUPERUSER } from './host-support.ts';

export interface HostProcess {
  proc: ChildProcess;
  /** stdout and stderr lines (pino JSON). */
  logs: string[];
  /** SIGKILL, if still running. */
  kill(): Promise<void>;
}

/** Starts `samsa processors` against `hub` with short intervals plus `env`. */
export function startHostProcess(hub: Hub, env: Record<string, string> = {}): HostProcess {
  const proc = spawn(process.execPath, [SAMSA_BIN, 'processors', '--bootstrap', hub.broker.bootstrap], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATABASE_URL: hub.db.url,
      SAMSA_SUPERUSER_NAME: SUPERUSER.username,
      SAMSA_SUPERUSER_PASSWORD: SUPERUSER.password,
      SAMSA_SECRETS_KEY: generateSecretKey(),
      SAMSA_PROCESSORS_POLL_MS: '200',
      SAMSA_PROCESSORS_STATUS_INTERVAL_MS: '300',
      ...env,
    },
  });
  const logs: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line !== '') logs.push(line);
  };
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  return {
    proc,
    logs,
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
