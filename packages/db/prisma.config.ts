// Prisma CLI configuration. The schema and migrations live in the repository's top-level prisma/ folder.
// No env() helper for the URL: it would make `prisma generate` fail when DATABASE_URL is unset.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: '../../prisma/schema.prisma',
  migrations: { path: '../../prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
