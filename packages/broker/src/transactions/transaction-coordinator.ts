/**
 * TransactionCoordinator: Kafka's transaction coordinator for this single broker. Each transactional id has a
 * producer id and epoch and moves Empty -> Ongoing -> PrepareCommit|PrepareAbort -> CompleteCommit|CompleteAbort
 * (see KIP-98). Every state change is written to the TransactionStore (fsync'd) before it is acted on or answered,
 * so a PrepareCommit/PrepareAbort found at start-up is completed: its markers are written and, on commit, its
 * offsets applied to the groups. Operations on one transactional id are serialized; a newer epoch fences the older.
 */
import { ErrorCode } from '@samsa/protocol';
import type { Logger } from 'pino';
import type { OffsetCommitPartition } from '../groups/committed-offsets.ts';
import type { Partition } from '../topics/partition.ts';
import type { PendingOffset, TransactionStore, TxnRecord, TxnStateName } from './transaction-store.ts';

/** Kafka bumps to a new producer id before the epoch reaches Short.MAX_VALUE. */
const MAX_PRODUCER_EPOCH = 32_766;

/** What the coordinator needs of the rest of the broker. */
export interface TransactionHost {
  partition(topic: string, index: number): Partition | undefined;
  allocateProducerId(): Promise<bigint>;
  /** Stores a group's offsets as committed (after the transaction's commit). */
  commitOffsets(groupId: string, topics: { topic: string; partitions: OffsetCommitPartition[] }[]): Promise<unknown>;
  /** Wakes fetches waiting on a partition (a marker moved its last stable offset). */
  notify(topic: string, index: number): void;
  nowMs(): number;
  /** The tenant namespace of an internal id, or null. */
  namespaceOf(id: string): string | null;
}

export interface TransactionCoordinatorConfig {
  /** transaction.max.timeout.ms: the largest transaction.timeout.ms a producer may ask for. */
  transactionMaxTimeoutMs: number;
  /** transactional.id.expiration.ms: an id with no transaction and no use for this long is forgotten. */
  transactionalIdExpirationMs: number;
}

interface TxnEntry {
  id: string;
  producerId: bigint;
  producerEpoch: number;
  timeoutMs: number;
  state: TxnStateName;
  /** Partitions in the transaction by "topic\0partition". */
  partitions: Map<string, [string, number]>;
  pendingOffsets: Map<string, PendingOffset[]>;
  startMs: number;
  updatedMs: number;
}

export interface TxnDescription {
  transactionalId: string;
  state: TxnStateName;
  producerId: bigint;
  producerEpoch: number;
  timeoutMs: number;
  startMs: number;
  partitions: [string, number][];
}

export type InitResult = { errorCode: number; producerId: bigint; producerEpoch: number };

export const partitionKey = (topic: string, index: number) => `${topic}\u0000${index}`;

/**
 * Groups one transaction may commit offsets for (AddOffsetsToTxn). Kafka sets no bound; a consume-transform-produce
 * loop or a Kafka Streams task uses one. Without a bound, one producer could grow its transaction's state (kept in
 * memory and rewritten whole to transactions.log at every change) with a new group id per request until its timeout.
 */
export const MAX_GROUPS_PER_TRANSACTION = 100;

export class TransactionCoordinator {
  private readonly entries = new Map<string, TxnEntry>();
  private readonly byProducerId = new Map<bigint, TxnEntry>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly store: TransactionStore;
  private readonly host: TransactionHost;
  private readonly config: TransactionCoordinatorConfig;
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  /** Transactions aborted because they outlived their timeout. */
  timedOutAborts = 0;

  constructor(
    config: TransactionCoordinatorConfig,
    store: TransactionStore,
    records: TxnRecord[],
    host: TransactionHost,
    logger: Logger,
  ) {
    this.config = config;
    this.store = store;
    this.host = host;
    this.logger = logger;
    for (const r of records) {
      if (r.state === 'Dead') continue;
      const entry: TxnEntry = {
        id: r.id,
        producerId: BigInt(r.producerId),
        producerEpoch: r.producerEpoch,
        timeoutMs: r.timeoutMs,
        state: r.state,
        partitions: new Map(r.partitions.map(([t, p]) => [partitionKey(t, p), [t, p]])),
        pendingOffsets: new Map(Object.entries(r.pendingOffsets)),
        startMs: r.startMs,
        updatedMs: r.updatedMs,
      };
      this.entries.set(entry.id, entry);
      this.byProducerId.set(entry.producerId, entry);
    }
    store.setLive(
      () => this.entries.size,
      () => [...this.entries.values()].map(toRecord),
    );
  }

  /** Completes the transactions a crash left between prepare and complete (markers, then offsets). */
  async recover(): Promise<number> {
    let completed = 0;
    for (const entry of this.entries.values()) {
      if (entry.state !== 'PrepareCommit' && entry.state !== 'PrepareAbort') continue;
      const commit = entry.state === 'PrepareCommit';
      try {
        await this.locked(entry.id, () => this.finish(entry, commit));
      } catch (err) {
        // Left prepared: the next request on the id completes it (settle); the broker still starts.
        this.logger.error({ transactionalId: entry.id, commit, err }, 'could not complete a prepared transaction');
        continue;
      }
      this.logger.info(
        { transactionalId: entry.id, commit },
        'completed a transaction left prepared by the last shutdown',
      );
      completed += 1;
    }
    return completed;
  }

  /**
   * Every `intervalMs`: aborts the transactions older than their timeout (fencing their producers) and forgets the
   * ids unused for transactional.id.expiration.ms.
   */
  startTimeoutChecker(intervalMs: number): void {
    const check = async () => {
      await this.abortTimedOut();
      await this.expireIds();
    };
    this.timer = setInterval(
      () => void check().catch((err) => this.logger.error({ err }, 'transaction timeout check failed')),
      intervalMs,
    );
    this.timer.unref();
  }

  /** Forgets ids with no open transaction not used for transactional.id.expiration.ms (a Dead record is written). */
  async expireIds(): Promise<number> {
    let expired = 0;
    const idle = (e: TxnEntry) =>
      (e.state === 'Empty' || e.state === 'CompleteCommit' || e.state === 'CompleteAbort') &&
      this.host.nowMs() - e.updatedMs > this.config.transactionalIdExpirationMs;
    for (const entry of [...this.entries.values()]) {
      if (!idle(entry)) continue;
      await this.locked(entry.id, async () => {
        if (!idle(entry) || this.entries.get(entry.id) !== entry) return;
        await this.store.write({ ...toRecord(entry), state: 'Dead' });
        this.entries.delete(entry.id);
        this.byProducerId.delete(entry.producerId);
        expired += 1;
      });
    }
    if (expired > 0)
      this.logger.info({ expired }, 'forgot transactional ids unused for transactional.id.expiration.ms');
    return expired;
  }

  async abortTimedOut(): Promise<number> {
    let aborted = 0;
    const now = this.host.nowMs();
    for (const entry of [...this.entries.values()]) {
      if (entry.state !== 'Ongoing' || now - entry.startMs <= entry.timeoutMs) continue;
      const did = await this.locked(entry.id, async () => {
        if (entry.state !== 'Ongoing' || this.host.nowMs() - entry.startMs <= entry.timeoutMs) return false;
        await this.bumpEpoch(entry);
        await this.finish(entry, false, true);
        return true;
      });
      if (did) {
        aborted += 1;
        this.timedOutAborts += 1;
        this.logger.info(
          { transactionalId: entry.id, timeoutMs: entry.timeoutMs, producerId: entry.producerId.toString() },
          'aborted a transaction that outlived its timeout; its producer is fenced',
        );
      }
    }
    return aborted;
  }

  shutdown(): void {
    clearInterval(this.timer);
  }

  /** Transactional ids of one namespace (tenant), for its quota. */
  countIn(namespace: string): number {
    let n = 0;
    for (const id of this.entries.keys()) if (this.host.namespaceOf(id) === namespace) n += 1;
    return n;
  }

  /**
   * InitProducerId with a transactional id: a new producer id (epoch 0) for a new id; otherwise the epoch is bumped,
   * which fences every older producer of the id, and an open transaction of the old epoch is aborted first.
   * `expected` (v3+, KIP-360) is the producer id and epoch the client had, or -1.
   */
  async initProducerId(
    id: string,
    timeoutMs: number,
    expected: { producerId: bigint; producerEpoch: number },
    maxIdsInNamespace: number | null,
  ): Promise<InitResult> {
    const fail = (errorCode: number): InitResult => ({ errorCode, producerId: -1n, producerEpoch: -1 });
    if (timeoutMs <= 0 || timeoutMs > this.config.transactionMaxTimeoutMs) {
      return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    }
    return this.locked(id, async (): Promise<InitResult> => {
      let entry = this.entries.get(id);
      await this.settle(entry);
      if (!entry) {
        const ns = this.host.namespaceOf(id);
        if (ns !== null && maxIdsInNamespace !== null && this.countIn(ns) >= maxIdsInNamespace) {
          return fail(ErrorCode.POLICY_VIOLATION);
        }
        const now = this.host.nowMs();
        entry = {
          id,
          producerId: await this.host.allocateProducerId(),
          producerEpoch: 0,
          timeoutMs,
          state: 'Empty',
          partitions: new Map(),
          pendingOffsets: new Map(),
          startMs: now,
          updatedMs: now,
        };
        this.entries.set(id, entry);
        this.byProducerId.set(entry.producerId, entry);
        await this.persist(entry);
        return { errorCode: ErrorCode.NONE, producerId: entry.producerId, producerEpoch: 0 };
      }
      if (expected.producerId >= 0n) {
        const same = expected.producerId === entry.producerId && expected.producerEpoch === entry.producerEpoch;
        if (!same) return fail(ErrorCode.PRODUCER_FENCED);
      }
      if (entry.state === 'Ongoing') {
        // The old epoch's transaction is aborted with the new epoch: its markers fence the zombie in every partition.
        await this.bumpEpoch(entry);
        await this.finish(entry, false);
      } else {
        await this.bumpEpoch(entry);
      }
      entry.timeoutMs = timeoutMs;
      entry.state = 'Empty';
      await this.persist(entry);
      return { errorCode: ErrorCode.NONE, producerId: entry.producerId, producerEpoch: entry.producerEpoch };
    });
  }

  /**
   * Completes a transaction left prepared by a failed completion (a marker write that failed): the prepare is
   * durable, so the outcome is decided and every later request on the id first finishes it.
   */
  private async settle(entry: TxnEntry | undefined): Promise<void> {
    if (entry && (entry.state === 'PrepareCommit' || entry.state === 'PrepareAbort')) {
      await this.finish(entry, entry.state === 'PrepareCommit');
    }
  }

  /** NONE when (producerId, epoch) is the id's current producer; else the error Kafka gives. */
  private checkProducer(entry: TxnEntry | undefined, producerId: bigint, epoch: number): number {
    if (!entry || entry.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (epoch !== entry.producerEpoch) return ErrorCode.PRODUCER_FENCED;
    return ErrorCode.NONE;
  }

  /** Opens the transaction if it is not open; CONCURRENT_TRANSACTIONS while one is completing. */
  private begin(entry: TxnEntry): number {
    if (entry.state === 'PrepareCommit' || entry.state === 'PrepareAbort') return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (entry.state !== 'Ongoing') {
      entry.state = 'Ongoing';
      entry.startMs = this.host.nowMs();
      entry.partitions.clear();
      entry.pendingOffsets.clear();
    }
    return ErrorCode.NONE;
  }

  /**
   * AddPartitionsToTxn: one error code for the whole request (the handler checked the partitions). A transaction
   * already ongoing gets a line naming only the partitions new to it, not its whole state again.
   */
  addPartitions(id: string, producerId: bigint, epoch: number, partitions: [string, number][]): Promise<number> {
    return this.locked(id, async () => {
      const entry = this.entries.get(id);
      await this.settle(entry);
      const check = this.checkProducer(entry, producerId, epoch);
      if (check !== ErrorCode.NONE || !entry) return check;
      const wasOngoing = entry.state === 'Ongoing';
      const begun = this.begin(entry);
      if (begun !== ErrorCode.NONE) return begun;
      const added = partitions.filter(([t, p]) => !entry.partitions.has(partitionKey(t, p)));
      for (const [t, p] of added) entry.partitions.set(partitionKey(t, p), [t, p]);
      if (!wasOngoing) {
        await this.persist(entry);
      } else if (added.length > 0) {
        entry.updatedMs = this.host.nowMs();
        await this.store.write({ op: 'addPartitions', id, partitions: added, updatedMs: entry.updatedMs });
      }
      return ErrorCode.NONE;
    });
  }

  /** AddOffsetsToTxn: the group's offsets will be committed with the transaction. */
  addOffsets(id: string, producerId: bigint, epoch: number, groupId: string): Promise<number> {
    return this.join(id, producerId, epoch, (entry) => {
      if (entry.pendingOffsets.has(groupId)) return ErrorCode.NONE;
      if (entry.pendingOffsets.size >= MAX_GROUPS_PER_TRANSACTION) return ErrorCode.POLICY_VIOLATION;
      entry.pendingOffsets.set(groupId, []);
      return ErrorCode.NONE;
    });
  }

  /** Opens the producer's transaction if needed and adds to it (`add`, which may refuse), durably. */
  private join(
    id: string,
    producerId: bigint,
    epoch: number,
    add: (entry: TxnEntry) => number | undefined,
  ): Promise<number> {
    return this.locked(id, async () => {
      const entry = this.entries.get(id);
      await this.settle(entry);
      const check = this.checkProducer(entry, producerId, epoch);
      if (check !== ErrorCode.NONE || !entry) return check;
      const begun = this.begin(entry);
      if (begun !== ErrorCode.NONE) return begun;
      // Persisted even when `add` refuses: the transaction may have begun above.
      const code = add(entry) ?? ErrorCode.NONE;
      await this.persist(entry);
      return code;
    });
  }

  /** TxnOffsetCommit: offsets held until the transaction commits (dropped if it aborts). */
  commitOffsets(
    id: string,
    groupId: string,
    producerId: bigint,
    epoch: number,
    offsets: PendingOffset[],
  ): Promise<number> {
    return this.locked(id, async () => {
      const entry = this.entries.get(id);
      const check = this.checkProducer(entry, producerId, epoch);
      if (check !== ErrorCode.NONE || !entry) return check;
      const pending = entry.pendingOffsets.get(groupId);
      if (entry.state !== 'Ongoing' || pending === undefined) return ErrorCode.INVALID_TXN_STATE;
      for (const o of offsets) {
        const at = pending.findIndex((x) => x.topic === o.topic && x.partition === o.partition);
        if (at >= 0) pending[at] = o;
        else pending.push(o);
      }
      await this.persist(entry);
      return ErrorCode.NONE;
    });
  }

  /** EndTxn: writes the prepare state, the markers in every partition, applies offsets on commit, completes. */
  endTxn(id: string, producerId: bigint, epoch: number, commit: boolean): Promise<number> {
    return this.locked(id, async () => {
      const entry = this.entries.get(id);
      await this.settle(entry);
      const outcome = commit ? 'CompleteCommit' : 'CompleteAbort';
      // Transaction version 1 (this broker advertises no `transaction.version` feature, so every client uses it):
      // any epoch but the current one is fenced, as Kafka's endTransactionWithTV1 answers, also the producer whose
      // transaction the coordinator aborted for its timeout with a bumped epoch.
      const check = this.checkProducer(entry, producerId, epoch);
      if (check !== ErrorCode.NONE || !entry) return check;
      if (entry.state === 'Ongoing') {
        await this.finish(entry, commit);
        return ErrorCode.NONE;
      }
      // A retried EndTxn whose first try completed is answered as it was.
      if (entry.state === outcome) return ErrorCode.NONE;
      return ErrorCode.INVALID_TXN_STATE;
    });
  }

  /**
   * Produce of a transactional batch: its producer must be the id's current one and the partition in its open
   * transaction (KIP-890's verification, done inside this broker).
   */
  verifyProduce(producerId: bigint, epoch: number, topic: string, index: number): number {
    const entry = this.byProducerId.get(producerId);
    if (!entry) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (epoch < entry.producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (epoch > entry.producerEpoch || entry.state !== 'Ongoing') return ErrorCode.INVALID_TXN_STATE;
    return entry.partitions.has(partitionKey(topic, index)) ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
  }

  /**
   * The (topic, partition)s of a group with offsets committed in a transaction not yet complete, keyed
   * "topic\0partition": OffsetFetch with requireStable answers UNSTABLE_OFFSET_COMMIT for them (KIP-447).
   */
  pendingOffsetPartitions(groupId: string): Set<string> {
    const out = new Set<string>();
    for (const entry of this.entries.values()) {
      for (const o of entry.pendingOffsets.get(groupId) ?? []) out.add(partitionKey(o.topic, o.partition));
    }
    return out;
  }

  /**
   * A deleted topic leaves every transaction that named it (Kafka's coordinator drops partitions it finds no leader
   * for): their markers are never written, EndTxn completes with the other partitions, and no state outlives it.
   */
  async dropTopic(topic: string): Promise<number> {
    let dropped = 0;
    const names = (e: TxnEntry) => [...e.partitions.values()].some(([t]) => t === topic);
    for (const entry of [...this.entries.values()]) {
      if (!names(entry)) continue;
      await this.locked(entry.id, async () => {
        if (this.entries.get(entry.id) !== entry || !names(entry)) return;
        for (const [key, [t]] of entry.partitions) if (t === topic) entry.partitions.delete(key);
        await this.persist(entry);
        dropped += 1;
      });
    }
    return dropped;
  }

  describe(id: string): TxnDescription | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    return {
      transactionalId: e.id,
      state: e.state,
      producerId: e.producerId,
      producerEpoch: e.producerEpoch,
      timeoutMs: e.timeoutMs,
      startMs: e.startMs,
      partitions: [...e.partitions.values()],
    };
  }

  list(): TxnDescription[] {
    return [...this.entries.keys()].map((id) => this.describe(id)!);
  }

  private async bumpEpoch(entry: TxnEntry): Promise<void> {
    if (entry.producerEpoch >= MAX_PRODUCER_EPOCH) {
      this.byProducerId.delete(entry.producerId);
      entry.producerId = await this.host.allocateProducerId();
      entry.producerEpoch = 0;
      this.byProducerId.set(entry.producerId, entry);
    } else {
      entry.producerEpoch += 1;
    }
  }

  /**
   * Prepare (durable), markers at the entry's current epoch in every partition (each fsync'd), offsets on commit,
   * complete (durable). Called with the id's lock held; also completes a prepare found at start-up.
   */
  private async finish(entry: TxnEntry, commit: boolean, timedOut = false): Promise<void> {
    const prepare = commit ? 'PrepareCommit' : 'PrepareAbort';
    if (entry.state !== prepare) {
      entry.state = prepare;
      await this.persist(entry);
    }
    await Promise.all(
      [...entry.partitions.values()].map(async ([topic, index]) => {
        const partition = this.host.partition(topic, index);
        if (!partition) return; // deleted with its topic
        await partition.writeMarker(entry.producerId, entry.producerEpoch, commit);
        this.host.notify(topic, index);
      }),
    );
    if (commit) {
      for (const [groupId, offsets] of entry.pendingOffsets) {
        if (offsets.length === 0) continue;
        const byTopic = new Map<string, OffsetCommitPartition[]>();
        for (const o of offsets) {
          const list = byTopic.get(o.topic) ?? [];
          list.push({
            partition: o.partition,
            offset: BigInt(o.offset),
            leaderEpoch: o.leaderEpoch,
            metadata: o.metadata,
          });
          byTopic.set(o.topic, list);
        }
        await this.host.commitOffsets(
          groupId,
          [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
        );
      }
    }
    entry.state = commit ? 'CompleteCommit' : 'CompleteAbort';
    entry.partitions.clear();
    entry.pendingOffsets.clear();
    if (timedOut) entry.startMs = this.host.nowMs();
    await this.persist(entry);
  }

  private persist(entry: TxnEntry): Promise<void> {
    entry.updatedMs = this.host.nowMs();
    return this.store.write(toRecord(entry));
  }

  private locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(id, tail);
    void tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return run;
  }
}

function toRecord(e: TxnEntry): TxnRecord {
  return {
    id: e.id,
    producerId: e.producerId.toString(),
    producerEpoch: e.producerEpoch,
    timeoutMs: e.timeoutMs,
    state: e.state,
    partitions: [...e.partitions.values()],
    pendingOffsets: Object.fromEntries(e.pendingOffsets),
    startMs: e.startMs,
    updatedMs: e.updatedMs,
  };
}
