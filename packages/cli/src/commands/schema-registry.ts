/**
 * `samsa schema-registry`: runs the schema registry (Confluent's REST API, per tenant) on its own, in the
 * foreground until SIGINT/SIGTERM. `samsa start` runs one beside the broker and the console.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { readKeptValue, SUPERUSER_PASSWORD_FILE } from './data-dir-secrets.ts';
import type { Command } from './types.ts';

const HELP = `Usage: samsa schema-registry [--listen HOST:PORT] [--data-dir DIR]

Serves the Confluent Schema Registry REST API for the hub's tenants until Ctrl-C (SIGINT) or SIGTERM. Clients
authenticate with HTTP basic auth: a tenant API key's id and secret (tenant admin keys write, other keys read), or
the platform superuser (every tenant, through contexts :.<tenant>:<subject>).

Options:
  --listen HOST:PORT   [SAMSA_SCHEMA_REGISTRY_LISTEN, else 127.0.0.1:8081]
  --data-dir DIR       the data directory of 'samsa start', to read the superuser password kept there when
                       SAMSA_SUPERUSER_PASSWORD is not set [SAMSA_DATA_DIR, else ./data]

Environment:
  DATABASE_URL                              the control-plane Postgres (required)
  SAMSA_SUPERUSER_NAME, SAMSA_SUPERUSER_PASSWORD
                                            the platform admin (name default admin); without a password none
  SAMSA_SCHEMA_REGISTRY_MAX_SCHEMA_BYTES    largest schema (default 1048576)
  SAMSA_SCHEMA_REGISTRY_MAX_REQUEST_BYTES   largest request body (default 4194304)
  SAMSA_SCHEMA_REGISTRY_MAX_SUBJECTS        subjects per tenant unless its quota says (default 1000)
  SAMSA_SCHEMA_REGISTRY_MAX_VERSIONS        versions per tenant unless its quota says (default 10000)
  SAMSA_SCHEMA_REGISTRY_CACHE_MAX_BYTES     memory for cached tenant registries (default 268435456)
  SAMSA_SCHEMA_REGISTRY_CACHE_TTL_MS        a cached tenant is read again after this (default 5000)
  SAMSA_SCHEMA_REGISTRY_AUTH_CACHE_TTL_MS   a checked key is trusted this long (default 5000)
  SAMSA_METRICS_TOKEN                       when set, GET /metrics (Prometheus) asks for 'Authorization: Bearer TOKEN'
  SAMSA_LOG_LEVEL                           pino level (default info)`;

export const schemaRegistry: Command = {
  summary: 'run the schema registry (Confluent REST API, per tenant; samsa start runs one)',
  help: HELP,
  async run(argv) {
    let values: { listen?: string; 'data-dir'?: string };
    try {
      values = parseArgs({
        args: argv,
        options: { listen: { type: 'string' }, 'data-dir': { type: 'string' } },
        strict: true,
      }).values;
    } catch (err) {
      process.stderr.write(`samsa schema-registry: ${(err as Error).message}\n`);
      return 2;
    }
    const databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      process.stderr.write(
        'samsa schema-registry: DATABASE_URL is not set: schemas are kept in the control-plane database\n',
      );
      return 2;
    }
    const { registrySettingsFromEnv, RegistrySettingsError, startSchemaRegistry } = await import(
      '@samsa/schema-registry'
    );
    let settings: ReturnType<typeof registrySettingsFromEnv>;
    try {
      settings = registrySettingsFromEnv(process.env, values.listen);
    } catch (err) {
      if (!(err instanceof RegistrySettingsError)) throw err;
      process.stderr.write(`samsa schema-registry: ${err.problems.join('\nsamsa schema-registry: ')}\n`);
      return 2;
    }
    const dataDir = resolve(values['data-dir'] ?? process.env.SAMSA_DATA_DIR ?? './data');
    const password = process.env.SAMSA_SUPERUSER_PASSWORD || readKeptValue(dataDir, SUPERUSER_PASSWORD_FILE);
    const superuser = password ? { name: process.env.SAMSA_SUPERUSER_NAME ?? 'admin', password } : null;
    const logger = pino({ level: process.env.SAMSA_LOG_LEVEL ?? 'info', base: { svc: 'schema-registry' } });
    let registry: Awaited<ReturnType<typeof startSchemaRegistry>>;
    try {
      registry = await startSchemaRegistry({
        databaseUrl,
        superuser,
        settings,
        logger,
        metricsToken: process.env.SAMSA_METRICS_TOKEN || null,
      });
    } catch (err) {
      logger.fatal({ err: (err as Error).message }, 'the schema registry failed to start');
      return 1;
    }
    if (!superuser) logger.warn('no superuser password: the platform admin cannot use the schema registry');
    const signal = await new Promise<string>((resolveSignal) => {
      process.once('SIGINT', () => resolveSignal('SIGINT'));
      process.once('SIGTERM', () => resolveSignal('SIGTERM'));
    });
    logger.info({ signal }, 'stopping the schema registry');
    await registry.stop();
    return 0;
  },
};
