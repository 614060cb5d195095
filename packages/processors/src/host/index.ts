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
import { type HostSettings, hostSettingsSchema } from './settings.ts';

export { hostSettingsFromEnv, type HostSettings, HostSettingsError, hostSettingsSchema } from './settings.ts';
export type { SuperuserCredentials } from './kafka-access.ts';
export type { SandboxFactory, RecordSandbox } from './sandbox-port.ts';

export interface ProcessorHostOptions {
  databaseUrl: string;
  /** Brokers as host:port. */
  bootstrap: string[];
  /** null: a broker without auth (then topics are named `<slug>.<topic>`). */
  superuser: SuperuserCredentials | null;
  /** SAMSA_SECRETS_KEY (32 bytes); null: processors with secrets cannot start (ERRORED with the reason). */
  secretsKey: Buffer | null;
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
    hostId,
    logger,
    settings,
    createSandbox,
  });
  host.start();
  logger.info({ hostId, bootstrap: options.bootstrap }, 'processor host started');
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
