/**
 * Durability with a real client and a real broker process: kill -9 mid-stream loses nothing acknowledged under
 * acks=all, and a torn tail left on disk is truncated at restart while new appends continue at the right offset.
 */
import assert from 'node:assert/strict';
import { appendFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { makeDataDir, startBroker } from '@samsa/test-support/broker-process';
import { readPartition } from './support/read-back.ts';

test('kill -9 during an acks=all stream loses no acknowledged message', async () => {
  const dataDir = await makeDataDir();
  let broker = await startBroker({ dataDir });
  const kafka = new Kafka({
    clientId: 'durability',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const acknowledged: string[] = [];
  let stop = false;
  const writers = Array.from({ length: 4 }, async (_, w) => {
    for (let i = 0; !stop; i++) {
      const value = `w${w}-m${i}`;
      try {
        await producer.send({ topic: 'durable', acks: -1, messages: [{ value, partition: 0 }] });
        acknowledged.push(value);
      } catch {
        return;
      }
    }
  });
  while (acknowledged.length < 200) await new Promise((r) => setTimeout(r, 10));
  await broker.kill9();
  stop = true;
  await Promise.all(writers);
  await producer.disconnect().catch(() => {});

  broker = await startBroker({ dataDir });
  try {
    const stored = new Set((await readPartition(broker.port, 'durable', 0)).map((r) => r.value));
    const lost = acknowledged.filter((v) => !stored.has(v));
    assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged messages lost`);
  } finally {
    await broker.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a torn tail is truncated on restart and appends continue after the last whole batch', async () => {
  const dataDir = await makeDataDir();
  let broker = await startBroker({ dataDir });
  const send = async (port: number, values: string[]) => {
    const kafka = new Kafka({ clientId: 'torn', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    for (const value of values) await producer.send({ topic: 'torn', acks: -1, messages: [{ value, partition: 0 }] });
    await producer.disconnect();
  };
  await send(broker.port, ['a', 'b', 'c']);
  await broker.kill9();

  // Simulate a crash in the middle of writing a batch: half a batch header of garbage at the end of the segment.
  const partitionDir = join(dataDir, 'topics', 'torn', '0');
  const segments = (await readdir(partitionDir)).filter((f) => f.endsWith('.log')).sort();
  await appendFile(
    join(partitionDir, segments[segments.length - 1]!),
    Buffer.from('0000000000000003000000ff00', 'hex'),
  );

  broker = await startBroker({ dataDir });
  try {
    await send(broker.port, ['d']);
    const records = await readPartition(broker.port, 'torn', 0);
    assert.deepEqual(
      records.map((r) => [r.offset, r.value]),
      [
        [0n, 'a'],
        [1n, 'b'],
        [2n, 'c'],
        [3n, 'd'],
      ],
    );
  } finally {
    await broker.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  }
});
