/**
 * Transactions through kafkajs (older API versions than the Java client: InitProducerId, AddPartitionsToTxn, EndTxn
 * v0-1, TxnOffsetCommit v0-2): a committed, an aborted and a committed-with-offsets transaction, then raw Fetches
 * at both isolation levels (values, markers, last stable offset, aborted transactions) and the group's offset.
 */
import { CONTROL_BIT, decodeRecords, Fetch, splitRecordSet } from '@samsa/protocol';
import type { RawClient } from '@samsa/test-support/raw-client';
import { createTopics, errName, fetchBody, kafkaClient, type Scenario, type Target, withRaw } from './target.ts';

/** A raw Fetch of partition 0 from offset 0 at an isolation level: values, markers and their offsets, LSO, aborts. */
async function readPartition(c: RawClient, topic: string, isolationLevel: number) {
  const r = await c.request(Fetch, 12, fetchBody({ topic }, 0, 0n, { isolationLevel }));
  const p = (r.responses as { partitions: Record<string, unknown>[] }[])[0]!.partitions[0]!;
  const values: string[] = [];
  const markers: string[] = [];
  for (const batch of splitRecordSet((p.records as Buffer | null) ?? Buffer.alloc(0))) {
    const records = decodeRecords(batch.bytes);
    if ((batch.header.attributes & CONTROL_BIT) !== 0) {
      const type = records[0]?.key?.readInt16BE(2);
      markers.push(`${batch.header.baseOffset}:${type === 1 ? 'commit' : 'abort'}`);
    } else for (const rec of records) values.push(`${rec.offset}:${rec.value?.toString()}`);
  }
  const aborted = (p.abortedTransactions as { firstOffset: bigint }[] | null) ?? null;
  return {
    errorCode: errName(p.errorCode),
    highWatermark: p.highWatermark,
    lastStableOffset: p.lastStableOffset,
    abortedFirstOffsets: aborted?.map((a) => a.firstOffset) ?? null,
    values,
    markers,
  };
}

/** Kafka answers EndTxn before it writes the markers (Samsa after): waits until partition 0's LSO is its HW. */
async function settled(t: Target, topic: string): Promise<void> {
  await withRaw(t, async (c) => {
    for (let i = 0; i < 50; i++) {
      const committed = await readPartition(c, topic, 1);
      if (committed.lastStableOffset === committed.highWatermark) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
}

const messages = (tag: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ key: `${tag}${i}`, value: `${tag}-${i}` }));

export const kafkajsTransactions: Scenario = async (t) => {
  const topic = 'diff-kjs-txn';
  const groupId = 'diff-kjs-txn-group';
  await createTopics(t, [{ topic }]);
  // Kafka answers NOT_COORDINATOR while it loads its offsets partition on first use: kafkajs retries that.
  const client = kafkaClient(t, t.identity, { retry: { retries: 10, initialRetryTime: 200 } });
  const producer = client.producer({
    transactionalId: 'diff-kjs-txn',
    maxInFlightRequests: 1,
    idempotent: true,
  });
  await producer.connect();
  try {
    const committed = await producer.transaction();
    await committed.send({ topic, messages: messages('committed', 2) });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: messages('aborted', 2) });
    await aborted.abort();
    const withOffsets = await producer.transaction();
    await withOffsets.send({ topic, messages: messages('offsets', 1) });
    await withOffsets.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic, partitions: [{ partition: 0, offset: '5' }] }],
    });
    await withOffsets.commit();
  } finally {
    await producer.disconnect();
  }
  await settled(t, topic);
  const fetched = await withRaw(t, async (c) => ({
    readUncommitted: await readPartition(c, topic, 0),
    readCommitted: await readPartition(c, topic, 1),
  }));
  const admin = kafkaClient(t).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    return { ...fetched, groupOffsets: offsets.map((o) => o.partitions.map((p) => `${p.partition}:${p.offset}`)) };
  } finally {
    await admin.disconnect();
  }
};

/** What a kafkajs call that must fail threw: the protocol error's type, or the error's name. */
async function failure(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'none';
  } catch (err) {
    const e = err as { type?: string; name?: string; cause?: { type?: string } };
    return e.type ?? e.cause?.type ?? e.name ?? 'unknown';
  }
}

/** transaction.timeout.ms of the producer left to time out; the brokers abort expired transactions often (see the test). */
export const KAFKAJS_TXN_TIMEOUT_MS = 1000;
export const TXN_ABORT_CHECK_INTERVAL_MS = 300;

/**
 * kafkajs's transactional producer fenced by a second one with its transactional id (the zombie's produce and
 * commit fail, its open transaction is aborted), a transaction that outlives its timeout (aborted by the broker, its
 * commit fails), and consume-transform-produce with a kafkajs consumer group: the output and the group's offset
 * committed together, then a round aborted together. One output partition, read raw at both isolation levels.
 */
export const kafkajsFencingTimeoutAndCtp: Scenario = async (t) => {
  const input = 'diff-kjs-ctp-in';
  const out = 'diff-kjs-txn-out';
  const groupId = 'diff-kjs-ctp-group';
  await createTopics(t, [{ topic: input }, { topic: out }]);
  const client = kafkaClient(t, t.identity, { retry: { retries: 10, initialRetryTime: 200 } });
  const txnProducer = (transactionalId: string, transactionTimeout = 60_000) =>
    client.producer({ transactionalId, transactionTimeout, maxInFlightRequests: 1, idempotent: true });
  const observed: Record<string, unknown> = {};

  // Fencing: the successor's InitProducerId aborts the zombie's open transaction and bumps the epoch.
  const zombie = txnProducer('diff-kjs-fenced');
  await zombie.connect();
  const zombieTxn = await zombie.transaction();
  await zombieTxn.send({ topic: out, messages: [{ value: 'zombie-0' }] });
  const successor = txnProducer('diff-kjs-fenced');
  await successor.connect();
  // kafkajs sends InitProducerId at a producer's first transaction(), not at connect().
  const successorTxn = await successor.transaction();
  observed.zombieSend = await failure(() => zombieTxn.send({ topic: out, messages: [{ value: 'zombie-1' }] }));
  observed.zombieCommit = await failure(() => zombieTxn.commit());
  await zombie.disconnect();
  await settled(t, out);
  await successorTxn.send({ topic: out, messages: [{ value: 'successor-0' }] });
  await successorTxn.commit();
  await successor.disconnect();
  await settled(t, out);

  // A transaction past its timeout: the broker aborts it and fences its producer.
  const slow = txnProducer('diff-kjs-timeout', KAFKAJS_TXN_TIMEOUT_MS);
  await slow.connect();
  const slowTxn = await slow.transaction();
  await slowTxn.send({ topic: out, messages: [{ value: 'timed-out-0' }] });
  await new Promise((r) => setTimeout(r, KAFKAJS_TXN_TIMEOUT_MS * 3 + TXN_ABORT_CHECK_INTERVAL_MS * 2));
  observed.timedOutCommit = await failure(() => slowTxn.commit());
  await slow.disconnect();
  await settled(t, out);

  // Consume-transform-produce: a committed round (in-0..3), then an aborted one (in-4, in-5).
  const plain = client.producer();
  await plain.connect();
  await plain.send({ topic: input, acks: -1, messages: messages('in', 6) });
  await plain.disconnect();
  const transformer = txnProducer('diff-kjs-ctp');
  await transformer.connect();
  const consumer = client.consumer({ groupId, readUncommitted: false, sessionTimeout: 10_000 });
  await consumer.connect();
  await consumer.subscribe({ topic: input, fromBeginning: true });
  const rounds: { consumed: string[]; commit: boolean }[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const pending: { value: string; offset: string }[] = [];
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ message }) => {
            pending.push({ value: message.value!.toString(), offset: message.offset });
            const commit = rounds.length === 0;
            if (pending.length < (commit ? 4 : 2)) return;
            const batch = pending.splice(0);
            const txn = await transformer.transaction();
            const to = commit ? 'out' : 'dropped';
            await txn.send({ topic: out, messages: batch.map((m) => ({ value: m.value.replace('in', to) })) });
            const next = String(Number(batch.at(-1)!.offset) + 1);
            await txn.sendOffsets({
              consumerGroupId: groupId,
              topics: [{ topic: input, partitions: [{ partition: 0, offset: next }] }],
            });
            await (commit ? txn.commit() : txn.abort());
            rounds.push({ consumed: batch.map((m) => m.value), commit });
            if (rounds.length === 2) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    await transformer.disconnect();
  }
  observed.rounds = rounds;
  await settled(t, out);
  const admin = kafkaClient(t).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchOffsets({ groupId, topics: [input] });
    observed.groupOffsets = offsets.map((o) => o.partitions.map((p) => `${p.partition}:${p.offset}`));
  } finally {
    await admin.disconnect();
  }
  return {
    ...observed,
    ...(await withRaw(t, async (c) => ({
      readUncommitted: await readPartition(c, out, 0),
      readCommitted: await readPartition(c, out, 1),
    }))),
  };
};
