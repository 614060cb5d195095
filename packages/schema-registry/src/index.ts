/**
 * @samsa/schema-registry: Confluent Schema Registry's REST API for the hub's tenants. `startSchemaRegistry` listens
 * on its own port (SAMSA_SCHEMA_REGISTRY_LISTEN, default 127.0.0.1:8081); `samsa schema-registry` runs it alone and
 * `samsa start` beside the broker and the console.
 */
import type { AddressInfo } from 'node:net';
import { createDb } from '@samsa/db';
import { type Logger, pino } from 'pino';
import { Authenticator } from './auth.ts';
import { SchemaRegistry } from './registry.ts';
import { createRegistryServer } from './server.ts';
import { type RegistrySettings, registrySettingsSchema, splitListen } from './settings.ts';

export { DEFAULT_LISTEN, type RegistrySettings, RegistrySettingsError, registrySettingsFromEnv } from './settings.ts';
export { COMPATIBILITY_LEVELS, type CompatibilityLevel, compatibilityProblems } from './compatibility.ts';
export { FORMATS, type SchemaType } from './formats/index.ts';

export interface SchemaRegistryOptions {
  databaseUrl: string;
  /** The platform admin (sees every tenant); null: none. */
  superuser: { name: string; password: string } | null;
  settings: Partial<RegistrySettings> & { listen: string };
  /** SAMSA_METRICS_TOKEN: when set, /metrics asks for it as a bearer token. */
  metricsToken?: string | null;
  logger?: Logger;
}

export interface RunningSchemaRegistry {
  /** http://host:port */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startSchemaRegistry(options: SchemaRegistryOptions): Promise<RunningSchemaRegistry> {
  const settings = registrySettingsSchema.parse(options.settings);
  const logger = options.logger ?? pino({ name: 'samsa-schema-registry' });
  const db = createDb(options.databaseUrl, { poolMax: 8 });
  const registry = new SchemaRegistry(db, settings, logger);
  const authenticator = new Authenticator(db, {
    superuser: options.superuser,
    cacheTtlMs: settings.authCacheTtlMs,
    cacheMaxEntries: settings.authCacheMaxEntries,
  });
  const server = createRegistryServer({
    db,
    registry,
    authenticator,
    logger,
    maxRequestBytes: settings.maxRequestBytes,
    maxConnections: settings.maxConnections,
    metricsToken: options.metricsToken ?? null,
  });
  const { host, port } = splitListen(settings.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;
  logger.info({ url, settings }, 'schema registry listening');
  return {
    url,
    port: address.port,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await db.$disconnect();
    },
  };
}
