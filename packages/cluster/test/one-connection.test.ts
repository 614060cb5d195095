/**
 * The console process holds one superuser connection: the lag collector's group admin borrows the cluster admin's
 * client instead of opening its own, and closing the group admin (the collector stopping) leaves it open. Counted on
 * a real broker by its accepted-connections metric.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clusterConnectionFromEnv, KafkaClusterAdmin } from '@samsa/cluster';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';

let broker: BrokerProcess;

before(async () => {
  broker = await startBroker();
});
after(async () => {
  await broker?.cleanup();
});

async function acceptedConnections(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${broker.httpPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('samsa_connections_accepted_total'));
  assert.ok(line, 'the broker reports samsa_connections_accepted_total');
  return Number(line.split(' ').pop());
}

test("the lag collector's group admin uses the cluster admin's connection", async () => {
  const cluster = new KafkaClusterAdmin(
    clusterConnectionFromEnv({ SAMSA_BROKER_BOOTSTRAP: broker.bootstrap }, 'samsa-console'),
  );
  try {
    assert.deepEqual(await cluster.topicsWithPrefix('acme.'), []);
    const opened = await acceptedConnections();
    assert.ok(opened >= 1);

    const groups = cluster.groupAdmin();
    assert.equal(cluster.groupAdmin(), groups, 'one group admin per cluster admin');
    assert.deepEqual(await groups.listGroups(), []);
    assert.deepEqual(await groups.topicPartitions(['missing']), new Map());
    assert.equal(await acceptedConnections(), opened, 'no second superuser connection');

    // The collector stopping does not close the console's connection.
    await groups.close();
    assert.deepEqual(await cluster.topicsWithPrefix('acme.'), []);
    assert.equal(await acceptedConnections(), opened);
  } finally {
    await cluster.close();
  }
});
