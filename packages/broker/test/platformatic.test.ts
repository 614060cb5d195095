/** @platformatic/kafka (flexible versions only: Produce v11, Fetch v17 with topic ids, JoinGroup v9...) end to end. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { type BrokerProcess, startBroker } from './support/broker-process.ts';
import { kcat } from './support/kcat.ts';

let broker: BrokerProcess;
before(async () => {
  broker = await startBroker({ args: ['--group-initial-rebalance-delay-ms', '0'] });
});
after(async () => {
  await broker.cleanup();
});

test('admin creates a topic; the producer writes; a group consumer reads and commits', async () => {
  const admin = new Admin({ clientId: 'pk-admin', bootstrapBrokers: [broker.bootstrap] });
  await admin.createTopics({ topics: ['pk-events'], partitions: 3, replicas: 1 });
  const meta = await admin.metadata({ topics: ['pk-events'] });
  assert.equal(meta.topics.get('pk-events')?.partitionsCount, 3);
  await admin.close();

  const producer = new Producer({
    clientId: 'pk-producer',
    bootstrapBrokers: [broker.bootstrap],
    serializers: stringSerializers,
  });
  await producer.send({
    messages: Array.from({ length: 30 }, (_, i) => ({
      topic: 'pk-events',
      key: `k${i}`,
      value: `v${i}`,
      headers: { n: String(i) },
    })),
  });
  await producer.close();

  const consumer = new Consumer({
    groupId: 'pk-group',
    clientId: 'pk-consumer',
    bootstrapBrokers: [broker.bootstrap],
    deserializers: stringDeserializers,
  });
  const stream = await consumer.consume({
    autocommit: false,
    topics: ['pk-events'],
    mode: 'earliest',
    sessionTimeout: 10000,
    heartbeatInterval: 500,
  });
  const values: string[] = [];
  for await (const message of stream) {
    values.push(message.value as string);
    await message.commit();
    if (values.length === 30) break;
  }
  await stream.close();
  await consumer.close();
  assert.deepEqual(values.sort(), Array.from({ length: 30 }, (_, i) => `v${i}`).sort());

  // What platformatic wrote is readable by librdkafka too, and its commits are visible.
  const viaKcat = await kcat(['-b', broker.bootstrap, '-C', '-t', 'pk-events', '-o', 'beginning', '-e', '-f', '%s\n']);
  assert.equal(viaKcat.stdout.trim().split('\n').length, 30);
});
