/**
 * `samsa gateway`: gateway mode (issue 15) in the foreground until SIGINT/SIGTERM. A stateless Kafka-protocol proxy
 * in front of an Apache Kafka cluster that `samsa cluster reconcile` manages: tenants' clients sign in with their
 * Samsa API keys and unprefixed names, as with Samsa's own broker. Exit code 2 on bad usage or settings, 1 when it
 * cannot start.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { clusterConnection, secretsKey, UsageError } from './cluster.ts';
import type { Command } from './types.ts';

const HELP = `Usage: samsa gateway --cluster HOST:PORT[,HOST:PORT] [--host HOST] [--port PORT] [--advertised-host HOST]
                     [--node-port-base PORT] [--metrics-port PORT] [--tls-cert-file FILE --tls-key-file FILE]
                     [--cluster-tls] [--cluster-ca-file FILE] [--cluster-tls-server-name NAME] [--allow-insecure]

Serves Samsa's tenants on an Apache Kafka cluster: clients connect with their API keys (SASL PLAIN or SCRAM) and
name topics and groups without the tenant prefix; the gateway rewrites names, checks Samsa's ACLs and talks to the
cluster as the key's own SCRAM user samsa.<tenant>.<keyId> (placed by \`samsa cluster reconcile\`).

Ports: the bootstrap listener at --port; Kafka node N at --node-port-base + N (default --port + 1 + N). Metadata,
FindCoordinator and DescribeCluster answers name --advertised-host and those ports.

  --cluster HOST:PORT[,...]   the cluster's SASL listeners (SASL_SSL ones with --cluster-tls) [SAMSA_CLUSTER_BOOTSTRAP]
  --host HOST                 listen address [127.0.0.1]
  --port PORT                 bootstrap port [9092]
  --advertised-host HOST      host clients are told to use [--host]
  --node-port-base PORT       node N at PORT + N [--port + 1]
  --metrics-port PORT         /metrics (Prometheus) and /healthz on --host [off]
  --tls-cert-file FILE, --tls-key-file FILE
                              serve every listener over TLS (TLSv1.2+, PEM certificate chain and key; clients use
                              SASL_SSL) [SAMSA_TLS_CERT_FILE, SAMSA_TLS_KEY_FILE]
  --cluster-tls               reach Kafka over TLS (its SASL_SSL listeners), checking each node's certificate
                              against its advertised host [SAMSA_CLUSTER_TLS=1]
  --cluster-ca-file FILE      PEM CA certificates to trust for the cluster instead of the system's; implies
                              --cluster-tls [SAMSA_CLUSTER_CA_FILE]
  --cluster-tls-server-name NAME
                              the name every node's certificate must hold, instead of its host; implies
                              --cluster-tls [SAMSA_CLUSTER_TLS_SERVER_NAME]
  --allow-insecure            listen beyond loopback without TLS (passwords and records in clear text: a private
                              network only) [SAMSA_ALLOW_INSECURE=1]

Environment:
  DATABASE_URL                                  the control-plane Postgres (required)
  SAMSA_CLUSTER_SASL_USERNAME, _PASSWORD        the cluster's admin principal (discovers nodes and versions)
  SAMSA_CLUSTER_SASL_MECHANISM                  PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 [SCRAM-SHA-512]
  SAMSA_SUPERUSER_NAME, SAMSA_SUPERUSER_PASSWORD
                                                the platform superuser, as the broker's [admin, unset: none]: the
                                                console, lag collector and processor host sign in with it (acting for
                                                a tenant with the authorization id tenant:<slug>)
  SAMSA_SECRETS_KEY                             opens the keys' sealed SCRAM credentials [else
                                                <SAMSA_DATA_DIR or ./data>/secrets-key]
  SAMSA_LOG_LEVEL                               pino level [info]`;

/** Loopback addresses, as the broker counts them. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function truthy(value: string | undefined): boolean {
  return value === '1' || value === 'true';
}

function port(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new UsageError(`${name}: expected a port, got '${value}'`);
  return n;
}

export const gateway: Command = {
  summary: 'serve tenants on an Apache Kafka cluster: a Kafka-protocol proxy with unprefixed names',
  help: HELP,
  async run(argv) {
    let options: Parameters<typeof import('@samsa/gateway').startGateway>[0];
    try {
      const { values } = parseArgs({
        args: argv,
        options: {
          cluster: { type: 'string' },
          host: { type: 'string' },
          port: { type: 'string' },
          'advertised-host': { type: 'string' },
          'node-port-base': { type: 'string' },
          'metrics-port': { type: 'string' },
          'allow-insecure': { type: 'boolean' },
          'tls-cert-file': { type: 'string' },
          'tls-key-file': { type: 'string' },
          'cluster-tls': { type: 'boolean' },
          'cluster-ca-file': { type: 'string' },
          'cluster-tls-server-name': { type: 'string' },
        },
        strict: true,
      });
      const env = process.env;
      const certFile = values['tls-cert-file'] || env.SAMSA_TLS_CERT_FILE || undefined;
      const keyFile = values['tls-key-file'] || env.SAMSA_TLS_KEY_FILE || undefined;
      if ((certFile === undefined) !== (keyFile === undefined))
        throw new UsageError(
          'give both --tls-cert-file and --tls-key-file (SAMSA_TLS_CERT_FILE, SAMSA_TLS_KEY_FILE), or neither',
        );
      const allowInsecure = values['allow-insecure'] === true || truthy(env.SAMSA_ALLOW_INSECURE);
      if (values.host && !isLoopback(values.host) && !certFile && !allowInsecure)
        throw new UsageError(
          `without TLS, on ${values.host} passwords (SASL/PLAIN) and every record would cross the network in clear text: set --tls-cert-file and --tls-key-file, listen on loopback, or pass --allow-insecure (SAMSA_ALLOW_INSECURE=1) on a private network`,
        );
      const caFile = values['cluster-ca-file'] || env.SAMSA_CLUSTER_CA_FILE || undefined;
      const serverName = values['cluster-tls-server-name'] || env.SAMSA_CLUSTER_TLS_SERVER_NAME || undefined;
      const clusterTls =
        values['cluster-tls'] === true ||
        truthy(env.SAMSA_CLUSTER_TLS) ||
        caFile !== undefined ||
        serverName !== undefined;
      const databaseUrl = process.env.DATABASE_URL;
      if (!databaseUrl)
        throw new UsageError(
          'DATABASE_URL is not set: keys, tenants and ACLs are read from the control-plane database',
        );
      const connection = clusterConnection(values.cluster, process.env, '--cluster');
      if (!connection.sasl)
        throw new UsageError('set SAMSA_CLUSTER_SASL_USERNAME and SAMSA_CLUSTER_SASL_PASSWORD: the admin principal');
      const key = secretsKey(process.env);
      if (!key)
        throw new UsageError("set SAMSA_SECRETS_KEY: it opens the keys' SCRAM credentials the gateway signs in with");
      const superuserPassword = process.env.SAMSA_SUPERUSER_PASSWORD || undefined;
      if (superuserPassword !== undefined && superuserPassword.length < 8)
        throw new UsageError('SAMSA_SUPERUSER_PASSWORD: at least 8 characters, as the broker requires');
      options = {
        cluster: {
          bootstrap: connection.bootstrapBrokers,
          sasl: connection.sasl,
          ...(clusterTls ? { tls: { caFile, serverName } } : {}),
        },
        ...(certFile && keyFile ? { tls: { certFile, keyFile } } : {}),
        databaseUrl,
        ...(superuserPassword
          ? { superuser: { name: process.env.SAMSA_SUPERUSER_NAME || 'admin', password: superuserPassword } }
          : {}),
        secretsKey: key,
        ...(values.host ? { host: values.host } : {}),
        ...(values['advertised-host'] ? { advertisedHost: values['advertised-host'] } : {}),
        ...(values.port ? { port: port('--port', values.port) } : {}),
        ...(values['node-port-base'] ? { nodePortBase: port('--node-port-base', values['node-port-base']) } : {}),
        ...(values['metrics-port'] ? { metricsPort: port('--metrics-port', values['metrics-port']) } : {}),
      };
    } catch (err) {
      process.stderr.write(`samsa gateway: ${(err as Error).message}\n\n${HELP}\n`);
      return 2;
    }
    const logger = pino({ level: process.env.SAMSA_LOG_LEVEL ?? 'info', base: { svc: 'gateway' } });
    // Loaded here: the gateway only when it runs.
    const { startGateway } = await import('@samsa/gateway');
    let running: Awaited<ReturnType<typeof startGateway>>;
    try {
      running = await startGateway({ ...options, logger });
    } catch (err) {
      logger.fatal({ err: (err as Error).message }, 'the gateway failed to start');
      return 1;
    }
    process.stdout.write(`gateway listening on ${running.bootstrap}\n`);
    const signal = await new Promise<string>((resolveSignal) => {
      process.once('SIGINT', () => resolveSignal('SIGINT'));
      process.once('SIGTERM', () => resolveSignal('SIGTERM'));
    });
    logger.info({ signal }, 'stopping the gateway');
    await running.close();
    return 0;
  },
};
