/** The registry's settings, from the environment (SAMSA_SCHEMA_REGISTRY_*), checked with zod. */
import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const registrySettingsSchema = z.object({
  /** host:port to listen on. */
  listen: z.string().regex(/^(\[[0-9a-fA-F:]+\]|[^:]+):[0-9]{1,5}$/, 'HOST:PORT'),
  maxSchemaBytes: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
  maxRequestBytes: int(1024, 256 * 1024 * 1024).default(4 * 1024 * 1024),
  maxSubjectsPerTenant: int(1, 10_000_000).default(1_000),
  maxVersionsPerTenant: int(1, 100_000_000).default(10_000),
  maxReferences: int(1, 100_000).default(1_000),
  cacheMaxBytes: int(1024 * 1024, 2 ** 40).default(256 * 1024 * 1024),
  cacheTtlMs: int(0, 3_600_000).default(5_000),
  parsedCacheMaxBytes: int(1024 * 1024, 2 ** 40).default(128 * 1024 * 1024),
  authCacheTtlMs: int(0, 600_000).default(5_000),
  authCacheMaxEntries: int(1, 10_000_000).default(10_000),
  maxConnections: int(1, 1_000_000).default(1_000),
});
export type RegistrySettings = z.infer<typeof registrySettingsSchema>;

export const DEFAULT_LISTEN = '127.0.0.1:8081';

const ENV: Record<Exclude<keyof RegistrySettings, 'listen'>, string> = {
  maxSchemaBytes: 'SAMSA_SCHEMA_REGISTRY_MAX_SCHEMA_BYTES',
  maxRequestBytes: 'SAMSA_SCHEMA_REGISTRY_MAX_REQUEST_BYTES',
  maxSubjectsPerTenant: 'SAMSA_SCHEMA_REGISTRY_MAX_SUBJECTS',
  maxVersionsPerTenant: 'SAMSA_SCHEMA_REGISTRY_MAX_VERSIONS',
  maxReferences: 'SAMSA_SCHEMA_REGISTRY_MAX_REFERENCES',
  cacheMaxBytes: 'SAMSA_SCHEMA_REGISTRY_CACHE_MAX_BYTES',
  cacheTtlMs: 'SAMSA_SCHEMA_REGISTRY_CACHE_TTL_MS',
  parsedCacheMaxBytes: 'SAMSA_SCHEMA_REGISTRY_PARSED_CACHE_MAX_BYTES',
  authCacheTtlMs: 'SAMSA_SCHEMA_REGISTRY_AUTH_CACHE_TTL_MS',
  authCacheMaxEntries: 'SAMSA_SCHEMA_REGISTRY_AUTH_CACHE_MAX_ENTRIES',
  maxConnections: 'SAMSA_SCHEMA_REGISTRY_MAX_CONNECTIONS',
};

export class RegistrySettingsError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('; '));
    this.problems = problems;
  }
}

export function registrySettingsFromEnv(env: NodeJS.ProcessEnv, listen?: string): RegistrySettings {
  const raw: Record<string, unknown> = { listen: listen ?? env.SAMSA_SCHEMA_REGISTRY_LISTEN ?? DEFAULT_LISTEN };
  for (const [key, name] of Object.entries(ENV)) if (env[name] !== undefined && env[name] !== '') raw[key] = env[name];
  const parsed = registrySettingsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new RegistrySettingsError(
      parsed.error.issues.map((i) => {
        const key = String(i.path[0]);
        return `${key === 'listen' ? 'SAMSA_SCHEMA_REGISTRY_LISTEN' : (ENV[key as keyof typeof ENV] ?? key)}: ${i.message}`;
      }),
    );
  }
  return parsed.data;
}

export function splitListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}
