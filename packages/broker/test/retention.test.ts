/** Retention by time and by size deletes whole old segments in the background; ListOffsets reflects it. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { eventually } from '@samsa/test-support/eventually';

let broker: BrokerProcess;
let admin: Admin;
let producer: Producer;
before(async () => {
  // Tiny segments make retention visible quickly; the operator may lower the 1 MiB floor.
  broker = await startBroker({ args: ['--retention-check-interval-ms', '200', '--topic-min-segment-bytes', '1024'] });
  const kafka = new Kafka({ clientId: 'retention', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
});
after(async () => {
  await Promise.all([admin.disconnect(), producer.disconnect()]);
  await broker.cleanup();
});

async function lowWatermark(topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return Number(offsets[0]!.low);
}

test('retention.bytes deletes the oldest whole segments', async () => {
  await admin.createTopics({
    topics: [
      {
        topic: 'by-size',
        numPartitions: 1,
        configEntries: [
          { name: 'segment.bytes', value: '2048' },
          { name: 'retention.bytes', value: '4096' },
        ],
      },
    ],
  });
  for (let i = 0; i < 40; i++) {
    await producer.send({ topic: 'by-size', messages: [{ value: 'x'.repeat(400), partition: 0 }] });
  }
  // About 470 bytes a batch, four batches a 2 KiB segment: only the newest segments fit in 4 KiB.
  await eventually(async () => (await lowWatermark('by-size')) >= 28, 'size retention down to the last few segments');
  const offsets = await admin.fetchTopicOffsets('by-size');
  assert.equal(offsets[0]!.high, '40', 'the end offset does not move');
  assert.ok(Number(offsets[0]!.low) <= 36, 'the newest records are kept');
});

test('retention.ms deletes segments whose records are older than the limit', async () => {
  await admin.createTopics({
    topics: [
      {
        topic: 'by-time',
        numPartitions: 1,
        configEntries: [
          { name: 'segment.bytes', value: '1024' },
          { name: 'retention.ms', value: '60000' },
        ],
      },
    ],
  });
  const old = Date.now() - 3_600_000;
  for (let i = 0; i < 10; i++) {
    await producer.send({
      topic: 'by-time',
      messages: [{ value: 'o'.repeat(300), timestamp: String(old + i), partition: 0 }],
    });
  }
  for (let i = 0; i < 5; i++) {
    await producer.send({ topic: 'by-time', messages: [{ value: 'n'.repeat(300), partition: 0 }] });
  }
  await eventually(async () => (await lowWatermark('by-time')) >= 8, 'time retention');
  assert.ok((await lowWatermark('by-time')) <= 10, 'recent records are kept');
});
