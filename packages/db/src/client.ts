/** Creates the Prisma client over the `pg` driver adapter (Prisma 7 has no engine binary at run time). */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';

export type Db = InstanceType<typeof PrismaClient>;

export function createDb(connectionString: string, options: { poolMax?: number } = {}): Db {
  const adapter = new PrismaPg({ connectionString, max: options.poolMax ?? 10 });
  return new PrismaClient({ adapter });
}
