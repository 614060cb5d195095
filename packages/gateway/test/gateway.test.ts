/**
 * Gateway mode against a real 3-node Apache Kafka cluster (KRaft, SASL/SCRAM, the StandardAuthorizer) and a real
 * Postgres: tenants and keys in Postgres are reconciled onto the cluster, then clients sign in to the gateway with
 * their Samsa keys and unprefixed names. KafkaJS and @platformatic/kafka produce (idempotent, acks=all) and consume
 * with groups; Kafka's own view shows the prefixed names; tenant `beta` cannot see or touch tenant `acme`'s topics or
 * groups through any API the gateway forwards; what the gateway does not rewrite is refused.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ClusterConnection } from '@samsa/cluster';
import { reconcileFromDb } from '@samsa/cluster/managed';
import { createDb, type Db } from '@samsa/db';
import { generateSecretKey, secretKeyFromEnv } from '@samsa/db/secret-box';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import {
  ApiVersions,
  CreateTopics,
  DeleteTopics,
  DescribeGroups,
  ErrorCode,
  Fetch,
  ListGroups,
  ListOffsets,
  Metadata,
  OffsetCommit,
  OffsetFetch,
  Produce,
} from '@samsa/protocol';
import { RawClient } from '@samsa/test-support/raw-client';
import { type TestKey, TenantFixtures } from '@samsa/test-support/tenants';
import { Kafka, logLevel } from 'kafkajs';
import { type Gateway, startGateway } from '../src/index.ts';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

const SUPERUSER = { name: 'admin', password: 'admin-secret' };
const secretsKey = secretKeyFromEnv({ SAMSA_SECRETS_KEY: generateSecretKey() });
let kafka: KafkaCluster;
let database: TestDatabase;
let db: Db;
let fixtures: TenantFixtures;
let gateway: Gateway;
let acmeKey: TestKey;
let betaKey: TestKey;
let unplacedKey: TestKey;
let acmeId: string;

before(
  async () => {
    if (skip) return;
    [kafka, database] = await Promise.all([
      startKafka({ nodes: 3, sasl: { superuser: SUPERUSER } }),
      createTestDatabase(),
    ]);
    db = createDb(database.url, { poolMax: 2 });
    fixtures = new TenantFixtures(database.url);
    acmeId = await fixtures.tenant('acme');
    acmeKey = await fixtures.key(acmeId, 'app', { secretsKey });
    await fixtures.admin(acmeId, 'app');
    const betaId = await fixtures.tenant('beta');
    betaKey = await fixtures.key(betaId, 'intruder', { secretsKey });
    await fixtures.admin(betaId, 'intruder');
    const connection: ClusterConnection = {
      bootstrapBrokers: kafka.saslBootstrap!.split(','),
      sasl: { mechanism: 'SCRAM-SHA-512', username: SUPERUSER.name, password: SUPERUSER.password },
      clientId: 'samsa-gateway-test',
      requestTimeoutMs: 10_000,
    };
    const report = await reconcileFromDb(db, connection, { secretsKey, actorEmail: 'operator@example.com' });
    assert.deepEqual(report.errors, []);
    // Made after the reconcile: its user is not on the cluster yet.
    unplacedKey = await fixtures.key(acmeId, 'late', { secretsKey });
    gateway = await startGateway({
      cluster: {
        bootstrap: kafka.saslBootstrap!.split(','),
        sasl: { mechanism: 'SCRAM-SHA-512', username: SUPERUSER.name, password: SUPERUSER.password },
      },
      databaseUrl: database.url,
      secretsKey,
      port: 0,
    });
  },
  { timeout: 240_000 },
);

after(async () => {
  await gateway?.close();
  await db?.$disconnect();
  await fixtures?.close();
  await kafka?.stop();
  await database?.drop();
});

function throughGateway(key: TestKey, mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512' = 'scram-sha-256') {
  return new Kafka({
    clientId: 'gateway-test',
    brokers: [gateway.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 200 },
    sasl: { mechanism, username: key.keyId, password: key.secret },
  } as ConstructorParameters<typeof Kafka>[0]);
}

/** Kafka's own view, as its super user, straight to the cluster. */
function direct() {
  return new Kafka({
    clientId: 'direct',
    brokers: kafka.saslBootstrap!.split(','),
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'scram-sha-512', username: SUPERUSER.name, password: SUPERUSER.password },
  });
}

async function rawAs(key: TestKey): Promise<RawClient> {
  const [host, port] = gateway.bootstrap.split(':');
  const c = await RawClient.connect(Number(port), host);
  await c.saslPlain(key.keyId, key.secret);
  return c;
}

test('KafkaJS produces idempotently with acks=all and consumes with a group through the gateway', {
  skip,
  timeout: 180_000,
}, async () => {
  const client = throughGateway(acmeKey);
  const admin = client.admin();
  await admin.connect();
  assert.equal(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3, replicationFactor: 3 }] }), true);
  assert.ok((await admin.listTopics()).includes('orders'));
  await admin.disconnect();

  const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const sent = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `order-${i}` }));
  await producer.send({ topic: 'orders', acks: -1, messages: sent });
  await producer.disconnect();

  const consumer = client.consumer({ groupId: 'workers' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'orders', fromBeginning: true });
  const received: string[] = [];
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ message }) => {
          received.push(message.value!.toString());
          if (received.length === sent.length) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  assert.deepEqual(received.sort(), sent.map((m) => m.value).sort());

  const kafkaAdmin = direct().admin();
  await kafkaAdmin.connect();
  const topics = await kafkaAdmin.listTopics();
  assert.ok(topics.includes('acme.orders'), `Kafka has acme.orders: ${topics.join(', ')}`);
  assert.ok(!topics.includes('orders'));
  const groups = (await kafkaAdmin.listGroups()).groups.map((g) => g.groupId);
  assert.ok(groups.includes('acme.workers'), `Kafka has acme.workers: ${groups.join(', ')}`);
  const offsets = await kafkaAdmin.fetchOffsets({ groupId: 'acme.workers', topics: ['acme.orders'] });
  const committed = offsets[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0);
  assert.equal(committed, sent.length, 'the group committed every record, under the prefixed names');
  await kafkaAdmin.disconnect();
});
