/**
 * Dev-time tool: writes a new Prisma migration for prisma/schema.prisma without the native schema engine, by
 * running Prisma's own schema engine as wasm through the pg driver adapter (see shared PRISMA_OFFLINE.md).
 * Uses an internal, undocumented API: versions are pinned in package.json; re-test on every Prisma bump.
 *
 * Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node scripts/create-migration.ts <name>
 * (the server needs CREATE DATABASE rights for the shadow database).
 */
import { readdirSync, readFileSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
// @ts-expect-error: pg's internal result module has no types
import PgResult from 'pg/lib/result.js';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as rt from '@prisma/schema-engine-wasm/schema_engine_bg';

const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '../../..');
const schemaPath = join(root, 'prisma/schema.prisma');
const migrationsDir = join(root, 'prisma/migrations');
const name = process.argv[2];
if (!name) throw new Error('usage: create-migration.ts <name>');
const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');

// Workaround 1: adapter-pg cannot read pg_catalog's "char" (OID 18); read it as text.
const addFields = PgResult.prototype.addFields;
PgResult.prototype.addFields = function (fields: { dataTypeID: number }[]) {
  for (const f of fields) if (f.dataTypeID === 18) f.dataTypeID = 25;
  return addFields.call(this, fields);
};

const conn = {
  host: url.hostname,
  port: Number(url.port || 5432),
  user: decodeURIComponent(url.username || 'postgres'),
  password: decodeURIComponent(url.password),
};
const mainDb = 'samsa_migrate_' + randomBytes(4).toString('hex');
const admin = new pg.Client({ ...conn, database: url.pathname.slice(1) || 'postgres' });
await admin.connect();
await admin.query(`CREATE DATABASE "${mainDb}"`);

// Workaround 2: our own shadow-database factory (PrismaPg's is broken: see PRISMA_OFFLINE.md).
const factory = {
  provider: 'postgres' as const,
  adapterName: '@prisma/adapter-pg',
  connect: () => new PrismaPg({ ...conn, database: mainDb }).connect(),
  async connectToShadowDb() {
    const shadow = 'samsa_shadow_' + randomBytes(4).toString('hex');
    await admin.query(`CREATE DATABASE "${shadow}"`);
    const adapter = await new PrismaPg({ ...conn, database: shadow }).connect();
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await admin.query(`DROP DATABASE IF EXISTS "${shadow}"`);
    };
    return adapter;
  },
};

const wasmPath = join(dirname(require.resolve('prisma/package.json')), 'build/schema_engine_bg.wasm');
// WebAssembly is a Node global that the es2023 lib does not declare.
const wasm = (globalThis as any).WebAssembly;
const inst = new wasm.Instance(new wasm.Module(readFileSync(wasmPath)), {
  './schema_engine_bg.js': rt as any,
});
(rt as any).__wbg_set_wasm(inst.exports);
(inst.exports as any).__wbindgen_start();

const schemaText = readFileSync(schemaPath, 'utf8');
const dirs = existsSync(migrationsDir)
  ? readdirSync(migrationsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort()
  : [];
const lockPath = join(migrationsDir, 'migration_lock.toml');
const migrationsList = {
  baseDir: migrationsDir,
  shadowDbInitScript: '',
  lockfile: {
    path: 'migration_lock.toml',
    content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null,
  },
  migrationDirectories: dirs.map((d) => ({
    path: d,
    migrationFile: {
      path: 'migration.sql',
      content: { tag: 'ok', value: readFileSync(join(migrationsDir, d, 'migration.sql'), 'utf8') },
    },
  })),
};
const filters = { externalTables: [], externalEnums: [] };
try {
  const engine = await (rt as any).SchemaEngine.new(
    { datamodels: [[schemaPath, schemaText]] },
    (msg: string) => process.env.DEBUG && process.stderr.write(`${msg}\n`),
    bindMigrationAwareSqlAdapterFactory(factory as any),
  );
  await engine.devDiagnostic({ migrationsList, filters });
  const { generatedMigrationName, migrationScript } = await engine.createMigration({
    draft: true,
    migrationName: name,
    migrationsList,
    schema: { files: [{ path: schemaPath, content: schemaText }] },
    filters,
  });
  if (!migrationScript || !generatedMigrationName) {
    process.stdout.write('No schema changes: no migration written.\n');
  } else {
    mkdirSync(join(migrationsDir, generatedMigrationName), { recursive: true });
    writeFileSync(join(migrationsDir, generatedMigrationName, 'migration.sql'), migrationScript);
    if (!existsSync(lockPath)) {
      writeFileSync(
        lockPath,
        '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
      );
    }
    process.stdout.write(`Wrote prisma/migrations/${generatedMigrationName}/migration.sql\n`);
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS "${mainDb}" WITH (FORCE)`);
  await admin.end();
}
