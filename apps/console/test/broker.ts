/** Starts a real `samsa broker` process on free ports with a temporary data directory, for integration tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@samsa/db/embedded';

export interface BrokerProcess {
  bootstrap: string;
  /** Its /healthz (the console reads it from SAMSA_BROKER_HEALTH_URL). */
  healthUrl: string;
  stop(): Promise<void>;
}

const SAMSA_BIN = resolve(import.meta.dirname, '../../../packages/cli/bin/samsa.js');

async function waitForPort(port: number, deadline_ms: number): Promise<void> {
  while (Date.now() < deadline_ms) {
    const ok = await new Promise<boolean>((r) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => {
        s.end();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`broker did not listen on ${port}`);
}

/** Credentials of the platform superuser a tenancy broker is started with (the console's admin connection). */
export const SUPERUSER = { username: 'admin', password: 'superuser-secret-1' };

/**
 * Without a database the broker runs without tenancy or SASL: those tests exercise the console's own rules. With
 * `tenancy`, it reads tenants, keys, ACLs and quotas from that database and requires SASL (superuser: SUPERUSER).
 */
function brokerEnv(tenancy?: { databaseUrl: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SAMSA_LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  if (tenancy) {
    env.DATABASE_URL = tenancy.databaseUrl;
    env.SAMSA_SUPERUSER_PASSWORD = SUPERUSER.password;
  }
  return env;
}

/** `args`: more `samsa broker` flags (e.g. a test's own transaction timeouts). */
export async function startBroker(
  opts: { tenancy?: { databaseUrl: string }; args?: string[] } = {},
): Promise<BrokerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-broker-'));
  const port = await freePort();
  const httpPort = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      SAMSA_BIN,
      'broker',
      '--data-dir',
      dataDir,
      '--listen',
      `127.0.0.1:${port}`,
      '--http-listen',
      `127.0.0.1:${httpPort}`,
      ...(opts.args ?? []),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: brokerEnv(opts.tenancy) },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await Promise.race([
    waitForPort(port, Date.now() + 20_000),
    exited.then(() => {
      throw new Error('broker exited during start');
    }),
  ]);
  return {
    bootstrap: `127.0.0.1:${port}`,
    healthUrl: `http://127.0.0.1:${httpPort}/healthz`,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
