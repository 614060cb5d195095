/** Test support: a test database, a real broker with tenancy and a real registry process, torn down together. */
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { type TestKey, TenantFixtures } from '@samsa/test-support/tenants';
import { Kafka, logLevel } from 'kafkajs';
import { type RegistryProcess, startRegistry } from '@samsa/test-support/registry-process';

export interface RegistryHub {
  db: TestDatabase;
  fixtures: TenantFixtures;
  broker: BrokerProcess;
  registry: RegistryProcess;
  close(): Promise<void>;
}

export async function startRegistryHub(): Promise<RegistryHub> {
  const db = await createTestDatabase();
  const fixtures = new TenantFixtures(db.url);
  const broker = await startBroker({
    args: ['--database-url', db.url, '--group-initial-rebalance-delay-ms', '0'],
    env: { SAMSA_SUPERUSER_PASSWORD: 'registry-hub-test' },
  });
  const registry = await startRegistry(db.url);
  return {
    db,
    fixtures,
    broker,
    registry,
    async close() {
      await registry.stop();
      await broker.cleanup();
      await fixtures.close();
      await db.drop();
    },
  };
}

/** A KafkaJS client signed in with a tenant's key (SASL/PLAIN). */
export function tenantKafka(hub: RegistryHub, key: TestKey): Kafka {
  return new Kafka({
    clientId: `registry-test-${key.serviceAccount}`,
    brokers: [hub.broker.bootstrap],
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'plain', username: key.keyId, password: key.secret },
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
}

/** How long a key made just now may take to reach the broker (it learns new keys over LISTEN/NOTIFY). */
const KEY_PROPAGATION_TIMEOUT_MS = 15_000;

/** An admin client connected with a key the broker may not know yet: SASL refusals are retried until it does. */
async function connectedAdmin(kafka: Kafka) {
  const deadline = Date.now() + KEY_PROPAGATION_TIMEOUT_MS;
  for (;;) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      return admin;
    } catch (err) {
      if ((err as Error).name !== 'KafkaJSSASLAuthenticationError' || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Creates the tenant's topics (one partition each) as the tenant, once the broker accepts its key. */
export async function createTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = await connectedAdmin(kafka);
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
  await admin.disconnect();
}
