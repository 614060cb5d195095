/** KafkaJS admin against a real broker: topics, partitions, configs, offsets, DeleteRecords. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';

let broker: BrokerProcess;
let admin: Admin;
let kafka: Kafka;
before(async () => {
  broker = await startBroker({ args: ['--auto-create-topics-enable', 'false'] });
  kafka = new Kafka({ clientId: 'admin-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
});
after(async () => {
  await admin.disconnect();
  await broker.cleanup();
});

test('create, list, describe and delete topics', async () => {
  assert.equal(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 4 }] }), true);
  assert.equal(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 4 }] }), false, 'already exists');
  assert.ok((await admin.listTopics()).includes('orders'));
  const meta = await admin.fetchTopicMetadata({ topics: ['orders'] });
  assert.equal(meta.topics[0]!.partitions.length, 4);
  await admin.deleteTopics({ topics: ['orders'] });
  assert.ok(!(await admin.listTopics()).includes('orders'));
});

test('invalid topic creations fail with the protocol errors', async () => {
  await assert.rejects(
    admin.createTopics({ topics: [{ topic: 'bad name!', numPartitions: 1 }] }),
    (err: Error & { errors?: { type: string }[] }) => err.errors?.[0]?.type === 'INVALID_TOPIC_EXCEPTION',
  );
  await assert.rejects(
    admin.createTopics({ topics: [{ topic: 'rf3', numPartitions: 1, replicationFactor: 3 }] }),
    (err: Error & { errors?: { type: string }[] }) => err.errors?.[0]?.type === 'INVALID_REPLICATION_FACTOR',
  );
  await assert.rejects(
    admin.createTopics({
      topics: [{ topic: 'shredded', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'shred' }] }],
    }),
    (err: Error & { errors?: { type: string }[] }) => err.errors?.[0]?.type === 'INVALID_CONFIG',
  );
});

test('create partitions raises the count and never lowers it', async () => {
  await admin.createTopics({ topics: [{ topic: 'growing', numPartitions: 2 }] });
  await admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 5 }] });
  const meta = await admin.fetchTopicMetadata({ topics: ['growing'] });
  assert.equal(meta.topics[0]!.partitions.length, 5);
  await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 3 }] }));
});

test('describe and alter topic configs', async () => {
  await admin.createTopics({
    topics: [{ topic: 'configured', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
  });
  const describe = async () => {
    const res = await admin.describeConfigs({ resources: [{ type: 2, name: 'configured' }], includeSynonyms: false });
    return Object.fromEntries(res.resources[0]!.configEntries.map((c) => [c.configName, c]));
  };
  let configs = await describe();
  assert.equal(configs['retention.ms']!.configValue, '3600000');
  assert.equal(configs['retention.ms']!.isDefault, false);
  assert.equal(configs['cleanup.policy']!.configValue, 'delete');
  assert.equal(configs['cleanup.policy']!.isDefault, true);

  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: 2, name: 'configured', configEntries: [{ name: 'max.message.bytes', value: '2048' }] }],
  });
  configs = await describe();
  assert.equal(configs['max.message.bytes']!.configValue, '2048');
  // AlterConfigs replaces the whole set: retention.ms is back to its default.
  assert.equal(configs['retention.ms']!.isDefault, true);

  await assert.rejects(
    admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: 'configured', configEntries: [{ name: 'retention.ms', value: 'soon' }] }],
    }),
  );
});

test('fetch topic offsets and delete records', async () => {
  await admin.createTopics({ topics: [{ topic: 'offsets', numPartitions: 2 }] });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: 'offsets',
    messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `v${i}` })),
  });
  await producer.disconnect();
  let offsets = await admin.fetchTopicOffsets('offsets');
  const p0 = offsets.find((o) => o.partition === 0)!;
  assert.equal(p0.low, '0');
  assert.equal(p0.high, '10');
  assert.equal(offsets.find((o) => o.partition === 1)!.high, '0');

  await admin.deleteTopicRecords({ topic: 'offsets', partitions: [{ partition: 0, offset: '6' }] });
  offsets = await admin.fetchTopicOffsets('offsets');
  assert.equal(offsets.find((o) => o.partition === 0)!.low, '6');
  assert.equal(offsets.find((o) => o.partition === 0)!.high, '10');
});
