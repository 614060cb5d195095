/** The console's single Prisma client, created on first use from DATABASE_URL. */
import { createDb, type Db } from '@samsa/db';

const holder = globalThis as unknown as { __samsaDb?: Db };

export function db(): Db {
  if (!holder.__samsaDb) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL is not set');
    holder.__samsaDb = createDb(url);
  }
  return holder.__samsaDb;
}
