/**
 * Applies prisma/migrations the way `prisma migrate deploy` does, with `pg` only (the native schema engine cannot
 * be downloaded offline). It takes Prisma Migrate's advisory lock and writes the same `_prisma_migrations` rows,
 * so stock `prisma migrate deploy|status` agree with it on an online machine.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';

/** Prisma Migrate's own lock id: this applier never runs beside a stock deploy. */
const PRISMA_MIGRATE_LOCK_ID = 72707369;

export const DEFAULT_MIGRATIONS_DIR = resolve(import.meta.dirname, '../../../prisma/migrations');

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

export class MigrationError extends Error {}

export async function applyMigrations(
  connectionString: string,
  migrationsDir: string = DEFAULT_MIGRATIONS_DIR,
): Promise<MigrationResult> {
  if (!existsSync(migrationsDir)) throw new MigrationError(`no migrations directory at ${migrationsDir}`);
  const names = readdirSync(migrationsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(migrationsDir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort();
  const client = new pg.Client({ connectionString });
  await client.connect();
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  try {
    await client.query(`SELECT pg_advisory_lock(${PRISMA_MIGRATE_LOCK_ID})`);
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    const rows = await client.query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
    }>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"');
    const failed = rows.rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
    if (failed) {
      throw new MigrationError(
        `migration ${failed.migration_name} failed earlier (P3009): fix the database, then mark it rolled back`,
      );
    }
    const done = new Set(rows.rows.filter((r) => r.finished_at !== null).map((r) => r.migration_name));
    for (const name of names) {
      if (done.has(name)) {
        result.alreadyApplied.push(name);
        continue;
      }
      const bytes = readFileSync(join(migrationsDir, name, 'migration.sql'));
      const checksum = createHash('sha256').update(bytes).digest('hex');
      const id = randomUUID();
      await client.query(
        'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
        [id, checksum, name],
      );
      try {
        // No parameters: the simple-query protocol runs the whole file as one implicit transaction, as Prisma does.
        await client.query(bytes.toString('utf8'));
      } catch (err) {
        await client.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, (err as Error).message]);
        throw new MigrationError(`migration ${name} failed: ${(err as Error).message}`);
      }
      await client.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [
        id,
      ]);
      result.applied.push(name);
    }
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${PRISMA_MIGRATE_LOCK_ID})`).catch(() => {});
    await client.end();
  }
  return result;
}
