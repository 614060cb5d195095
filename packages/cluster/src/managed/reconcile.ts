/**
 * reconcile: reads what a managed Apache Kafka cluster holds for the tenants Samsa names, plans the Admin API changes
 * (`plan.ts`) and applies them, one request per tenant and kind of change, so a refusal stops nothing else. Returns
 * what was created, repaired (drift: gone or changed behind Samsa's back) and deleted, and what failed. It never
 * changes anything outside the tenants' prefixes and users (`names.ts`); the cluster-wide lists it reads (ACLs, SCRAM
 * users, quotas) are filtered to those at once.
 */
import { Admin } from '@platformatic/kafka';
import { type Logger, pino } from 'pino';
import { type ClusterConnection, saslOptions } from '../connection.ts';
import { clusterError } from '../errors.ts';
import { type DesiredState, DesiredStateSchema } from './desired.ts';
import { applyChanges, readActual } from './kafka-state.ts';
import { type Change, describeChange, type PlanOptions, planReconcile } from './plan.ts';

/** One change as a report lists it. */
export interface ReportedChange {
  tenant: string;
  kind: Change['kind'];
  what: string;
}

export interface ReconcileReport {
  /** A dry run lists the changes it would make (as created, repaired, deleted) and makes none. */
  dryRun: boolean;
  startedAt: Date;
  finishedAt: Date;
  created: ReportedChange[];
  /** Objects Samsa had placed that were gone or different (deleted or changed behind Samsa's back), put back. */
  repaired: ReportedChange[];
  deleted: ReportedChange[];
  /** Changes the cluster refused or that could not be sent, with why. */
  errors: (ReportedChange & { message: string })[];
  /** Samsa's records that have no place on the cluster, per tenant, and why. */
  skipped: { tenant: string; what: string; reason: string }[];
  /** Topics under each tenant's prefix after the reconcile (removed and deleted tenants excluded). */
  topics: Record<string, string[]>;
}

export interface ReconcileOptions extends PlanOptions {
  logger?: Logger;
  /** Plan and report without changing anything. */
  dryRun?: boolean;
}

function reported(c: Change): ReportedChange {
  return { tenant: c.slug, kind: c.kind, what: describeChange(c) };
}

/** Whether a change is a creation or repair (else a deletion). */
function adds(c: Change): c is Extract<Change, { drift: boolean }> {
  return (
    c.kind === 'createAcl' || c.kind === 'upsertScram' || (c.kind === 'alterQuota' && Object.keys(c.set).length > 0)
  );
}

/** The admin client of a reconcile, as the cluster's admin principal. */
function adminFor(connection: ClusterConnection): Admin {
  return new Admin({
    clientId: connection.clientId,
    bootstrapBrokers: connection.bootstrapBrokers,
    timeout: connection.requestTimeoutMs,
    retries: 1,
    retryDelay: 200,
    ...(connection.sasl ? { sasl: saslOptions(connection) } : {}),
  });
}

/** Brings the cluster to `desired` for the tenants it names; see the module comment. */
export async function reconcile(
  connection: ClusterConnection,
  desired: DesiredState,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const log = options.logger ?? pino({ level: 'silent' });
  const d = DesiredStateSchema.parse(desired);
  const startedAt = new Date();
  const admin = adminFor(connection);
  try {
    const slugs = [...d.tenants.map((t) => t.slug), ...d.removedTenants, ...d.deletedTenants];
    const actual = await readActual(admin, slugs).catch((err) => {
      throw clusterError(err);
    });
    const changes = planReconcile(d, { tenants: actual }, options);
    const report: ReconcileReport = {
      dryRun: options.dryRun ?? false,
      startedAt,
      finishedAt: startedAt,
      created: [],
      repaired: [],
      deleted: [],
      errors: [],
      skipped: d.tenants.flatMap((t) => t.skipped.map((s) => ({ tenant: t.slug, ...s }))),
      topics: {},
    };
    // Grouped by tenant and kind, in the plan's order (users before the ACLs that name them, deletions last).
    const batches = new Map<string, Change[]>();
    for (const c of changes) {
      const k = `${c.slug}\u0000${c.kind}`;
      batches.set(k, [...(batches.get(k) ?? []), c]);
    }
    for (const batch of batches.values()) {
      const kind = batch[0]!.kind;
      try {
        if (!options.dryRun) await applyChanges(admin, kind, batch);
        for (const c of batch) {
          if (!adds(c)) report.deleted.push(reported(c));
          else if (c.drift) report.repaired.push(reported(c));
          else report.created.push(reported(c));
        }
      } catch (err) {
        const message = clusterError(err).message;
        log.warn({ tenant: batch[0]!.slug, kind, changes: batch.length, err: message }, 'the cluster refused changes');
        for (const c of batch) report.errors.push({ ...reported(c), message });
      }
    }
    for (const t of actual) {
      if (d.deletedTenants.includes(t.slug))
        for (const topic of t.topics)
          report.skipped.push({
            tenant: t.slug,
            what: `topic ${topic}`,
            reason:
              'its tenant was deleted from Samsa before a reconcile saw it being deleted, so it is left: delete it with kafka-topics if it was the tenant’s',
          });
      if (!d.removedTenants.includes(t.slug) && !d.deletedTenants.includes(t.slug))
        report.topics[t.slug] = t.topics.filter((n) => !changes.some((c) => c.kind === 'deleteTopic' && c.topic === n));
    }
    report.finishedAt = new Date();
    log.info(
      {
        tenants: d.tenants.length,
        removed: d.removedTenants.length,
        deletedBefore: d.deletedTenants.length,
        created: report.created.length,
        repaired: report.repaired.length,
        deleted: report.deleted.length,
        errors: report.errors.length,
        dryRun: report.dryRun,
      },
      report.dryRun ? 'planned a reconcile of the managed cluster (dry run)' : 'reconciled the managed cluster',
    );
    return report;
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** Removes everything tenant `slug` owns on the cluster: topics, groups, ACLs, SCRAM users and quotas. */
export function deleteManagedTenant(
  connection: ClusterConnection,
  slug: string,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  return reconcile(connection, { tenants: [], removedTenants: [slug] }, options);
}
