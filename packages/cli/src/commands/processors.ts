/**
 * `samsa processors`: runs a processor host on its own, in the foreground until SIGINT/SIGTERM. It reads processors
 * from the control-plane database and runs each in a sandbox, reaching the broker over Kafka as the platform
 * superuser acting for each processor (`tenant:<slug>/processor:<name>`). `samsa start` runs one under supervision;
 * run more on other machines (the consumer groups spread the partitions) or beside a compose deployment.
 */
import { describeConnection } from '@samsa/cluster/connection';
import { pino } from 'pino';
import { type ProcessorsConfig, ProcessorsConfigError, processorsConfig } from './processors-config.ts';
import type { Command } from './types.ts';

const HELP = `Usage: samsa processors [--bootstrap HOST:PORT[,HOST:PORT]] [--data-dir DIR] [--no-auth]

Runs a processor host until Ctrl-C (SIGINT) or SIGTERM: it runs the tenants' processors that the console deploys,
each in its own sandbox, and reads and writes the broker over Kafka as each processor's tenant. 'samsa start' runs
one already; start more (here or on other machines) to spread the processors' partitions over them.

Options:
  --bootstrap HOST:PORT[,...]  brokers [SAMSA_BROKER_BOOTSTRAP, else 127.0.0.1:9092]
  --data-dir DIR               the data directory of 'samsa start' on this machine, to read the superuser password
                               and the secrets key kept there when the environment does not give them
                               [SAMSA_DATA_DIR, else ./data]
  --no-auth                    the broker has no auth (samsa broker without --database-url): connect
                               unauthenticated, with the brokers' internal <tenant>.<topic> names

Environment:
  DATABASE_URL                 the control-plane Postgres (required)
  SAMSA_SUPERUSER_NAME, SAMSA_SUPERUSER_PASSWORD
                               the broker superuser (name default admin; password else <data-dir>/superuser-password);
                               SAMSA_BROKER_SASL_USERNAME/_PASSWORD/_MECHANISM, as the console takes them, win
  SAMSA_SECRETS_KEY            32 bytes in base64 that processor secrets are sealed with, the console's key (else
                               <data-dir>/secrets-key; without either, processors with secrets do not start)
  SAMSA_SCHEMA_REGISTRY_URL    the schema registry (samsa start sets it): processors see records in its wire
                               format decoded and may ask for outputs encoded; signed in as the superuser, or
                               SAMSA_SCHEMA_REGISTRY_USERNAME/_PASSWORD
  SAMSA_PROCESSORS_*, SAMSA_PROCESSOR_*
                               the host's bounds and intervals: see packages/processors/README.md
  SAMSA_LOG_LEVEL              pino level (default info)`;

/** How long a clean stop (tasks finish their batch, offsets committed, instance rows removed) may take. */
const STOP_TIMEOUT_MS = 10_000;

export const processors: Command = {
  summary: 'run a processor host: the processors of every tenant, sandboxed (samsa start runs one)',
  help: HELP,
  async run(argv) {
    let config: ProcessorsConfig;
    try {
      config = processorsConfig(argv, process.env);
    } catch (err) {
      if (!(err instanceof ProcessorsConfigError)) throw err;
      process.stderr.write(`samsa processors: ${err.problems.join('\nsamsa processors: ')}\n`);
      return 2;
    }
    const logger = pino({ level: process.env.SAMSA_LOG_LEVEL ?? 'info', base: { svc: 'processors' } });
    // Loaded here only: the sandbox's native module is not needed by the other commands.
    const { hostSettingsFromEnv, startProcessorHost } = await import('@samsa/processors/host');
    let host: Awaited<ReturnType<typeof startProcessorHost>>;
    try {
      const settings = hostSettingsFromEnv(process.env);
      logger.info(
        {
          connection: describeConnection({
            bootstrapBrokers: config.bootstrap,
            sasl: config.superuser ?? undefined,
            clientId: 'samsa-processors',
            requestTimeoutMs: config.requestTimeoutMs,
          }),
          secretsKey: config.secretsKey ? 'set' : 'none: processors with secrets will not start',
          schemaRegistry: config.schemaRegistry?.url ?? 'none: records are not decoded through a registry',
          settings,
        },
        'starting the processor host',
      );
      host = await startProcessorHost({
        databaseUrl: config.databaseUrl,
        bootstrap: config.bootstrap,
        superuser: config.superuser,
        secretsKey: config.secretsKey,
        schemaRegistry: config.schemaRegistry,
        logger,
        settings,
      });
    } catch (err) {
      logger.fatal({ err: (err as Error).message }, 'the processor host failed to start');
      return 1;
    }
    const signal = await new Promise<string>((resolveSignal) => {
      process.once('SIGINT', () => resolveSignal('SIGINT'));
      process.once('SIGTERM', () => resolveSignal('SIGTERM'));
    });
    logger.info({ signal }, 'stopping the processor host');
    const stopped = await Promise.race([
      host.stop().then(
        () => true,
        (err) => {
          logger.error({ err: (err as Error).message }, 'the processor host did not stop cleanly');
          return false;
        },
      ),
      new Promise<false>((r) => setTimeout(() => r(false), STOP_TIMEOUT_MS).unref()),
    ]);
    logger.info({ clean: stopped }, 'exiting');
    return stopped ? 0 : 1;
  },
};
