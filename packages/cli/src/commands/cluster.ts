/**
 * `samsa cluster reconcile`: places Samsa's tenants on an Apache Kafka cluster through its Admin API (managed mode,
 * issue 15): a SCRAM user per API key, the tenants' ACL bindings under their prefixes, per-user quota ceilings; drift
 * repaired, revoked keys and deleted tenants removed. Reads the control-plane database, records each run in the audit
 * log. Exit code 0 when every change was made, 1 when the cluster refused any, 2 on bad usage or settings.
 */
import { hostname, userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { type ClusterConnection, ClusterConnectionError, clusterConnectionFromEnv } from '@samsa/cluster/connection';
import { createDb } from '@samsa/db';
import { secretKeyFromEnv } from '@samsa/db/secret-box';
import { readKeptValue, SECRETS_KEY_FILE } from './data-dir-secrets.ts';
import { CLUSTER_REST_HELP, printReport, runClusterRest } from './admin/cluster.ts';
import type { Command } from './types.ts';

const HELP = `${CLUSTER_REST_HELP}

Direct mode, without the console (reads the database itself):
Usage: samsa cluster reconcile [--bootstrap HOST:PORT[,HOST:PORT]] [--tenant SLUG]... [--dry-run] [--json]

Brings an Apache Kafka cluster to what Samsa's records say, for every tenant (or those named), through the Admin
API only: a SCRAM user samsa.<tenant>.<keyId> per API key, the tenant's ACL bindings as ACLs under <tenant>.,
client quotas per user from the tenant's byte rates. What was changed behind Samsa's back is repaired and reported
as drift; revoked keys and tenants being deleted are removed (a deleted tenant's topics and groups too). Nothing
outside the tenants' prefixes and users is changed. See README "Scale-out on Apache Kafka".

  --bootstrap HOST:PORT[,...]   the cluster [SAMSA_CLUSTER_BOOTSTRAP]
  --tenant SLUG                 only this tenant (repeatable)
  --dry-run                     list the changes, make none
  --json                        the report as JSON

Environment:
  DATABASE_URL                                  the control-plane Postgres (required)
  SAMSA_CLUSTER_SASL_USERNAME, _PASSWORD        the cluster's admin principal (rights: README)
  SAMSA_CLUSTER_SASL_MECHANISM                  PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 [SCRAM-SHA-512]
  SAMSA_CLUSTER_REQUEST_TIMEOUT_MS              deadline of one Kafka request [10000]
  SAMSA_SECRETS_KEY                             opens the keys' sealed SCRAM credentials [else
                                                <SAMSA_DATA_DIR or ./data>/secrets-key, as samsa start keeps it]`;

export class UsageError extends Error {}

/**
 * The cluster's connection: SAMSA_CLUSTER_* read with the same rules as the broker connection's SAMSA_BROKER_*.
 * `flag` names the command's option for the bootstrap list in messages.
 */
export function clusterConnection(
  bootstrap: string | undefined,
  env: NodeJS.ProcessEnv,
  flag = '--bootstrap',
): ClusterConnection {
  const names: Record<string, string> = {
    SAMSA_BROKER_BOOTSTRAP: bootstrap ? flag : 'SAMSA_CLUSTER_BOOTSTRAP',
    SAMSA_BROKER_SASL_MECHANISM: 'SAMSA_CLUSTER_SASL_MECHANISM',
    SAMSA_BROKER_SASL_USERNAME: 'SAMSA_CLUSTER_SASL_USERNAME',
    SAMSA_BROKER_SASL_PASSWORD: 'SAMSA_CLUSTER_SASL_PASSWORD',
    SAMSA_BROKER_REQUEST_TIMEOUT_MS: 'SAMSA_CLUSTER_REQUEST_TIMEOUT_MS',
  };
  const bootstrapValue = bootstrap ?? env.SAMSA_CLUSTER_BOOTSTRAP;
  if (!bootstrapValue)
    throw new UsageError(`name the cluster: ${flag} HOST:PORT[,HOST:PORT] or SAMSA_CLUSTER_BOOTSTRAP`);
  try {
    return clusterConnectionFromEnv(
      {
        SAMSA_BROKER_BOOTSTRAP: bootstrapValue,
        SAMSA_BROKER_SASL_MECHANISM: env.SAMSA_CLUSTER_SASL_MECHANISM,
        SAMSA_BROKER_SASL_USERNAME: env.SAMSA_CLUSTER_SASL_USERNAME,
        SAMSA_BROKER_SASL_PASSWORD: env.SAMSA_CLUSTER_SASL_PASSWORD,
        SAMSA_BROKER_REQUEST_TIMEOUT_MS: env.SAMSA_CLUSTER_REQUEST_TIMEOUT_MS,
      },
      'samsa-cluster-reconcile',
    );
  } catch (err) {
    if (!(err instanceof ClusterConnectionError)) throw err;
    // The shared reader names SAMSA_BROKER_* variables: name the ones this command reads instead.
    const rename = (text: string) =>
      text
        .replace(/SAMSA_BROKER_[A-Z_]+/g, (v) => names[v] ?? v)
        .replace(/the superuser (password|name)/, "the admin principal's $1");
    throw new UsageError(err.problems.map((p) => `${rename(p.variable)}: ${rename(p.message)}`).join('; '));
  }
}

/** The secrets key from SAMSA_SECRETS_KEY or the data directory; null (no key placed) when neither has one. */
export function secretsKey(env: NodeJS.ProcessEnv): Buffer | null {
  const raw = env.SAMSA_SECRETS_KEY || readKeptValue(env.SAMSA_DATA_DIR ?? './data', SECRETS_KEY_FILE);
  if (!raw) return null;
  try {
    return secretKeyFromEnv({ SAMSA_SECRETS_KEY: raw });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export const cluster: Command = {
  summary: 'managed Apache Kafka clusters: add, list, show, update, pause, resume, remove, reconcile',
  help: HELP,
  async run(argv) {
    // With --name, or any verb but reconcile: the cluster registered in the console, over its API.
    const direct = argv[0] === 'reconcile' && !argv.some((a) => a === '--name' || a.startsWith('--name='));
    if (argv[0] !== undefined && !direct) return runClusterRest(argv);
    let parsed: ReturnType<typeof parse>;
    let connection: ClusterConnection;
    let key: Buffer | null;
    try {
      parsed = parse(argv);
      if (parsed.positionals[0] !== 'reconcile' || parsed.positionals.length > 1)
        throw new UsageError("expected 'reconcile' or one of add, list, show, update, pause, resume, remove");
      if (!process.env.DATABASE_URL)
        throw new UsageError(
          'DATABASE_URL is not set: the tenants, keys and ACLs are read from the control-plane database',
        );
      connection = clusterConnection(parsed.values.bootstrap, process.env);
      key = secretsKey(process.env);
    } catch (err) {
      process.stderr.write(`samsa cluster: ${(err as Error).message}\n\n${HELP}\n`);
      return 2;
    }
    const { values } = parsed;
    // Loaded here: the Kafka client only when a reconcile runs.
    const { reconcileFromDb } = await import('@samsa/cluster/managed');
    const db = createDb(process.env.DATABASE_URL, { poolMax: 2 });
    try {
      if (values.tenant) {
        const known = new Set(
          (await db.tenant.findMany({ where: { slug: { in: values.tenant } }, select: { slug: true } })).map(
            (t) => t.slug,
          ),
        );
        const unknown = values.tenant.filter((s) => !known.has(s));
        if (unknown.length > 0) {
          process.stderr.write(`samsa cluster reconcile: no tenant ${unknown.map((s) => `'${s}'`).join(', ')}\n`);
          return 2;
        }
      }
      const report = await reconcileFromDb(db, connection, {
        secretsKey: key,
        tenants: values.tenant,
        dryRun: values['dry-run'] ?? false,
        actorEmail: `samsa cluster reconcile (${userInfo().username}@${hostname()})`,
      });
      if (values.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        printReport(report);
      }
      return report.errors.length === 0 ? 0 : 1;
    } catch (err) {
      process.stderr.write(`samsa cluster reconcile: ${(err as Error).message}\n`);
      return 1;
    } finally {
      await db.$disconnect();
    }
  },
};

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      bootstrap: { type: 'string' },
      tenant: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
}
