/** `pnpm --filter @samsa/db migrate`: applies prisma/migrations to DATABASE_URL (offline `prisma migrate deploy`). */
import { applyMigrations } from '../src/migrate.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('DATABASE_URL is not set\n');
  process.exit(2);
}
const { applied, alreadyApplied } = await applyMigrations(url);
process.stdout.write(
  `applied ${applied.length} migration(s)${applied.length ? `: ${applied.join(', ')}` : ''}; ${alreadyApplied.length} already applied\n`,
);
