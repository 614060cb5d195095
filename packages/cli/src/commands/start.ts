/**
 * `samsa start`: the whole hub in one command. Postgres (embedded under SAMSA_DATA_DIR when DATABASE_URL is unset),
 * migrations, the broker, the processor host, the schema registry and the console as child processes; prints the
 * URLs; stops everything on SIGINT/SIGTERM or when the broker or the console dies. The processor host and the
 * schema registry are restarted when they die (backoff).
 */
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { buildConsole, CONSOLE_DIR, consoleBuildIsStale } from '../console-build.ts';
import type { ClusterConnection } from '@samsa/cluster';
import { clusterConnection, UsageError } from './cluster.ts';
import { processorSecretsKey, superuserPassword } from './data-dir-secrets.ts';
import {
  DEFAULT_RESTART_POLICY,
  type RestartPolicy,
  SupervisedChild,
  type SupervisedChildOptions,
} from './supervised-child.ts';
import type { Command } from './types.ts';

const SAMSA_BIN = resolve(import.meta.dirname, '../../bin/samsa.js');
const READY_TIMEOUT_MS = 120_000;

export interface StartConfig {
  dataDir: string;
  databaseUrl: string | undefined;
  consolePort: number;
  consoleHost: string;
  brokerListen: string;
  brokerHttpListen: string | undefined;
  /** The schema registry's HOST:PORT (SAMSA_SCHEMA_REGISTRY_LISTEN). */
  schemaRegistryListen: string;
  rebuild: boolean;
  /** Run a supervised processor host (SAMSA_PROCESSORS_HOST=off: not here, e.g. hosts run on other machines). */
  processorsHost: boolean;
  /**
   * `--cluster` / SAMSA_CLUSTER_BOOTSTRAP: run on this Apache Kafka cluster behind a gateway (on the broker's listen
   * address) instead of the embedded broker; unset: the embedded broker.
   */
  cluster: string | undefined;
}

export function startConfig(argv: string[], env: NodeJS.ProcessEnv): StartConfig {
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const port = Number(flag('console-port') ?? env.SAMSA_CONSOLE_PORT ?? 3000);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`invalid console port: ${port}`);
  return {
    dataDir: resolve(flag('data-dir') ?? env.SAMSA_DATA_DIR ?? './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    consolePort: port,
    consoleHost: flag('console-host') ?? env.SAMSA_CONSOLE_HOST ?? '127.0.0.1',
    brokerListen: flag('broker-listen') ?? env.SAMSA_BROKER_LISTEN ?? '127.0.0.1:9092',
    brokerHttpListen: env.SAMSA_BROKER_HTTP_LISTEN,
    schemaRegistryListen: flag('schema-registry-listen') ?? env.SAMSA_SCHEMA_REGISTRY_LISTEN ?? '127.0.0.1:8081',
    rebuild: argv.includes('--rebuild') || env.SAMSA_CONSOLE_REBUILD === '1',
    processorsHost: processorsHostEnabled(env.SAMSA_PROCESSORS_HOST),
    cluster: flag('cluster') || env.SAMSA_CLUSTER_BOOTSTRAP || undefined,
  };
}

function processorsHostEnabled(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`invalid SAMSA_PROCESSORS_HOST: '${value}' (on or off)`);
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '', '::', '[::]']);

/** The address the console (on this machine) uses to reach the broker. */
export function localBootstrap(listen: string): string {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i);
  const port = listen.slice(i + 1);
  return `${WILDCARD_HOSTS.has(host) ? '127.0.0.1' : host}:${port}`;
}

/**
 * The one-time token that lets /setup create the first admin from another machine (from the console's own machine
 * loopback is enough). Generated at every start unless SAMSA_SETUP_TOKEN is set, handed to the console process in
 * its environment (kept only in that process's memory) and printed to this terminal; useless once an admin exists.
 */
export function setupToken(env: NodeJS.ProcessEnv): string {
  return env.SAMSA_SETUP_TOKEN || randomBytes(24).toString('base64url');
}

/** The line `samsa start` prints about setup, or nothing when the first admin comes from the environment. */
export function setupNotice(env: NodeJS.ProcessEnv, consoleUrl: string, token: string): string {
  if (env.SAMSA_ADMIN_EMAIL && env.SAMSA_ADMIN_PASSWORD) return '';
  return `  Setup:    ${consoleUrl}/setup creates the first admin (only while there is none); from another machine\n            it asks for the setup token ${token}\n`;
}

/**
 * The processor host `samsa start` runs: `samsa processors` signed in as the superuser, with the secrets key,
 * restarted when it exits (DEFAULT_RESTART_POLICY unless given).
 */
export function processorHostSupervisor(
  hub: {
    databaseUrl: string;
    bootstrap: string;
    superuser: { name: string; password: string };
    secretsKey: string;
    /** Processors decode and encode through it, as the superuser. */
    schemaRegistryUrl?: string;
  },
  options: Pick<SupervisedChildOptions, 'log' | 'onSpawn'> & {
    stdio: StdioOptions;
    env: NodeJS.ProcessEnv;
    policy?: RestartPolicy;
  },
): SupervisedChild {
  return new SupervisedChild({
    name: 'processor host',
    command: process.execPath,
    args: [SAMSA_BIN, 'processors'],
    spawnOptions: {
      stdio: options.stdio,
      env: {
        ...options.env,
        DATABASE_URL: hub.databaseUrl,
        SAMSA_BROKER_BOOTSTRAP: hub.bootstrap,
        SAMSA_BROKER_SASL_USERNAME: hub.superuser.name,
        SAMSA_BROKER_SASL_PASSWORD: hub.superuser.password,
        SAMSA_SECRETS_KEY: hub.secretsKey,
        ...(hub.schemaRegistryUrl ? { SAMSA_SCHEMA_REGISTRY_URL: hub.schemaRegistryUrl } : {}),
      },
    },
    policy: options.policy ?? DEFAULT_RESTART_POLICY,
    log: options.log,
    onSpawn: options.onSpawn,
    // The host's own clean stop takes at most 10 s; what it had not committed is processed again after a restart
    // (and fenced for exactly-once), so a SIGKILL after that loses nothing.
    stopTimeoutMs: 12_000,
  });
}

/** The managed cluster of `samsa start --cluster`, with its admin principal (SAMSA_CLUSTER_SASL_*); a UsageError else. */
export function startCluster(bootstrap: string, env: NodeJS.ProcessEnv): ClusterConnection {
  const connection = clusterConnection(bootstrap, env, '--cluster');
  if (!connection.sasl)
    throw new UsageError(
      '--cluster needs the cluster admin principal: set SAMSA_CLUSTER_SASL_USERNAME and SAMSA_CLUSTER_SASL_PASSWORD',
    );
  return connection;
}

/** The SAMSA_CLUSTER_* settings the gateway and the console read (the console registers the cluster from them). */
export function clusterEnv(cluster: ClusterConnection): Record<string, string> {
  return {
    SAMSA_CLUSTER_BOOTSTRAP: cluster.bootstrapBrokers.join(','),
    SAMSA_CLUSTER_SASL_MECHANISM: cluster.sasl!.mechanism,
    SAMSA_CLUSTER_SASL_USERNAME: cluster.sasl!.username,
    SAMSA_CLUSTER_SASL_PASSWORD: cluster.sasl!.password,
  };
}

/**
 * `samsa gateway` on the broker's addresses: the Kafka listener (node N at its port + 1 + N) and the HTTP port for
 * /healthz and /metrics (the broker's default 9644).
 */
export function gatewayArgs(
  config: StartConfig,
  cluster: ClusterConnection,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const split = (hostPort: string) => {
    const i = hostPort.lastIndexOf(':');
    return { host: hostPort.slice(0, i), port: hostPort.slice(i + 1) };
  };
  const listen = split(config.brokerListen);
  const http = split(config.brokerHttpListen ?? '127.0.0.1:9644');
  // As the broker: the advertised listener's host, else the listen host, or this machine's name for a wildcard.
  const advertised = env.SAMSA_BROKER_ADVERTISED_LISTENER
    ? split(env.SAMSA_BROKER_ADVERTISED_LISTENER).host
    : WILDCARD_HOSTS.has(listen.host)
      ? hostname()
      : null;
  return [
    SAMSA_BIN,
    'gateway',
    '--cluster',
    cluster.bootstrapBrokers.join(','),
    '--host',
    listen.host,
    '--port',
    listen.port,
    '--metrics-port',
    http.port,
    ...(advertised ? ['--advertised-host', advertised] : []),
  ];
}

function say(line: string): void {
  process.stdout.write(`samsa start: ${line}\n`);
}

async function waitForHttp(url: string, child: ChildProcess, deadline_ms: number): Promise<void> {
  while (Date.now() < deadline_ms) {
    if (child.exitCode !== null) throw new Error(`process exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url, { redirect: 'manual' });
      if (res.status < 500) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer in time`);
}

export const start: Command = {
  summary: 'start the whole hub: Postgres, migrations, broker, schema registry, processor host and console',
  help: `Usage: samsa start [--data-dir DIR] [--console-port PORT] [--broker-listen HOST:PORT] [--rebuild]
                   [--cluster HOST:PORT[,HOST:PORT]]

Starts everything a new user needs, in the foreground, until Ctrl-C:
  Postgres     the server in DATABASE_URL, or an embedded one with its data under <data-dir>/postgres
  migrations   prisma/migrations, applied offline
  broker       samsa broker with its data under <data-dir>/broker
  processors   samsa processors, the host running the tenants' processors (restarted when it dies, after
               1 s doubling to 30 s; the wait starts over after a minute up)
  registry     samsa schema-registry, Confluent's Schema Registry REST API for the tenants (restarted
               when it dies, as the processor host)
  console      the web console and REST API (built once on first start)

With --cluster HOST:PORT[,...] (SAMSA_CLUSTER_BOOTSTRAP) the hub runs on that Apache Kafka cluster: instead of the
broker, samsa gateway serves the broker's listen address (node N of the cluster at its port + 1 + N; /healthz on the
broker's HTTP port), and the console, processor host and lag collector reach the cluster through it. The console
registers the cluster as SAMSA_CLUSTER_NAME (default 'default') for its reconcile loop, which places tenants' keys
and ACLs on it. Needs SAMSA_CLUSTER_SASL_USERNAME and _PASSWORD (the admin principal; _MECHANISM, default
SCRAM-SHA-512).

Environment:
  DATABASE_URL            use this Postgres instead of the embedded one
  SAMSA_DATA_DIR          data directory (default ./data)
  SAMSA_CONSOLE_PORT      console port (default 3000); SAMSA_CONSOLE_HOST (default 127.0.0.1: set 0.0.0.0
                          to serve the console beyond this machine, behind TLS)
  SAMSA_BROKER_LISTEN     broker listener (default 127.0.0.1:9092; SASL without TLS is refused off loopback,
                          see samsa broker --help for --tls-cert-file and --allow-insecure)
  SAMSA_BROKER_HTTP_LISTEN
                          the broker's /healthz, /readyz and /metrics (default 127.0.0.1:9644); off loopback set
                          SAMSA_METRICS_TOKEN too, as /metrics names every tenant's topics
  SAMSA_BROKER_HEALTH_URL the broker's /healthz the console's overview reads (default: from SAMSA_BROKER_HTTP_LISTEN)
  SAMSA_SCHEMA_REGISTRY_LISTEN
                          the schema registry (default 127.0.0.1:8081); its other SAMSA_SCHEMA_REGISTRY_* settings
                          are in samsa schema-registry --help
  SAMSA_SUPERUSER_PASSWORD
                          the broker superuser the console and the processor host sign in as (default: generated
                          into the data dir)
  SAMSA_SECRETS_KEY       32 bytes in base64 that processor secrets are sealed with (default: generated into
                          <data-dir>/secrets-key; keep it: secrets sealed with a lost key are lost)
  SAMSA_PROCESSORS_HOST=off
                          run no processor host here (run 'samsa processors' elsewhere); SAMSA_PROCESSORS_* and
                          SAMSA_PROCESSOR_* settings are passed to the host (packages/processors/README.md)
  SAMSA_ADMIN_EMAIL, SAMSA_ADMIN_PASSWORD
                          the first platform admin; without them the console asks on its /setup page, which
                          accepts loopback browsers, or others with the setup token printed at start
  SAMSA_SETUP_TOKEN       that token (default: a new random one at every start)
  SAMSA_LAG_INTERVAL_MS   how often the console's consumer-lag collector samples every group (default 10000);
                          the other SAMSA_LAG_* settings are in packages/lag/README.md
  SAMSA_CONSOLE_REBUILD=1 rebuild the console even when a build exists`,
  async run(argv) {
    let config: StartConfig;
    let cluster: ClusterConnection | null;
    try {
      config = startConfig(argv, process.env);
      cluster = config.cluster === undefined ? null : startCluster(config.cluster, process.env);
    } catch (err) {
      process.stderr.write(`samsa start: ${(err as Error).message}\n`);
      return 2;
    }
    mkdirSync(config.dataDir, { recursive: true });
    const children: ChildProcess[] = [];
    let processorsHost: SupervisedChild | null = null;
    let schemaRegistry: SupervisedChild | null = null;
    let stopPostgres: (() => Promise<void>) | undefined;
    let stopping = false;
    let resolveDone: (code: number) => void = () => {};
    const done = new Promise<number>((r) => {
      resolveDone = r;
    });

    const shutdown = async (code: number, why: string) => {
      if (stopping) return;
      stopping = true;
      say(`stopping (${why})`);
      // Everything stops at once, each bounded (the host 12 s, the others 10 s), so `samsa start` is gone within
      // ~12 s of a signal and leaves no child behind.
      await Promise.all([
        processorsHost?.stop(),
        schemaRegistry?.stop(),
        ...children.reverse().map(
          (c) =>
            new Promise<void>((r) => {
              if (c.exitCode !== null || c.signalCode !== null) return r();
              const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
              c.once('exit', () => {
                clearTimeout(timer);
                r();
              });
              c.kill('SIGTERM');
            }),
        ),
      ]);
      await stopPostgres?.().catch((err) =>
        process.stderr.write(`samsa start: postgres stop failed: ${(err as Error).message}\n`),
      );
      say('stopped');
      resolveDone(code);
    };
    const onSignal = (signal: string) => void shutdown(0, signal);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    try {
      let databaseUrl = config.databaseUrl;
      if (!databaseUrl) {
        const { startEmbeddedPostgres } = await import('@samsa/db/embedded');
        say(`starting embedded Postgres in ${join(config.dataDir, 'postgres')}`);
        const pg = await startEmbeddedPostgres({ dataDir: join(config.dataDir, 'postgres'), database: 'samsa' });
        stopPostgres = pg.stop;
        databaseUrl = pg.url;
      }
      const { applyMigrations } = await import('@samsa/db/migrate');
      const migrated = await applyMigrations(databaseUrl);
      say(
        `database ready (${migrated.applied.length} migration(s) applied, ${migrated.alreadyApplied.length} already there)`,
      );
      if (stopping) return done;

      if (cluster) say(`running on the Kafka cluster ${cluster.bootstrapBrokers.join(',')} behind a gateway`);
      const brokerDir = join(config.dataDir, 'broker');
      const brokerArgs = [SAMSA_BIN, 'broker', '--data-dir', brokerDir, '--listen', config.brokerListen];
      if (config.brokerHttpListen) brokerArgs.push('--http-listen', config.brokerHttpListen);
      // The broker reads tenants, API keys, ACLs and quotas from the same database and requires SASL; the console
      // signs in as the platform superuser.
      const superuser = {
        name: process.env.SAMSA_SUPERUSER_NAME ?? 'admin',
        password: superuserPassword(config.dataDir, process.env),
      };
      const secretsKey = processorSecretsKey(config.dataDir, process.env);
      const bootstrap = process.env.SAMSA_BROKER_BOOTSTRAP ?? localBootstrap(config.brokerListen);
      // The broker and the schema registry read the same database and know the superuser.
      const serverEnv = {
        ...process.env,
        DATABASE_URL: databaseUrl,
        SAMSA_SUPERUSER_NAME: superuser.name,
        SAMSA_SUPERUSER_PASSWORD: superuser.password,
      };
      // On a managed cluster a gateway serves the broker's address instead (the same port; its /healthz on the
      // broker's HTTP port): the console, lag collector and processor host reach the cluster through it.
      const kafkaProcess = cluster
        ? spawn(process.execPath, gatewayArgs(config, cluster), {
            stdio: 'inherit',
            env: { ...serverEnv, ...clusterEnv(cluster), SAMSA_SECRETS_KEY: secretsKey },
          })
        : spawn(process.execPath, brokerArgs, { stdio: 'inherit', env: serverEnv });
      const kafkaName = cluster ? 'gateway' : 'broker';
      children.push(kafkaProcess);
      kafkaProcess.on('exit', (code) => void shutdown(code === 0 ? 0 : 1, `${kafkaName} exited with ${code}`));

      // The schema registry is restarted when it dies (e.g. its port taken), like the processor host: the broker
      // and the console keep serving meanwhile.
      schemaRegistry = new SupervisedChild({
        name: 'schema registry',
        command: process.execPath,
        args: [SAMSA_BIN, 'schema-registry', '--listen', config.schemaRegistryListen],
        spawnOptions: { stdio: 'inherit', env: serverEnv },
        policy: DEFAULT_RESTART_POLICY,
        log: say,
        stopTimeoutMs: 10_000,
      });
      schemaRegistry.start();

      // The console and the processor host call the registry as the superuser.
      const schemaRegistryUrl =
        process.env.SAMSA_SCHEMA_REGISTRY_URL ?? `http://${localBootstrap(config.schemaRegistryListen)}`;
      if (config.processorsHost) {
        processorsHost = processorHostSupervisor(
          { databaseUrl, bootstrap, superuser, secretsKey, schemaRegistryUrl },
          { stdio: 'inherit', env: process.env, log: say },
        );
        processorsHost.start();
      }

      const requireFromConsole = createRequire(join(CONSOLE_DIR, 'package.json'));
      const nextBin = requireFromConsole.resolve('next/dist/bin/next');
      const setup = setupToken(process.env);
      const consoleEnv = {
        ...process.env,
        DATABASE_URL: databaseUrl,
        SAMSA_BROKER_BOOTSTRAP: bootstrap,
        SAMSA_BROKER_SASL_USERNAME: superuser.name,
        SAMSA_BROKER_SASL_PASSWORD: superuser.password,
        // The overview shows the broker's own health (its disk: full, offline logs, corrupt batches).
        SAMSA_BROKER_HEALTH_URL:
          process.env.SAMSA_BROKER_HEALTH_URL ??
          `http://${localBootstrap(config.brokerHttpListen ?? '127.0.0.1:9644')}/healthz`,
        // The Schemas pages and the message browser's decoding call the registry as the superuser.
        SAMSA_SCHEMA_REGISTRY_URL: schemaRegistryUrl,
        SAMSA_SECRETS_KEY: secretsKey,
        SAMSA_SETUP_TOKEN: setup,
        // The console registers the cluster at boot (SAMSA_CLUSTER_*) for its reconcile loop.
        ...(cluster ? clusterEnv(cluster) : {}),
        NEXT_TELEMETRY_DISABLED: '1',
      };
      if (config.rebuild || consoleBuildIsStale(CONSOLE_DIR)) {
        say('building the console (first start or after a source change; takes a minute)…');
        await buildConsole(consoleEnv);
      }
      if (stopping) return done;
      const web = spawn(
        process.execPath,
        [nextBin, 'start', '-p', String(config.consolePort), '-H', config.consoleHost],
        {
          cwd: CONSOLE_DIR,
          stdio: 'inherit',
          env: { ...consoleEnv, NODE_ENV: 'production' },
        },
      );
      children.push(web);
      web.on('exit', (code) => void shutdown(code === 0 ? 0 : 1, `console exited with ${code}`));
      const localConsole = `http://127.0.0.1:${config.consolePort}`;
      await waitForHttp(`${localConsole}/login`, web, Date.now() + READY_TIMEOUT_MS);
      say('ready');
      process.stdout.write(
        `\n  Console:  http://localhost:${config.consolePort}\n  ${cluster ? 'Gateway:' : 'Broker: '}  ${localBootstrap(config.brokerListen)}  (Kafka bootstrap${cluster ? `; cluster ${cluster.bootstrapBrokers.join(',')}` : ''})\n  Schemas:  http://${localBootstrap(config.schemaRegistryListen)}  (schema registry)\n  Data:     ${config.dataDir}${config.databaseUrl ? '  (Postgres from DATABASE_URL)' : ''}\n${setupNotice(process.env, `http://localhost:${config.consolePort}`, setup)}\n  Press Ctrl-C to stop.\n\n`,
      );
    } catch (err) {
      process.stderr.write(`samsa start: ${(err as Error).message}\n`);
      await shutdown(1, 'start failed');
    }
    const code = await done;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    return code;
  },
};
