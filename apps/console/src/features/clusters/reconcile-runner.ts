/**
 * One reconcile of a registered cluster, as the loop and "Reconcile now" run it: the admin password opened from its
 * sealed column, the cluster probed (brokers seen, rights), Samsa's records reconciled onto it (`reconcileFromDb`,
 * which writes the audit entries: drift and refusals included), and the result stored as a run (the last
 * RUNS_KEPT_PER_CLUSTER per cluster) and as the cluster's last status. At most one run per cluster at a time across
 * console instances: a Postgres advisory lock on its own session.
 */
import type { ClusterConnection } from '@samsa/cluster/connection';
import { probeManagedCluster, type ReconcileReport, reconcileFromDb } from '@samsa/cluster/managed';
import type { KafkaCluster, Prisma } from '@samsa/db';
import { kafkaClusterPasswordAad, openSecret, secretKeyFromEnv } from '@samsa/db/secret-box';
import { withSessionLock } from '@samsa/db/session-lock';
import { db } from '../../server/db.ts';
import { ApiError } from '../../server/errors.ts';
import { log } from '../../server/log.ts';
import type { ClusterStatus } from './schemas.ts';

/** Runs kept per cluster; older ones are deleted after each run. */
export const RUNS_KEPT_PER_CLUSTER = 50;
/** Deadline of one Kafka request of a reconcile. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Deadline of a whole run: past it the run is recorded as failed (its requests stop at their own deadlines). */
const RUN_TIMEOUT_MS = 5 * 60_000;
/** Entries kept per list in a stored run (a report can name every ACL of every tenant). */
const LIST_ENTRIES_MAX = 500;
const LOCK_SCOPE = 'samsa-cluster-reconcile';

export type RunTrigger = 'loop' | 'manual' | 'change';

/** The SAMSA_SECRETS_KEY, or a clear error: cluster passwords are sealed with it. */
export function clusterSecretsKey(): Buffer {
  try {
    return secretKeyFromEnv();
  } catch (err) {
    throw new ApiError(
      'internal',
      `The console cannot seal or open cluster credentials: ${(err as Error).message} (samsa start sets it)`,
    );
  }
}

/** The keys' sealed SCRAM credentials open with the same key; null (keys listed as skipped) when it is not set. */
function keysSecretsKey(): Buffer | null {
  try {
    return secretKeyFromEnv();
  } catch {
    return null;
  }
}

export function connectionOf(cluster: KafkaCluster, password: string): ClusterConnection {
  return {
    bootstrapBrokers: cluster.bootstrap,
    sasl: {
      mechanism: cluster.saslMechanism as 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512',
      username: cluster.saslUsername,
      password,
    },
    clientId: `samsa-console-cluster-${cluster.name}`,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
  };
}

function openConnection(cluster: KafkaCluster): ClusterConnection {
  const password = openSecret(clusterSecretsKey(), kafkaClusterPasswordAad(cluster.id), cluster.saslPasswordSealed);
  return connectionOf(cluster, password);
}

export function statusOf(report: Pick<ReconcileReport, 'errors' | 'repaired'>): ClusterStatus {
  if (report.errors.length > 0) return 'refusals';
  if (report.repaired.length > 0) return 'drift_repaired';
  return 'healthy';
}

/** A change the report lists, in words a person reads on the cluster page. */
export function driftInWords(c: { tenant: string; what: string }): string {
  const object = c.what.replace(/^(create|set) /, '');
  return `${c.tenant}: ${object} — deleted or changed behind Samsa's back, re-created`;
}

function bounded<T>(list: T[]): T[] {
  return list.slice(0, LIST_ENTRIES_MAX);
}

async function deadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

export type RunOutcome =
  | { ran: false }
  | { ran: true; status: ClusterStatus; report: ReconcileReport | null; error: string | null };

/**
 * Reconciles `cluster` now unless another run holds its lock (`{ ran: false }`). A dry run stores nothing and
 * changes nothing. Never throws for the cluster's own failures: those are the run's `unreachable` status.
 */
export async function runClusterReconcile(
  cluster: KafkaCluster,
  options: { trigger: RunTrigger; actorEmail: string; dryRun?: boolean },
): Promise<RunOutcome> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  const locked = await withSessionLock(url, LOCK_SCOPE, cluster.id, async () => {
    const startedAt = new Date();
    let report: ReconcileReport | null = null;
    let brokers: { id: number; host: string; port: number }[] = [];
    let error: string | null = null;
    const work = (async () => {
      // Inside the run: a password that no longer opens (SAMSA_SECRETS_KEY changed) is the run's error, shown.
      const connection = openConnection(cluster);
      const probe = await probeManagedCluster(connection);
      brokers = probe.brokers;
      report = await reconcileFromDb(db(), connection, {
        secretsKey: keysSecretsKey(),
        dryRun: options.dryRun,
        actorEmail: options.actorEmail,
        logger: log.child({ cluster: cluster.name }),
      });
    })();
    try {
      await deadline(work, RUN_TIMEOUT_MS, 'the reconcile');
    } catch (err) {
      error = (err as Error).message;
    }
    // The lock is held until the work has really stopped, so two runs never overlap.
    await work.catch(() => undefined);
    const status: ClusterStatus = error || !report ? 'unreachable' : statusOf(report);
    if (error) log.warn({ cluster: cluster.name, err: error }, 'managed cluster reconcile failed');
    if (options.dryRun) return { status, report, error };
    const r = report as ReconcileReport | null;
    const finishedAt = r?.finishedAt ?? new Date();
    const details = {
      brokers,
      created: bounded(r?.created ?? []),
      repaired: bounded(r?.repaired ?? []),
      deleted: bounded(r?.deleted ?? []),
      errors: bounded(r?.errors ?? []),
      skipped: bounded(r?.skipped ?? []),
      topics: r?.topics ?? {},
    };
    const stored = await db()
      .$transaction([
        db().clusterReconcileRun.create({
          data: {
            clusterId: cluster.id,
            startedAt,
            finishedAt,
            trigger: options.trigger,
            status,
            error,
            created: r?.created.length ?? 0,
            repaired: r?.repaired.length ?? 0,
            deleted: r?.deleted.length ?? 0,
            refused: r?.errors.length ?? 0,
            skipped: r?.skipped.length ?? 0,
            details: details as unknown as Prisma.InputJsonValue,
          },
        }),
        db().kafkaCluster.updateMany({
          where: { id: cluster.id },
          data: { lastReconcileAt: startedAt, lastReconcileStatus: status, lastReconcileError: error },
        }),
      ])
      .then(
        () => true,
        // Removed while it ran: nothing to record it on.
        async (err) => {
          if (await db().kafkaCluster.findUnique({ where: { id: cluster.id } })) throw err;
          return false;
        },
      );
    if (!stored) return { status, report, error };
    const old = await db().clusterReconcileRun.findMany({
      where: { clusterId: cluster.id },
      orderBy: { startedAt: 'desc' },
      skip: RUNS_KEPT_PER_CLUSTER,
      select: { id: true },
    });
    if (old.length > 0) await db().clusterReconcileRun.deleteMany({ where: { id: { in: old.map((o) => o.id) } } });
    return { status, report, error };
  });
  return locked.ran ? { ran: true, ...locked.value } : { ran: false };
}
