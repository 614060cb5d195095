/**
 * Test support: a fresh, migrated database per test run. Uses the Postgres server on 127.0.0.1:5432 when one
 * answers (or TEST_POSTGRES_URL), else an embedded one in a temporary directory. `drop()` removes everything.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from './embedded.ts';
import { applyMigrations } from './migrate.ts';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

async function reachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `samsa_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  let result: TestDatabase;
  if (await reachable(serverUrl)) {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const u = new URL(serverUrl);
    u.pathname = `/${name}`;
    result = {
      url: u.toString(),
      async drop() {
        const c = new pg.Client({ connectionString: serverUrl });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await c.end();
      },
    };
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-pg-'));
    const handle = await startEmbeddedPostgres({ dataDir: dir, database: name });
    result = {
      url: handle.url,
      async drop() {
        await handle.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (options.migrate !== false) await applyMigrations(result.url);
  return result;
}
