/**
 * Records as clients see them: keys, headers and compression through kafkajs and raw batches (gzip, zstd),
 * CreateTime and LogAppendTime timestamps, and ListOffsets by time.
 */
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { Compression, encodeBatch, encodeRecords, ListOffsets, Produce, type RecordInput } from '@samsa/protocol';
import type { RawClient } from '@samsa/test-support/raw-client';
import { CompressionTypes, type KafkaMessage } from 'kafkajs';
import {
  createTopics,
  errName,
  tryCreateTopic,
  fetchRecords,
  kafkaClient,
  type Scenario,
  type Target,
  withRaw,
} from './target.ts';

/** Producer-chosen timestamps, the same for both brokers: an hour ago, whole seconds. */
export const BASE_MS = BigInt(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);

/** Reads `count` messages of `topic` with a kafkajs consumer group from the beginning. */
async function consume(t: Target, topic: string, groupId: string, count: number) {
  const consumer = kafkaClient(t).consumer({ groupId, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
  const got: { partition: number; message: KafkaMessage }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${t.name}: got ${got.length} of ${count} messages`)), 30_000);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            got.push({ partition, message });
            if (got.length === count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return got
    .map(({ partition, message }) => ({
      partition,
      offset: message.offset,
      key: message.key?.toString() ?? null,
      value: message.value?.toString() ?? null,
      timestamp: BigInt(message.timestamp) - BASE_MS,
      headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, v?.toString() ?? null])),
    }))
    .sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

export const producedWithKafkajs: Scenario = async (t) => {
  const topic = 'diff-records';
  await createTopics(t, [{ topic, numPartitions: 2 }]);
  const producer = kafkaClient(t).producer();
  await producer.connect();
  const ts = (i: number) => String(BASE_MS + BigInt(i));
  const plain = await producer.send({
    topic,
    acks: -1,
    messages: [
      { partition: 0, key: 'k1', value: 'v1', timestamp: ts(1), headers: { trace: 'abc', empty: '' } },
      { partition: 0, key: null, value: 'no-key', timestamp: ts(2) },
      { partition: 0, key: 'k3', value: null, timestamp: ts(3) },
    ],
  });
  const gzipped = await producer.send({
    topic,
    acks: -1,
    compression: CompressionTypes.GZIP,
    messages: [
      { partition: 1, key: 'g1', value: 'gzip-one'.repeat(20), timestamp: ts(4), headers: { h: 'x' } },
      { partition: 1, key: 'g2', value: 'gzip-two', timestamp: ts(5) },
    ],
  });
  await producer.disconnect();
  const sent = [...plain, ...gzipped].map((r) => ({
    partition: r.partition,
    errorCode: r.errorCode,
    baseOffset: r.baseOffset,
  }));
  return { sent, consumed: await consume(t, topic, 'diff-records-reader', 5) };
};

async function produceRaw(c: RawClient, topic: string, partition: number, records: Buffer) {
  const r = await c.request(Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  const p = (r.responses as { partitionResponses: Record<string, unknown>[] }[])[0]!.partitionResponses[0]!;
  return {
    errorCode: errName(p.errorCode),
    baseOffset: p.baseOffset as bigint,
    logAppendTimeMs: p.logAppendTimeMs as bigint,
  };
}

function compressedBatch(records: RecordInput[], codec: number): Buffer {
  const payload = encodeRecords(records, BASE_MS);
  const body =
    codec === Compression.gzip ? gzipSync(payload) : codec === Compression.zstd ? zstdCompressSync(payload) : payload;
  return encodeBatch({ records, attributes: codec }, body);
}

export const rawCompressedBatches: Scenario = async (t) => {
  await createTopics(t, [{ topic: 'diff-codecs' }]);
  const gzipTopicCreated = await tryCreateTopic(t, {
    topic: 'diff-codec-gzip-topic',
    configEntries: [{ name: 'compression.type', value: 'gzip' }],
  });
  return withRaw(t, async (c) => {
    const recs = (tag: string): RecordInput[] => [
      {
        key: `${tag}-a`,
        value: `${tag} value a`.repeat(10),
        timestamp: BASE_MS + 10n,
        headers: [{ key: 'codec', value: tag }],
      },
      { key: `${tag}-b`, value: null, timestamp: BASE_MS + 11n },
    ];
    const produced = {
      gzip: await produceRaw(c, 'diff-codecs', 0, compressedBatch(recs('gzip'), Compression.gzip)),
      zstd: await produceRaw(c, 'diff-codecs', 0, compressedBatch(recs('zstd'), Compression.zstd)),
      none: await produceRaw(c, 'diff-codecs', 0, compressedBatch(recs('none'), Compression.none)),
    };
    const gzipTopic =
      gzipTopicCreated === 'NONE'
        ? {
            produced: await produceRaw(c, 'diff-codec-gzip-topic', 0, compressedBatch(recs('topic'), Compression.none)),
            read: await fetchRecords(c, 'diff-codec-gzip-topic', 0),
          }
        : null;
    const read = await fetchRecords(c, 'diff-codecs', 0);
    const strip = (r: Awaited<ReturnType<typeof fetchRecords>>) => ({
      ...r,
      records: r.records.map((x) => ({ ...x, timestamp: x.timestamp - BASE_MS })),
    });
    return {
      produced: Object.fromEntries(
        Object.entries(produced).map(([k, v]) => [k, { errorCode: v.errorCode, baseOffset: v.baseOffset }]),
      ),
      read: strip(read),
      gzipTopic: {
        created: gzipTopicCreated,
        producedErrorCode: gzipTopic?.produced.errorCode,
        storedCodecs: gzipTopic?.read.records.map((r) => r.codec),
        values: gzipTopic?.read.records.map((r) => r.value),
      },
    };
  });
};

export const timestampsAndListOffsets: Scenario = async (t) => {
  await createTopics(t, [
    { topic: 'diff-times' },
    { topic: 'diff-logappend', configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] },
  ]);
  return withRaw(t, async (c) => {
    // Timestamps out of order on purpose: the max timestamp (-3) is not the last record.
    const times = [1000n, 3000n, 2000n, 2000n];
    const produced = await produceRaw(
      c,
      'diff-times',
      0,
      encodeBatch({ records: times.map((d, i) => ({ key: `t${i}`, value: `v${i}`, timestamp: BASE_MS + d })) }),
    );
    const read = await fetchRecords(c, 'diff-times', 0);
    const queries: Record<string, bigint> = {
      earliest: -2n,
      latest: -1n,
      maxTimestamp: -3n,
      earliestLocal: -4n,
      latestTiered: -5n,
      beforeFirst: BASE_MS,
      exactFirst: BASE_MS + 1000n,
      between: BASE_MS + 1500n,
      exactDuplicate: BASE_MS + 2000n,
      exactMax: BASE_MS + 3000n,
      afterLast: BASE_MS + 5000n,
    };
    const listed: Record<string, unknown> = {};
    for (const [name, timestamp] of Object.entries(queries)) {
      // v9: the first version that may ask for -5 (KIP-1005)
      const r = await c.request(ListOffsets, 9, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: 'diff-times', partitions: [{ partitionIndex: 0, timestamp }] }],
      });
      const p = (r.topics as { partitions: Record<string, unknown>[] }[])[0]!.partitions[0]!;
      const ts = p.timestamp as bigint;
      listed[name] = { errorCode: errName(p.errorCode), offset: p.offset, timestamp: ts >= 0n ? ts - BASE_MS : ts };
    }
    const before = BigInt(Date.now());
    const appended = await produceRaw(
      c,
      'diff-logappend',
      0,
      encodeBatch({ records: [{ key: 'old', value: 'stamped by the broker', timestamp: BASE_MS }] }),
    );
    const after = BigInt(Date.now());
    const stamped = (await fetchRecords(c, 'diff-logappend', 0)).records;
    return {
      createTime: {
        produced: {
          errorCode: produced.errorCode,
          baseOffset: produced.baseOffset,
          logAppendTimeMs: produced.logAppendTimeMs,
        },
        timestamps: read.records.map((r) => r.timestamp - BASE_MS),
        logAppendTimeBit: read.records.map((r) => r.logAppendTime),
      },
      listOffsets: listed,
      logAppendTime: {
        errorCode: appended.errorCode,
        responseTimeIsNow: appended.logAppendTimeMs >= before && appended.logAppendTimeMs <= after,
        readTimesAreTheAppendTime: stamped.map((r) => r.timestamp === appended.logAppendTimeMs),
        logAppendTimeBit: stamped.map((r) => r.logAppendTime),
        value: stamped.map((r) => r.value),
      },
    };
  });
};
