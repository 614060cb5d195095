/**
 * Transactions over the Kafka protocol, for the console's transactions page: ListTransactions on every broker,
 * DescribeTransactions at each id's coordinator, DescribeProducers on partitions (open transactions the log holds),
 * and fencing a transactional id as Kafka's `Admin.fenceProducers` does (InitProducerId for the id with a 1 ms
 * timeout: the coordinator bumps the epoch, aborts the ongoing transaction and fences its producer).
 * @platformatic/kafka's Admin has no methods for these, so its API encoders are called on its connections, at the
 * highest version both sides support. Every function works on the admin it is given, so the caller decides whom it
 * acts as (the superuser, or a tenant: the broker then names ids and topics as the tenant does).
 */
import {
  type Admin,
  type Connection,
  type describeProducersV0,
  type describeTransactionsV0,
  FindCoordinatorKeyTypes,
  type initProducerIdV5,
  type listTransactionsV1,
} from '@platformatic/kafka';
import { ClusterError } from './errors.ts';
import { apiOf, raw } from './raw-api.ts';

/** One transactional id as DescribeTransactions tells it. */
export interface TransactionInfo {
  /** As the caller names it (tenant-local when acting as a tenant, the broker's name as the superuser). */
  transactionalId: string;
  /** Kafka's state name: Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort, ... */
  state: string;
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  /** When its current (or last) transaction began; null when it never began one. */
  startTimeMs: number | null;
  /** The partitions of its open transaction, by topic (as the caller names them). */
  topics: { topic: string; partitions: number[] }[];
}

/** A partition's producer with an open transaction in the log (DescribeProducers' currentTxnStartOffset >= 0). */
export interface OpenTransactionOnPartition {
  topic: string;
  partition: number;
  producerId: number;
  producerEpoch: number;
  /** The first offset of the open transaction in this partition. */
  txnStartOffset: number;
  lastTimestampMs: number;
}

/** Transactional ids described per DescribeTransactions request. */
const DESCRIBE_CHUNK_IDS = 100;
/** Partitions named per DescribeProducers request. */
const DESCRIBE_PRODUCERS_CHUNK_PARTITIONS = 500;
/** Kafka's FenceProducersHandler asks for this timeout: the id is initialised only to fence, never to write. */
export const FENCE_TRANSACTION_TIMEOUT_MS = 1;

const KAFKA_ERRORS: Record<number, string> = {
  15: 'COORDINATOR_NOT_AVAILABLE',
  16: 'NOT_COORDINATOR',
  47: 'INVALID_PRODUCER_EPOCH',
  51: 'CONCURRENT_TRANSACTIONS',
  53: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  90: 'PRODUCER_FENCED',
  105: 'TRANSACTIONAL_ID_NOT_FOUND',
};

function errorName(code: number): string {
  return KAFKA_ERRORS[code] ?? `error code ${code}`;
}

async function brokerConnections(admin: Admin): Promise<Connection[]> {
  const md = await admin.metadata({ topics: [] });
  return Promise.all([...md.brokers.values()].map((b) => admin.connections.get({ host: b.host, port: b.port })));
}

async function coordinatorConnections(admin: Admin, ids: string[]): Promise<Map<Connection, string[]>> {
  const found = await admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.TRANSACTION, keys: ids });
  const byAddress = new Map<string, { host: string; port: number; ids: string[] }>();
  for (const c of found) {
    const k = `${c.host}:${c.port}`;
    let entry = byAddress.get(k);
    if (!entry) byAddress.set(k, (entry = { host: c.host, port: c.port, ids: [] }));
    entry.ids.push(c.key);
  }
  const out = new Map<Connection, string[]>();
  for (const e of byAddress.values()) out.set(await admin.connections.get({ host: e.host, port: e.port }), e.ids);
  return out;
}

/** Every transactional id the admin may describe, with its state, from every broker (sorted by id). */
export async function listTransactionalIds(admin: Admin): Promise<{ transactionalId: string; state: string }[]> {
  const api = await apiOf<typeof listTransactionsV1.api>(admin, 'ListTransactions');
  if (!api) throw new ClusterError('cluster_error', 'The broker does not support ListTransactions');
  const out = new Map<string, string>();
  for (const connection of await brokerConnections(admin)) {
    const response = await raw(() => api.async(connection, [], [], -1n, null));
    if (response.errorCode !== 0)
      throw new ClusterError('cluster_error', `ListTransactions failed: ${errorName(response.errorCode)}`);
    for (const t of response.transactionStates) out.set(t.transactionalId, t.transactionState);
  }
  return [...out]
    .map(([transactionalId, state]) => ({ transactionalId, state }))
    .sort((a, b) => a.transactionalId.localeCompare(b.transactionalId));
}

/** DescribeTransactions for `ids` at their coordinators; ids that are gone (or not describable) are left out. */
export async function describeTransactions(admin: Admin, ids: string[]): Promise<TransactionInfo[]> {
  if (ids.length === 0) return [];
  const api = await apiOf<typeof describeTransactionsV0.api>(admin, 'DescribeTransactions');
  if (!api) throw new ClusterError('cluster_error', 'The broker does not support DescribeTransactions');
  const out: TransactionInfo[] = [];
  for (const [connection, owned] of await coordinatorConnections(admin, ids)) {
    for (let i = 0; i < owned.length; i += DESCRIBE_CHUNK_IDS) {
      const response = await raw(() => api.async(connection, owned.slice(i, i + DESCRIBE_CHUNK_IDS)));
      for (const t of response.transactionStates) {
        if (t.errorCode !== 0) continue;
        out.push({
          transactionalId: t.transactionalId,
          state: t.transactionState,
          producerId: Number(t.producerId),
          producerEpoch: t.producerEpoch,
          timeoutMs: t.transactionTimeoutMs,
          startTimeMs: t.transactionStartTimeMs < 0n ? null : Number(t.transactionStartTimeMs),
          topics: t.topics.map((x) => ({ topic: x.topic, partitions: [...x.partitions].sort((a, b) => a - b) })),
        });
      }
    }
  }
  return out;
}

/**
 * The producers holding an open transaction in each of the partitions (DescribeProducers at each leader); null when
 * the broker does not support DescribeProducers. Partitions it cannot describe are left out.
 */
export async function openTransactionsOnPartitions(
  admin: Admin,
  topics: { topic: string; partitions: number }[],
): Promise<OpenTransactionOnPartition[] | null> {
  const api = await apiOf<typeof describeProducersV0.api>(admin, 'DescribeProducers');
  if (!api) return null;
  if (topics.length === 0) return [];
  const md = await admin.metadata({ topics: topics.map((t) => t.topic) });
  const byLeader = new Map<number, { name: string; partitionIndexes: number[] }[]>();
  for (const [name, t] of md.topics) {
    t.partitions.forEach((p, partition) => {
      const list = byLeader.get(p.leader) ?? [];
      let entry = list.find((x) => x.name === name);
      if (!entry) list.push((entry = { name, partitionIndexes: [] }));
      entry.partitionIndexes.push(partition);
      byLeader.set(p.leader, list);
    });
  }
  const out: OpenTransactionOnPartition[] = [];
  for (const [leader, wanted] of byLeader) {
    const broker = md.brokers.get(leader);
    if (!broker) continue;
    const connection = await admin.connections.get({ host: broker.host, port: broker.port });
    // One request per chunk of partitions, so a tenant with many partitions does not make one huge request.
    const flat = wanted.flatMap((t) => t.partitionIndexes.map((p) => [t.name, p] as const));
    for (let i = 0; i < flat.length; i += DESCRIBE_PRODUCERS_CHUNK_PARTITIONS) {
      const chunk = new Map<string, number[]>();
      for (const [name, p] of flat.slice(i, i + DESCRIBE_PRODUCERS_CHUNK_PARTITIONS))
        chunk.set(name, [...(chunk.get(name) ?? []), p]);
      const request = [...chunk].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
      const response = await raw(() => api.async(connection, request));
      for (const t of response.topics)
        for (const p of t.partitions) {
          if (p.errorCode !== 0) continue;
          for (const a of p.activeProducers) {
            if (a.currentTxnStartOffset < 0n) continue;
            out.push({
              topic: t.name,
              partition: p.partitionIndex,
              producerId: Number(a.producerId),
              producerEpoch: a.producerEpoch,
              txnStartOffset: Number(a.currentTxnStartOffset),
              lastTimestampMs: Number(a.lastTimestamp),
            });
          }
        }
    }
  }
  return out;
}

/**
 * Fences `transactionalId` as Kafka's Admin.fenceProducers does: InitProducerId for it at its coordinator. The
 * coordinator bumps the producer epoch, aborts the ongoing transaction (its markers fence the old producer in every
 * partition) and answers the new producer id and epoch. CONCURRENT_TRANSACTIONS (a completion in progress) is
 * retried for up to `retryForMs`.
 */
export async function fenceTransactionalId(
  admin: Admin,
  transactionalId: string,
  retryForMs = 5_000,
): Promise<{ producerId: number; producerEpoch: number }> {
  const api = await apiOf<typeof initProducerIdV5.api>(admin, 'InitProducerId');
  if (!api) throw new ClusterError('cluster_error', 'The broker does not support InitProducerId');
  const deadlineMs = Date.now() + retryForMs;
  for (;;) {
    const [connection] = [...(await coordinatorConnections(admin, [transactionalId])).keys()];
    if (!connection)
      throw new ClusterError('cluster_unavailable', `No transaction coordinator for '${transactionalId}'`);
    const response = await raw(() => api.async(connection, transactionalId, FENCE_TRANSACTION_TIMEOUT_MS, -1n, -1));
    if (response.errorCode === 0)
      return { producerId: Number(response.producerId), producerEpoch: response.producerEpoch };
    const name = errorName(response.errorCode);
    const retriable = ['CONCURRENT_TRANSACTIONS', 'NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE'].includes(name);
    if (!retriable || Date.now() >= deadlineMs) {
      if (name === 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED')
        throw new ClusterError('cluster_error', `Not allowed to write transactional id '${transactionalId}'`);
      throw new ClusterError('cluster_error', `The broker refused to fence '${transactionalId}': ${name}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
