/**
 * Log compaction of transactional data and of snappy and lz4 batches, with a real broker process and real clients
 * (kafkajs transactions, @platformatic/kafka's snappy and lz4): aborted records go, committed ones are compacted
 * like any others, a marker stays while data of its transaction remains and goes once alone past
 * delete.retention.ms, nothing at or past the last stable offset is touched, and offsets never move.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import {
  Consumer as PlatformaticConsumer,
  Producer as PlatformaticProducer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { batchSizeAt, CONTROL_BIT, Fetch, readBatchHeader } from '@samsa/protocol';
import { type BrokerProcess, makeDataDir, startBroker } from '@samsa/test-support/broker-process';
import { eventually } from '@samsa/test-support/eventually';
import { RawClient } from '@samsa/test-support/raw-client';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import { decodeBatches, type ReadRecord } from './support/read-back.ts';
import { segmentBases, storedBatches } from './support/stored-batches.ts';

const COMPACT = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'segment.bytes', value: '2048' },
  { name: 'min.cleanable.dirty.ratio', value: '0.01' },
  { name: 'delete.retention.ms', value: '0' },
];

let broker: BrokerProcess;
let kafka: Kafka;
let admin: Admin;
let plain: Producer;
before(async () => {
  broker = await startBroker({
    args: ['--topic-min-segment-bytes', '1024', '--log-cleaner-backoff-ms', '100'],
  });
  kafka = new Kafka({ clientId: 'txn-compaction', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  plain = kafka.producer();
  await Promise.all([admin.connect(), plain.connect()]);
});
after(async () => {
  if (process.env.SHOW_LOGS) console.log(broker.logs.filter((l) => !l.includes('"level":30')).join('\n'));
  await Promise.all([admin.disconnect(), plain.disconnect()]);
  await broker.cleanup();
});

/** A value long enough (and not compressible) that a few batches fill a 2 KiB segment. */
const pad = (s: string) => `${s}-${createHash('sha512').update(s).digest('hex')}`;

interface Written {
  key: string;
  value: string;
  offset: bigint;
}

/**
 * Every data record of partition 0 through Fetch v11 (raw, so a reader sees what is stored; markers skipped):
 * read_uncommitted up to the high watermark, read_committed up to the last stable offset.
 */
async function readAt(topic: string, isolationLevel: 0 | 1): Promise<ReadRecord[]> {
  const client = await RawClient.connect(broker.port);
  try {
    const out: ReadRecord[] = [];
    let offset = 0n;
    for (let round = 0; round < 1_000; round++) {
      const res = (await client.request(Fetch, 11, {
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 8 * 1024 * 1024,
        isolationLevel,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 4 * 1024 * 1024 }] }],
        forgottenTopicsData: [],
        rackId: '',
      })) as {
        responses: {
          partitions: { errorCode: number; highWatermark: bigint; lastStableOffset: bigint; records: Buffer | null }[];
        }[];
      };
      const p = res.responses[0]!.partitions[0]!;
      assert.equal(p.errorCode, 0);
      const end = isolationLevel === 1 ? p.lastStableOffset : p.highWatermark;
      const bytes = p.records ?? Buffer.alloc(0);
      let next = offset;
      for (let at = 0; at < bytes.length; ) {
        const size = batchSizeAt(bytes, at);
        if (size < 0 || at + size > bytes.length) break;
        const header = readBatchHeader(bytes, at);
        if ((header.attributes & CONTROL_BIT) === 0) {
          out.push(...decodeBatches(bytes.subarray(at, at + size)).filter((r) => r.offset >= offset && r.offset < end));
        }
        next = header.baseOffset + BigInt(header.lastOffsetDelta) + 1n;
        at += size;
      }
      if (next === offset || next >= end) return out;
      offset = next;
    }
    return out;
  } finally {
    client.close();
  }
}

async function txnSend(
  producer: Producer,
  topic: string,
  messages: { key: string; value: string }[],
  commit: boolean,
): Promise<Written[]> {
  const txn = await producer.transaction();
  const [meta] = await txn.send({ topic, messages: messages.map((m) => ({ ...m, partition: 0 })) });
  await (commit ? txn.commit() : txn.abort());
  return messages.map((m, i) => ({ ...m, offset: BigInt(meta!.baseOffset!) + BigInt(i) }));
}

async function plainSend(topic: string, messages: { key: string; value: string }[]): Promise<Written[]> {
  const out: Written[] = [];
  for (const m of messages) {
    const [meta] = await plain.send({ topic, messages: [{ ...m, partition: 0 }] });
    out.push({ ...m, offset: BigInt(meta!.baseOffset!) });
  }
  return out;
}

const keys = (from: number, to: number, tag: string) =>
  Array.from({ length: to - from }, (_, i) => ({ key: `k${from + i}`, value: pad(`${tag}-k${from + i}`) }));

test('transactions are compacted as Kafka does: aborted records go, markers go once alone, nothing past the LSO moves', {
  timeout: 120_000,
}, async () => {
  const topic = 'txn-table';
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: COMPACT }] });
  const a = kafka.producer({ transactionalId: 'compact-a', maxInFlightRequests: 1, idempotent: true });
  const b = kafka.producer({ transactionalId: 'compact-b', maxInFlightRequests: 1, idempotent: true });
  await Promise.all([a.connect(), b.connect()]);
  try {
    const committed1 = await txnSend(a, topic, keys(0, 5, 'committed1'), true);
    const aborted2 = await txnSend(a, topic, keys(0, 5, 'aborted2'), false);
    const committed3 = await txnSend(a, topic, keys(5, 10, 'committed3'), true);
    // Plain records supersede the first transaction's: its data goes, then its marker once alone.
    const overwrites = await plainSend(topic, keys(0, 5, 'plain'));
    // An open transaction: the last stable offset stays at its first record until it commits.
    const openTxn = await b.transaction();
    const [openMeta] = await openTxn.send({ topic, messages: [{ key: 'k5', value: pad('open-k5'), partition: 0 }] });
    const lso = BigInt(openMeta!.baseOffset!);
    // Past the LSO, keys are overwritten again and again: none of it may be cleaned while the transaction is open.
    const pastLso: Written[] = [];
    for (let round = 0; round < 4; round++) pastLso.push(...(await plainSend(topic, keys(0, 5, `late${round}`))));
    const all = [...committed1, ...aborted2, ...committed3, ...overwrites, ...pastLso];
    const byOffset = new Map(all.map((w) => [w.offset, w]));
    const markerOf = async (data: Written[]) =>
      (await storedBatches(broker.dataDir, topic)).find((s) => s.marker !== null && s.baseOffset > data.at(-1)!.offset);

    // The first transaction's marker sat right after its data; once both are gone, the first kept marker is the third's.
    const marker1Offset = committed1.at(-1)!.offset + 1n;
    const marker2Offset = aborted2.at(-1)!.offset + 1n;
    await eventually(async () => {
      const stored = await storedBatches(broker.dataDir, topic);
      return stored.every((s) => s.baseOffset !== marker1Offset && s.baseOffset !== marker2Offset);
    }, 'the first two transactions and their markers to be cleaned');
    const stored = await storedBatches(broker.dataDir, topic);
    const marker3 = await markerOf(committed3);
    assert.equal(marker3?.marker, 'commit', "the third transaction's data remains, so its commit marker stays");
    assert.ok(
      stored.every((s) => s.lastOffset < lso || s.baseOffset >= lso),
      'no batch straddles the LSO (it is at a batch start)',
    );

    const uncommitted = await readAt(topic, 0);
    for (const r of uncommitted) {
      const w = byOffset.get(r.offset);
      if (r.offset === lso) continue; // the open transaction's record
      assert.ok(w, `offset ${r.offset} was written`);
      assert.equal(r.value, w.value, `the record at ${r.offset} kept its offset`);
    }
    const values = uncommitted.map((r) => r.value!);
    assert.ok(!values.some((v) => v.startsWith('aborted2')), 'aborted records are removed from the log');
    assert.ok(!values.some((v) => v.startsWith('committed1')), 'superseded committed records are compacted');
    assert.deepEqual(
      values.filter((v) => v.startsWith('committed3')),
      committed3.map((w) => w.value),
      'committed records that are the latest of their keys stay',
    );
    assert.deepEqual(
      uncommitted.filter((r) => r.offset > lso).map((r) => r.offset),
      pastLso.map((w) => w.offset),
      'every record past the last stable offset is untouched',
    );
    // read_committed stops at the LSO and sees the compacted view below it.
    const committedView = await readAt(topic, 1);
    assert.deepEqual(
      committedView.map((r) => r.offset),
      uncommitted.filter((r) => r.offset < lso).map((r) => r.offset),
    );

    // Once the open transaction commits, the rest is compacted too: every key's latest value, k5 from the open one.
    await openTxn.commit();
    const filler = await plainSend(topic, keys(100, 110, 'filler'));
    await eventually(async () => {
      const bases = await segmentBases(broker.dataDir, topic);
      const read = (await readAt(topic, 1)).filter((r) => r.offset < bases.at(-1)!);
      return new Set(read.map((r) => r.key)).size === read.length && read.some((r) => r.value === pad('open-k5'));
    }, 'the part past the old LSO to be compacted after the commit');
    const final = await readAt(topic, 1);
    const latest = new Map<string, string>();
    for (const w of [...all, { key: 'k5', value: pad('open-k5'), offset: lso }, ...filler]) latest.set(w.key, w.value);
    const seen = new Map<string, string>();
    for (const r of final) seen.set(r.key!, r.value!);
    assert.deepEqual(seen, latest, 'a read_committed reader from the start sees every key at its latest value');

    // A kafkajs read_committed consumer group sees the same.
    const consumer = kafka.consumer({ groupId: 'txn-table-reader' });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      const got = new Map<string, string>();
      await consumer.run({
        eachMessage: async ({ message }) => {
          got.set(message.key!.toString(), message.value!.toString());
        },
      });
      await eventually(() => got.size === latest.size && got.get('k109') !== undefined, 'the consumer to catch up');
      assert.deepEqual(got, latest);
    } finally {
      await consumer.disconnect();
    }
  } finally {
    await Promise.all([a.disconnect(), b.disconnect()]);
  }
});

test('snappy and lz4 batches are compacted and stay in their codec', { timeout: 60_000 }, async () => {
  for (const [topic, compression, codec] of [
    ['snappy-table', 'snappy', 2],
    ['lz4-table', 'lz4', 3],
  ] as const) {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: COMPACT }] });
    const producer = new PlatformaticProducer({
      clientId: `compact-${compression}`,
      bootstrapBrokers: [broker.bootstrap],
      serializers: stringSerializers,
      compression,
    });
    try {
      for (let round = 0; round < 8; round++) {
        await producer.send({
          messages: Array.from({ length: 5 }, (_, k) => ({
            topic,
            partition: 0,
            key: `key-${k}`,
            value: pad(`${compression}${round}-key-${k}`),
          })),
        });
      }
      // Now that the broker reads these codecs, a record without a key is refused in them too, as Kafka does.
      // INVALID_RECORD ("This record has failed the validation on broker") from the broker's key check.
      await assert.rejects(producer.send({ messages: [{ topic, partition: 0, value: 'no key' }] }), (err: Error) =>
        (err as AggregateError).errors.some((e: Error) => /failed the validation on broker/.test(String(e.cause ?? e))),
      );
    } finally {
      await producer.close();
    }
    const before = await storedBatches(broker.dataDir, topic);
    assert.ok(
      before.every((s) => s.codec === codec),
      `${compression} batches are stored in their codec`,
    );
    // The offsets run to 40 whatever the cleaner has done meanwhile (it may already have started).
    assert.equal(before.at(-1)!.lastOffset, 39n);
    await eventually(async () => {
      const stored = await storedBatches(broker.dataDir, topic);
      const active = (await segmentBases(broker.dataDir, topic)).at(-1)!;
      const sealed = stored.filter((s) => s.lastOffset < active);
      return sealed.length > 0 && sealed.reduce((n, s) => n + s.recordCount, 0) <= 5;
    }, `${topic} to be compacted`);
    const after = await storedBatches(broker.dataDir, topic);
    assert.ok(
      after.every((s) => s.codec === codec),
      `every rewritten batch is still ${compression}`,
    );
    // The client decodes what the cleaner wrote: each key's latest value is there, at its original offset.
    const read = await readWithPlatformatic(topic, 5);
    assert.deepEqual(
      new Map(read.map((r) => [r.key, r.value])),
      new Map(Array.from({ length: 5 }, (_, k) => [`key-${k}`, pad(`${compression}7-key-${k}`)])),
    );
    assert.ok(read.length < 40, 'superseded records are gone');
  }
});

/** A @platformatic/kafka consumer group reads the partition from the start until it has seen `keyCount` latest keys. */
async function readWithPlatformatic(topic: string, keyCount: number): Promise<{ key: string; value: string }[]> {
  const consumer = new PlatformaticConsumer({
    groupId: `${topic}-reader`,
    clientId: `${topic}-reader`,
    bootstrapBrokers: [broker.bootstrap],
    deserializers: stringDeserializers,
  });
  const end = BigInt((await admin.fetchTopicOffsets(topic))[0]!.high);
  const out: { key: string; value: string }[] = [];
  const stream = await consumer.consume({ autocommit: false, topics: [topic], mode: 'earliest', maxWaitTime: 500 });
  try {
    for await (const message of stream) {
      out.push({ key: message.key as string, value: message.value as string });
      if (message.offset + 1n >= end && new Set(out.map((r) => r.key)).size >= keyCount) break;
    }
  } finally {
    await stream.close();
    await consumer.close();
  }
  return out;
}

test('an abort marker the cleaner removed stays out of the aborted index across a restart and a kill -9', {
  timeout: 120_000,
}, async () => {
  const dataDir = await makeDataDir();
  const args = ['--topic-min-segment-bytes', '1024', '--log-cleaner-backoff-ms', '100'];
  let b = await startBroker({ dataDir, args });
  const topic = 'restart-table';
  const connectTo = (at: BrokerProcess) =>
    new Kafka({ clientId: 'restart', brokers: [at.bootstrap], logLevel: logLevel.NOTHING });
  try {
    let k = connectTo(b);
    const a = k.admin();
    await a.connect();
    await a.createTopics({
      topics: [{ topic, numPartitions: 1, configEntries: [...COMPACT, { name: 'min.compaction.lag.ms', value: '0' }] }],
    });
    await a.disconnect();
    // One producer: an aborted transaction, then committed ones. Its later batches must stay visible.
    let p = k.producer({ transactionalId: 'restart-a', maxInFlightRequests: 1, idempotent: true });
    await p.connect();
    const aborted = await txnSend(p, topic, keys(0, 5, 'aborted'), false);
    const committed = await txnSend(p, topic, keys(5, 10, 'committed'), true);
    await p.disconnect();
    // A clean stop writes the producer snapshot, aborted index included; the cleaner runs after the restart.
    await b.stop();
    b = await startBroker({ dataDir, args });
    k = connectTo(b);
    p = k.producer({ transactionalId: 'restart-a', maxInFlightRequests: 1, idempotent: true });
    await p.connect();
    const later = await txnSend(p, topic, keys(10, 15, 'later'), true);
    await p.disconnect();
    const markerOffset = aborted.at(-1)!.offset + 1n;
    await eventually(async () => {
      const stored = await storedBatches(dataDir, topic);
      return stored.every((s) => s.baseOffset > markerOffset);
    }, 'the aborted data and then its marker to be cleaned');
    await b.kill9();
    b = await startBroker({ dataDir, args });
    // The restarted broker lists no aborted transaction whose marker is gone: a read_committed client sees
    // every committed record of the producer.
    const consumer = connectTo(b).consumer({ groupId: 'restart-reader' });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      const got: string[] = [];
      await consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message.value!.toString());
        },
      });
      const expected = [...committed, ...later].map((w) => w.value);
      await eventually(() => got.length >= expected.length, 'the consumer to read every committed record');
      assert.deepEqual(got, expected);
    } finally {
      await consumer.disconnect();
    }
  } finally {
    await b.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  }
});
