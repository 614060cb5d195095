/**
 * Transactions over the wire with raw requests against a real broker process: the coordinator's answers, the last
 * stable offset and aborted transactions in read_committed Fetch and ListOffsets, fencing, and durability: a
 * transaction open at kill -9 stays open (its last stable offset held, its group offset pending) and commits after the
 * restart; one whose EndTxn was prepared (written to transactions.log) but whose markers were not is completed at start-up.
 */
import assert from 'node:assert/strict';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  AddOffsetsToTxn,
  AddPartitionsToTxn,
  batchSizeAt,
  CreateTopics,
  CONTROL_BIT,
  EndTxn,
  encodeBatch,
  encodeConsumerSubscription,
  ErrorCode,
  Fetch,
  FindCoordinator,
  JoinGroup,
  InitProducerId,
  ListOffsets,
  OffsetFetch,
  Produce,
  DeleteRecords,
  DeleteTopics,
  DescribeTransactions,
  readBatchHeader,
  TRANSACTIONAL_BIT,
  TxnOffsetCommit,
} from '@samsa/protocol';
import { makeDataDir, startBroker } from '@samsa/test-support/broker-process';
import { eventually } from '@samsa/test-support/eventually';
import { RawClient } from '@samsa/test-support/raw-client';
import { pino } from 'pino';
import { TransactionStore } from '../src/transactions/transaction-store.ts';
import { MAX_GROUPS_PER_TRANSACTION } from '../src/transactions/transaction-coordinator.ts';
import { decodeBatches } from './support/read-back.ts';

const TOPIC = 'txn-raw';
const TXN_ID = 'raw-txn';
const GROUP = 'raw-txn-group';

type PartitionResult = { errorCode: number; baseOffset: bigint };

function txnBatch(producerId: bigint, producerEpoch: number, baseSequence: number, values: string[]): Buffer {
  return encodeBatch({
    producerId,
    producerEpoch,
    baseSequence,
    attributes: TRANSACTIONAL_BIT,
    records: values.map((value) => ({ value })),
  });
}

class TxnClient {
  readonly c: RawClient;

  constructor(c: RawClient) {
    this.c = c;
  }

  async produce(topic: string, records: Buffer): Promise<PartitionResult> {
    const res = (await this.c.request(Produce, 9, {
      transactionalId: TXN_ID,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
    })) as { responses: { partitionResponses: PartitionResult[] }[] };
    return res.responses[0]!.partitionResponses[0]!;
  }

  async init(timeoutMs = 60_000): Promise<{ errorCode: number; producerId: bigint; producerEpoch: number }> {
    return (await this.c.request(InitProducerId, 4, {
      transactionalId: TXN_ID,
      transactionTimeoutMs: timeoutMs,
      producerId: -1n,
      producerEpoch: -1,
    })) as { errorCode: number; producerId: bigint; producerEpoch: number };
  }

  async addPartition(producerId: bigint, producerEpoch: number, topic = TOPIC): Promise<number> {
    const res = (await this.c.request(AddPartitionsToTxn, 3, {
      v3AndBelowTransactionalId: TXN_ID,
      v3AndBelowProducerId: producerId,
      v3AndBelowProducerEpoch: producerEpoch,
      v3AndBelowTopics: [{ name: topic, partitions: [0] }],
    })) as { resultsByTopicV3AndBelow: { resultsByPartition: { partitionErrorCode: number }[] }[] };
    return res.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode;
  }

  async end(producerId: bigint, producerEpoch: number, committed: boolean): Promise<number> {
    const res = (await this.c.request(EndTxn, 3, {
      transactionalId: TXN_ID,
      producerId,
      producerEpoch,
      committed,
    })) as {
      errorCode: number;
    };
    return res.errorCode;
  }

  /** AddOffsetsToTxn then TxnOffsetCommit of `offset` for the group on partition 0; both error codes. */
  async commitOffset(producerId: bigint, producerEpoch: number, offset: bigint): Promise<number[]> {
    const added = (await this.c.request(AddOffsetsToTxn, 3, {
      transactionalId: TXN_ID,
      producerId,
      producerEpoch,
      groupId: GROUP,
    })) as { errorCode: number };
    const res = (await this.c.request(TxnOffsetCommit, 3, {
      transactionalId: TXN_ID,
      groupId: GROUP,
      producerId,
      producerEpoch,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: TOPIC,
          partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' }],
        },
      ],
    })) as { topics: { partitions: { errorCode: number }[] }[] };
    return [added.errorCode, res.topics[0]!.partitions[0]!.errorCode];
  }

  /** The group's committed offset of partition 0 (OffsetFetch v7), with or without requireStable. */
  async committed(requireStable: boolean): Promise<{ errorCode: number; committedOffset: bigint }> {
    const res = (await this.c.request(OffsetFetch, 7, {
      groupId: GROUP,
      topics: [{ name: TOPIC, partitionIndexes: [0] }],
      requireStable,
    })) as { topics: { partitions: { errorCode: number; committedOffset: bigint }[] }[] };
    const p = res.topics[0]!.partitions[0]!;
    return { errorCode: p.errorCode, committedOffset: p.committedOffset };
  }

  /** A Fetch of the whole partition at an isolation level: values, control batches, LSO and aborted list. */
  async fetch(isolationLevel: 0 | 1, fetchOffset = 0n) {
    const res = (await this.c.request(Fetch, 11, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1024 * 1024,
      isolationLevel,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 1024 * 1024 }] }],
      forgottenTopicsData: [],
      rackId: '',
    })) as {
      responses: {
        partitions: {
          errorCode: number;
          highWatermark: bigint;
          lastStableOffset: bigint;
          abortedTransactions: { producerId: bigint; firstOffset: bigint }[] | null;
          records: Buffer | null;
        }[];
      }[];
    };
    const p = res.responses[0]!.partitions[0]!;
    assert.equal(p.errorCode, ErrorCode.NONE);
    const bytes = p.records ?? Buffer.alloc(0);
    const markerOffsets: bigint[] = [];
    for (let at = 0; at < bytes.length; at += batchSizeAt(bytes, at)) {
      const h = readBatchHeader(bytes, at);
      if ((h.attributes & CONTROL_BIT) !== 0) markerOffsets.push(h.baseOffset);
    }
    const values = decodeBatches(bytes)
      .filter((r) => !markerOffsets.includes(r.offset) && r.offset >= fetchOffset)
      .map((r) => r.value);
    return {
      values,
      markerOffsets,
      highWatermark: p.highWatermark,
      lastStableOffset: p.lastStableOffset,
      aborted: p.abortedTransactions,
    };
  }

  async latest(isolationLevel: 0 | 1): Promise<bigint> {
    const res = (await this.c.request(ListOffsets, 4, {
      replicaId: -1,
      isolationLevel,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, timestamp: -1n, currentLeaderEpoch: -1 }] }],
    })) as { topics: { partitions: { offset: bigint }[] }[] };
    return res.topics[0]!.partitions[0]!.offset;
  }
}

async function connect(port: number): Promise<TxnClient> {
  return new TxnClient(await RawClient.connect(port));
}

test('transactions: coordinator answers, read_committed, fencing, and kill -9 while open and while prepared', async () => {
  const dataDir = await makeDataDir();
  let broker = await startBroker({ dataDir, args: ['--transaction-max-timeout-ms', '120000'] });
  try {
    let t = await connect(broker.port);
    const found = (await t.c.request(FindCoordinator, 3, { key: TXN_ID, keyType: 1 })) as {
      errorCode: number;
      port: number;
    };
    assert.deepEqual([found.errorCode, found.port], [ErrorCode.NONE, broker.port]);
    assert.equal((await t.init(120_001)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const plain = await t.produce(TOPIC, encodeBatch({ records: [{ value: 'plain-0' }] }));
    assert.deepEqual(plain, { ...plain, errorCode: ErrorCode.NONE, baseOffset: 0n });
    await t.produce('txn-other', encodeBatch({ records: [{ value: 'other' }] }));

    const { errorCode, producerId: pid, producerEpoch } = await t.init();
    assert.deepEqual([errorCode, producerEpoch], [ErrorCode.NONE, 0]);
    // Transactional data is refused before its partition joins the transaction.
    assert.equal((await t.produce(TOPIC, txnBatch(pid, 0, 0, ['early']))).errorCode, ErrorCode.INVALID_TXN_STATE);
    assert.equal(await t.addPartition(pid, 0), ErrorCode.NONE);
    assert.equal(await t.addPartition(pid, 0, 'no-such-topic'), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal((await t.produce(TOPIC, txnBatch(pid, 0, 0, ['t1', 't2']))).baseOffset, 1n);
    assert.equal((await t.produce('txn-other', txnBatch(pid, 0, 0, ['x']))).errorCode, ErrorCode.INVALID_TXN_STATE);

    const open = { values: ['plain-0'], markerOffsets: [], highWatermark: 3n, lastStableOffset: 1n, aborted: [] };
    assert.deepEqual(await t.fetch(1), open);
    assert.deepEqual((await t.fetch(0)).values, ['plain-0', 't1', 't2']);
    assert.deepEqual([await t.latest(1), await t.latest(0)], [1n, 3n]);
    // An offset committed in the transaction is pending: unstable for requireStable, absent otherwise.
    assert.deepEqual(await t.commitOffset(pid, 0, 3n), [ErrorCode.NONE, ErrorCode.NONE]);
    assert.equal((await t.committed(true)).errorCode, ErrorCode.UNSTABLE_OFFSET_COMMIT);
    assert.deepEqual(await t.committed(false), { errorCode: ErrorCode.NONE, committedOffset: -1n });

    // kill -9 with the transaction open: the restart rebuilds it from the log; the producer then commits it.
    t.c.close();
    await broker.kill9();
    broker = await startBroker({ dataDir });
    t = await connect(broker.port);
    assert.deepEqual(await t.fetch(1), open, 'the open transaction still holds the last stable offset');
    assert.equal(await t.end(pid, 0, true), ErrorCode.NONE);
    assert.equal(await t.end(pid, 0, true), ErrorCode.NONE, 'a retried commit succeeds');
    assert.deepEqual(await t.committed(true), { errorCode: ErrorCode.NONE, committedOffset: 3n }, 'offset committed');
    assert.deepEqual(await t.fetch(1), {
      values: ['plain-0', 't1', 't2'],
      markerOffsets: [3n],
      highWatermark: 4n,
      lastStableOffset: 4n,
      aborted: [],
    });

    // A second transaction, prepared to abort when the broker dies before writing its markers.
    assert.equal(await t.addPartition(pid, 0), ErrorCode.NONE);
    assert.equal((await t.produce(TOPIC, txnBatch(pid, 0, 2, ['a1']))).baseOffset, 4n);
    assert.deepEqual(await t.commitOffset(pid, 0, 5n), [ErrorCode.NONE, ErrorCode.NONE]);
    t.c.close();
    await broker.kill9();
    const { store, records } = await TransactionStore.open(join(dataDir, 'transactions'), pino({ level: 'silent' }));
    const ongoing = records.find((r) => r.id === TXN_ID);
    assert.equal(ongoing?.state, 'Ongoing');
    await store.write({ ...ongoing!, state: 'PrepareAbort' });
    await store.close();
    broker = await startBroker({ dataDir });
    t = await connect(broker.port);
    assert.deepEqual(await t.fetch(1), {
      values: ['plain-0', 't1', 't2', 'a1'],
      markerOffsets: [3n, 5n],
      highWatermark: 6n,
      lastStableOffset: 6n,
      aborted: [{ producerId: pid, firstOffset: 4n }],
    });
    assert.equal(await t.end(pid, 0, false), ErrorCode.NONE, 'the producer sees its abort done');
    assert.deepEqual(
      await t.committed(true),
      { errorCode: ErrorCode.NONE, committedOffset: 3n },
      'aborted offset dropped',
    );

    // A new producer with the same transactional id fences the old epoch.
    const next = await t.init();
    assert.deepEqual([next.producerId, next.producerEpoch], [pid, 1]);
    assert.equal(await t.addPartition(pid, 0), ErrorCode.PRODUCER_FENCED);
    assert.equal(await t.end(pid, 0, true), ErrorCode.PRODUCER_FENCED);
    assert.equal(await t.end(pid, 1, true), ErrorCode.INVALID_TXN_STATE, 'nothing to commit');
    t.c.close();
  } finally {
    await broker.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a transactional id unused for --transactional-id-expiration-ms is forgotten', async () => {
  const broker = await startBroker({
    args: ['--transactional-id-expiration-ms', '300', '--transaction-abort-timed-out-interval-ms', '100'],
  });
  try {
    const t = await connect(broker.port);
    const first = await t.init();
    assert.equal(first.errorCode, ErrorCode.NONE);
    const describe = async () =>
      (
        (await t.c.request(DescribeTransactions, 0, { transactionalIds: [TXN_ID] })) as {
          transactionStates: { errorCode: number; transactionState: string }[];
        }
      ).transactionStates[0]!;
    assert.deepEqual(await describe(), { ...(await describe()), errorCode: ErrorCode.NONE, transactionState: 'Empty' });
    await eventually(async () => (await describe()).errorCode === ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, 'expiry');
    const again = await t.init();
    assert.equal(again.producerEpoch, 0, 'a forgotten id starts over');
    assert.notEqual(again.producerId, first.producerId);
    t.c.close();
  } finally {
    await broker.cleanup();
  }
});

test('one transaction commits offsets for at most MAX_GROUPS_PER_TRANSACTION groups; the rest are refused', async () => {
  const broker = await startBroker();
  try {
    const t = await connect(broker.port);
    const { producerId, producerEpoch } = await t.init();
    const addGroup = async (groupId: string) =>
      (
        (await t.c.request(AddOffsetsToTxn, 3, { transactionalId: TXN_ID, producerId, producerEpoch, groupId })) as {
          errorCode: number;
        }
      ).errorCode;
    for (let i = 0; i < MAX_GROUPS_PER_TRANSACTION; i++) assert.equal(await addGroup(`g-${i}`), ErrorCode.NONE);
    assert.equal(await addGroup('one-too-many'), ErrorCode.POLICY_VIOLATION);
    assert.equal(await addGroup('g-0'), ErrorCode.NONE, 'a group already in the transaction is still accepted');
    // The transaction itself is intact: it aborts, and the next one may name a group again.
    assert.equal(await t.end(producerId, producerEpoch, false), ErrorCode.NONE);
    assert.equal(await addGroup('one-too-many'), ErrorCode.NONE);
    t.c.close();
  } finally {
    await broker.cleanup();
  }
});

test("TxnOffsetCommit v3+ checks the consumer's generation and member (KIP-447) as Kafka's group coordinator does", async () => {
  const broker = await startBroker({ args: ['--group-initial-rebalance-delay-ms', '0'] });
  try {
    const t = await connect(broker.port);
    await t.produce(TOPIC, encodeBatch({ records: [{ value: 'x' }] }));
    const { producerId, producerEpoch } = await t.init();
    // A static member joins the classic group: the group knows its member id, instance id and generation.
    const joined = (await t.c.request(JoinGroup, 5, {
      groupId: GROUP,
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 30_000,
      memberId: '',
      groupInstanceId: 'instance-1',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: encodeConsumerSubscription({ version: 0, topics: [TOPIC] }) }],
    })) as { errorCode: number; memberId: string; generationId: number };
    assert.equal(joined.errorCode, ErrorCode.NONE);
    const added = (await t.c.request(AddOffsetsToTxn, 3, {
      transactionalId: TXN_ID,
      producerId,
      producerEpoch,
      groupId: GROUP,
    })) as { errorCode: number };
    assert.equal(added.errorCode, ErrorCode.NONE);
    const commit = async (
      version: number,
      fields: { generationId: number; memberId: string; groupInstanceId: string | null },
      groupId = GROUP,
    ) => {
      const res = (await t.c.request(TxnOffsetCommit, version, {
        transactionalId: TXN_ID,
        groupId,
        producerId,
        producerEpoch,
        ...fields,
        topics: [
          {
            name: TOPIC,
            partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: '' }],
          },
        ],
      })) as { topics: { partitions: { errorCode: number }[] }[] };
      return res.topics[0]!.partitions[0]!.errorCode;
    };
    const { memberId, generationId } = joined;
    assert.equal(
      await commit(3, { generationId: generationId + 1, memberId, groupInstanceId: 'instance-1' }),
      ErrorCode.ILLEGAL_GENERATION,
    );
    assert.equal(
      await commit(3, { generationId, memberId: 'someone-else', groupInstanceId: null }),
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
    assert.equal(
      await commit(3, { generationId, memberId: 'someone-else', groupInstanceId: 'instance-1' }),
      ErrorCode.FENCED_INSTANCE_ID,
    );
    assert.equal(
      await commit(3, { generationId, memberId, groupInstanceId: 'instance-2' }),
      ErrorCode.UNKNOWN_MEMBER_ID,
      'an instance id the group does not know',
    );
    assert.equal(
      await commit(3, { generationId: 1, memberId: 'm', groupInstanceId: null }, 'no-such-group'),
      ErrorCode.ILLEGAL_GENERATION,
      'an unknown group takes no generation',
    );
    // The member's own commit, and one without member fields (v2, or v3 from a producer outside the group), pass.
    assert.equal(await commit(3, { generationId, memberId, groupInstanceId: 'instance-1' }), ErrorCode.NONE);
    assert.equal(await commit(2, { generationId: -1, memberId: '', groupInstanceId: null }), ErrorCode.NONE);
    assert.equal(await t.end(producerId, producerEpoch, true), ErrorCode.NONE);
    assert.deepEqual(await t.committed(true), { errorCode: ErrorCode.NONE, committedOffset: 1n });
    t.c.close();
  } finally {
    await broker.cleanup();
  }
});

test('DeleteRecords past an open transaction and a topic deleted inside one behave as in Kafka', async () => {
  const dataDir = await makeDataDir();
  const broker = await startBroker({ dataDir });
  try {
    const t = await connect(broker.port);
    await t.produce(TOPIC, encodeBatch({ records: [{ value: 'plain-0' }, { value: 'plain-1' }] }));
    const { producerId: pid, producerEpoch: epoch } = await t.init();
    assert.equal(await t.addPartition(pid, epoch), ErrorCode.NONE);
    assert.equal((await t.produce(TOPIC, txnBatch(pid, epoch, 0, ['open-a', 'open-b']))).errorCode, ErrorCode.NONE);
    assert.equal((await t.fetch(1)).lastStableOffset, 2n, 'the open transaction starts at 2');
    const deleteRecords = async (offset: bigint) => {
      const res = (await t.c.request(DeleteRecords, 2, {
        topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, offset }] }],
        timeoutMs: 5000,
      })) as { topics: { partitions: { errorCode: number; lowWatermark: bigint }[] }[] };
      return res.topics[0]!.partitions[0]!;
    };
    // Kafka bounds DeleteRecords by the high watermark, not the LSO: past the open transaction's first record is
    // accepted, and the LSO is then the new log start offset until the transaction ends.
    assert.deepEqual(await deleteRecords(3n), { partitionIndex: 0, errorCode: ErrorCode.NONE, lowWatermark: 3n });
    assert.equal((await deleteRecords(5n)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, 'past the high watermark');
    const during = await t.fetch(1, 3n);
    assert.deepEqual([during.lastStableOffset, during.values], [3n, []]);
    assert.equal(await t.latest(1), 3n);
    assert.equal(await t.end(pid, epoch, true), ErrorCode.NONE);
    const afterCommit = await t.fetch(1, 3n);
    assert.deepEqual([afterCommit.lastStableOffset, afterCommit.values], [5n, ['open-b']]);

    // A topic deleted while in a transaction leaves it: EndTxn completes with the other partitions.
    await t.produce('txn-doomed', encodeBatch({ records: [{ value: 'created' }] }));
    assert.equal(await t.addPartition(pid, epoch, 'txn-doomed'), ErrorCode.NONE);
    assert.equal(await t.addPartition(pid, epoch), ErrorCode.NONE);
    assert.equal((await t.produce('txn-doomed', txnBatch(pid, epoch, 0, ['doomed']))).errorCode, ErrorCode.NONE);
    assert.equal((await t.produce(TOPIC, txnBatch(pid, epoch, 2, ['kept']))).errorCode, ErrorCode.NONE);
    const deleted = (await t.c.request(DeleteTopics, 4, { topicNames: ['txn-doomed'], timeoutMs: 5000 })) as {
      responses: { errorCode: number }[];
    };
    assert.equal(deleted.responses[0]!.errorCode, ErrorCode.NONE);
    const describe = async () =>
      (
        (await t.c.request(DescribeTransactions, 0, { transactionalIds: [TXN_ID] })) as {
          transactionStates: { transactionState: string; topics: { topic: string; partitions: number[] }[] }[];
        }
      ).transactionStates[0]!;
    assert.deepEqual(
      (await describe()).topics.map((x) => x.topic),
      [TOPIC],
      'the deleted topic left the transaction',
    );
    assert.equal(await t.end(pid, epoch, true), ErrorCode.NONE);
    assert.deepEqual([(await describe()).transactionState, (await describe()).topics], ['CompleteCommit', []]);
    assert.deepEqual((await t.fetch(1, 3n)).values, ['open-b', 'kept']);
    t.c.close();
  } finally {
    await broker.cleanup();
  }
});

test('a transaction adding partitions one by one writes transactions.log lines that grow with each addition, not with the whole; kill -9 keeps every one', async () => {
  const dataDir = await makeDataDir();
  let broker = await startBroker({ dataDir });
  const partitions = 300;
  try {
    let t = await connect(broker.port);
    const created = (await t.c.request(CreateTopics, 4, {
      topics: [{ name: 'txn-wide', numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    })) as { topics: { errorCode: number }[] };
    assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);
    const { producerId, producerEpoch } = await t.init();
    const logPath = join(dataDir, 'transactions', 'transactions.log');
    const sizeBefore = (await stat(logPath)).size;
    for (let p = 0; p < partitions; p++) {
      const res = (await t.c.request(AddPartitionsToTxn, 3, {
        v3AndBelowTransactionalId: TXN_ID,
        v3AndBelowProducerId: producerId,
        v3AndBelowProducerEpoch: producerEpoch,
        v3AndBelowTopics: [{ name: 'txn-wide', partitions: [p] }],
      })) as { resultsByTopicV3AndBelow: { resultsByPartition: { partitionErrorCode: number }[] }[] };
      assert.equal(res.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode, ErrorCode.NONE);
    }
    // Whole states would be some 300 lines of up to 300 partitions each (about 0.8 MB); deltas stay near 40 KB.
    const grown = (await stat(logPath)).size - sizeBefore;
    assert.ok(grown < 100_000, `transactions.log grew ${grown} bytes for ${partitions} partitions`);

    await broker.kill9();
    broker = await startBroker({ dataDir });
    t = await connect(broker.port);
    const described = (
      (await t.c.request(DescribeTransactions, 0, { transactionalIds: [TXN_ID] })) as {
        transactionStates: { transactionState: string; topics: { topic: string; partitions: number[] }[] }[];
      }
    ).transactionStates[0]!;
    assert.equal(described.transactionState, 'Ongoing');
    assert.deepEqual(
      described.topics.flatMap((x) => x.partitions).sort((a, b) => a - b),
      Array.from({ length: partitions }, (_, i) => i),
      'every partition added survives the kill -9',
    );
    assert.equal(await t.end(producerId, producerEpoch, false), ErrorCode.NONE);
    t.c.close();
  } finally {
    await broker.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  }
});
