/**
 * Gateways in processes of their own (bench/gateway-child.ts), for the scale-out bench and the failover tests:
 * started with their options, stopped with SIGTERM or killed with SIGKILL, their CPU read from /proc.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A gateway must be listening within this. */
const GATEWAY_START_TIMEOUT_MS = 60_000;

export interface GatewayChildOptions {
  bootstrap: string[];
  sasl: { mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'PLAIN'; username: string; password: string };
  databaseUrl: string;
  secretsKey: Buffer;
  host?: string;
  /** The bootstrap listener's port; 0 or none: any free one. */
  port?: number;
}

export interface GatewayChild {
  /** host:port of its bootstrap listener. */
  bootstrap: string;
  proc: ChildProcess;
}

export async function startGatewayChild(o: GatewayChildOptions): Promise<GatewayChild> {
  const { secretsKey, ...rest } = o;
  const proc = spawn(process.execPath, [join(import.meta.dirname, 'gateway-child.ts')], {
    env: {
      ...process.env,
      SAMSA_GATEWAY_CHILD: JSON.stringify({ ...rest, secretsKeyBase64: secretsKey.toString('base64') }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: proc.stdout! });
  const bootstrap = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`the gateway did not listen within ${GATEWAY_START_TIMEOUT_MS} ms`));
    }, GATEWAY_START_TIMEOUT_MS);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited with ${code} before listening`));
    });
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { bootstrap: string }).bootstrap);
    });
  });
  return { bootstrap, proc };
}

/** SIGTERM (a clean close) or SIGKILL, and waits for the exit. */
export async function stopGatewayChild(g: GatewayChild, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  if (g.proc.exitCode !== null || g.proc.signalCode !== null) return;
  const exited = new Promise((r) => g.proc.once('exit', r));
  g.proc.kill(signal);
  await exited;
}

let clockTicksPerSecond: number | undefined;

/** User + system CPU seconds the process has used so far (fields 14 and 15 of /proc/<pid>/stat). */
export function processCpuSeconds(pid: number): number {
  clockTicksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
}
