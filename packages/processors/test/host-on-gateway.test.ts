/**
 * The processor host on a managed Apache Kafka cluster (one KRaft node, SASL/SCRAM, the StandardAuthorizer) through
 * the gateway, as `samsa start --cluster` runs it: the host signs in to the gateway as the platform superuser acting
 * for each processor (`tenant:<slug>/processor:<name>`), and the gateway reaches Kafka as its admin principal. A
 * tenant's key (placed by a reconcile) writes `orders` through the gateway; the processor writes `upper`; Kafka holds
 * both as `acme.orders` and `acme.upper`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ClusterConnection } from '@samsa/cluster';
import { reconcileFromDb } from '@samsa/cluster/managed';
import { createDb, type Db } from '@samsa/db';
import { generateSecretKey, secretKeyFromEnv } from '@samsa/db/secret-box';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { type Gateway, startGateway } from '@samsa/gateway';
import { createTopicsWithLeaders } from '@samsa/kafka-harness/create-topics';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import { eventually } from '@samsa/test-support/eventually';
import { TenantFixtures } from '@samsa/test-support/tenants';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { type RunningProcessorHost, startProcessorHost } from '../src/host/index.ts';
import { SOURCE_HEADER } from '../src/types.ts';
import {
  collect,
  createProcessor,
  header,
  produce,
  SUPERUSER,
  TEST_HOST_SETTINGS,
  type TestTenant,
} from './host-support.ts';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

/** Kafka's own super user: the gateway's admin principal, and how the test reads Kafka directly. */
const KAFKA_ADMIN = { name: 'kafka-admin', password: 'kafka-admin-secret' };
const secretsKey = secretKeyFromEnv({ SAMSA_SECRETS_KEY: generateSecretKey() });

let kafka: KafkaCluster;
let database: TestDatabase;
let prisma: Db;
let fx: TenantFixtures;
let gateway: Gateway;
let host: RunningProcessorHost;
let acme: TestTenant;

function direct() {
  return new Kafka({
    clientId: 'direct',
    brokers: kafka.saslBootstrap!.split(','),
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'scram-sha-512', username: KAFKA_ADMIN.name, password: KAFKA_ADMIN.password },
  });
}

before(
  async () => {
    if (skip) return;
    [kafka, database] = await Promise.all([startKafka({ sasl: { superuser: KAFKA_ADMIN } }), createTestDatabase()]);
    prisma = createDb(database.url, { poolMax: 3 });
    fx = new TenantFixtures(database.url);
    const id = await fx.tenant('acme');
    const key = await fx.key(id, 'acme-admin', { secretsKey });
    await fx.admin(id, 'acme-admin');
    const connection: ClusterConnection = {
      bootstrapBrokers: kafka.saslBootstrap!.split(','),
      sasl: { mechanism: 'SCRAM-SHA-512', username: KAFKA_ADMIN.name, password: KAFKA_ADMIN.password },
      clientId: 'processors-on-gateway-test',
      requestTimeoutMs: 10_000,
    };
    const report = await reconcileFromDb(prisma, connection, { secretsKey, actorEmail: 'operator@example.com' });
    assert.deepEqual(report.errors, []);
    gateway = await startGateway({
      cluster: { bootstrap: connection.bootstrapBrokers, sasl: connection.sasl! },
      databaseUrl: database.url,
      secretsKey,
      superuser: { name: SUPERUSER.username, password: SUPERUSER.password },
      port: 0,
      logger: pino({ level: 'warn' }),
    });
    acme = {
      id,
      slug: 'acme',
      key,
      kafka: new Kafka({
        clientId: 'acme-test',
        brokers: [gateway.bootstrap],
        logLevel: logLevel.NOTHING,
        sasl: { mechanism: 'scram-sha-256', username: key.keyId, password: key.secret },
        retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1_000 },
      }),
    };
    const admin = acme.kafka.admin();
    await admin.connect();
    await createTopicsWithLeaders(admin, [
      { topic: 'orders', numPartitions: 2 },
      { topic: 'upper', numPartitions: 1 },
    ]);
    await admin.disconnect();
    host = await startProcessorHost({
      databaseUrl: database.url,
      bootstrap: [gateway.bootstrap],
      superuser: SUPERUSER,
      secretsKey: null,
      schemaRegistry: null,
      logger: pino({ level: process.env.HOST_TEST_LOG ?? 'silent' }),
      settings: TEST_HOST_SETTINGS,
    });
  },
  { timeout: 240_000 },
);

after(async () => {
  await host?.stop();
  await gateway?.close();
  await prisma?.$disconnect();
  await fx?.close();
  await kafka?.stop();
  await database?.drop();
});

test('a processor moves records between two of the tenant’s topics on Kafka through the gateway', {
  skip,
  timeout: 180_000,
}, async () => {
  const processorId = await createProcessor({ prisma, fx }, acme, {
    name: 'upper',
    input: 'orders',
    outputs: ['upper'],
    source: `export default function (record) { return { value: String(record.value).toUpperCase() }; }`,
  });
  await produce(
    acme,
    'orders',
    ['a', 'b', 'c', 'd'].map((value, i) => ({ value, partition: i % 2 })),
  );
  const out = await collect(acme, ['upper']);
  try {
    await eventually(() => out.messages.length >= 4, 'the processor to write four records to upper', 90_000);
    assert.deepEqual(out.messages.map((m) => String(m.value)).sort(), ['A', 'B', 'C', 'D']);
    assert.ok(out.messages.every((m) => header(m, SOURCE_HEADER)?.startsWith(`${processorId}/1/`)));
  } finally {
    await out.stop();
  }
  // Kafka's own view: the cluster's names, four records in each.
  const admin = direct().admin();
  await admin.connect();
  try {
    const count = async (topic: string) =>
      (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    assert.deepEqual([await count('acme.orders'), await count('acme.upper')], [4, 4]);
  } finally {
    await admin.disconnect();
  }
  const status = await prisma.processor.findUniqueOrThrow({ where: { id: processorId } });
  assert.equal(status.status, 'RUNNING');
});
