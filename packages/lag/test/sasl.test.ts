/** The collector as the platform superuser over SASL/SCRAM against a broker that requires authentication. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { LagCollector } from '../src/collector.ts';
import { KafkaGroupAdmin, LATEST } from '@samsa/cluster';

const PASSWORD = 'lag-superuser-secret';
let broker: BrokerProcess;
before(async () => {
  broker = await startBroker({
    args: ['--auth', 'sasl', '--superuser-name', 'admin', '--superuser-password', PASSWORD],
  });
});
after(async () => {
  await broker.cleanup();
});

test('authenticates with SCRAM-SHA-256 and collects; a wrong password fails the pass instead of hanging', async () => {
  const good = new KafkaGroupAdmin({
    bootstrapBrokers: [broker.bootstrap],
    sasl: { mechanism: 'SCRAM-SHA-256', username: 'admin', password: PASSWORD },
  });
  try {
    const pass = await new LagCollector({ source: good }).collectOnce();
    assert.deepEqual(pass.evaluations, []);
  } finally {
    await good.close();
  }

  // ListOffsets is split into requests of at most maxPartitionsPerRequest partitions.
  const sasl = { mechanism: 'SCRAM-SHA-256' as const, username: 'admin', password: PASSWORD };
  const admin = new Admin({ clientId: 'setup', bootstrapBrokers: [broker.bootstrap], sasl });
  await admin.createTopics({ topics: ['five', 'two'], partitions: 5, replicas: 1 });
  await admin.close();
  const small = new KafkaGroupAdmin({ bootstrapBrokers: [broker.bootstrap], sasl, maxPartitionsPerRequest: 2 });
  try {
    const ends = await small.offsetsAt(
      new Map([
        ['five', [0, 1, 2, 3, 4]],
        ['two', [3, 4]],
      ]),
      LATEST,
    );
    assert.equal(ends.size, 7);
    assert.ok([...ends.values()].every((o) => o === 0));
  } finally {
    await small.close();
  }
  const bad = new KafkaGroupAdmin({
    bootstrapBrokers: [broker.bootstrap],
    sasl: { mechanism: 'SCRAM-SHA-256', username: 'admin', password: 'wrong-password' },
    requestTimeoutMs: 3000,
  });
  try {
    await assert.rejects(new LagCollector({ source: bad }).collectOnce());
  } finally {
    await bad.close().catch(() => {});
  }
});
