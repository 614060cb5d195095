/**
 * Log compaction with a real broker process and real clients: a compacted topic keeps each key's latest value at its
 * original offset, tombstones go after delete.retention.ms, the active segment is never touched, a keyless record is
 * refused, and kill -9 at every step of a clean loses nothing and duplicates nothing.
 */
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Admin, CompressionTypes, Kafka, logLevel, type Producer } from 'kafkajs';
import { type BrokerProcess, makeDataDir, startBroker } from '@samsa/test-support/broker-process';
import { eventually } from '@samsa/test-support/eventually';
import { type ReadRecord, readPartition } from './support/read-back.ts';
import { segmentBases, storedBatches } from './support/stored-batches.ts';

/** Small segments and a quick cleaner; the operator may lower the 1 MiB segment floor. */
const BROKER_ARGS = [
  '--topic-min-segment-bytes',
  '1024',
  '--log-cleaner-backoff-ms',
  '100',
  '--group-initial-rebalance-delay-ms',
  '0',
];
/** The key map's smallest budget: 64 KiB of 24-byte entries, full at 90%, holds 2,457 keys. */
const DEDUPE_BUFFER_BYTES = 65_536;
const KEY_MAP_CAPACITY = 2_457;
const COMPACT = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'segment.bytes', value: '2048' },
  { name: 'min.cleanable.dirty.ratio', value: '0.01' },
];

let broker: BrokerProcess;
let admin: Admin;
let producer: Producer;
before(async () => {
  broker = await startBroker({
    args: [...BROKER_ARGS, '--log-cleaner-dedupe-buffer-bytes', String(DEDUPE_BUFFER_BYTES)],
  });
  const kafka = new Kafka({ clientId: 'compaction', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
});
after(async () => {
  if (process.env.SHOW_LOGS) console.log(broker.logs.filter((l) => !l.includes('"level":30')).join('\n'));
  await Promise.all([admin.disconnect(), producer.disconnect()]);
  await broker.cleanup();
});

interface Written {
  key: string;
  value: string | null;
  offset: bigint;
}

/** Sends one record per request (one batch each, so segments roll often); returns each record with its offset. */
async function writeRounds(
  p: Producer,
  topic: string,
  keys: number,
  rounds: number,
  tag = 'v',
  valueBytes = 40,
  keyPrefix = 'key-',
): Promise<Written[]> {
  const out: Written[] = [];
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < keys; k++) {
      const key = `${keyPrefix}${k}`;
      const value = `${tag}${round}-${key}-`.padEnd(valueBytes, '.');
      const [meta] = await p.send({ topic, messages: [{ key, value, partition: 0 }] });
      out.push({ key, value, offset: BigInt(meta!.baseOffset!) });
    }
  }
  return out;
}

function latestPerKey(written: Written[]): Map<string, Written> {
  const latest = new Map<string, Written>();
  for (const w of written) latest.set(w.key, w);
  return latest;
}

/**
 * What a reader from the start must see of a compacted partition: every record it reads is one that was written, at
 * the offset it was written at (nothing moves, nothing is invented, nothing appears twice), and every key's latest
 * value is there.
 */
function assertCompactedView(read: ReadRecord[], written: Written[]): void {
  const byOffset = new Map(written.map((w) => [w.offset, w]));
  const seen = new Set<bigint>();
  for (const r of read) {
    const w = byOffset.get(r.offset);
    assert.ok(w, `offset ${r.offset} was never written`);
    assert.deepEqual({ key: r.key, value: r.value }, { key: w.key, value: w.value }, `record at ${r.offset}`);
    assert.ok(!seen.has(r.offset), `offset ${r.offset} read twice`);
    seen.add(r.offset);
  }
  for (const [key, w] of latestPerKey(written)) {
    assert.ok(seen.has(w.offset), `the latest value of ${key} (offset ${w.offset}) is missing`);
  }
}

/** Whether no key appears twice below `activeBase` (the sealed segments are fully compacted). */
function sealedPartCompacted(read: ReadRecord[], activeBase: bigint): boolean {
  const keys = read.filter((r) => r.offset < activeBase).map((r) => r.key);
  return new Set(keys).size === keys.length;
}

/** A kafkajs consumer group reading from the start gets exactly `count` records: each key's latest value last. */
async function assertConsumerSeesLatest(topic: string, written: Written[], count: number): Promise<void> {
  const kafka = new Kafka({ clientId: 'compaction-reader', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${topic}-reader` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const latest = new Map<string, string | null>();
    let consumed = 0;
    await consumer.run({
      eachMessage: async ({ message }) => {
        latest.set(message.key!.toString(), message.value?.toString() ?? null);
        consumed += 1;
      },
    });
    await eventually(() => consumed >= count, `the consumer to read the compacted ${topic}`);
    const expected = new Map([...latestPerKey(written)].map(([k, w]) => [k, w.value]));
    assert.deepEqual(latest, expected);
    assert.equal(consumed, count, 'the consumer reads exactly the records the partition holds');
  } finally {
    await consumer.disconnect();
  }
}

/** Legacy AlterConfigs replaces every override: the small segments are set again beside the policy. */
async function switchToCompact(a: Admin, topic: string, policy: string): Promise<void> {
  await a.alterConfigs({
    validateOnly: false,
    resources: [
      { type: 2, name: topic, configEntries: [...COMPACT.slice(1), { name: 'cleanup.policy', value: policy }] },
    ],
  });
}

/** Waits until the sealed segments hold each key once, then checks the reader's view of the partition. */
async function untilCompacted(b: BrokerProcess, topic: string, written: Written[]): Promise<void> {
  const bases = await segmentBases(b.dataDir, topic);
  let read: ReadRecord[] = [];
  await eventually(async () => {
    read = await readPartition(b.port, topic, 0);
    return sealedPartCompacted(read, bases[bases.length - 1]!);
  }, `${topic} to be compacted`);
  assertCompactedView(read, written);
}

test('keys overwritten many times compact to their latest values, offsets unchanged, active segment untouched', async () => {
  const topic = 'table';
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: COMPACT }] });
  const written = await writeRounds(producer, topic, 20, 10);
  const bases = await segmentBases(broker.dataDir, topic);
  assert.ok(bases.length >= 5, `the writes rolled several segments (${bases.length})`);
  const activeBase = bases[bases.length - 1]!;

  let read: ReadRecord[] = [];
  await eventually(async () => {
    read = await readPartition(broker.port, topic, 0);
    return read.length < written.length && sealedPartCompacted(read, activeBase);
  }, 'the cleaner to compact the sealed segments');
  assertCompactedView(read, written);
  // The active segment keeps every record written to it, superseded or not.
  const activeWritten = written.filter((w) => w.offset >= activeBase).map((w) => w.offset);
  const activeRead = read.filter((r) => r.offset >= activeBase).map((r) => r.offset);
  assert.deepEqual(activeRead, activeWritten, 'the active segment is untouched');
  // The end offset does not move, and the log still starts at 0.
  const offsets = await admin.fetchTopicOffsets(topic);
  assert.deepEqual([offsets[0]!.low, offsets[0]!.high], ['0', String(written.length)]);

  await assertConsumerSeesLatest(topic, written, read.length);

  const metrics = await (await fetch(`http://127.0.0.1:${broker.httpPort}/metrics`)).text();
  assert.match(metrics, /samsa_log_cleaner_cleaned_bytes_total\{topic="table",partition="0"\} [1-9]/);
  assert.match(metrics, /samsa_log_cleaner_last_clean_timestamp_seconds\{topic="table",partition="0"\} [1-9]/);
  assert.match(metrics, /samsa_log_cleaner_dirty_ratio\{topic="table",partition="0"\} [0-9.e-]+/);
});

test('more distinct keys than the key map holds: cleaned over several passes within the memory budget', async () => {
  const topic = 'many-keys';
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: COMPACT }] });
  const keys = 3_000;
  const written: Written[] = [];
  for (let round = 0; round < 3; round++) {
    for (let from = 0; from < keys; from += 500) {
      const messages = Array.from({ length: 500 }, (_, i) => ({
        key: `key-${from + i}`,
        value: `r${round}-${from + i}`,
      }));
      const [meta] = await producer.send({ topic, messages: messages.map((m) => ({ ...m, partition: 0 })) });
      messages.forEach((m, i) => {
        written.push({ key: m.key, value: m.value, offset: BigInt(meta!.baseOffset!) + BigInt(i) });
      });
    }
  }
  await untilCompacted(broker, topic, written);
  const passes = broker.logs
    .filter((l) => l.includes('log cleaner: partition cleaned') && l.includes(`/${topic}/`))
    .map((l) => JSON.parse(l) as { keys: number });
  assert.ok(passes.length >= 2, `the cleaner needed several passes (${passes.length})`);
  for (const p of passes) assert.ok(p.keys <= KEY_MAP_CAPACITY, `a pass mapped ${p.keys} keys`);
});

test('gzip batches are compacted and stay gzip; min.compaction.lag.ms keeps young records uncleaned', async () => {
  // Created first, so each cleaner pass looks at it before the gzip topic.
  await admin.createTopics({
    topics: [
      {
        topic: 'young',
        numPartitions: 1,
        configEntries: [...COMPACT, { name: 'min.compaction.lag.ms', value: '3600000' }],
      },
      { topic: 'gzipped', numPartitions: 1, configEntries: COMPACT },
    ],
  });
  const youngWritten = await writeRounds(producer, 'young', 10, 6);
  const written: Written[] = [];
  for (let round = 0; round < 8; round++) {
    const messages = Array.from({ length: 10 }, (_, k) => ({ key: `key-${k}`, value: `gz${round}-key-${k}` }));
    const [meta] = await producer.send({
      topic: 'gzipped',
      compression: CompressionTypes.GZIP,
      messages: messages.map((m) => ({ ...m, partition: 0 })),
    });
    messages.forEach((m, i) => {
      written.push({ key: m.key, value: m.value, offset: BigInt(meta!.baseOffset!) + BigInt(i) });
    });
  }
  await untilCompacted(broker, 'gzipped', written);
  const codecs = (await storedBatches(broker.dataDir, 'gzipped')).map((b) => b.codec);
  assert.deepEqual([...new Set(codecs)], [1], 'every stored batch is still gzip');
  // The cleaner has passed over 'young' since: its records are all younger than min.compaction.lag.ms.
  const young = await readPartition(broker.port, 'young', 0);
  assert.equal(young.length, youngWritten.length, 'nothing of the young topic was compacted');
});

test("an idempotent producer's last batch stays, emptied, with its offsets when newer records supersede it", async () => {
  const topic = 'idempotent-table';
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: COMPACT }] });
  const kafka = new Kafka({ clientId: 'idempotent', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const idempotent = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await idempotent.connect();
  let written: Written[];
  try {
    written = await writeRounds(idempotent, topic, 4, 3, 'idem');
  } finally {
    await idempotent.disconnect();
  }
  // A plain producer overwrites every key: each batch of the idempotent producer is superseded.
  written.push(...(await writeRounds(producer, topic, 4, 6, 'plain')));
  await untilCompacted(broker, topic, written);
  const lastIdempotent = written.filter((w) => w.value!.startsWith('idem')).at(-1)!;
  const kept = (await storedBatches(broker.dataDir, topic)).filter((b) => b.producerId >= 0n);
  assert.deepEqual(
    kept.map((b) => ({ baseOffset: b.baseOffset, lastOffset: b.lastOffset, recordCount: b.recordCount })),
    [{ baseOffset: lastIdempotent.offset, lastOffset: lastIdempotent.offset, recordCount: 0 }],
    "only the producer's last batch is left, with no records and its offset range",
  );
  // Readers step over the empty batch.
  await assertConsumerSeesLatest(topic, written, (await readPartition(broker.port, topic, 0)).length);
});

test('tombstones stay for delete.retention.ms after their first clean, then vanish', async () => {
  const kept = 'tombstones-kept';
  const gone = 'tombstones-gone';
  await admin.createTopics({
    topics: [
      { topic: kept, numPartitions: 1, configEntries: [...COMPACT, { name: 'delete.retention.ms', value: '3600000' }] },
      { topic: gone, numPartitions: 1, configEntries: [...COMPACT, { name: 'delete.retention.ms', value: '1000' }] },
    ],
  });
  for (const topic of [kept, gone]) {
    const written = await writeRounds(producer, topic, 5, 2);
    const [meta] = await producer.send({ topic, messages: [{ key: 'key-0', value: null, partition: 0 }] });
    written.push({ key: 'key-0', value: null, offset: BigInt(meta!.baseOffset!) });
    // Later writes of other keys move the tombstone out of the active segment.
    written.push(...(await writeRounds(producer, topic, 5, 6, 'later', 200, 'other-')));
    const bases = await segmentBases(broker.dataDir, topic);
    const activeBase = bases[bases.length - 1]!;
    let read: ReadRecord[] = [];
    const key0 = () => read.filter((r) => r.key === 'key-0');
    if (topic === kept) {
      await eventually(async () => {
        read = await readPartition(broker.port, topic, 0);
        return sealedPartCompacted(read, activeBase);
      }, 'the cleaner to compact the topic with long tombstone retention');
      assert.deepEqual(
        key0().map((r) => r.value),
        [null],
        'key-0 is only its tombstone: older values are gone, the tombstone stays within delete.retention.ms',
      );
    } else {
      await eventually(async () => {
        read = await readPartition(broker.port, topic, 0);
        return sealedPartCompacted(read, activeBase) && key0().length === 0;
      }, 'the tombstone of key-0 to vanish after delete.retention.ms');
    }
    for (let k = 1; k < 5; k++) {
      assert.ok(
        read.some((r) => r.key === `key-${k}`),
        `key-${k} is still there`,
      );
    }
  }
});

test('a record without a key is refused on a compacted topic, accepted on a delete one', async () => {
  await admin.createTopics({
    topics: [
      { topic: 'keyless-compact', numPartitions: 1, configEntries: COMPACT },
      { topic: 'keyless-delete', numPartitions: 1 },
    ],
  });
  const kafka = new Kafka({
    clientId: 'keyless',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const p = kafka.producer();
  await p.connect();
  try {
    await assert.rejects(
      p.send({ topic: 'keyless-compact', messages: [{ key: 'k', value: 'a' }, { value: 'no key' }] }),
      (err: Error & { type?: string }) => {
        assert.equal(err.type, 'INVALID_RECORD');
        return true;
      },
    );
    await p.send({ topic: 'keyless-delete', messages: [{ value: 'no key' }] });
    const offsets = await admin.fetchTopicOffsets('keyless-compact');
    assert.equal(offsets[0]!.high, '0', 'nothing of the refused batch was written');
  } finally {
    await p.disconnect();
  }
});

test('compaction configs: Kafka defaults, validation, and switching a topic to compact', async () => {
  await admin.createTopics({ topics: [{ topic: 'switched', numPartitions: 1 }] });
  const described = await admin.describeConfigs({
    resources: [{ type: 2, name: 'switched' }],
    includeSynonyms: false,
  });
  const entries = new Map(described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
  assert.deepEqual(
    [
      'cleanup.policy',
      'delete.retention.ms',
      'min.compaction.lag.ms',
      'max.compaction.lag.ms',
      'min.cleanable.dirty.ratio',
    ].map((n) => entries.get(n)),
    ['delete', '86400000', '0', '9223372036854775807', '0.5'],
  );
  for (const [name, value] of [
    ['cleanup.policy', 'shred'],
    ['min.cleanable.dirty.ratio', '1.5'],
    ['max.compaction.lag.ms', '0'],
    ['delete.retention.ms', '-1'],
  ] as const) {
    await assert.rejects(
      admin.createTopics({ topics: [{ topic: `bad-${name}`, configEntries: [{ name, value }] }] }),
      (err: Error & { errors?: { type: string }[] }) => {
        assert.equal(err.errors?.[0]?.type ?? (err as { type?: string }).type, 'INVALID_CONFIG', `${name}=${value}`);
        return true;
      },
    );
  }
  await switchToCompact(admin, 'switched', 'compact,delete');
  const written = await writeRounds(producer, 'switched', 10, 8);
  await untilCompacted(broker, 'switched', written);
});

test('kill -9 at every step of a clean loses nothing and duplicates nothing', async () => {
  for (const step of ['writing', 'cleaned', 'swap', 'indexes-removed', 'replaced']) {
    const dataDir = await makeDataDir();
    const crashing = await startBroker({ dataDir, args: BROKER_ARGS, env: { SAMSA_TEST_CLEANER_CRASH_AT: step } });
    let restarted: BrokerProcess | null = null;
    try {
      const kafka = new Kafka({ clientId: `crash-${step}`, brokers: [crashing.bootstrap], logLevel: logLevel.NOTHING });
      const a = kafka.admin();
      // Writes go before the topic turns compacted, so the first clean (and the crash) comes after all of them.
      await a.connect();
      await a.createTopics({
        topics: [{ topic: 'crash', numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '2048' }] }],
      });
      const p = kafka.producer();
      await p.connect();
      const written = await writeRounds(p, 'crash', 10, 8);
      await p.disconnect();
      await switchToCompact(a, 'crash', 'compact');
      await a.disconnect().catch(() => {});
      const exitCode = await new Promise<number | null>((resolve) => {
        if (crashing.proc.exitCode !== null || crashing.proc.signalCode !== null) resolve(null);
        else crashing.proc.on('exit', (code) => resolve(code));
      });
      assert.equal(crashing.proc.signalCode, 'SIGKILL', `the broker killed itself at '${step}' (exit ${exitCode})`);

      restarted = await startBroker({ dataDir, args: BROKER_ARGS });
      const afterCrash = await readPartition(restarted.port, 'crash', 0);
      assertCompactedView(afterCrash, written);
      await untilCompacted(restarted, 'crash', written);
      const leftovers = (await readdir(join(dataDir, 'topics', 'crash', '0'))).filter((n) =>
        /\.(cleaned|swap)$/.test(n),
      );
      assert.deepEqual(leftovers, [], 'no cleaned or swap file is left behind');
    } finally {
      await crashing.cleanup();
      await restarted?.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    }
  }
});

test('below the free-space floor the cleaner waits (its copy would eat the reserve); it cleans once there is room', async () => {
  const dataDir = await makeDataDir();
  const first = await startBroker({ dataDir, args: BROKER_ARGS });
  let full: BrokerProcess | null = null;
  let roomy: BrokerProcess | null = null;
  try {
    const kafka = new Kafka({ clientId: 'floor-writer', brokers: [first.bootstrap], logLevel: logLevel.NOTHING });
    const a = kafka.admin();
    await a.connect();
    await a.createTopics({
      topics: [{ topic: 'floor', numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '2048' }] }],
    });
    const p = kafka.producer();
    await p.connect();
    const written = await writeRounds(p, 'floor', 10, 8);
    await Promise.all([p.disconnect(), a.disconnect()]);
    await first.stop();

    // The same data, a floor of twice the free space: the disk counts as full from the first check.
    const { statfs } = await import('node:fs/promises');
    const s = await statfs(dataDir);
    full = await startBroker({
      dataDir,
      args: [...BROKER_ARGS, '--log-dir-min-free-bytes', String(2 * s.bavail * s.bsize)],
    });
    const fullKafka = new Kafka({ clientId: 'floor-admin', brokers: [full.bootstrap], logLevel: logLevel.NOTHING });
    const fa = fullKafka.admin();
    await fa.connect();
    await switchToCompact(fa, 'floor', 'compact');
    await fa.disconnect();
    await eventually(
      () => full!.logs.some((l) => l.includes('log cleaner paused')),
      'the cleaner to say it waits for space',
    );
    // Ten cleaner backoffs later the sealed segments still hold every record.
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(
      (await readPartition(full.port, 'floor', 0)).length,
      written.length,
      'nothing cleaned below the floor',
    );
    await full.stop();

    roomy = await startBroker({ dataDir, args: BROKER_ARGS });
    await untilCompacted(roomy, 'floor', written);
  } finally {
    await first.cleanup();
    await full?.cleanup();
    await roomy?.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  }
});
