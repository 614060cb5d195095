/** Starts the whole hub with `samsa start` (real Postgres database, broker and console) on free ports. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@samsa/db/embedded';
import { type Browser, chromium, type Page } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { eventually } from '@samsa/test-support/eventually';

export interface Hub {
  consoleUrl: string;
  bootstrap: string;
  /** The schema registry (Confluent's REST API). */
  registryUrl: string;
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
  const registryPort = await freePort();
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
      SAMSA_SCHEMA_REGISTRY_LISTEN: `127.0.0.1:${registryPort}`,
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
  const started = new Promise<void>((ready, fail) => {
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
  try {
    await started;
  } catch (err) {
    // No Hub is returned, so no after-hook can stop it: whatever did start goes now, or its processes would outlive
    // the test file and keep its output pipes (and the test process) open.
    killGroup('SIGKILL');
    child.stdout?.destroy();
    child.stderr?.destroy();
    await tdb.drop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    consoleUrl: `http://127.0.0.1:${consolePort}`,
    bootstrap: `127.0.0.1:${brokerPort}`,
    registryUrl: `http://127.0.0.1:${registryPort}`,
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

/** Where the e2e tests put their screenshots (gitignored). */
export const SHOTS = join(import.meta.dirname, '../test-results');

export type Rest = (path: string, init?: { method?: string; body?: unknown }) => Promise<any>;

/**
 * A REST client for `/api/v1` with a bearer token; both are read at call time, so a test file can make it before its
 * `before` hook starts the hub. A non-2xx answer throws with the method, path, status and body.
 */
export function restAs(consoleUrl: () => string, token: () => string): Rest {
  return async (path, init = {}) => {
    const res = await fetch(`${consoleUrl()}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
}

/** A fetch against the hub's schema registry with a tenant API key as basic auth: `call('GET', '/subjects')`. */
export function registryAs(hub: Hub, key: { keyId: string; secret: string }) {
  const auth = `Basic ${Buffer.from(`${key.keyId}:${key.secret}`).toString('base64')}`;
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${hub.registryUrl}${path}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
}

/** Signs `who` in through the console's login page and waits to leave it. */
export async function signIn(page: Page, consoleUrl: string, who: { email: string; password: string }): Promise<void> {
  await page.goto(`${consoleUrl}/login`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** A full-page screenshot into SHOTS. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Waits until `check` passes (returns true, or does not throw: a connect, an assertion), for at most `timeoutMs`. */
export async function until(what: string, check: () => unknown, timeoutMs = 90_000): Promise<void> {
  await eventually(
    async () => {
      try {
        return (await check()) !== false;
      } catch {
        return false;
      }
    },
    what,
    timeoutMs,
  );
}
