/**
 * The hub's own clients through the gateway, against a real Apache Kafka (one KRaft node, SASL/SCRAM, the
 * StandardAuthorizer) and a real Postgres: the console's `KafkaClusterAdmin` (its `TenantClients` acting for a tenant
 * with the authorization id `tenant:<slug>`, and its platform-level admin), and the lag collector, all signed in as
 * Samsa's platform superuser exactly as they sign in to Samsa's broker. Kafka holds the tenant's names prefixed; the
 * lag the collector reads through the gateway is what Kafka's `kafka-consumer-groups --describe` prints; a wrong
 * superuser password is refused, and a tenant's key cannot name an authorization id to act as another tenant.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import {
  type ClusterConnection,
  isSignInRefused,
  KafkaClusterAdmin,
  KafkaGroupAdmin,
  scramWithAuthzid,
  TenantClients,
  tenantClientSettingsSchema,
} from '@samsa/cluster';
import { generateSecretKey, secretKeyFromEnv } from '@samsa/db/secret-box';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { writeSaslClientProperties } from '@samsa/kafka-harness/client-properties';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { runJava } from '@samsa/kafka-harness/java';
import { type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import { LagCollector } from '@samsa/lag';
import { DescribeLogDirs, ErrorCode, SaslAuthenticate, SaslHandshake } from '@samsa/protocol';
import { eventually } from '@samsa/test-support/eventually';
import { RawClient } from '@samsa/test-support/raw-client';
import { type TestKey, TenantFixtures } from '@samsa/test-support/tenants';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { type Gateway, startGateway } from '../src/index.ts';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

/** Kafka's own super user: the gateway's admin principal, and how the test reads Kafka directly. */
const KAFKA_ADMIN = { name: 'admin', password: 'admin-secret' };
/** Samsa's platform superuser (the broker's --superuser-name / SAMSA_SUPERUSER_PASSWORD): unknown to Kafka. */
const PLATFORM = { name: 'samsa-platform', password: 'platform-secret' };
const secretsKey = secretKeyFromEnv({ SAMSA_SECRETS_KEY: generateSecretKey() });
const ORDERS = { tenantSlug: 'acme', topic: 'orders', brokerName: 'acme.orders' };

let kafka: KafkaCluster;
let database: TestDatabase;
let fixtures: TenantFixtures;
let gateway: Gateway;
let acmeKey: TestKey;
let console_: KafkaClusterAdmin;
let commandConfig: string;

before(
  async () => {
    if (skip) return;
    [kafka, database] = await Promise.all([startKafka({ sasl: { superuser: KAFKA_ADMIN } }), createTestDatabase()]);
    fixtures = new TenantFixtures(database.url);
    const acmeId = await fixtures.tenant('acme');
    acmeKey = await fixtures.key(acmeId, 'app', { secretsKey });
    await fixtures.tenant('globex');
    gateway = await startGateway({
      cluster: {
        bootstrap: kafka.saslBootstrap!.split(','),
        sasl: { mechanism: 'SCRAM-SHA-512', username: KAFKA_ADMIN.name, password: KAFKA_ADMIN.password },
      },
      databaseUrl: database.url,
      secretsKey,
      superuser: PLATFORM,
      port: 0,
      logger: pino({ level: 'warn' }),
    });
    console_ = new KafkaClusterAdmin(platformConnection());
    commandConfig = join(tmpdir(), `gateway-platform-${process.pid}.properties`);
    await writeSaslClientProperties(commandConfig, {
      mechanism: 'SCRAM-SHA-512',
      username: KAFKA_ADMIN.name,
      password: KAFKA_ADMIN.password,
    });
  },
  { timeout: 240_000 },
);

after(async () => {
  await console_?.close();
  await gateway?.close();
  await fixtures?.close();
  await kafka?.stop();
  await database?.drop();
  if (commandConfig) await rm(commandConfig, { force: true });
});

/** How the console and the lag collector connect: the gateway as bootstrap, Samsa's superuser. */
function platformConnection(password = PLATFORM.password): ClusterConnection {
  return {
    bootstrapBrokers: [gateway.bootstrap],
    sasl: { mechanism: 'SCRAM-SHA-512', username: PLATFORM.name, password },
    clientId: 'samsa-console',
    requestTimeoutMs: 10_000,
  };
}

/** A raw connection to the gateway as the platform superuser acting for `slug` (PLAIN with an authorization id). */
async function rawActingFor(slug: string): Promise<RawClient> {
  const [host, port] = gateway.bootstrap.split(':');
  const raw = await RawClient.connect(Number(port), host);
  assert.equal((await raw.request(SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode, ErrorCode.NONE);
  const auth = await raw.request(SaslAuthenticate, 2, {
    authBytes: Buffer.from(`tenant:${slug}\0${PLATFORM.name}\0${PLATFORM.password}`),
  });
  assert.equal(auth.errorCode, ErrorCode.NONE, String(auth.errorMessage));
  return raw;
}

/** Kafka's own view, as its super user, straight to the cluster. */
function direct() {
  return new Kafka({
    clientId: 'direct',
    brokers: kafka.saslBootstrap!.split(','),
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'scram-sha-512', username: KAFKA_ADMIN.name, password: KAFKA_ADMIN.password },
  });
}

async function kafkaTopics(): Promise<string[]> {
  const admin = direct().admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
  } finally {
    await admin.disconnect();
  }
}

test('the console acting for a tenant creates, produces and fetches with unprefixed names; Kafka holds acme.orders', {
  skip,
  timeout: 120_000,
}, async () => {
  const { topicId } = await console_.createTopic(ORDERS, 2, { 'retention.ms': '86400000' });
  assert.notEqual(topicId, '');
  assert.deepEqual(await kafkaTopics(), ['acme.orders']);
  for (let i = 0; i < 6; i++) {
    const at = await console_.produceAs(ORDERS, { partition: i % 2, key: `k${i}`, value: `v${i}` });
    assert.deepEqual(at, { partition: i % 2, offset: Math.floor(i / 2) });
  }
  // The tenant's own admin (authorization id tenant:acme) names its topics without the prefix.
  const tenants = new TenantClients(
    () => ({
      clientId: 'tenant-view',
      bootstrapBrokers: [gateway.bootstrap],
      sasl: { mechanism: 'SCRAM-SHA-512', username: PLATFORM.name, password: PLATFORM.password },
    }),
    tenantClientSettingsSchema.parse({}),
  );
  try {
    assert.deepEqual(await tenants.admin('acme').listTopics(), ['orders']);
    assert.deepEqual(await tenants.admin('globex').listTopics(), []);
    // Partition sizes (DescribeLogDirs): the tenant's own topics by their names, and nothing of acme's for globex.
    const dirs = await tenants.admin('acme').describeLogDirs({ topics: [{ name: 'orders', partitions: [0, 1] }] });
    assert.deepEqual(
      dirs.flatMap((b) => b.results.flatMap((d) => d.topics.map((t) => [t.name, t.partitions.length]))),
      [['orders', 2]],
    );
    const others = await tenants
      .admin('globex')
      .describeLogDirs({ topics: [{ name: 'acme.orders', partitions: [0] }] });
    assert.deepEqual(
      others.flatMap((b) => b.results.flatMap((d) => d.topics)),
      [],
    );
  } finally {
    await tenants.closeAll();
  }
  // DescribeLogDirs for every topic (null), raw, as the superuser acting for each tenant: only its own topics.
  for (const [slug, expected] of [
    ['acme', ['orders']],
    ['globex', []],
  ] as const) {
    const raw = await rawActingFor(slug);
    try {
      const res = await raw.request(DescribeLogDirs, 1, { topics: null });
      const names = (res.results as { logDir: string; topics: { name: string }[] }[]).flatMap((d) => {
        assert.equal(d.logDir, '', 'no disk path for a tenant');
        return d.topics.map((t) => t.name);
      });
      assert.deepEqual(names, expected, slug);
    } finally {
      raw.close();
    }
  }
  // The console's platform view: every tenant's topics, prefixed, with the cluster's offsets and configs.
  assert.deepEqual(
    (await console_.topicsWithPrefix('acme.')).map((t) => [t.brokerName, t.topicId, t.partitions]),
    [['acme.orders', topicId, 2]],
  );
  const described = await console_.describeTopic('acme.orders');
  assert.equal(described?.messages, 6);
  assert.ok((described?.sizeBytes ?? 0) > 0, 'partition sizes are read through the gateway (DescribeLogDirs)');
  assert.equal(described?.configs['retention.ms'], '86400000');
  // The message browser (platform view) and the search's fetch as the tenant (by topic id) read the same records.
  const browsed = await console_.readMessages('acme.orders', 1, { offset: 0 }, 10);
  assert.deepEqual(
    browsed.messages.map((m) => m.value?.toString()),
    ['v1', 'v3', 'v5'],
  );
  const ranges = await console_.partitionRanges('acme.orders', []);
  const fetched = await console_.fetchAs(ORDERS, {
    topicId: ranges!.topicId,
    partition: 0,
    leader: ranges!.partitions[0]!.leader,
    offset: 0,
    maxBytes: 1_048_576,
  });
  assert.deepEqual(
    fetched.records.map((m) => [m.key?.toString(), m.value?.toString()]),
    [
      ['k0', 'v0'],
      ['k2', 'v2'],
      ['k4', 'v4'],
    ],
  );
  assert.equal(fetched.highWatermark, 3);
});

test("the lag collector through the gateway reports what Kafka's kafka-consumer-groups --describe prints", {
  skip,
  timeout: 120_000,
}, async () => {
  // A group that committed behind the end (directly on Kafka, with the cluster's names).
  const admin = direct().admin();
  await admin.connect();
  try {
    await admin.setOffsets({
      groupId: 'acme.billing',
      topic: 'acme.orders',
      partitions: [
        { partition: 0, offset: '1' },
        { partition: 1, offset: '2' },
      ],
    });
  } finally {
    await admin.disconnect();
  }
  const source = new KafkaGroupAdmin({ bootstrapBrokers: [gateway.bootstrap], sasl: platformConnection().sasl! });
  try {
    const collector = new LagCollector({ source, includeGroup: (g) => g.groupId === 'acme.billing' });
    await collector.collectOnce();
    const samsa = (collector.snapshot('acme.billing')?.partitions ?? []).map((p) => [
      p.partition,
      p.committedOffset,
      p.logEndOffset,
      p.lag,
    ]);
    const r = await runJava('org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', [
      '--bootstrap-server',
      kafka.saslBootstrap!,
      '--command-config',
      commandConfig,
      '--describe',
      '--group',
      'acme.billing',
    ]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const printed = r.stdout
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols[1] === 'acme.orders')
      .map(([, , partition, current, logEnd, lag]) => [Number(partition), Number(current), Number(logEnd), Number(lag)])
      .sort((a, b) => a[0]! - b[0]!);
    assert.deepEqual(printed, [
      [0, 1, 3, 2],
      [1, 2, 3, 1],
    ]);
    assert.deepEqual(samsa, printed);
    assert.equal(collector.evaluator.get('acme.billing')?.totalLag, 3);
  } finally {
    await source.close();
  }
});

test("the console's transactions page reads Kafka's transactions through the gateway, each tenant its own", {
  skip,
  timeout: 120_000,
}, async () => {
  // A transaction left open on acme.orders partition 0 and one committed, written directly on Kafka (managed mode:
  // a tenant's client with its prefixed transactional id).
  const client = direct();
  const open = client.producer({ transactionalId: 'acme.tx-open', maxInFlightRequests: 1, idempotent: true });
  const done = client.producer({ transactionalId: 'acme.tx-done', maxInFlightRequests: 1, idempotent: true });
  await Promise.all([open.connect(), done.connect()]);
  try {
    const openTxn = await open.transaction();
    await openTxn.send({ topic: 'acme.orders', messages: [{ partition: 0, value: 'pending' }] });
    const doneTxn = await done.transaction();
    await doneTxn.send({ topic: 'acme.orders', messages: [{ partition: 1, value: 'committed' }] });
    await doneTxn.commit();
    // EndTxn answers once Kafka has logged PrepareCommit; it writes the markers and moves to CompleteCommit after.
    await eventually(
      async () =>
        (await console_.transactions('acme', 10)).transactions.some(
          (t) => t.transactionalId === 'tx-done' && t.state === 'CompleteCommit',
        ),
      'Kafka to complete the commit of tx-done',
    );

    const listed = await console_.transactions('acme', 10);
    // In id order: the page's own order among these two depends on when Kafka started each.
    assert.deepEqual(
      listed.transactions
        .map((t) => [t.transactionalId, t.state, t.topics])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        ['tx-done', 'CompleteCommit', []],
        ['tx-open', 'Ongoing', [{ topic: 'orders', partitions: [0] }]],
      ],
    );
    assert.equal(listed.total, 2);
    assert.deepEqual((await console_.transactions('globex', 10)).transactions, []);
    // The platform view names them as Kafka does.
    assert.deepEqual((await console_.transactions(null, 10)).transactions.map((t) => t.transactionalId).sort(), [
      'acme.tx-done',
      'acme.tx-open',
    ]);
    assert.equal((await console_.describeTransaction('acme', 'tx-open'))?.state, 'Ongoing');
    // Which partitions hold an open transaction (DescribeProducers), with the tenant's names.
    const pending = await console_.openTransactionsOnPartitions('acme', [{ topic: 'orders', partitions: 2 }]);
    assert.deepEqual(
      pending?.map((p) => [p.topic, p.partition]),
      [['orders', 0]],
    );
    await openTxn.abort();
  } finally {
    await Promise.all([open.disconnect(), done.disconnect()]);
  }
});

test('a wrong superuser password is refused; a tenant key cannot name an authorization id', {
  skip,
  timeout: 60_000,
}, async () => {
  const wrong = new KafkaClusterAdmin(platformConnection('not-the-password'));
  try {
    await assert.rejects(wrong.topicsWithPrefix(''), /authentication|SASL|sign-in|refused/i);
  } finally {
    await wrong.close();
  }
  // acme's key asking to act as globex (and as its own tenant: only the superuser may name one at all).
  for (const authzid of ['tenant:globex', 'tenant:acme']) {
    const admin = new Admin({
      clientId: 'impostor',
      bootstrapBrokers: [gateway.bootstrap],
      retries: 0,
      sasl: {
        mechanism: 'SCRAM-SHA-512',
        username: acmeKey.keyId,
        password: acmeKey.secret,
        authenticate: scramWithAuthzid(authzid),
      },
    });
    try {
      const err = await admin.listTopics().then(
        () => null,
        (e) => e,
      );
      assert.ok(err && isSignInRefused(err), `${authzid}: ${err}`);
    } finally {
      await admin.close();
    }
    // The same over PLAIN (authzid NUL username NUL password), read raw: the gateway says why.
    const [host, port] = gateway.bootstrap.split(':');
    const raw = await RawClient.connect(Number(port), host);
    try {
      assert.equal((await raw.request(SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode, ErrorCode.NONE);
      const auth = await raw.request(SaslAuthenticate, 2, {
        authBytes: Buffer.from(`${authzid}\0${acmeKey.keyId}\0${acmeKey.secret}`),
      });
      assert.equal(auth.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
      assert.match(String(auth.errorMessage), /only the platform superuser may ask for an authorization id/);
      assert.ok(await raw.waitClosed(), 'the connection is closed');
    } finally {
      raw.close();
    }
  }
});
