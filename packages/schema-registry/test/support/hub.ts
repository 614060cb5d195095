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

/** Creates the tenant's topics (one partition each) as the tenant. */
export async function createTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
  await admin.disconnect();
}
