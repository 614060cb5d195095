/**
 * @samsa/db: the Prisma client and data-access helpers. The migration applier (`@samsa/db/migrate`) and the
 * embedded Postgres launcher (`@samsa/db/embedded`) are separate entry points: apps that only query never load them.
 */
export { createDb, type Db } from './client.ts';
export * from './credentials.ts';
export { recordAudit, type AuditEntry } from './audit.ts';
export { Prisma } from './generated/prisma/client.ts';
export type * from './generated/prisma/client.ts';
export * from './generated/prisma/enums.ts';
