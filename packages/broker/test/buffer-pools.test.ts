/**
 * Fetch reads segment bytes into pooled buffers, reused once a response is written. A buffer reused too early would
 * hand a consumer another response's bytes: here consumers (one of them slow) read large batches over and over while
 * producers append, and concurrent producers write large batches; every record must be exactly what was produced.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Fetch } from '@samsa/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { BufferPool } from '../src/buffer-pool.ts';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { decodeBatches, readPartition } from './support/read-back.ts';
import { RawClient } from '@samsa/test-support/raw-client';

test('the pool reuses a released buffer, ignores foreign and repeated releases, and keeps idle memory bounded', () => {
  const pool = new BufferPool(256 * 1024);
  const a = pool.allocate(100_000);
  assert.equal(a.length, 100_000);
  pool.release(a.subarray(10, 20));
  pool.release(a); // a second release of the same memory is ignored
  const b = pool.allocate(120_000);
  assert.equal(b.buffer, a.buffer, 'the released memory is reused');
  const c = pool.allocate(120_000);
  assert.notEqual(c.buffer, b.buffer, 'never handed out twice at once');
  pool.release(Buffer.alloc(100_000)); // not from the pool: ignored
  pool.release(b);
  pool.release(c);
  assert.ok(pool.idleBytesNow <= 256 * 1024, 'idle buffers stay within the bound');
  const idle = pool.idleBytesNow;
  pool.release(pool.allocate(10));
  assert.equal(pool.idleBytesNow, idle, 'small reads are plain allocations, never pooled');
});

let broker: BrokerProcess;
before(async () => {
  broker = await startBroker();
});
after(async () => {
  await broker?.cleanup();
});

const expectedValue = (i: number) => `v${i}:`.padEnd(2000, String.fromCharCode(97 + (i % 26)));

test('consumers reading large batches concurrently while a producer appends see exactly what was produced', async () => {
  const kafka = new Kafka({ clientId: 'read-buffers', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  let produced = 0;
  // 40 records of 2 kB per batch: 80 kB batches, read into pooled buffers.
  const send = async () => {
    const messages = Array.from({ length: 40 }, (_, k) => ({ value: expectedValue(produced + k), partition: 0 }));
    await producer.send({ topic: 'pooled', messages });
    produced += messages.length;
  };
  for (let i = 0; i < 20; i++) await send();
  let writing = true;
  const writer = (async () => {
    while (writing) await send();
  })();
  const readAll = async () => {
    for (let round = 0; round < 3; round++) {
      const records = await readPartition(broker.port, 'pooled', 0);
      assert.ok(records.length >= 800, `read ${records.length} records`);
      records.forEach((r, i) => {
        assert.equal(r.offset, BigInt(i));
        if (r.value !== expectedValue(i))
          assert.fail(`offset ${i}: got ${r.value?.slice(0, 12)}…, not ${expectedValue(i).slice(0, 12)}…`);
      });
    }
  };
  try {
    await Promise.all([readAll(), readAll(), readAll(), readAll()]);
  } finally {
    writing = false;
    await writer;
    await producer.disconnect();
  }
  const final = await readPartition(broker.port, 'pooled', 0);
  assert.equal(final.length, produced);
  assert.ok(final.every((r, i) => r.value === expectedValue(i)));
});

test('a slow consumer still gets its own bytes while fast consumers reuse the pool', async () => {
  // Two partitions of about 20 MB each, with different contents; 16 MiB fetches use the largest pooled buffers.
  const kafka = new Kafka({ clientId: 'slow-reader', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'slow', numPartitions: 2 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const bigValue = (p: number, i: number) => `p${p}-${i}:`.padEnd(100_000, p === 0 ? 'a' : 'b');
  for (let i = 0; i < 200; i += 8) {
    for (const p of [0, 1]) {
      // 8 records of 100 kB: a batch under the 1 MiB max.message.bytes.
      const messages = Array.from({ length: 8 }, (_, k) => ({ value: bigValue(p, i + k), partition: p }));
      await producer.send({ topic: 'slow', acks: 1, messages });
    }
  }
  await producer.disconnect();
  const fetch16 = (partition: number) => ({
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 16 * 1024 * 1024,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: 'slow', partitions: [{ partition, fetchOffset: 0n, partitionMaxBytes: 16 * 1024 * 1024 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  // The slow consumer asks for partition 0 and stops reading: most of its 16 MiB answer waits in the broker.
  const slow = await RawClient.connect(broker.port);
  const slowAnswer = slow.request(Fetch, 11, fetch16(0));
  slow.pause();
  await new Promise((r) => setTimeout(r, 300));
  // Meanwhile fast consumers read partition 1 again and again through the same pool.
  for (let round = 0; round < 4; round++) {
    const fast = await RawClient.connect(broker.port);
    const res = (await fast.request(Fetch, 11, fetch16(1))) as any;
    fast.close();
    const records = decodeBatches(res.responses[0].partitions[0].records);
    assert.ok(records.length > 100 && records.every((r, i) => r.value === bigValue(1, i)));
  }
  slow.resume();
  const res = (await slowAnswer) as any;
  slow.close();
  const records = decodeBatches(res.responses[0].partitions[0].records);
  assert.ok(records.length > 100, `the slow consumer got ${records.length} records`);
  records.forEach((r, i) => {
    if (r.value !== bigValue(0, i))
      assert.fail(`offset ${i}: got ${r.value?.slice(0, 10)}…, expected ${bigValue(0, i).slice(0, 10)}…`);
  });
});

test('concurrent producers of large batches: every record is stored exactly as sent while frame buffers are reused', async () => {
  const kafka = new Kafka({ clientId: 'frames', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'frames', numPartitions: 4 }] });
  await admin.disconnect();
  // Each producer writes its own partition; 40 records of 2 kB make ~80 kB frames that span TCP chunks.
  const recordValue = (p: number, i: number) => `p${p}-${i}:`.padEnd(2000, String.fromCharCode(65 + p));
  const SENDS = 25;
  await Promise.all(
    [0, 1, 2, 3].map(async (p) => {
      const producer = kafka.producer();
      await producer.connect();
      for (let s = 0; s < SENDS; s++) {
        const messages = Array.from({ length: 40 }, (_, k) => ({ value: recordValue(p, s * 40 + k), partition: p }));
        await producer.send({ topic: 'frames', acks: p % 2 === 0 ? 1 : -1, messages });
      }
      await producer.disconnect();
    }),
  );
  for (const p of [0, 1, 2, 3]) {
    const records = await readPartition(broker.port, 'frames', p);
    assert.equal(records.length, SENDS * 40, `partition ${p}`);
    records.forEach((r, i) => {
      if (r.value !== recordValue(p, i)) assert.fail(`partition ${p} offset ${i}: got ${r.value?.slice(0, 12)}…`);
    });
  }
});
