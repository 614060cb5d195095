/** @samsa/db: the Prisma client, data access helpers, the migration applier and the embedded Postgres launcher. */
export { createDb, type Db } from './client.ts';
export * from './credentials.ts';
export { startEmbeddedPostgres, freePort, type EmbeddedPostgresHandle } from './embedded.ts';
export { applyMigrations, DEFAULT_MIGRATIONS_DIR, MigrationError, type MigrationResult } from './migrate.ts';
export { recordAudit, type AuditEntry } from './audit.ts';
export { Prisma } from './generated/prisma/client.ts';
export type * from './generated/prisma/client.ts';
export * from './generated/prisma/enums.ts';
