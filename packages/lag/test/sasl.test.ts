/** The collector as the platform superuser over SASL/SCRAM against a broker that requires authentication. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type BrokerProcess, startBroker } from '../../broker/test/support/broker-process.ts';
import { LagCollector } from '../src/collector.ts';
import { KafkaGroupAdmin } from '../src/kafka-admin.ts';

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
