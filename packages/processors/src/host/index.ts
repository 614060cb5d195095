/**
 * The processor host: runs the active deployments of the control plane's processors in sandboxes and talks to the
 * broker only over the Kafka protocol, as each processor of each tenant. `samsa processors` runs one; several may
 * run against one hub (the processors' consumer groups spread partitions over them).
 */
import { randomUUID } from 'node:crypto';
import { createDb } from '@samsa/db';
import { type Logger, pino } from 'pino';
import { ProcessorSandbox, SandboxProcessPool } from '../sandbox/index.ts';
import type { SuperuserCredentials } from './kafka-access.ts';
import { ProcessorHost } from './processor-host.ts';
import type { SandboxFactory } from './sandbox-port.ts';
import { SchemaLookup, type SchemaRegistryEndpoint } from '../schemas/schema-lookup.ts';
import { type HostSettings, hostSettingsSchema } from './settings.ts';

export { hostSettingsFromEnv, type HostSettings, HostSettingsError, hostSettingsSchema } from './settings.ts';
export type { SuperuserCredentials } from './kafka-access.ts';
export type { SandboxFactory, RecordSandbox } from './sandbox-port.ts';
export type { SchemaRegistryEndpoint } from '../schemas/schema-lookup.ts';

export interface ProcessorHostOptions {
  databaseUrl: string;
  /** Brokers as host:port. */
  bootstrap: string[];
  /** null: a broker without auth (then topics are named `<slug>.<topic>`). */
  superuser: SuperuserCredentials | null;
  /** SAMSA_SECRETS_KEY (32 bytes); null: processors with secrets cannot start (ERRORED with the reason). */
  secretsKey: Buffer | null;
  /** The schema registry (SAMSA_SCHEMA_REGISTRY_URL) the processors decode and encode through; null: none, then
   * records in its wire format reach the function raw with the reason, and outputs that ask for a schema fail. */
  schemaRegistry?: SchemaRegistryEndpoint | null;
  hostId?: string;
  logger?: Logger;
  settings?: Partial<HostSettings>;
  /** Tests and benches only: another sandbox. */
  createSandbox?: SandboxFactory;
}

export interface RunningProcessorHost {
  hostId: string;
  stop(): Promise<void>;
}

export async function startProcessorHost(options: ProcessorHostOptions): Promise<RunningProcessorHost> {
  const settings = hostSettingsSchema.parse(options.settings ?? {});
  const hostId = options.hostId ?? `host-${randomUUID().slice(0, 8)}`;
  const logger = options.logger ?? pino({ name: 'samsa-processors' });
  const db = createDb(options.databaseUrl, { poolMax: 4 });
  const pool = settings.sandboxMode === 'process' ? new SandboxProcessPool({ logger }) : null;
  const createSandbox: SandboxFactory =
    options.createSandbox ??
    (pool ? (tenantId, o) => pool.create(tenantId, o) : (_tenantId, o) => ProcessorSandbox.create(o));
  const host = new ProcessorHost({
    db,
    broker: { bootstrap: options.bootstrap, superuser: options.superuser, requestTimeoutMs: settings.requestTimeoutMs },
    secretsKey: options.secretsKey,
    schemas: options.schemaRegistry
      ? new SchemaLookup(options.schemaRegistry, {
          cacheMaxEntries: settings.schemaCacheMaxEntries,
          cacheTtlMs: settings.schemaCacheTtlMs,
          requestTimeoutMs: settings.requestTimeoutMs,
        })
      : null,
    hostId,
    logger,
    settings,
    createSandbox,
  });
  host.start();
  logger.info(
    { hostId, bootstrap: options.bootstrap, schemaRegistry: options.schemaRegistry?.url ?? null },
    'processor host started',
  );
  return {
    hostId,
    async stop() {
      await host.stop();
      pool?.close();
      await db.$disconnect();
      logger.info({ hostId }, 'processor host stopped');
    },
  };
}
