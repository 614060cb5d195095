/** Starts the whole hub with `samsa start` (real Postgres database, broker and console) on free ports. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@samsa/db/embedded';
import { type Browser, chromium } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';

export interface Hub {
  consoleUrl: string;
  bootstrap: string;
  output(): string;
  stop(): Promise<void>;
}

const SAMSA_BIN = resolve(import.meta.dirname, '../../packages/cli/bin/samsa.js');
const START_TIMEOUT_MS = 240_000;

/** `env` adds to (or overrides) the hub's environment, e.g. a short SAMSA_LAG_INTERVAL_MS. */
export async function startHub(
  admin: { email: string; password: string },
  env: Record<string, string> = {},
): Promise<Hub> {
  const tdb: TestDatabase = await createTestDatabase({ migrate: false });
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-e2e-'));
  const consolePort = await freePort();
  const brokerPort = await freePort();
  const httpPort = await freePort();
  let out = '';
  const child: ChildProcess = spawn(process.execPath, [SAMSA_BIN, 'start'], {
    env: {
      ...process.env,
      DATABASE_URL: tdb.url,
      SAMSA_DATA_DIR: dataDir,
      SAMSA_CONSOLE_PORT: String(consolePort),
      SAMSA_CONSOLE_HOST: '127.0.0.1',
      SAMSA_BROKER_LISTEN: `127.0.0.1:${brokerPort}`,
      SAMSA_BROKER_HTTP_LISTEN: `127.0.0.1:${httpPort}`,
      SAMSA_ADMIN_EMAIL: admin.email,
      SAMSA_ADMIN_PASSWORD: admin.password,
      SAMSA_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: stop() can end every process of the hub even if `samsa start` itself was killed.
    detached: true,
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // the group is already gone
    }
  };
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`hub did not start in time:\n${out}`)), START_TIMEOUT_MS);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('samsa start: ready')) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    exited.then(() => {
      clearTimeout(timer);
      fail(new Error(`samsa start exited:\n${out}`));
    });
  });
  return {
    consoleUrl: `http://127.0.0.1:${consolePort}`,
    bootstrap: `127.0.0.1:${brokerPort}`,
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
      }
      // Whatever is left of the hub (a child `samsa start` did not stop) goes too: a survivor holding the output
      // pipes would keep this test process alive.
      killGroup('SIGKILL');
      child.stdout?.destroy();
      child.stderr?.destroy();
      await tdb.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium (never a downloaded one), with the flags this machine needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-sync', '--no-first-run'],
  });
}

/** A personal API token of `who`, named `name`, for the test's REST calls. */
export async function apiToken(hub: Hub, who: { email: string; password: string }, name: string): Promise<string> {
  const res = await fetch(`${hub.consoleUrl}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...who, name }),
  });
  if (!res.ok) throw new Error(`token for ${who.email}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
