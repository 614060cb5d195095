/**
 * `samsa start --cluster`: the hub runs on an Apache Kafka cluster behind a gateway, and that cluster must be
 * registered for the reconcile loop to place tenants' keys and ACLs on it. `samsa start` hands the console the same
 * SAMSA_CLUSTER_* settings `samsa cluster reconcile` and `samsa gateway` read; at boot the console registers the
 * cluster under SAMSA_CLUSTER_NAME (default `default`) through its own cluster service (checked, sealed, audited as
 * done by `samsa start`), or brings it up to date. A cluster that cannot be reached yet is tried again, a bounded
 * number of times.
 */
import { z } from 'zod';
import { log } from '../../server/log.ts';
import { registerClusterSchema } from './schemas.ts';
import { ensureStartCluster } from './service.ts';

/** Tries at boot, then every RETRY_INTERVAL_MS, at most MAX_ATTEMPTS times (about 10 minutes). */
const RETRY_INTERVAL_MS = 10_000;
const MAX_ATTEMPTS = 60;

const startClusterEnvSchema = z.object({
  SAMSA_CLUSTER_BOOTSTRAP: z.string().min(1),
  SAMSA_CLUSTER_NAME: z.string().default('default'),
  SAMSA_CLUSTER_SASL_MECHANISM: z.string().default('SCRAM-SHA-512'),
  SAMSA_CLUSTER_SASL_USERNAME: z.string({ error: 'set the cluster admin principal SAMSA_CLUSTER_SASL_USERNAME' }),
  SAMSA_CLUSTER_SASL_PASSWORD: z.string({ error: 'set SAMSA_CLUSTER_SASL_PASSWORD, the admin principal password' }),
});

/** The cluster to register from the environment, or null when SAMSA_CLUSTER_BOOTSTRAP is unset (the embedded broker). */
export function startClusterFromEnv(env: Record<string, string | undefined>) {
  if (!env.SAMSA_CLUSTER_BOOTSTRAP) return null;
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const e = startClusterEnvSchema.parse(present);
  return registerClusterSchema.parse({
    name: e.SAMSA_CLUSTER_NAME,
    bootstrap: e.SAMSA_CLUSTER_BOOTSTRAP,
    saslMechanism: e.SAMSA_CLUSTER_SASL_MECHANISM,
    saslUsername: e.SAMSA_CLUSTER_SASL_USERNAME,
    saslPassword: e.SAMSA_CLUSTER_SASL_PASSWORD,
  });
}

/** Registers (or updates) the start cluster; logs and retries while the cluster cannot be used. Never throws. */
export function registerStartCluster(env: Record<string, string | undefined> = process.env): void {
  let input: ReturnType<typeof startClusterFromEnv>;
  try {
    input = startClusterFromEnv(env);
  } catch (err) {
    const issues = err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`) : [];
    log.error({ problems: issues.length ? issues : [(err as Error).message] }, 'SAMSA_CLUSTER_* settings are invalid');
    return;
  }
  if (input === null) return;
  const cluster = input;
  const attempt = async (n: number): Promise<void> => {
    try {
      const outcome = await ensureStartCluster(cluster);
      log.info({ cluster: cluster.name, bootstrap: cluster.bootstrap, outcome }, 'the start cluster is registered');
    } catch (err) {
      const last = n >= MAX_ATTEMPTS;
      log[last ? 'error' : 'warn'](
        { cluster: cluster.name, attempt: n, maxAttempts: MAX_ATTEMPTS, err: (err as Error).message },
        last
          ? 'could not register the start cluster: register it on the Clusters page or with samsa cluster add'
          : 'could not register the start cluster yet; retrying',
      );
      if (!last) setTimeout(() => void attempt(n + 1), RETRY_INTERVAL_MS).unref();
    }
  };
  void attempt(1);
}
