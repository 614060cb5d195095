/**
 * Transactions through kafkajs (older API versions than the Java client: InitProducerId, AddPartitionsToTxn, EndTxn
 * v0-1, TxnOffsetCommit v0-2): a committed, an aborted and a committed-with-offsets transaction, then raw Fetches
 * at both isolation levels (values, markers, last stable offset, aborted transactions) and the group's offset.
 */
import { CONTROL_BIT, decodeRecords, Fetch, splitRecordSet } from '@samsa/protocol';
import { createTopics, errName, fetchBody, kafkaClient, type Scenario, withRaw } from './target.ts';

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
  const fetched = await withRaw(t, async (c) => {
    const at = async (isolationLevel: number) => {
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
    };
    // Kafka answers EndTxn before it writes the markers (Samsa after): wait for the last one on both.
    for (let i = 0; i < 50; i++) {
      const committed = await at(1);
      if (committed.lastStableOffset === committed.highWatermark) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return { readUncommitted: await at(0), readCommitted: await at(1) };
  });
  const admin = kafkaClient(t).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    return { ...fetched, groupOffsets: offsets.map((o) => o.partitions.map((p) => `${p.partition}:${p.offset}`)) };
  } finally {
    await admin.disconnect();
  }
};
