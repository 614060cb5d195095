/**
 * Managed mode on a 3-node Apache Kafka cluster (KRaft, SASL/SCRAM, the StandardAuthorizer): what one reconcile
 * places through one broker reaches every broker (Kafka forwards the changes to its controller and every broker reads
 * them from the metadata log), so a tenant's key signs in at each node and writes acks=all to a topic replicated three
 * times, with the prefixed name its ACL allows.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ClusterConnection } from '@samsa/cluster';
import { reconcileFromDb } from '@samsa/cluster/managed';
import { createDb, type Db } from '@samsa/db';
import { generateSecretKey, secretKeyFromEnv } from '@samsa/db/secret-box';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { createTopicsWithLeaders } from '@samsa/kafka-harness/create-topics';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import { eventually } from '@samsa/test-support/eventually';
import { type TestKey, TenantFixtures } from '@samsa/test-support/tenants';
import { Kafka, logLevel } from 'kafkajs';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

const SUPERUSER = { name: 'admin', password: 'admin-secret' };
const secretsKey = secretKeyFromEnv({ SAMSA_SECRETS_KEY: generateSecretKey() });
let kafka: KafkaCluster;
let database: TestDatabase;
let db: Db;
let fixtures: TenantFixtures;
let key: TestKey;

before(
  async () => {
    if (skip) return;
    [kafka, database] = await Promise.all([
      startKafka({ nodes: 3, sasl: { superuser: SUPERUSER } }),
      createTestDatabase(),
    ]);
    db = createDb(database.url, { poolMax: 2 });
    fixtures = new TenantFixtures(database.url);
    const acme = await fixtures.tenant('acme');
    key = await fixtures.key(acme, 'app', { secretsKey });
    await fixtures.acl(acme, 'User:app', 'TOPIC', '*', 'ALL');
  },
  { timeout: 240_000 },
);

after(async () => {
  await db?.$disconnect();
  await fixtures?.close();
  await kafka?.stop();
  await database?.drop();
});

test("one reconcile through one broker: the tenant's key signs in at every node and writes to a 3-replica topic", {
  skip,
  timeout: 240_000,
}, async () => {
  const [first, ...others] = kafka.saslBootstrap!.split(',');
  const connection: ClusterConnection = {
    bootstrapBrokers: [first!],
    sasl: { mechanism: 'SCRAM-SHA-512', username: SUPERUSER.name, password: SUPERUSER.password },
    clientId: 'samsa-reconcile-test',
    requestTimeoutMs: 10_000,
  };
  const report = await reconcileFromDb(db, connection, { secretsKey, actorEmail: 'operator@example.com' });
  assert.deepEqual(report.errors, []);
  assert.equal(report.created.length, 3, 'two credentials and one ACL');

  const as = (broker: string) =>
    new Kafka({
      brokers: [broker],
      logLevel: logLevel.NOTHING,
      retry: { retries: 5, initialRetryTime: 200 },
      sasl: { mechanism: 'scram-sha-256', username: `samsa.acme.${key.keyId}`, password: key.secret },
    });
  for (const broker of [first!, ...others]) {
    const admin = as(broker).admin();
    await eventually(
      () =>
        admin.connect().then(
          () => true,
          () => false,
        ),
      `the key signing in at ${broker}`,
      30_000,
    );
    await admin.disconnect();
  }
  const admin = as(others.at(-1)!).admin();
  await admin.connect();
  try {
    await createTopicsWithLeaders(admin, [{ topic: 'acme.orders', replicationFactor: 3 }]);
    const producer = as(others[0]!).producer();
    await producer.connect();
    const [sent] = await producer.send({ topic: 'acme.orders', acks: -1, messages: [{ value: 'replicated' }] });
    await producer.disconnect();
    assert.equal(sent?.errorCode, 0);
    const offsets = await admin.fetchTopicOffsets('acme.orders');
    assert.equal(offsets[0]?.high, '1');
  } finally {
    await admin.disconnect();
  }
});
