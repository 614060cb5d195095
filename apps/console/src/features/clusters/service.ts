/**
 * Managed Kafka clusters in the console (platform admins only; the routes check the role): register (the admin
 * principal is signed in and its rights checked before anything is stored), list, show, change credentials or the
 * loop's settings, pause and resume, remove, reconcile now. The admin password is sealed with SAMSA_SECRETS_KEY,
 * bound to the cluster's id, and never returned, logged or audited.
 */
import { randomUUID } from 'node:crypto';
import { type ReportedChange, probeManagedCluster, desiredStateFromDb } from '@samsa/cluster/managed';
import { ClusterError } from '@samsa/cluster/errors';
import { Prisma, recordAudit, type ClusterReconcileRun, type KafkaCluster, type Tenant } from '@samsa/db';
import { kafkaClusterPasswordAad, openSecret, sealSecret } from '@samsa/db/secret-box';
import { db } from '../../server/db.ts';
import { ApiError } from '../../server/errors.ts';
import { log } from '../../server/log.ts';
import type { Actor } from '../../server/with-tenant.ts';
import { clusterSecretsKey, connectionOf, driftInWords, runClusterReconcile } from './reconcile-runner.ts';
import type { ClusterStatus, RegisterClusterInput, UpdateClusterInput } from './schemas.ts';

/** Runs listed on a cluster's page. */
const RUNS_SHOWN = 20;

interface RunDetails {
  brokers?: { id: number; host: string; port: number }[];
  created?: ReportedChange[];
  repaired?: ReportedChange[];
  deleted?: ReportedChange[];
  errors?: (ReportedChange & { message: string })[];
  skipped?: { tenant: string; what: string; reason: string }[];
  topics?: Record<string, string[]>;
}

export function clusterView(c: KafkaCluster) {
  return {
    id: c.id,
    name: c.name,
    bootstrap: c.bootstrap,
    security: 'SASL_PLAINTEXT' as const,
    saslMechanism: c.saslMechanism,
    saslUsername: c.saslUsername,
    paused: c.paused,
    reconcileIntervalMs: c.reconcileIntervalMs,
    createdAt: c.createdAt.toISOString(),
    createdBy: c.createdByEmail,
    lastReconcileAt: c.lastReconcileAt?.toISOString() ?? null,
    status: (c.lastReconcileStatus as ClusterStatus | null) ?? null,
    lastError: c.lastReconcileError,
  };
}

export function runView(r: ClusterReconcileRun) {
  const d = r.details as RunDetails;
  return {
    id: r.id,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt.toISOString(),
    trigger: r.trigger as 'loop' | 'manual' | 'change',
    status: r.status as ClusterStatus,
    error: r.error,
    counts: { created: r.created, repaired: r.repaired, deleted: r.deleted, refused: r.refused, skipped: r.skipped },
    summary: [
      ...(d.repaired ?? []).map(driftInWords),
      ...(d.errors ?? []).map((e) => `${e.tenant}: ${e.what} — refused: ${e.message}`),
      ...(r.error ? [`the cluster could not be reconciled: ${r.error}`] : []),
    ],
  };
}

export async function findCluster(name: string): Promise<KafkaCluster> {
  const c = await db().kafkaCluster.findUnique({ where: { name } });
  if (!c) throw new ApiError('not_found', `No cluster '${name}' (samsa cluster list shows the registered ones)`);
  return c;
}

/** Signs in as the principal and checks its rights; a clear error naming what is wrong or missing. */
async function verify(cluster: KafkaCluster, password: string): Promise<void> {
  let missing: string[];
  try {
    ({ missing } = await probeManagedCluster(connectionOf(cluster, password)));
  } catch (err) {
    if (err instanceof ClusterError)
      throw new ApiError(
        err.code === 'cluster_unavailable' ? 'cluster_unavailable' : 'validation_failed',
        `Cannot use cluster '${cluster.name}': ${err.message}`,
      );
    throw err;
  }
  if (missing.length > 0)
    throw new ApiError(
      'validation_failed',
      `The principal '${cluster.saslUsername}' lacks rights a reconcile needs: ${missing.join('; ')}. Grant them with kafka-acls (README "Scale-out on Apache Kafka", "The admin principal")`,
    );
}

export async function listClusters() {
  return (await db().kafkaCluster.findMany({ orderBy: { name: 'asc' } })).map(clusterView);
}

export async function clusterDetail(cluster: KafkaCluster) {
  const runs = await db().clusterReconcileRun.findMany({
    where: { clusterId: cluster.id },
    orderBy: { startedAt: 'desc' },
    take: RUNS_SHOWN,
  });
  // Brokers and tenants as the last run that reached the cluster saw them.
  const reached = runs.find((r) => r.status !== 'unreachable');
  const d = (reached?.details ?? {}) as RunDetails;
  return {
    ...clusterView(cluster),
    brokers: d.brokers ?? [],
    tenants: Object.entries(d.topics ?? {})
      .map(([slug, topics]) => ({ slug, topics: topics.length }))
      .sort((a, b) => a.slug.localeCompare(b.slug)),
    reports: runs.map(runView),
  };
}

export async function registerCluster(actor: Actor, input: RegisterClusterInput) {
  return clusterView(await createCluster({ actorId: actor.user.id, actorEmail: actor.user.email }, input));
}

/** Who changed a cluster, for the audit log: a platform admin, or `samsa start` (no user). */
interface AuditActor {
  actorId: string | null;
  actorEmail: string;
}

async function createCluster(who: AuditActor, input: RegisterClusterInput): Promise<KafkaCluster> {
  const key = clusterSecretsKey();
  if (await db().kafkaCluster.findUnique({ where: { name: input.name } }))
    throw new ApiError('conflict', `A cluster named '${input.name}' is registered already`, {
      name: ['Already taken'],
    });
  const id = randomUUID();
  const row = {
    id,
    name: input.name,
    bootstrap: input.bootstrap,
    saslMechanism: input.saslMechanism,
    saslUsername: input.saslUsername,
    saslPasswordSealed: sealSecret(key, kafkaClusterPasswordAad(id), input.saslPassword),
    paused: input.paused,
    reconcileIntervalMs: input.reconcileIntervalMs,
    createdByEmail: who.actorEmail,
  };
  // Checked before anything is stored: a wrong password or missing right leaves no row.
  await verify({ ...row, createdAt: new Date(), updatedAt: new Date() } as KafkaCluster, input.saslPassword);
  let cluster: KafkaCluster;
  try {
    cluster = await db().kafkaCluster.create({ data: row });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')
      throw new ApiError('conflict', `A cluster named '${input.name}' is registered already`);
    throw err;
  }
  await recordAudit(db(), {
    ...who,
    tenantId: null,
    action: 'cluster.register',
    targetType: 'managed_cluster',
    targetId: cluster.name,
    after: auditable(cluster),
  });
  log.info({ cluster: cluster.name, bootstrap: cluster.bootstrap }, 'managed cluster registered');
  return cluster;
}

/**
 * The cluster `samsa start --cluster` runs the hub on (named in the console's environment at boot): registered when
 * missing, its bootstrap list and credentials brought up to date when they changed (checked against the cluster
 * first, as a registration is), left alone otherwise. Audited as done by `samsa start`.
 */
export async function ensureStartCluster(input: RegisterClusterInput): Promise<'registered' | 'updated' | 'unchanged'> {
  const who = { actorId: null, actorEmail: 'samsa start' };
  const existing = await db().kafkaCluster.findUnique({ where: { name: input.name } });
  if (!existing) {
    await createCluster(who, input);
    return 'registered';
  }
  let storedPassword: string | null = null;
  try {
    storedPassword = openSecret(clusterSecretsKey(), kafkaClusterPasswordAad(existing.id), existing.saslPasswordSealed);
  } catch {
    storedPassword = null;
  }
  const same =
    existing.bootstrap.join(',') === input.bootstrap.join(',') &&
    existing.saslMechanism === input.saslMechanism &&
    existing.saslUsername === input.saslUsername &&
    storedPassword === input.saslPassword;
  if (same) return 'unchanged';
  const next = { ...existing, ...input, saslPasswordSealed: existing.saslPasswordSealed };
  await verify(next, input.saslPassword);
  const updated = await db().kafkaCluster.update({
    where: { id: existing.id },
    data: {
      bootstrap: input.bootstrap,
      saslMechanism: input.saslMechanism,
      saslUsername: input.saslUsername,
      saslPasswordSealed: sealSecret(clusterSecretsKey(), kafkaClusterPasswordAad(existing.id), input.saslPassword),
    },
  });
  await recordAudit(db(), {
    ...who,
    tenantId: null,
    action: 'cluster.update',
    targetType: 'managed_cluster',
    targetId: existing.name,
    before: auditable(existing),
    after: { ...auditable(updated), credentialsChanged: storedPassword !== input.saslPassword },
  });
  return 'updated';
}

/** What the audit log keeps of a cluster: its view, which never holds the password, sealed or not. */
function auditable(c: KafkaCluster) {
  return clusterView(c);
}

export async function updateCluster(actor: Actor, cluster: KafkaCluster, input: UpdateClusterInput) {
  const data: Prisma.KafkaClusterUpdateInput = {};
  if (input.reconcileIntervalMs !== undefined) data.reconcileIntervalMs = input.reconcileIntervalMs;
  if (input.paused !== undefined) data.paused = input.paused;
  if (input.saslPassword !== undefined) {
    const next = {
      ...cluster,
      saslMechanism: input.saslMechanism ?? cluster.saslMechanism,
      saslUsername: input.saslUsername ?? cluster.saslUsername,
    };
    await verify(next, input.saslPassword);
    data.saslMechanism = next.saslMechanism;
    data.saslUsername = next.saslUsername;
    data.saslPasswordSealed = sealSecret(clusterSecretsKey(), kafkaClusterPasswordAad(cluster.id), input.saslPassword);
  }
  const updated = await db().kafkaCluster.update({ where: { id: cluster.id }, data });
  await recordAudit(db(), {
    actorId: actor.user.id,
    actorEmail: actor.user.email,
    tenantId: null,
    action: 'cluster.update',
    targetType: 'managed_cluster',
    targetId: cluster.name,
    before: auditable(cluster),
    after: { ...auditable(updated), credentialsChanged: input.saslPassword !== undefined },
  });
  return clusterView(updated);
}

/**
 * Forgets the cluster: nothing on it is changed (its users, ACLs and quotas stay until removed with Kafka's tools or
 * the cluster is registered again and tenants are deleted).
 */
export async function removeCluster(actor: Actor, cluster: KafkaCluster) {
  await db().kafkaCluster.delete({ where: { id: cluster.id } });
  await recordAudit(db(), {
    actorId: actor.user.id,
    actorEmail: actor.user.email,
    tenantId: null,
    action: 'cluster.remove',
    targetType: 'managed_cluster',
    targetId: cluster.name,
    before: auditable(cluster),
  });
}

/** "Reconcile now": runs at once (waits for it) and returns the report; a dry run changes and stores nothing. */
export async function reconcileNow(actor: Actor, cluster: KafkaCluster, dryRun: boolean) {
  const outcome = await runClusterReconcile(cluster, { trigger: 'manual', actorEmail: actor.user.email, dryRun });
  if (!outcome.ran)
    throw new ApiError(
      'conflict',
      `A reconcile of '${cluster.name}' is running (on this or another console); try again when it has finished`,
    );
  if (!outcome.report)
    throw new ApiError('cluster_unavailable', `Cannot reconcile '${cluster.name}': ${outcome.error}`);
  const r = outcome.report;
  return {
    status: outcome.status,
    dryRun: r.dryRun,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt.toISOString(),
    created: r.created,
    repaired: r.repaired,
    deleted: r.deleted,
    errors: r.errors,
    skipped: r.skipped,
  };
}

/** Where a tenant's keys and ACLs are placed, per registered cluster: placed, pending, refused, or skipped with why. */
export async function tenantPlacements(tenant: Tenant) {
  const clusters = await db().kafkaCluster.findMany({ orderBy: { name: 'asc' } });
  if (clusters.length === 0) return [];
  let secretsKey: Buffer | null = null;
  try {
    secretsKey = clusterSecretsKey();
  } catch {
    secretsKey = null;
  }
  const desired = await desiredStateFromDb(db(), secretsKey, [tenant.slug]);
  const mine = desired.tenants.find((t) => t.slug === tenant.slug);
  const out = [];
  for (const c of clusters) {
    const last = await db().clusterReconcileRun.findFirst({
      where: { clusterId: c.id },
      orderBy: { startedAt: 'desc' },
    });
    const errors = ((last?.details ?? {}) as RunDetails).errors ?? [];
    const reached = last !== null && last.status !== 'unreachable';
    const stateOf = (name: string, since: Date) => {
      const refusal = errors.find((e) => e.tenant === tenant.slug && e.what.includes(name));
      if (refusal) return { state: 'refused' as const, reason: refusal.message };
      if (reached && last.startedAt >= since) return { state: 'placed' as const, reason: null };
      return { state: 'pending' as const, reason: 'not reconciled since it was made' };
    };
    out.push({
      cluster: c.name,
      bootstrap: c.bootstrap,
      lastReconcileAt: c.lastReconcileAt?.toISOString() ?? null,
      status: (c.lastReconcileStatus as ClusterStatus | null) ?? null,
      items: [
        ...(mine?.users ?? [])
          .filter((u) => u.credentials !== null)
          .map((u) => ({ what: `API key ${u.keyId} as user ${u.name}`, ...stateOf(u.name, u.since) })),
        ...(mine?.acls ?? []).map(({ acl, since }) => ({
          what: `ACL ${acl.permission} ${acl.principal} ${acl.operation} on ${acl.resourceType} ${acl.patternType} '${acl.resourceName}'`,
          ...stateOf(`'${acl.resourceName}'`, since),
        })),
        ...(mine?.skipped ?? []).map((s) => ({ what: s.what, state: 'skipped' as const, reason: s.reason })),
      ],
    });
  }
  return out;
}
