/** @platformatic/kafka (flexible versions only: Produce v11, Fetch v17 with topic ids, JoinGroup v9...) end to end. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { kcat } from '@samsa/test-support/kcat';

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

test('DescribeLogDirs: admin tools see each partition size on disk, which grows with what is produced', async () => {
  const admin = new Admin({ clientId: 'pk-logdirs', bootstrapBrokers: [broker.bootstrap] });
  try {
    await admin.createTopics({ topics: ['pk-sized'], partitions: 2, replicas: 1 });
    const sizes = async (): Promise<Map<number, bigint>> => {
      const [description] = await admin.describeLogDirs({ topics: [{ name: 'pk-sized', partitions: [0, 1] }] });
      const dir = description?.results[0];
      assert.equal(dir?.logDir, broker.dataDir, 'the superuser (auth off) sees the real log directory');
      assert.ok(dir && dir.totalBytes > 0n && dir.usableBytes > 0n, 'volume sizes are reported');
      const topic = dir.topics.find((t) => t.name === 'pk-sized');
      return new Map((topic?.partitions ?? []).map((p) => [p.partitionIndex, p.partitionSize]));
    };
    const before = await sizes();
    assert.deepEqual([...before.keys()].sort(), [0, 1]);
    assert.equal(before.get(0), 0n);

    const producer = new Producer({
      clientId: 'pk-sizer',
      bootstrapBrokers: [broker.bootstrap],
      serializers: stringSerializers,
    });
    await producer.send({
      messages: Array.from({ length: 20 }, (_, i) => ({ topic: 'pk-sized', partition: 0, value: 'x'.repeat(500) + i })),
    });
    await producer.close();
    const after = await sizes();
    assert.ok(after.get(0)! > 10_000n, `partition 0 holds about 10 kB now (got ${after.get(0)})`);
    assert.equal(after.get(1), 0n, 'the other partition is still empty');
  } finally {
    await admin.close();
  }
});
