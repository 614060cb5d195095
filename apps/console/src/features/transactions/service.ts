/**
 * Transactions for the console and /api/v1: a tenant's transactional ids (read AS the tenant, so the broker names
 * ids and topics as the tenant's clients do and applies its TRANSACTIONAL_ID ACLs), every tenant's for platform
 * admins (as the superuser, split by namespace), hanging transactions flagged with the reason, and the abort: the
 * transactional id is fenced as Kafka's `Admin.fenceProducers` does, audited.
 */
import {
  localName,
  namespaceOf,
  type OpenTransactionOnPartition,
  tenantNamespace,
  type TransactionInfo,
} from '@samsa/cluster';
import type { Tenant } from '@samsa/db';
import { db } from '../../server/db.ts';
import { ApiError } from '../../server/errors.ts';
import type { Actor } from '../../server/with-tenant.ts';
import { audit } from '../audit/audit.ts';
import { clusterAdmin, clusterError } from '../cluster/cluster-admin.ts';
import {
  type AbortedTransactionView,
  HANGING_CHECK_PARTITIONS_MAX,
  type HangingPartitionView,
  TRANSACTIONS_LIST_MAX,
  type TransactionListView,
  type TransactionView,
} from './schemas.ts';

/** States of a transaction that is not finished. */
const OPEN_STATES = new Set(['Ongoing', 'PrepareCommit', 'PrepareAbort', 'PrepareEpochFence']);
/**
 * A partition's open transaction is a hanging candidate only once its producer has not written for this long, so a
 * transaction that began or ended between the two reads (DescribeProducers, then the coordinator) is not flagged.
 */
export const HANGING_PARTITION_MIN_IDLE_MS = 60_000;

function formatMs(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1_000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

function transactionView(t: TransactionInfo, nowMs: number, name: (n: string) => string): TransactionView {
  const open = OPEN_STATES.has(t.state);
  const openForMs = open && t.startTimeMs !== null ? Math.max(0, nowMs - t.startTimeMs) : null;
  const hanging: string[] = [];
  if (openForMs !== null && openForMs > t.timeoutMs)
    hanging.push(
      `open for ${formatMs(openForMs)}, longer than its transaction.timeout.ms of ${formatMs(t.timeoutMs)} (the broker should have aborted it)`,
    );
  return {
    transactionalId: name(t.transactionalId),
    state: t.state,
    open,
    producerId: t.producerId,
    producerEpoch: t.producerEpoch,
    timeoutMs: t.timeoutMs,
    startedAtMs: t.startTimeMs,
    openForMs,
    partitions: t.topics.flatMap((x) => x.partitions.map((partition) => ({ topic: name(x.topic), partition }))),
    hanging,
  };
}

/** Open first (longest open first), then the most recently started. */
function byOpenThenRecent(a: TransactionView, b: TransactionView): number {
  if (a.open !== b.open) return a.open ? -1 : 1;
  return (a.startedAtMs ?? 0) - (b.startedAtMs ?? 0) || a.transactionalId.localeCompare(b.transactionalId);
}

/**
 * Partitions whose log holds an open transaction of a producer that no open transaction of the coordinator owns for
 * that partition (idle for HANGING_PARTITION_MIN_IDLE_MS); Kafka's `kafka-transactions --find-hanging` rule.
 */
function hangingPartitions(
  onPartitions: OpenTransactionOnPartition[],
  transactions: TransactionView[],
  nowMs: number,
  name: (n: string) => string,
): HangingPartitionView[] {
  const openByProducer = new Map(transactions.filter((t) => t.open).map((t) => [t.producerId, t]));
  const out: HangingPartitionView[] = [];
  for (const p of onPartitions) {
    if (nowMs - p.lastTimestampMs < HANGING_PARTITION_MIN_IDLE_MS) continue;
    const topic = name(p.topic);
    const owner = openByProducer.get(p.producerId);
    let reason: string;
    if (!owner)
      reason = `holds an open transaction of producer ${p.producerId} (epoch ${p.producerEpoch}) since offset ${p.txnStartOffset} that the transaction coordinator does not know`;
    else if (!owner.partitions.some((x) => x.topic === topic && x.partition === p.partition))
      reason = `holds an open transaction of producer ${p.producerId} that its transactional id '${owner.transactionalId}' does not list for this partition`;
    else continue;
    out.push({
      topic,
      partition: p.partition,
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      txnStartOffset: p.txnStartOffset,
      lastTimestampMs: p.lastTimestampMs,
      reason: `${topic}-${p.partition} ${reason}`,
    });
  }
  return out;
}

/** The topics whose partitions are checked, at most HANGING_CHECK_PARTITIONS_MAX partitions in all. */
async function checkedTopics(prefix: string, name: (n: string) => string) {
  const topics: { topic: string; partitions: number }[] = [];
  let partitions = 0;
  for (const t of await clusterAdmin().topicsWithPrefix(prefix)) {
    if (partitions + t.partitions > HANGING_CHECK_PARTITIONS_MAX) break;
    topics.push({ topic: name(t.brokerName), partitions: t.partitions });
    partitions += t.partitions;
  }
  return { topics, partitions };
}

async function listAs(
  slug: string | null,
  prefix: string,
  name: (n: string) => string,
): Promise<{ view: TransactionListView; raw: TransactionInfo[] }> {
  const cluster = clusterAdmin();
  const nowMs = Date.now();
  try {
    // The partitions first: a transaction that begins after this read cannot be flagged by it.
    // As a tenant, DescribeProducers names topics as the tenant does.
    const checked = await checkedTopics(prefix, (n) => localName(slug, n));
    const onPartitions = await cluster.openTransactionsOnPartitions(slug, checked.topics);
    const { transactions: raw, total } = await cluster.transactions(slug, TRANSACTIONS_LIST_MAX);
    const transactions = raw.map((t) => transactionView(t, nowMs, name)).sort(byOpenThenRecent);
    const hanging = onPartitions ? hangingPartitions(onPartitions, transactions, nowMs, name) : [];
    return {
      view: {
        transactions,
        total,
        hangingPartitions: hanging,
        producersChecked: onPartitions !== null,
        partitionsChecked: onPartitions === null ? 0 : checked.partitions,
        checkedAtMs: nowMs,
      },
      raw,
    };
  } catch (err) {
    throw clusterError(err);
  }
}

/** The tenant's transactional ids, read as the tenant. */
export async function listTenantTransactions(tenant: Tenant): Promise<TransactionListView> {
  return (await listAs(tenant.slug, tenantNamespace(tenant.slug), (n) => n)).view;
}

/** Every tenant's transactional ids (as the superuser), each with its tenant and tenant-local names. */
export async function listAllTransactions(): Promise<TransactionListView> {
  const slugs = new Set((await db().tenant.findMany({ select: { slug: true } })).map((t) => t.slug));
  const tenantOf = (broker: string) => {
    const ns = namespaceOf(broker);
    return ns !== null && slugs.has(ns) ? ns : null;
  };
  const local = (broker: string) => localName(tenantOf(broker), broker);
  const { view, raw } = await listAs(null, '', (n) => n);
  const tenantById = new Map(raw.map((t) => [t.transactionalId, tenantOf(t.transactionalId)]));
  return {
    ...view,
    transactions: view.transactions.map((t) => ({
      ...t,
      tenant: tenantById.get(t.transactionalId) ?? null,
      transactionalId: local(t.transactionalId),
      partitions: t.partitions.map((p) => ({ ...p, topic: local(p.topic) })),
    })),
    hangingPartitions: view.hangingPartitions.map((p) => ({ ...p, tenant: tenantOf(p.topic), topic: local(p.topic) })),
  };
}

/**
 * Aborts the id's open transaction by fencing it (InitProducerId for the id, as the tenant: the coordinator bumps
 * the epoch, writes abort markers in every partition of the open transaction, and the old producer is fenced).
 */
export async function abortTenantTransaction(
  actor: Actor,
  tenant: Tenant,
  transactionalId: string,
): Promise<AbortedTransactionView> {
  const cluster = clusterAdmin();
  let before: TransactionInfo | null;
  try {
    before = await cluster.describeTransaction(tenant.slug, transactionalId);
  } catch (err) {
    throw clusterError(err);
  }
  // Fencing an unknown id would create it: refuse instead.
  if (!before) throw new ApiError('not_found', `No transactional id '${transactionalId}' in tenant '${tenant.slug}'`);
  let fenced: { producerId: number; producerEpoch: number };
  try {
    fenced = await cluster.fenceTransactionalId(tenant.slug, transactionalId);
  } catch (err) {
    throw clusterError(err);
  }
  const aborted = OPEN_STATES.has(before.state);
  await audit(actor, {
    tenantId: tenant.id,
    action: 'transaction.abort',
    targetType: 'transactional_id',
    targetId: transactionalId,
    before: {
      state: before.state,
      producerId: before.producerId,
      producerEpoch: before.producerEpoch,
      startedAtMs: before.startTimeMs,
      partitions: before.topics,
    },
    after: { aborted, producerId: fenced.producerId, producerEpoch: fenced.producerEpoch },
  });
  return { transactionalId, previousState: before.state, aborted, ...fenced };
}
