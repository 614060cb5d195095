/**
 * The console's transaction calls (ListTransactions, DescribeTransactions, DescribeProducers, the fence by
 * InitProducerId) against Apache Kafka and against Samsa, with a real KafkaJS transactional producer: the open
 * transaction is listed and described alike; Kafka shows it in the partition's producers (Samsa too once it answers
 * DescribeProducers; until then the call says it is not supported); the fence bumps the epoch, aborts the
 * transaction and the old producer's commit is refused, as with Kafka's Admin.fenceProducers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KafkaClusterAdmin } from '@samsa/cluster';
import { createTopicsWithLeaders } from '@samsa/kafka-harness/create-topics';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { Kafka, logLevel, type Producer } from 'kafkajs';

const skip = kafkaSkipReason();
if (skip) console.log(`# Apache Kafka side skipped: ${skip}`);

let kafka: KafkaCluster | undefined;
let samsa: BrokerProcess;

before(async () => {
  [samsa, kafka] = await Promise.all([
    startBroker(),
    skip
      ? Promise.resolve(undefined)
      : startKafka({
          props: { 'offsets.topic.num.partitions': '1', 'transaction.state.log.num.partitions': '1' },
        }),
  ]);
});
after(async () => {
  await Promise.allSettled([samsa?.cleanup(), kafka?.stop()]);
});

function scenario(name: 'Samsa' | 'Apache Kafka', bootstrap: () => string) {
  describe(name, () => {
    let admin: KafkaClusterAdmin;
    let producer: Producer;
    before(async () => {
      admin = new KafkaClusterAdmin({
        bootstrapBrokers: [bootstrap()],
        clientId: 'txn-admin-test',
        requestTimeoutMs: 10_000,
      });
    });
    after(async () => {
      await producer?.disconnect().catch(() => undefined);
      await admin?.close();
    });

    test('an open transaction is listed, described, seen in its partition and fenced', {
      timeout: 120_000,
    }, async () => {
      const client = new Kafka({ clientId: 'txn-admin-test', brokers: [bootstrap()], logLevel: logLevel.NOTHING });
      const kadmin = client.admin();
      await kadmin.connect();
      await createTopicsWithLeaders(kadmin, [{ topic: 'orders', numPartitions: 2 }]);
      await kadmin.disconnect();
      producer = client.producer({ transactionalId: 'payments', maxInFlightRequests: 1, idempotent: true });
      await producer.connect();
      const txn = await producer.transaction();
      await txn.send({ topic: 'orders', messages: [{ partition: 1, key: 'k', value: 'v' }] });

      const { transactions, total } = await admin.transactions(null, 100);
      assert.equal(total, 1);
      const [t] = transactions;
      assert.equal(t?.transactionalId, 'payments');
      assert.equal(t?.state, 'Ongoing');
      assert.equal(t?.timeoutMs, 60_000, "KafkaJS's default transaction.timeout.ms");
      assert.deepEqual(t?.topics, [{ topic: 'orders', partitions: [1] }]);
      assert.ok(t.startTimeMs !== null && Math.abs(Date.now() - t.startTimeMs) < 60_000);

      const onPartitions = await admin.openTransactionsOnPartitions(null, [{ topic: 'orders', partitions: 2 }]);
      if (name === 'Apache Kafka') assert.ok(onPartitions, 'Kafka answers DescribeProducers');
      if (onPartitions) {
        assert.deepEqual(
          onPartitions.map((p) => [p.topic, p.partition, p.producerId, p.txnStartOffset]),
          [['orders', 1, t.producerId, 0]],
        );
      }

      assert.equal(await admin.describeTransaction(null, 'no-such-id'), null);
      const fenced = await admin.fenceTransactionalId(null, 'payments');
      assert.equal(fenced.producerId, t.producerId);
      assert.ok(fenced.producerEpoch > t.producerEpoch, 'the epoch was bumped');
      await assert.rejects(txn.commit(), 'the old producer is fenced');
      const after = await admin.describeTransaction(null, 'payments');
      assert.ok(after && !['Ongoing', 'PrepareAbort'].includes(after.state), `finished: ${after?.state}`);
      assert.equal(after.producerEpoch, fenced.producerEpoch);
      const left = await admin.openTransactionsOnPartitions(null, [{ topic: 'orders', partitions: 2 }]);
      if (left) assert.deepEqual(left, [], 'the abort markers closed it in the partition');
    });
  });
}

scenario('Samsa', () => samsa.bootstrap);
if (!skip) scenario('Apache Kafka', () => kafka!.bootstrap);
