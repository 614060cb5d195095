/**
 * A reconcile of Samsa's records in Postgres onto a managed cluster, recorded in the audit log: one entry per tenant
 * whose objects changed (target `tenant`: what was created, repaired, deleted, refused) and one for the cluster
 * (target `cluster`, the bootstrap list) with the counts. The cluster's last entry is also when its last reconcile started: records older than that were
 * placed then, so their absence now is drift (see `plan.ts`).
 */
import { type Db, recordAudit } from '@samsa/db';
import type { Logger } from 'pino';
import type { ClusterConnection } from '../connection.ts';
import { desiredStateFromDb } from './desired-from-db.ts';
import { type ReconcileReport, reconcile } from './reconcile.ts';

export const RECONCILE_AUDIT_ACTION = 'cluster.reconcile';

export interface ReconcileFromDbOptions {
  /** SAMSA_SECRETS_KEY: opens the keys' sealed SCRAM salted passwords; null places no key. */
  secretsKey: Buffer | null;
  /** Only these tenants (slugs); all when omitted. */
  tenants?: string[];
  dryRun?: boolean;
  /** Who runs it, as the audit log names them. */
  actorEmail: string;
  logger?: Logger;
}

/** How the audit log names a cluster: its bootstrap list. */
export function clusterAuditTarget(connection: ClusterConnection): string {
  return connection.bootstrapBrokers.join(',');
}

/** When the cluster's last recorded reconcile started, or undefined when it has none. */
export async function lastReconcileStart(db: Db, connection: ClusterConnection): Promise<Date | undefined> {
  const last = await db.auditLog.findFirst({
    where: {
      action: RECONCILE_AUDIT_ACTION,
      tenantId: null,
      targetType: 'cluster',
      targetId: clusterAuditTarget(connection),
    },
    orderBy: { at: 'desc' },
  });
  const startedAt = (last?.after as { startedAt?: string } | null)?.startedAt;
  return startedAt ? new Date(startedAt) : undefined;
}

export async function reconcileFromDb(
  db: Db,
  connection: ClusterConnection,
  options: ReconcileFromDbOptions,
): Promise<ReconcileReport> {
  const lastReconciledAt = await lastReconcileStart(db, connection);
  const desired = await desiredStateFromDb(db, options.secretsKey, options.tenants);
  const report = await reconcile(connection, desired, {
    lastReconciledAt,
    dryRun: options.dryRun,
    logger: options.logger,
  });
  if (report.dryRun) return report;
  const target = clusterAuditTarget(connection);
  const slugs = [
    ...desired.tenants.map((t) => t.slug),
    ...(desired.removedTenants ?? []),
    ...(desired.deletedTenants ?? []),
  ];
  const ids = new Map(
    (await db.tenant.findMany({ where: { slug: { in: slugs } }, select: { id: true, slug: true } })).map((t) => [
      t.slug,
      t.id,
    ]),
  );
  const of = (slug: string, list: { tenant: string; what: string }[]) =>
    list.filter((c) => c.tenant === slug).map((c) => c.what);
  for (const slug of slugs) {
    const changes = {
      created: of(slug, report.created),
      repaired: of(slug, report.repaired),
      deleted: of(slug, report.deleted),
      errors: report.errors.filter((e) => e.tenant === slug).map((e) => `${e.what}: ${e.message}`),
    };
    if (Object.values(changes).every((l) => l.length === 0)) continue;
    // A deleted tenant has no id any more: its entry names it by slug only.
    await recordAudit(db, {
      actorId: null,
      actorEmail: options.actorEmail,
      tenantId: ids.get(slug) ?? null,
      action: RECONCILE_AUDIT_ACTION,
      targetType: 'tenant',
      targetId: slug,
      after: { cluster: target, ...changes },
    });
  }
  await recordAudit(db, {
    actorId: null,
    actorEmail: options.actorEmail,
    tenantId: null,
    action: RECONCILE_AUDIT_ACTION,
    targetType: 'cluster',
    targetId: target,
    after: {
      startedAt: report.startedAt.toISOString(),
      finishedAt: report.finishedAt.toISOString(),
      tenants: desired.tenants.length,
      removedTenants: desired.removedTenants ?? [],
      deletedTenants: desired.deletedTenants ?? [],
      created: report.created.length,
      repaired: report.repaired.length,
      deleted: report.deleted.length,
      errors: report.errors.length,
    },
  });
  return report;
}
