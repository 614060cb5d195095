/**
 * Tenant deletion as a resumable job. Starting it turns the tenant DELETING and writes a TenantDeletion row in one
 * transaction; the broker (LISTEN/NOTIFY on Tenant) then refuses the tenant's keys and cuts its open connections at
 * once, as for a suspended tenant. The job reconciles the tenant's namespace on the broker to empty over the Kafka
 * Admin API, as the superuser — every topic named `<slug>.*` (the broker is the record of topics, also those created
 * over Kafka; producer state goes with their partitions), then every group `<slug>.*` with its members and
 * committed offsets — deletes the tenant's Postgres rows (cascade, topic annotations included, plus lag history,
 * which has no foreign key) and records what was removed. The slug stays taken (the Tenant row exists) until the job has finished. A console that
 * restarts midway resumes unfinished deletions (`resumeTenantDeletions`), and a failed run is retried with backoff.
 */
import { tenantNamespace } from '@samsa/cluster/namespace';
import { recordAudit, type Tenant, type TenantDeletion } from '@samsa/db';
import { db } from '../../server/db.ts';
import { log } from '../../server/log.ts';
import type { Actor } from '../../server/with-tenant.ts';
import { clusterAdmin } from '../cluster/cluster-admin.ts';

/** Broker-side passes per run: a pass that finds nothing left (after the settle time) ends the sweep. */
const SWEEPS_PER_RUN_MAX = 10;
/** Pause between passes: lets the broker apply DELETING (and cut connections) and joining members settle. */
const SWEEP_INTERVAL_MS = 500;
/**
 * The sweep is not trusted empty before this long after the run starts: a client of the tenant that was mid-request
 * when the tenant turned DELETING (the broker learns it over NOTIFY) could still create a topic just after a pass.
 */
const SETTLE_MS = 1_000;
/** Retries of a failed run: the first after this long, doubling up to the maximum. */
const RETRY_BASE_MS = 2_000;
const RETRY_MAX_MS = 5 * 60_000;

/** What a deletion removed, accumulated over its runs. */
export interface RemovedCounts {
  topics: number;
  partitions: number;
  groups: number;
  members: number;
  offsets: number;
  serviceAccounts: number;
  apiKeys: number;
  aclBindings: number;
  memberships: number;
  lagSamples: number;
  lagRollups: number;
  webhooks: number;
  /** Processors (their versions, deployments, secrets, logs and samples go with them). */
  processors: number;
}

const NOTHING_REMOVED: RemovedCounts = {
  topics: 0,
  partitions: 0,
  groups: 0,
  members: 0,
  offsets: 0,
  serviceAccounts: 0,
  apiKeys: 0,
  aclBindings: 0,
  memberships: 0,
  lagSamples: 0,
  lagRollups: 0,
  webhooks: 0,
  processors: 0,
};

export function deletionView(d: TenantDeletion) {
  return {
    id: d.id,
    slug: d.slug,
    state: d.finishedAt ? ('deleted' as const) : ('deleting' as const),
    requestedBy: d.requestedByEmail,
    startedAt: d.startedAt.toISOString(),
    finishedAt: d.finishedAt?.toISOString() ?? null,
    attempts: d.attempts,
    lastError: d.lastError,
    removed: { ...NOTHING_REMOVED, ...(d.removed as Partial<RemovedCounts>) },
  };
}

/**
 * Turns the tenant DELETING and starts the job (or, for a tenant already DELETING, runs it again now). Returns the
 * deletion's current state; the work goes on in the background.
 */
export async function startTenantDeletion(actor: Actor, tenant: Tenant) {
  const deletion = await db().$transaction(async (tx) => {
    await tx.tenant.update({ where: { id: tenant.id }, data: { status: 'DELETING' } });
    return tx.tenantDeletion.upsert({
      where: { tenantId: tenant.id },
      create: {
        tenantId: tenant.id,
        slug: tenant.slug,
        requestedById: actor.user.id,
        requestedByEmail: actor.user.email,
      },
      update: {},
    });
  });
  clusterAdmin().forgetTenant(tenant.slug);
  if (tenant.status !== 'DELETING') {
    await recordAudit(db(), {
      actorId: actor.user.id,
      actorEmail: actor.user.email,
      tenantId: tenant.id,
      action: 'tenant.delete',
      targetType: 'tenant',
      targetId: tenant.slug,
      before: { slug: tenant.slug, status: tenant.status },
      after: { status: 'DELETING', deletionId: deletion.id },
    });
    log.info({ tenant: tenant.slug, deletionId: deletion.id }, 'tenant deletion started');
  }
  void runTenantDeletion(deletion.id);
  return deletionView(deletion);
}

const holder = globalThis as unknown as {
  __samsaDeletions?: { running: Map<string, Promise<void>>; retries: Map<string, NodeJS.Timeout> };
};

function jobs() {
  holder.__samsaDeletions ??= { running: new Map(), retries: new Map() };
  return holder.__samsaDeletions;
}

/** Runs one deletion to the end (or to its next failure, then schedules a retry). One run per deletion at a time. */
export function runTenantDeletion(deletionId: string): Promise<void> {
  const { running, retries } = jobs();
  const current = running.get(deletionId);
  if (current) return current;
  clearTimeout(retries.get(deletionId));
  retries.delete(deletionId);
  const run = runOnce(deletionId).finally(() => running.delete(deletionId));
  running.set(deletionId, run);
  return run;
}

/** Picks up every unfinished deletion (console start). */
export async function resumeTenantDeletions(): Promise<number> {
  const open = await db().tenantDeletion.findMany({ where: { finishedAt: null }, select: { id: true, slug: true } });
  for (const d of open) {
    log.info({ tenant: d.slug, deletionId: d.id }, 'resuming tenant deletion');
    void runTenantDeletion(d.id);
  }
  return open.length;
}

/** Waits for the running job of a deletion, if any (tests, shutdown). */
export async function tenantDeletionSettled(deletionId: string): Promise<void> {
  await jobs().running.get(deletionId);
}

/** Cancels retry timers (tests, shutdown); running passes finish on their own. */
export function stopTenantDeletionRetries(): void {
  const { retries } = jobs();
  for (const t of retries.values()) clearTimeout(t);
  retries.clear();
}

function add(a: RemovedCounts, b: Partial<RemovedCounts>): RemovedCounts {
  const out = { ...a };
  for (const k of Object.keys(b) as (keyof RemovedCounts)[]) out[k] += b[k] ?? 0;
  return out;
}

async function runOnce(deletionId: string): Promise<void> {
  const deletion = await db().tenantDeletion.findUnique({ where: { id: deletionId } });
  if (!deletion || deletion.finishedAt) return;
  const attempt = deletion.attempts + 1;
  await db().tenantDeletion.update({ where: { id: deletionId }, data: { attempts: attempt } });
  let removed: RemovedCounts = { ...NOTHING_REMOVED, ...(deletion.removed as Partial<RemovedCounts>) };
  try {
    removed = await sweepNamespace(deletion, removed);
    removed = await deleteRows(deletion, removed, attempt);
    log.info({ tenant: deletion.slug, deletionId, removed }, 'tenant deleted');
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    const delayMs = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempt - 1));
    log.warn(
      { tenant: deletion.slug, deletionId, attempt, retryInMs: delayMs, err: message },
      'tenant deletion failed; it will be retried',
    );
    await db()
      .tenantDeletion.update({ where: { id: deletionId }, data: { lastError: message, removed: { ...removed } } })
      .catch(() => undefined);
    const timer = setTimeout(() => void runTenantDeletion(deletionId), delayMs);
    timer.unref();
    jobs().retries.set(deletionId, timer);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Deletes the namespace's topics and groups on the broker until a pass after the settle time finds none. */
async function sweepNamespace(deletion: TenantDeletion, removedBefore: RemovedCounts): Promise<RemovedCounts> {
  const cluster = clusterAdmin();
  const prefix = tenantNamespace(deletion.slug);
  const startedMs = Date.now();
  let removed = removedBefore;
  for (let sweep = 1; sweep <= SWEEPS_PER_RUN_MAX; sweep++) {
    const topics = await cluster.topicsWithPrefix(prefix);
    await cluster.deleteTopics(topics.map((t) => t.brokerName));
    const groups = await cluster.groupsWithPrefix(prefix);
    const gone = await cluster.removeGroups(groups);
    removed = add(removed, {
      topics: topics.length,
      partitions: topics.reduce((n, t) => n + t.partitions, 0),
      groups: gone.groups,
      members: gone.members,
      offsets: gone.offsets,
    });
    await db().tenantDeletion.update({ where: { id: deletion.id }, data: { removed: { ...removed } } });
    const empty = topics.length === 0 && groups.length === 0;
    if (empty && Date.now() - startedMs >= SETTLE_MS) return removed;
    await sleep(SWEEP_INTERVAL_MS);
  }
  throw new Error(
    `the broker still holds topics or groups of '${deletion.slug}' after ${SWEEPS_PER_RUN_MAX} passes (a member still joining, or the broker has not applied DELETING)`,
  );
}

/** Deletes the tenant's rows (cascading to keys, ACLs, quotas, members, traffic, webhook) and its lag history. */
/** Deletes the tenant's rows and marks the deletion finished, with its audit entry, in one transaction. */
async function deleteRows(
  deletion: TenantDeletion,
  removedBefore: RemovedCounts,
  attempt: number,
): Promise<RemovedCounts> {
  const tenantId = deletion.tenantId;
  const groupsOfTenant = tenantNamespace(deletion.slug);
  return db().$transaction(async (tx) => {
    const counted: Partial<RemovedCounts> = {
      serviceAccounts: await tx.serviceAccount.count({ where: { tenantId } }),
      apiKeys: await tx.apiKey.count({ where: { tenantId } }),
      aclBindings: await tx.aclBinding.count({ where: { tenantId } }),
      memberships: await tx.membership.count({ where: { tenantId } }),
      webhooks: await tx.tenantWebhook.count({ where: { tenantId } }),
      processors: await tx.processor.count({ where: { tenantId } }),
    };
    const lagOf = { OR: [{ tenantId }, { groupId: { startsWith: groupsOfTenant } }] };
    counted.lagSamples = (await tx.consumerLagSample.deleteMany({ where: lagOf })).count;
    counted.lagRollups = (await tx.consumerLagRollup.deleteMany({ where: lagOf })).count;
    await tx.tenant.deleteMany({ where: { id: tenantId } });
    const removed = add(removedBefore, counted);
    await tx.tenantDeletion.update({
      where: { id: deletion.id },
      data: { finishedAt: new Date(), lastError: null, removed: { ...removed } },
    });
    // In the same transaction: a deletion shown as finished always has its audit entry.
    await recordAudit(tx, {
      actorId: deletion.requestedById,
      actorEmail: deletion.requestedByEmail,
      tenantId: deletion.tenantId,
      action: 'tenant.deleted',
      targetType: 'tenant',
      targetId: deletion.slug,
      after: { deletionId: deletion.id, attempts: attempt, removed },
    });
    return removed;
  });
}
