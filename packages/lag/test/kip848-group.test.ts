/**
 * A KIP-848 consumer group (the broker assigns; DescribeGroups answers GROUP_ID_NOT_FOUND for it, as Kafka 4 does)
 * is described for the lag engine through ConsumerGroupDescribe: its state, its member and the partitions the broker
 * assigned to it, and its committed offsets, against a real broker process and @platformatic/kafka's consumer with
 * `groupProtocol: 'consumer'`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { type GroupDescription, KafkaGroupAdmin } from '@samsa/cluster';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { eventually } from '@samsa/test-support/eventually';

let broker: BrokerProcess;
before(async () => {
  broker = await startBroker({ args: ['--group-initial-rebalance-delay-ms', '0'] });
});
after(async () => {
  await broker?.cleanup();
});

test('a KIP-848 group: its member, the partitions the broker assigned and its committed offsets', async () => {
  const admin = new Admin({ clientId: 'kip848-admin', bootstrapBrokers: [broker.bootstrap] });
  await admin.createTopics({ topics: ['kip848-orders'], partitions: 3, replicas: 1 });
  await admin.close();
  const producer = new Producer({
    clientId: 'kip848-producer',
    bootstrapBrokers: [broker.bootstrap],
    serializers: stringSerializers,
  });
  await producer.send({
    messages: Array.from({ length: 30 }, (_, i) => ({ topic: 'kip848-orders', partition: i % 3, value: `v${i}` })),
  });
  await producer.close();

  const consumer = new Consumer({
    groupId: 'kip848-billing',
    clientId: 'kip848-consumer',
    bootstrapBrokers: [broker.bootstrap],
    deserializers: stringDeserializers,
    groupProtocol: 'consumer',
  });
  const source = new KafkaGroupAdmin({ bootstrapBrokers: [broker.bootstrap] });
  try {
    const stream = await consumer.consume({ autocommit: false, topics: ['kip848-orders'], mode: 'earliest' });
    let read = 0;
    for await (const message of stream) {
      await message.commit();
      if (++read === 30) break;
    }

    const listed = await source.listGroups();
    assert.deepEqual(
      listed.filter((g) => g.groupId === 'kip848-billing').map((g) => g.protocolType),
      ['consumer'],
    );
    // The broker assigns within a heartbeat: wait until the member holds every partition.
    let described: GroupDescription | undefined;
    await eventually(async () => {
      described = (await source.describeGroups(['kip848-billing'])).get('kip848-billing');
      return described?.members[0]?.assignments['kip848-orders']?.length === 3;
    }, 'the member to hold all three partitions');
    assert.ok(described);
    assert.equal(described.error, null);
    assert.equal(described.members.length, 1);
    assert.deepEqual(described.members[0]!.assignments, { 'kip848-orders': [0, 1, 2] });
    assert.equal(described.state, 'Stable');
    assert.equal(described.protocolType, 'consumer');
    assert.equal(described.members[0]!.clientId, 'kip848-consumer');

    const committed = (await source.committedOffsets(['kip848-billing'])).get('kip848-billing') ?? [];
    assert.deepEqual(committed.map((c) => [c.topic, c.partition, c.offset]).sort(), [
      ['kip848-orders', 0, 10],
      ['kip848-orders', 1, 10],
      ['kip848-orders', 2, 10],
    ]);
    await stream.close();
  } finally {
    await consumer.close();
    await source.close();
  }
});
