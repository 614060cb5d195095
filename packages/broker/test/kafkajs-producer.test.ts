/** KafkaJS producer against a real broker: acks 0, 1 and -1, gzip, keys and headers read back byte for byte. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CompressionTypes, Kafka, logLevel, type Producer } from 'kafkajs';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { readPartition } from './support/read-back.ts';

let broker: BrokerProcess;
let kafka: Kafka;
let producer: Producer;
before(async () => {
  broker = await startBroker();
  kafka = new Kafka({ clientId: 'producer-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
});
after(async () => {
  await producer.disconnect();
  await broker.cleanup();
});

for (const acks of [-1, 1, 0]) {
  test(`acks=${acks}: every message is stored in order`, async () => {
    const topic = `acks${acks === -1 ? 'all' : acks}`;
    const messages = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: 0 }));
    const res = await producer.send({ topic, acks, messages });
    if (acks !== 0) {
      assert.equal(res[0]!.errorCode, 0);
      assert.equal(res[0]!.baseOffset, '0');
    }
    // acks=0 has no response: wait until the broker has appended before reading back.
    let records = await readPartition(broker.port, topic, 0);
    for (let i = 0; i < 50 && records.length < 50; i++) {
      await new Promise((r) => setTimeout(r, 50));
      records = await readPartition(broker.port, topic, 0);
    }
    assert.deepEqual(
      records.map((r) => [r.offset, r.key, r.value]),
      messages.map((m, i) => [BigInt(i), m.key, m.value]),
    );
  });
}

test('gzip batches are stored as sent and read back with headers and timestamps', async () => {
  const ts = Date.now() - 60_000;
  await producer.send({
    topic: 'gzipped',
    compression: CompressionTypes.GZIP,
    messages: [
      { key: 'a', value: 'first', headers: { trace: 'x1' }, timestamp: String(ts), partition: 0 },
      { key: 'b', value: 'second', headers: { trace: 'x2' }, timestamp: String(ts + 1), partition: 0 },
    ],
  });
  const records = await readPartition(broker.port, 'gzipped', 0);
  assert.equal(records.length, 2);
  assert.equal(records[0]!.value, 'first');
  assert.equal(records[0]!.headers.trace, 'x1');
  assert.equal(records[0]!.timestamp, BigInt(ts));
  assert.equal(records[1]!.key, 'b');
});

test('a batch larger than max.message.bytes is refused with MESSAGE_TOO_LARGE and nothing is stored', async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic: 'small-msgs', numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '1024' }] }],
  });
  await admin.disconnect();
  const big = kafka.producer({ retry: { retries: 0 } });
  await big.connect();
  await assert.rejects(
    big.send({ topic: 'small-msgs', messages: [{ value: 'x'.repeat(4096), partition: 0 }] }),
    (err: Error & { type?: string }) => err.type === 'MESSAGE_TOO_LARGE' || /too large/i.test(err.message),
  );
  await big.send({ topic: 'small-msgs', messages: [{ value: 'fits', partition: 0 }] });
  await big.disconnect();
  const records = await readPartition(broker.port, 'small-msgs', 0);
  assert.deepEqual(
    records.map((r) => r.value),
    ['fits'],
  );
});

test('message.timestamp.type=LogAppendTime stamps the broker time over the producer timestamp', async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      {
        topic: 'appended',
        numPartitions: 1,
        configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
      },
    ],
  });
  await admin.disconnect();
  const before = Date.now();
  await producer.send({ topic: 'appended', messages: [{ value: 'v', timestamp: '1000', partition: 0 }] });
  const [record] = await readPartition(broker.port, 'appended', 0);
  // With LogAppendTime the batch's max timestamp (what consumers report) is the append time.
  const consumerView = await new Promise<string>((resolve, reject) => {
    const consumer = kafka.consumer({ groupId: 'appended-reader', maxWaitTimeInMs: 200 });
    consumer
      .connect()
      .then(() => consumer.subscribe({ topic: 'appended', fromBeginning: true }))
      .then(() =>
        consumer.run({
          eachMessage: async ({ message }) => {
            resolve(message.timestamp);
            setImmediate(() => void consumer.disconnect());
          },
        }),
      )
      .catch(reject);
  });
  assert.ok(record, 'the record is stored');
  assert.ok(Number(consumerView) >= before, `consumers see the append time, not 1000 (got ${consumerView})`);
});
