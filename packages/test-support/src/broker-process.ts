/** Test support: runs a real `samsa broker` process on free ports with a temp data dir. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SAMSA_BIN = join(dirname(fileURLToPath(import.meta.url)), '../../cli/bin/samsa.js');

export interface BrokerProcess {
  port: number;
  httpPort: number;
  dataDir: string;
  bootstrap: string;
  proc: ChildProcess;
  logs: string[];
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill9(): Promise<void>;
  /** Stop (if running) and remove the data dir. */
  cleanup(): Promise<void>;
}

export async function makeDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'samsa-test-'));
}

export async function startBroker(opts: { dataDir?: string; args?: string[]; env?: NodeJS.ProcessEnv } = {}) {
  const dataDir = opts.dataDir ?? (await makeDataDir());
  const args = [
    SAMSA_BIN,
    'broker',
    '--data-dir',
    dataDir,
    '--listen',
    '127.0.0.1:0',
    '--http-listen',
    '127.0.0.1:0',
    '--log-level',
    'info',
    ...(opts.args ?? []),
  ];
  const proc = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  const logs: string[] = [];
  let exited = false;
  const exit = new Promise<number | null>((resolve) =>
    proc.on('exit', (code) => {
      exited = true;
      resolve(code);
    }),
  );
  const started = new Promise<{ port: number; httpPort: number }>((resolve, reject) => {
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString();
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        logs.push(line);
        try {
          const entry = JSON.parse(line);
          if (entry.msg === 'broker started') {
            resolve({ port: Number(entry.listen.split(':').pop()), httpPort: Number(entry.http.split(':').pop()) });
          }
        } catch {
          // not JSON: keep it in logs
        }
        nl = buf.indexOf('\n');
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (c: Buffer) => logs.push(c.toString()));
    exit.then((code) => reject(new Error(`broker exited with ${code} before starting:\n${logs.join('\n')}`)));
    setTimeout(() => reject(new Error(`broker did not start in 20 s:\n${logs.join('\n')}`)), 20_000).unref();
  });
  const { port, httpPort } = await started;
  const b: BrokerProcess = {
    port,
    httpPort,
    dataDir,
    bootstrap: `127.0.0.1:${port}`,
    proc,
    logs,
    async stop() {
      if (exited) return proc.exitCode;
      proc.kill('SIGTERM');
      return exit;
    },
    async kill9() {
      if (exited) return;
      proc.kill('SIGKILL');
      await exit;
    },
    async cleanup() {
      if (!exited) {
        proc.kill('SIGKILL');
        await exit;
      }
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return b;
}
