/**
 * Gateway mode against a real 3-node Apache Kafka cluster (KRaft, SASL/SCRAM, the StandardAuthorizer) and a real
 * Postgres: tenants and keys in Postgres are reconciled onto the cluster, then clients sign in to the gateway with
 * their Samsa keys and unprefixed names. KafkaJS and @platformatic/kafka produce (idempotent, acks=all) and consume
 * with groups; Kafka's own view shows the prefixed names; tenant `beta` cannot see or touch tenant `acme`'s topics or
 * groups through any API the gateway forwards; what the gateway does not rewrite is refused.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createDb, type Db } from '@samsa/db';
import { generateSecretKey, secretKeyFromEnv } from '@samsa/db/secret-box';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import {
  AddOffsetsToTxn,
  AddPartitionsToTxn,
  ApiVersions,
  CreateTopics,
  decodeConsumerAssignment,
  DeleteTopics,
  DescribeGroups,
  DescribeTransactions,
  EndTxn,
  encodeBatch,
  ErrorCode,
  Fetch,
  FindCoordinator,
  ListGroups,
  ListOffsets,
  Metadata,
  OffsetCommit,
  OffsetFetch,
  Produce,
  TxnOffsetCommit,
} from '@samsa/protocol';
import { eventually } from '@samsa/test-support/eventually';
import { consumeValues } from '@samsa/test-support/kafkajs-values';
import { RawClient } from '@samsa/test-support/raw-client';
import { type TestKey, TenantFixtures } from '@samsa/test-support/tenants';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { reconcileTenants } from './support/reconcile.ts';
import { type Gateway, type GatewayOptions, startGateway } from '../src/index.ts';

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
let tempKey: TestKey;
let gammaKey: TestKey;
let gammaId: string;
let acmeId: string;
/** Tenants whose topic and partition quotas (capped), or storage quota (filled), the gateway enforces. */
let cappedKey: TestKey;
let filledKey: TestKey;
const STORAGE_QUOTA_BYTES = 4096;

before(
  async () => {
    if (skip) return;
    [kafka, database] = await Promise.all([
      startKafka({
        nodes: 3,
        sasl: { superuser: SUPERUSER },
        // One offsets (and transaction state) partition: the first group's (transaction's) coordinator is ready in a
        // moment rather than after 50 are made.
        props: {
          'offsets.topic.num.partitions': '1',
          'transaction.state.log.num.partitions': '1',
          'group.initial.rebalance.delay.ms': '0',
        },
      }),
      createTestDatabase(),
    ]);
    db = createDb(database.url, { poolMax: 2 });
    fixtures = new TenantFixtures(database.url);
    acmeId = await fixtures.tenant('acme');
    acmeKey = await fixtures.key(acmeId, 'app', { secretsKey });
    await fixtures.admin(acmeId, 'app');
    tempKey = await fixtures.key(acmeId, 'app', { secretsKey });
    const betaId = await fixtures.tenant('beta');
    betaKey = await fixtures.key(betaId, 'intruder', { secretsKey });
    await fixtures.admin(betaId, 'intruder');
    gammaId = await fixtures.tenant('gamma');
    gammaKey = await fixtures.key(gammaId, 'loader', { secretsKey });
    await fixtures.admin(gammaId, 'loader');
    const cappedId = await fixtures.tenant('capped', { maxTopics: 2, maxPartitions: 4 });
    cappedKey = await fixtures.key(cappedId, 'app', { secretsKey });
    await fixtures.admin(cappedId, 'app');
    const filledId = await fixtures.tenant('filled', { storageBytes: STORAGE_QUOTA_BYTES });
    filledKey = await fixtures.key(filledId, 'app', { secretsKey });
    await fixtures.admin(filledId, 'app');
    await reconcileTenants(db, { saslBootstrap: kafka.saslBootstrap!, superuser: SUPERUSER, secretsKey });
    // Made after the reconcile: its user is not on the cluster yet.
    unplacedKey = await fixtures.key(acmeId, 'late', { secretsKey });
    gateway = await startTestGateway({ logger: pino({ level: 'warn' }) });
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

/** A gateway in front of the test cluster and Postgres, with `options` of its own. */
function startTestGateway(options: Partial<GatewayOptions>): Promise<Gateway> {
  return startGateway({
    cluster: {
      bootstrap: kafka.saslBootstrap!.split(','),
      sasl: { mechanism: 'SCRAM-SHA-512', username: SUPERUSER.name, password: SUPERUSER.password },
    },
    databaseUrl: database.url,
    secretsKey,
    port: 0,
    logger: pino({ level: 'error' }),
    ...options,
  });
}

/** What a group committed on a topic, summed over partitions, in Kafka's own view (prefixed names). */
async function committedOnCluster(group: string, topic: string): Promise<number> {
  const kafkaAdmin = direct().admin();
  await kafkaAdmin.connect();
  try {
    const offsets = await kafkaAdmin.fetchOffsets({ groupId: group, topics: [topic] });
    return offsets[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0);
  } finally {
    await kafkaAdmin.disconnect();
  }
}

/** Consumes `count` values of `topic` with a @platformatic/kafka group through the gateway as acme, committing each. */
async function consumeWithPlatformatic(opts: {
  groupId: string;
  topic: string;
  count: number;
  groupProtocol?: 'classic' | 'consumer';
}): Promise<string[]> {
  const consumer = new Consumer({
    groupId: opts.groupId,
    clientId: `${opts.groupId}-consumer`,
    bootstrapBrokers: [gateway.bootstrap],
    sasl: { mechanism: 'SCRAM-SHA-512', username: acmeKey.keyId, password: acmeKey.secret },
    deserializers: stringDeserializers,
    ...(opts.groupProtocol ? { groupProtocol: opts.groupProtocol } : {}),
  });
  const stream = await consumer.consume({
    autocommit: false,
    topics: [opts.topic],
    mode: 'earliest',
    sessionTimeout: 10000,
    heartbeatInterval: 500,
  });
  const values: string[] = [];
  for await (const message of stream) {
    values.push(message.value as string);
    await message.commit();
    if (values.length === opts.count) break;
  }
  await stream.close();
  await consumer.close();
  return values;
}

/**
 * A raw client signed in as `signInAs` at the gateway port of the coordinator of `key`'s group `groupId` (or, with
 * keyType 1, of its transactional id).
 */
async function rawAtCoordinator(
  key: TestKey,
  groupId: string,
  keyType: 0 | 1 = 0,
  signInAs: TestKey = key,
): Promise<RawClient> {
  const c = await rawAs(key);
  let found: Record<string, unknown> = {};
  // The first group (transaction) on a fresh cluster waits for __consumer_offsets (__transaction_state):
  // COORDINATOR_NOT_AVAILABLE until then.
  await eventually(async () => {
    found = await c.request(FindCoordinator, 3, { key: groupId, keyType });
    return found.errorCode === ErrorCode.NONE;
  }, `a coordinator for ${groupId}`);
  c.close();
  assert.notEqual(found.port, Number(gateway.bootstrap.split(':')[1]), 'a node listener, not the bootstrap one');
  assert.ok([...gateway.brokerPorts().values()].includes(found.port as number), 'a gateway port');
  const at = await RawClient.connect(found.port as number, found.host as string);
  await at.saslPlain(signInAs.keyId, signInAs.secret);
  return at;
}

test('KafkaJS produces idempotently with acks=all and consumes with a group through the gateway', {
  skip,
  timeout: 180_000,
}, async () => {
  const client = throughGateway(acmeKey);
  const admin = client.admin();
  await admin.connect();
  assert.equal(
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3, replicationFactor: 3 }] }),
    true,
  );
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
  const kafkaAdmin = direct().admin();
  await kafkaAdmin.connect();
  // Kafka's own view of the group: the assignment inside it names the cluster's topic.
  const [described] = (await kafkaAdmin.describeGroups(['acme.workers'])).groups;
  assert.equal(described!.protocolType, 'consumer');
  const assigned = described!.members.flatMap((m) =>
    decodeConsumerAssignment(m.memberAssignment).assignedPartitions.map((p) => p.topic),
  );
  assert.deepEqual([...new Set(assigned)], ['acme.orders']);
  await consumer.disconnect();
  assert.deepEqual(received.sort(), sent.map((m) => m.value).sort());

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

test('@platformatic/kafka creates, produces (idempotent, acks=all) and consumes with a group through the gateway', {
  skip,
  timeout: 180_000,
}, async () => {
  const sasl = { mechanism: 'SCRAM-SHA-512' as const, username: acmeKey.keyId, password: acmeKey.secret };
  const bootstrapBrokers = [gateway.bootstrap];
  const admin = new Admin({ clientId: 'pk-admin', bootstrapBrokers, sasl });
  await admin.createTopics({ topics: ['pk-events'], partitions: 2, replicas: 3 });
  const meta = await admin.metadata({ topics: ['pk-events'] });
  assert.equal(meta.topics.get('pk-events')?.partitionsCount, 2);
  await admin.close();

  const producer = new Producer({
    clientId: 'pk-producer',
    bootstrapBrokers,
    sasl,
    idempotent: true,
    acks: -1,
    serializers: stringSerializers,
  });
  await producer.send({
    messages: Array.from({ length: 20 }, (_, i) => ({ topic: 'pk-events', key: `k${i}`, value: `v${i}` })),
  });
  await producer.close();

  const values = await consumeWithPlatformatic({ groupId: 'pk-group', topic: 'pk-events', count: 20 });
  assert.deepEqual(values.sort(), Array.from({ length: 20 }, (_, i) => `v${i}`).sort());

  assert.equal(await committedOnCluster('acme.pk-group', 'acme.pk-events'), 20, 'commits are under acme.pk-group');
});

test("isolation: tenant beta cannot see or touch acme's topics or groups through the gateway", {
  skip,
  timeout: 180_000,
}, async () => {
  // acme's topic and group exist (made here so this test stands alone).
  const acme = throughGateway(acmeKey);
  const acmeAdmin = acme.admin();
  await acmeAdmin.connect();
  await acmeAdmin.createTopics({ topics: [{ topic: 'secret', numPartitions: 1, replicationFactor: 3 }] });
  await acmeAdmin.disconnect();
  const acmeProducer = acme.producer();
  await acmeProducer.connect();
  await acmeProducer.send({ topic: 'secret', acks: -1, messages: [{ value: 'classified' }] });
  await acmeProducer.disconnect();
  const a = await rawAs(acmeKey);
  const acmeMeta = await a.request(Metadata, 12, { topics: [{ name: 'secret' }], allowAutoTopicCreation: false });
  const secretId = (acmeMeta.topics as { topicId: string }[])[0]!.topicId;
  a.close();
  // Right after __consumer_offsets is made its leaders may still move: NOT_COORDINATOR until they settle.
  let acmeCoordinator = await rawAtCoordinator(acmeKey, 'acme-group');
  let commit: Record<string, unknown> = {};
  await eventually(async () => {
    commit = await acmeCoordinator.request(OffsetCommit, 8, {
      groupId: 'acme-group',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [{ name: 'secret', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: '' }] }],
    });
    const code = (commit.topics as any[])[0].partitions[0].errorCode;
    if (code === ErrorCode.NOT_COORDINATOR) {
      acmeCoordinator.close();
      acmeCoordinator = await rawAtCoordinator(acmeKey, 'acme-group');
    }
    return code !== ErrorCode.NOT_COORDINATOR;
  }, 'a settled coordinator');
  assert.equal((commit.topics as any[])[0].partitions[0].errorCode, ErrorCode.NONE, 'acme committed');
  const own = await acmeCoordinator.request(OffsetFetch, 8, {
    groups: [{ groupId: 'acme-group', topics: null }],
    requireStable: false,
  });
  assert.equal((own.groups as any[])[0].topics[0].name, 'secret', 'acme reads its own commit, unprefixed');
  acmeCoordinator.close();

  const b = await rawAs(betaKey);
  // Metadata, all topics: none of acme's, under either name.
  const all = await b.request(Metadata, 12, { topics: null, allowAutoTopicCreation: false });
  const names = (all.topics as { name: string }[]).map((t) => t.name);
  assert.ok(!names.some((n) => n.includes('secret') || n.startsWith('acme')), names.join(', '));
  // By name: 'secret' and 'acme.secret' are beta's own names (beta.secret, beta.acme.secret): unknown.
  const byName = await b.request(Metadata, 12, {
    topics: [{ name: 'secret' }, { name: 'acme.secret' }],
    allowAutoTopicCreation: false,
  });
  for (const t of byName.topics as { name: string; errorCode: number }[])
    assert.equal(t.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${t.name}: ${t.errorCode}`);
  // Produce to acme.secret writes nowhere near acme's topic.
  const produced = await b.request(Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: 'acme.secret', partitionData: [{ index: 0, records: null }] }],
  });
  const produceError = (produced.responses as any[])[0].partitionResponses[0].errorCode;
  assert.notEqual(produceError, ErrorCode.NONE);
  // Fetch by name and by acme's topic id.
  const byNameFetch = await b.request(Fetch, 12, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1_000_000,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: 'acme.secret', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 100_000 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  for (const t of byNameFetch.responses as any[]) {
    assert.equal(t.topic, 'acme.secret');
    assert.notEqual(t.partitions[0].errorCode, ErrorCode.NONE);
    assert.equal((t.partitions[0].records ?? Buffer.alloc(0)).length, 0, 'no records');
  }
  const byIdFetch = await b.request(Fetch, 13, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1_000_000,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topicId: secretId, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 100_000 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  const idAnswer = (byIdFetch.responses as any[])[0];
  assert.equal(idAnswer.partitions[0].errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
  assert.equal((idAnswer.partitions[0].records ?? Buffer.alloc(0)).length, 0, 'no records');
  // ListOffsets on acme's topic: not beta's.
  const offsets = await b.request(ListOffsets, 7, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: 'acme.secret', partitions: [{ partitionIndex: 0, timestamp: -1n }] }],
  });
  assert.notEqual((offsets.topics as any[])[0].partitions[0].errorCode, ErrorCode.NONE);
  // acme's group: its committed offsets are not beta's to read; it is not listed or described.
  // Each name is one of beta's groups (beta.acme-group, beta.acme.acme-group), asked at its own coordinator.
  for (const groupId of ['acme-group', 'acme.acme-group']) {
    const at = await rawAtCoordinator(betaKey, groupId);
    const fetched = await at.request(OffsetFetch, 8, { groups: [{ groupId, topics: null }], requireStable: false });
    at.close();
    const g = (fetched.groups as any[])[0];
    assert.equal(g.groupId, groupId);
    assert.notEqual(g.errorCode, ErrorCode.NOT_COORDINATOR, 'asked at the coordinator');
    assert.deepEqual(g.topics, [], `${groupId} shows no offsets`);
  }
  const listed = await b.request(ListGroups, 4, { statesFilter: [] });
  assert.deepEqual(
    (listed.groups as { groupId: string }[]).filter((g) => g.groupId.includes('acme')),
    [],
    'no acme group listed',
  );
  const bc = await rawAtCoordinator(betaKey, 'acme-group');
  const described = await bc.request(DescribeGroups, 5, { groups: ['acme-group'], includeAuthorizedOperations: false });
  const d = (described.groups as any[])[0];
  assert.equal(d.groupId, 'acme-group');
  assert.deepEqual(d.members, []);
  assert.ok(
    d.groupState === 'Dead' || d.errorCode !== ErrorCode.NONE,
    `beta's acme-group is not acme's: ${d.groupState}`,
  );
  bc.close();
  // DeleteTopics on acme's name, and CreateTopics with acme's prefix lands under beta's.
  const deleted = await b.request(DeleteTopics, 6, {
    topics: [{ name: 'acme.secret', topicId: '00000000-0000-0000-0000-000000000000' }],
    timeoutMs: 5000,
  });
  assert.notEqual((deleted.responses as any[])[0].errorCode, ErrorCode.NONE);
  const deletedById = await b.request(DeleteTopics, 6, {
    topics: [{ name: null, topicId: secretId }],
    timeoutMs: 5000,
  });
  assert.equal((deletedById.responses as any[])[0].errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
  const created = await b.request(CreateTopics, 7, {
    topics: [{ name: 'acme.x', numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] }],
    timeoutMs: 10_000,
    validateOnly: false,
  });
  assert.equal((created.topics as any[])[0].name, 'acme.x');
  assert.equal((created.topics as any[])[0].errorCode, ErrorCode.NONE);
  b.close();

  const kafkaAdmin = direct().admin();
  await kafkaAdmin.connect();
  const topics = await kafkaAdmin.listTopics();
  assert.ok(topics.includes('beta.acme.x'), 'beta made beta.acme.x');
  assert.ok(!topics.includes('acme.x'), 'and never acme.x');
  assert.ok(topics.includes('acme.secret'), "acme's topic is still there");
  const stillThere = await kafkaAdmin.fetchTopicOffsets('acme.secret');
  assert.equal(stillThere[0]!.high, '1', "acme's record is untouched");
  await kafkaAdmin.disconnect();
});

test('an API the gateway does not rewrite is refused, never passed to the cluster', { skip }, async () => {
  const c = await rawAs(acmeKey);
  const versions = await c.request(ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
  const keys = (versions.apiKeys as { apiKey: number }[]).map((k) => k.apiKey);
  assert.ok(keys.includes(Metadata.key) && keys.includes(Produce.key));
  for (const refused of [29 /* DescribeAcls */, 21 /* DeleteRecords */, 27 /* WriteTxnMarkers */])
    assert.ok(!keys.includes(refused), `API ${refused} is not advertised`);
  // DescribeAcls v1, hand-written: the connection is closed without an answer.
  const body = Buffer.from([2, 0, 0xff, 0xff, 0xff, 0xff, 3, 0xff, 0xff, 0xff, 0xff, 3, 1, 3]);
  const header = Buffer.alloc(10);
  header.writeInt16BE(29, 0);
  header.writeInt16BE(1, 2);
  header.writeInt32BE(99, 4);
  header.writeInt16BE(-1, 8);
  const frame = Buffer.concat([Buffer.alloc(4), header, body]);
  frame.writeInt32BE(frame.length - 4, 0);
  c.writeRaw(frame);
  assert.equal(await c.waitClosed(), true, 'the gateway closed the connection');
  assert.equal(c.unexpectedResponses, 0, 'and answered nothing');
});

test('a frame above the pre-authentication bound is refused before SASL', { skip }, async () => {
  const [host, port] = gateway.bootstrap.split(':');
  const c = await RawClient.connect(Number(port), host);
  const size = Buffer.alloc(4);
  size.writeInt32BE(10 * 1024 * 1024);
  c.writeRaw(size);
  assert.equal(await c.waitClosed(), true);
});

test('wrong credentials and a key not yet on the cluster fail with a clear SASL error', { skip }, async () => {
  const [host, port] = gateway.bootstrap.split(':');
  const wrong = await RawClient.connect(Number(port), host);
  await assert.rejects(wrong.saslPlain(acmeKey.keyId, 'not-the-secret'), /invalid username or password/);
  assert.equal(await wrong.waitClosed(), true);
  const late = await RawClient.connect(Number(port), host);
  await assert.rejects(late.saslPlain(unplacedKey.keyId, unplacedKey.secret), /samsa cluster reconcile/);
  // KafkaJS sees the same.
  const client = throughGateway(acmeKey, 'scram-sha-512');
  const badAdmin = new Kafka({
    brokers: [gateway.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    sasl: { mechanism: 'scram-sha-512', username: acmeKey.keyId, password: 'nope' },
  }).admin();
  await assert.rejects(badAdmin.connect(), /SASL SCRAM SHA512 authentication failed|invalid username or password/);
  const good = client.admin();
  await good.connect();
  await good.disconnect();
});

test("Samsa's ACLs and key revocations apply in the gateway at once, before any reconcile", {
  skip,
  timeout: 120_000,
}, async () => {
  const c = await rawAs(acmeKey);
  const create = await c.request(CreateTopics, 7, {
    topics: [{ name: 'frozen', numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] }],
    timeoutMs: 10_000,
    validateOnly: false,
  });
  assert.equal((create.topics as any[])[0].errorCode, ErrorCode.NONE);
  // The console denies WRITE on 'frozen'; the cluster still has only the ALLOW ALL the last reconcile placed.
  await fixtures.acl(acmeId, 'User:app', 'TOPIC', 'frozen', 'WRITE', { permission: 'DENY' });
  await eventually(async () => {
    const produced = await c.request(Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [
        { name: 'frozen', partitionData: [{ index: 0, records: encodeBatch({ records: [{ value: 'x' }] }) }] },
      ],
    });
    const t = (produced.responses as any[])[0];
    return t.name === 'frozen' && t.partitionResponses[0].errorCode === ErrorCode.TOPIC_AUTHORIZATION_FAILED;
  }, 'WRITE on frozen refused by the gateway');
  const meta = await c.request(Metadata, 12, { topics: [{ name: 'frozen' }], allowAutoTopicCreation: false });
  assert.equal((meta.topics as any[])[0].errorCode, ErrorCode.NONE, 'DESCRIBE is still allowed');
  c.close();

  // A revoked key's open connection is cut, and it cannot sign in again.
  const temp = await rawAs(tempKey);
  await fixtures.revoke(tempKey.keyId);
  assert.equal(await temp.waitClosed(10_000), true, 'the revoked key was disconnected');
  const again = await RawClient.connect(Number(gateway.bootstrap.split(':')[1]), '127.0.0.1');
  await assert.rejects(again.saslPlain(tempKey.keyId, tempKey.secret), /invalid username or password/);
});

/** Creates `topic` through the gateway as acme (its own name, unprefixed). */
async function createAcmeTopic(topic: string, numPartitions = 1): Promise<void> {
  const admin = throughGateway(acmeKey).admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions, replicationFactor: 3 }] });
  await admin.disconnect();
}

/** Reads `count` values of `topic` through the gateway as acme with a read_committed KafkaJS consumer. */
async function readCommitted(topic: string, count: number): Promise<string[]> {
  const consumer = throughGateway(acmeKey).consumer({ groupId: `${topic}-reader`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  return consumeValues(consumer, count, 60_000);
}

/** A KafkaJS transactional producer through the gateway as acme. */
async function transactionalProducer(transactionalId: string) {
  const producer = throughGateway(acmeKey).producer({ transactionalId, maxInFlightRequests: 1, idempotent: true });
  await producer.connect();
  return producer;
}

/** acme's transaction `transactionalId` as the gateway describes it to acme. */
async function describeAcmeTransaction(transactionalId: string): Promise<Record<string, any>> {
  const c = await rawAtCoordinator(acmeKey, transactionalId, 1);
  const res = await c.request(DescribeTransactions, 0, { transactionalIds: [transactionalId] });
  c.close();
  return (res.transactionStates as Record<string, any>[])[0]!;
}

test('KafkaJS transactions through the gateway: an aborted one is hidden, a committed one read by read_committed', {
  skip,
  timeout: 180_000,
}, async () => {
  await createAcmeTopic('txn-orders', 2);
  const producer = await transactionalProducer('orders-tx');
  for (const outcome of ['aborted', 'committed']) {
    const txn = await producer.transaction();
    await txn.send({
      topic: 'txn-orders',
      messages: ['a', 'b'].map((key, i) => ({ key, value: `${outcome}-${i + 1}` })),
    });
    await (outcome === 'aborted' ? txn.abort() : txn.commit());
  }
  await producer.disconnect();

  // The aborted records come first in each partition: a consumer that does not skip them would read them first.
  assert.deepEqual((await readCommitted('txn-orders', 2)).sort(), ['committed-1', 'committed-2']);
  // Kafka's own view: the prefixed transactional id finished its commit, on the prefixed topic.
  await eventually(
    async () => (await describeAcmeTransaction('orders-tx')).transactionState === 'CompleteCommit',
    'orders-tx completes its commit',
  );
  const kafkaAdmin = direct().admin();
  await kafkaAdmin.connect();
  const offsets = await kafkaAdmin.fetchTopicOffsets('acme.txn-orders');
  await kafkaAdmin.disconnect();
  // Two records of each transaction plus the two transactions' markers, over both partitions.
  assert.ok(offsets.reduce((n, o) => n + Number(o.high), 0) >= 6, JSON.stringify(offsets));
});

test('consume-transform-produce through the gateway: sendOffsets commits the group offsets with the transaction', {
  skip,
  timeout: 180_000,
}, async () => {
  await createAcmeTopic('txn-in');
  await createAcmeTopic('txn-out');
  const plain = throughGateway(acmeKey).producer({ idempotent: true, maxInFlightRequests: 1 });
  await plain.connect();
  await plain.send({ topic: 'txn-in', acks: -1, messages: ['one', 'two', 'three'].map((value) => ({ value })) });
  await plain.disconnect();

  // The application's group reads its input; its offsets are committed only by the transaction.
  const consumer = throughGateway(acmeKey).consumer({ groupId: 'txn-app' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'txn-in', fromBeginning: true });
  const input: { value: string; offset: string }[] = [];
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          input.push({ value: message.value!.toString(), offset: message.offset });
          if (input.length === 3) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  const next = String(Number(input.at(-1)!.offset) + 1);

  const producer = await transactionalProducer('app-tx');
  const aborted = await producer.transaction();
  await aborted.send({ topic: 'txn-out', messages: [{ value: 'NOT-THIS' }] });
  await aborted.sendOffsets({
    consumerGroupId: 'txn-app',
    topics: [{ topic: 'txn-in', partitions: [{ partition: 0, offset: '1' }] }],
  });
  await aborted.abort();
  const txn = await producer.transaction();
  await txn.send({ topic: 'txn-out', messages: input.map((m) => ({ value: m.value.toUpperCase() })) });
  await txn.sendOffsets({
    consumerGroupId: 'txn-app',
    topics: [{ topic: 'txn-in', partitions: [{ partition: 0, offset: next }] }],
  });
  await txn.commit();
  await producer.disconnect();

  assert.deepEqual(await readCommitted('txn-out', 3), ['ONE', 'TWO', 'THREE']);
  // The offsets reach the group when Kafka completes the commit (after EndTxn answered): Kafka's view, prefixed.
  await eventually(
    async () => (await committedOnCluster('acme.txn-app', 'acme.txn-in')) === Number(next),
    'the transaction committed txn-app at the end of txn-in',
  );
  // And the gateway's view, unprefixed.
  const c = await rawAtCoordinator(acmeKey, 'txn-app');
  const fetched = await c.request(OffsetFetch, 8, {
    groups: [{ groupId: 'txn-app', topics: null }],
    requireStable: true,
  });
  c.close();
  const group = (fetched.groups as any[])[0];
  assert.deepEqual(
    group.topics.map((t: any) => [t.name, t.partitions[0].committedOffset]),
    [['txn-in', BigInt(next)]],
  );
});

test("Samsa's ACLs refuse transactional writes in the gateway with the broker's error codes", {
  skip,
  timeout: 120_000,
}, async () => {
  await createAcmeTopic('txn-frozen');
  await fixtures.acl(acmeId, 'User:app', 'TRANSACTIONAL_ID', 'frozen-tx', 'WRITE', { permission: 'DENY' });
  await fixtures.acl(acmeId, 'User:app', 'GROUP', 'frozen-group', 'READ', { permission: 'DENY' });
  await fixtures.acl(acmeId, 'User:app', 'TOPIC', 'txn-frozen', 'WRITE', { permission: 'DENY' });
  const c = await rawAs(acmeKey);
  const txnDenied = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
  await eventually(async () => {
    const ended = await c.request(EndTxn, 3, {
      transactionalId: 'frozen-tx',
      producerId: 1n,
      producerEpoch: 0,
      committed: true,
    });
    return ended.errorCode === txnDenied;
  }, 'EndTxn on frozen-tx refused by the gateway');
  const added = await c.request(AddPartitionsToTxn, 3, {
    v3AndBelowTransactionalId: 'frozen-tx',
    v3AndBelowProducerId: 1n,
    v3AndBelowProducerEpoch: 0,
    v3AndBelowTopics: [{ name: 'txn-orders', partitions: [0] }],
  });
  assert.deepEqual(resultCodes(added.resultsByTopicV3AndBelow), [['txn-orders', 0, txnDenied]]);
  const offsets = await c.request(AddOffsetsToTxn, 3, {
    transactionalId: 'frozen-tx',
    producerId: 1n,
    producerEpoch: 0,
    groupId: 'txn-app',
  });
  assert.equal(offsets.errorCode, txnDenied);
  const txnCommit = {
    producerId: 1n,
    producerEpoch: 0,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: 'txn-in', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] }],
  };
  const txnCommitted = await c.request(TxnOffsetCommit, 3, {
    ...txnCommit,
    transactionalId: 'frozen-tx',
    groupId: 'txn-app',
  });
  assert.equal((txnCommitted.topics as any[])[0].partitions[0].errorCode, txnDenied);
  const produced = await c.request(Produce, 9, {
    transactionalId: 'frozen-tx',
    acks: -1,
    timeoutMs: 5000,
    topicData: [
      { name: 'txn-orders', partitionData: [{ index: 0, records: encodeBatch({ records: [{ value: 'x' }] }) }] },
    ],
  });
  assert.equal((produced.responses as any[])[0].partitionResponses[0].errorCode, txnDenied);
  // The group: READ refused.
  const groupRefused = await c.request(AddOffsetsToTxn, 3, {
    transactionalId: 'other-tx',
    producerId: 1n,
    producerEpoch: 0,
    groupId: 'frozen-group',
  });
  assert.equal(groupRefused.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const groupCommit = await c.request(TxnOffsetCommit, 3, {
    ...txnCommit,
    transactionalId: 'other-tx',
    groupId: 'frozen-group',
  });
  assert.equal((groupCommit.topics as any[])[0].partitions[0].errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  // A topic without WRITE: refused, and (as Kafka) the other partitions are not attempted.
  const topicRefused = await c.request(AddPartitionsToTxn, 3, {
    v3AndBelowTransactionalId: 'other-tx',
    v3AndBelowProducerId: 1n,
    v3AndBelowProducerEpoch: 0,
    v3AndBelowTopics: [
      { name: 'txn-frozen', partitions: [0] },
      { name: 'txn-orders', partitions: [1] },
    ],
  });
  assert.deepEqual(resultCodes(topicRefused.resultsByTopicV3AndBelow), [
    ['txn-frozen', 0, ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    ['txn-orders', 1, ErrorCode.OPERATION_NOT_ATTEMPTED],
  ]);
  // What the gateway advertises: the client form of AddPartitionsToTxn, EndTxn of transaction version 1, no features.
  const versions = await c.request(ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
  const range = (apiKey: number) => (versions.apiKeys as any[]).find((k) => k.apiKey === apiKey)?.maxVersion;
  assert.equal(range(AddPartitionsToTxn.key), 3);
  assert.equal(range(EndTxn.key), 4);
  assert.deepEqual(versions.finalizedFeatures, []);
  c.close();
});

function resultCodes(topics: unknown): [string, number, number][] {
  return (topics as any[]).flatMap((t) =>
    t.resultsByPartition.map((p: any): [string, number, number] => [t.name, p.partitionIndex, p.partitionErrorCode]),
  );
}

test("isolation: tenant beta cannot end or add to acme's transaction through the gateway", {
  skip,
  timeout: 180_000,
}, async () => {
  await createAcmeTopic('txn-shared');
  const producer = await transactionalProducer('shared-tx');
  const open = await producer.transaction();
  await open.send({ topic: 'txn-shared', messages: [{ value: 'acme-pending' }] });
  const before = await describeAcmeTransaction('shared-tx');
  assert.equal(before.transactionState, 'Ongoing');
  assert.deepEqual(
    before.topics.map((t: any) => t.topic),
    ['txn-shared'],
  );

  // beta, at the node coordinating acme's transaction, with acme's producer id and epoch, under both names.
  const at = await rawAtCoordinator(acmeKey, 'shared-tx', 1, betaKey);
  for (const transactionalId of ['shared-tx', 'acme.shared-tx']) {
    const added = await at.request(AddPartitionsToTxn, 3, {
      v3AndBelowTransactionalId: transactionalId,
      v3AndBelowProducerId: before.producerId,
      v3AndBelowProducerEpoch: before.producerEpoch,
      v3AndBelowTopics: [
        { name: 'txn-shared', partitions: [0] },
        { name: 'acme.txn-shared', partitions: [0] },
      ],
    });
    for (const [name, , code] of resultCodes(added.resultsByTopicV3AndBelow))
      assert.notEqual(code, ErrorCode.NONE, `${transactionalId} adding ${name}`);
    const ended = await at.request(EndTxn, 3, {
      transactionalId,
      producerId: before.producerId,
      producerEpoch: before.producerEpoch,
      committed: false,
    });
    assert.notEqual(ended.errorCode, ErrorCode.NONE, `EndTxn on ${transactionalId}`);
    const described = await at.request(DescribeTransactions, 0, { transactionalIds: [transactionalId] });
    for (const state of described.transactionStates as any[])
      assert.notEqual(state.producerId, before.producerId, `beta does not see acme's ${transactionalId}`);
  }
  at.close();

  // acme's transaction is as it was, and commits.
  const after = await describeAcmeTransaction('shared-tx');
  assert.equal(after.transactionState, 'Ongoing');
  assert.equal(after.producerEpoch, before.producerEpoch);
  assert.deepEqual(
    after.topics.map((t: any) => t.topic),
    ['txn-shared'],
  );
  await open.commit();
  await producer.disconnect();
  assert.deepEqual(await readCommitted('txn-shared', 1), ['acme-pending']);
});

test('two gateways side by side: a client keeps working through one when the other closes', {
  skip,
  timeout: 180_000,
}, async () => {
  const second = await startTestGateway({ metricsPort: 0, logger: pino({ level: 'warn' }) });
  let secondClosed = false;
  try {
    const client = new Kafka({
      clientId: 'two-gateways',
      brokers: [second.bootstrap, gateway.bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 200 },
      sasl: { mechanism: 'scram-sha-512', username: acmeKey.keyId, password: acmeKey.secret },
    });
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: 'ha', numPartitions: 1, replicationFactor: 3 }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic: 'ha', acks: -1, messages: [{ value: 'one' }] });
    const metrics = await (await fetch(`http://${second.metricsAddress}/metrics`)).text();
    const accepted = Number(/samsa_gateway_connections_accepted_total (\d+)/.exec(metrics)?.[1]);
    assert.ok(accepted > 0, 'the second gateway served the client');
    // Each gateway's answers point at its own ports: the second's Metadata names only its listeners.
    assert.notDeepEqual([...second.brokerPorts().values()].sort(), [...gateway.brokerPorts().values()].sort());

    await second.close();
    secondClosed = true;
    await producer.send({ topic: 'ha', acks: -1, messages: [{ value: 'two' }] });
    await producer.disconnect();

    const direct_ = direct().admin();
    await direct_.connect();
    const offsets = await direct_.fetchTopicOffsets('acme.ha');
    assert.equal(offsets[0]!.high, '2', 'both records reached the cluster, once each');
    await direct_.disconnect();
  } finally {
    if (!secondClosed) await second.close();
  }
});

test("a tenant's produce byte rate set in the console throttles it in the gateway, before any reconcile", {
  skip,
  timeout: 120_000,
}, async () => {
  const batch = encodeBatch({ records: [{ value: Buffer.alloc(64 * 1024, 1) }] });
  const produce = async () => {
    const c = await rawAs(gammaKey);
    try {
      const res = await c.request(Produce, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: 'bulk', partitionData: [{ index: 0, records: batch }] }],
      });
      return res.throttleTimeMs as number;
    } finally {
      c.close();
    }
  };
  assert.equal(await produce(), 0, 'no quota yet: not throttled');
  // 1 KiB/s for the tenant, only in Postgres: the cluster has no quota for gamma's user.
  await fixtures.setQuota(gammaId, { produceBytesPerSec: 1024 });
  let throttleMs = 0;
  await eventually(async () => (throttleMs = await produce()) > 0, 'a throttled produce');
  assert.ok(throttleMs > 0, `throttle_time_ms ${throttleMs}`);
});

test('a KIP-848 consumer group (@platformatic/kafka, groupProtocol consumer) works through the gateway', {
  skip,
  timeout: 120_000,
}, async () => {
  const sasl = { mechanism: 'SCRAM-SHA-512' as const, username: acmeKey.keyId, password: acmeKey.secret };
  const bootstrapBrokers = [gateway.bootstrap];
  const admin = new Admin({ clientId: 'kip848-admin', bootstrapBrokers, sasl });
  await admin.createTopics({ topics: ['kip848'], partitions: 2, replicas: 3 });
  await admin.close();
  const producer = new Producer({
    clientId: 'kip848-producer',
    bootstrapBrokers,
    sasl,
    serializers: stringSerializers,
  });
  await producer.send({
    messages: Array.from({ length: 10 }, (_, i) => ({ topic: 'kip848', partition: i % 2, value: `n${i}` })),
  });
  await producer.close();
  const values = await consumeWithPlatformatic({
    groupId: 'kip848-group',
    topic: 'kip848',
    count: 10,
    groupProtocol: 'consumer',
  });
  assert.deepEqual(values.sort(), Array.from({ length: 10 }, (_, i) => `n${i}`).sort());
  // It was a KIP-848 group (ConsumerGroupHeartbeat), as every node's ListGroups through the gateway says.
  const types = new Map<string, string>();
  for (const port of gateway.brokerPorts().values()) {
    const c = await RawClient.connect(port, '127.0.0.1');
    await c.saslPlain(acmeKey.keyId, acmeKey.secret);
    const listed = await c.request(ListGroups, 5, { statesFilter: [], typesFilter: [] });
    for (const g of listed.groups as { groupId: string; groupType: string }[]) types.set(g.groupId, g.groupType);
    c.close();
  }
  assert.equal(types.get('kip848-group'), 'consumer');
  assert.equal(await committedOnCluster('acme.kip848-group', 'acme.kip848'), 10, 'committed under the prefix');
});

test('connections per address are bounded: one over the bound is closed at once', { skip }, async () => {
  const small = await startTestGateway({ maxConnectionsPerAddress: 1 });
  try {
    const port = Number(small.bootstrap.split(':')[1]);
    const first = await RawClient.connect(port, '127.0.0.1');
    const second = await RawClient.connect(port, '127.0.0.1');
    assert.equal(await second.waitClosed(), true, 'the second connection from 127.0.0.1 is refused');
    await first.saslPlain(acmeKey.keyId, acmeKey.secret);
    assert.equal(first.closed, false, 'the first one works');
    first.close();
  } finally {
    await small.close();
  }
});

/** A @platformatic/kafka admin signed in to `bootstrap` (the gateway by default) with `key`. */
function platformaticAdmin(key: TestKey, bootstrap = gateway.bootstrap): Admin {
  return new Admin({
    clientId: 'quota-admin',
    bootstrapBrokers: [bootstrap],
    sasl: { mechanism: 'SCRAM-SHA-512', username: key.keyId, password: key.secret },
    retries: 0,
  });
}

/** A @platformatic/kafka producer of strings signed in to the gateway with `key`. */
function platformaticProducer(
  key: TestKey,
  options: { retries?: number } = {},
): Producer<string, string, string, string> {
  return new Producer({
    clientId: 'quota-producer',
    bootstrapBrokers: [gateway.bootstrap],
    sasl: { mechanism: 'SCRAM-SHA-512', username: key.keyId, password: key.secret },
    serializers: stringSerializers,
    ...options,
  });
}

/** Kafka's error codes and messages inside a @platformatic/kafka error, however deeply it nests them. */
function kafkaErrors(err: unknown): { code: string; message: string | null }[] {
  const out: { code: string; message: string | null }[] = [];
  const walk = (e: unknown) => {
    if (typeof e !== 'object' || e === null) return;
    const fields = e as { apiId?: unknown; serverErrorMessage?: string | null; errors?: unknown[]; cause?: unknown };
    if (typeof fields.apiId === 'string') out.push({ code: fields.apiId, message: fields.serverErrorMessage ?? null });
    for (const inner of fields.errors ?? []) walk(inner);
    walk(fields.cause);
  };
  walk(err);
  return out;
}

/** Runs `action`, which must fail; returns Kafka's error codes and messages. */
async function refusedWith(action: () => Promise<unknown>): Promise<{ code: string; message: string | null }[]> {
  try {
    await action();
  } catch (err) {
    return kafkaErrors(err);
  }
  assert.fail('expected Kafka to refuse it');
}

/** Topics under `prefix` in Kafka's own view, with their partition counts. */
async function topicsOnCluster(prefix: string): Promise<Record<string, number>> {
  const kafkaAdmin = direct().admin();
  await kafkaAdmin.connect();
  try {
    const { topics } = await kafkaAdmin.fetchTopicMetadata();
    return Object.fromEntries(
      topics.filter((t) => t.name.startsWith(prefix)).map((t) => [t.name, t.partitions.length] as const),
    );
  } finally {
    await kafkaAdmin.disconnect();
  }
}

/** beta, a tenant without these quotas, creates `topics` and writes `values` to the last one through the gateway. */
async function betaCreatesAndWrites(topics: string[], partitions: number, values: string[]): Promise<void> {
  const admin = platformaticAdmin(betaKey);
  try {
    await admin.createTopics({ topics, partitions, replicas: 3 });
  } finally {
    await admin.close();
  }
  const producer = platformaticProducer(betaKey);
  try {
    await producer.send({ messages: values.map((value) => ({ topic: topics.at(-1)!, value })) });
  } finally {
    await producer.close();
  }
}

test("a tenant's topic and partition quotas set in the console are enforced by the gateway; another tenant is not held back", {
  skip,
  timeout: 180_000,
}, async () => {
  // capped may have 2 topics and 4 partitions. Three topics in one request: the third is the one too many.
  const kafkajsAdmin = throughGateway(cappedKey).admin();
  await kafkajsAdmin.connect();
  const three = ['one', 'two', 'three'].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 3 }));
  const batchError = await kafkajsAdmin.createTopics({ topics: three }).then(
    () => null,
    (err: { errors?: { type: string; topic?: string }[] }) => err,
  );
  assert.deepEqual(
    batchError?.errors?.map((e) => [e.topic, e.type]),
    [['three', 'POLICY_VIOLATION']],
    'the third topic of the request is refused',
  );
  // validateOnly is checked the same way.
  await assert.rejects(
    kafkajsAdmin.createTopics({ topics: [{ topic: 'four', numPartitions: 1 }], validateOnly: true }),
    (err: { errors?: { type: string }[] }) => err.errors?.[0]?.type === 'POLICY_VIOLATION',
  );
  await kafkajsAdmin.disconnect();

  const admin = platformaticAdmin(cappedKey);
  try {
    assert.deepEqual(await refusedWith(() => admin.createTopics({ topics: ['four'], partitions: 1, replicas: 3 })), [
      { code: 'POLICY_VIOLATION', message: "topic quota exceeded: tenant 'capped' may have 2 topics and has 2" },
    ]);
    // 2 partitions now; one to 3 makes 4, the quota; then two to 2 is one too many, validated or not.
    await admin.createPartitions({ topics: [{ name: 'one', count: 3 }] });
    const partitionQuota = {
      code: 'POLICY_VIOLATION',
      message: "partition quota exceeded: tenant 'capped' may have 4 partitions, has 4 and asked for 1 more",
    };
    for (const validateOnly of [true, false]) {
      assert.deepEqual(
        await refusedWith(() => admin.createPartitions({ topics: [{ name: 'two', count: 2 }], validateOnly })),
        [partitionQuota],
        `validateOnly ${validateOnly}`,
      );
    }
  } finally {
    await admin.close();
  }
  assert.deepEqual(await topicsOnCluster('capped.'), { 'capped.one': 3, 'capped.two': 1 }, "Kafka's own view");

  // beta has no such quotas: through the same gateway it creates three topics and writes to them.
  await betaCreatesAndWrites(['free-1', 'free-2', 'free-3'], 2, ['not held back']);
  assert.deepEqual(await topicsOnCluster('beta.free-'), { 'beta.free-1': 2, 'beta.free-2': 2, 'beta.free-3': 2 });

  // The per-topic partition bound (the broker's maxPartitionsPerTopic), here set low on a second gateway.
  const narrow = await startTestGateway({ maxPartitionsPerTopic: 3 });
  const narrowAdmin = platformaticAdmin(betaKey, narrow.bootstrap);
  try {
    assert.deepEqual(
      await refusedWith(() => narrowAdmin.createTopics({ topics: ['wide'], partitions: 4, replicas: 3 })),
      [{ code: 'INVALID_PARTITIONS', message: 'number of partitions 4 exceeds the broker limit of 3' }],
    );
    assert.deepEqual(
      await refusedWith(() => narrowAdmin.createPartitions({ topics: [{ name: 'free-1', count: 4 }] })),
      [{ code: 'INVALID_PARTITIONS', message: 'partition count 4 exceeds the limit of 3' }],
    );
  } finally {
    await narrowAdmin.close();
    await narrow.close();
  }
  assert.deepEqual(await topicsOnCluster('beta.wide'), {}, 'nothing made on the cluster');
});

test("a tenant's storage quota stops its produce through the gateway once the cluster holds that much; another tenant writes on", {
  skip,
  timeout: 180_000,
}, async () => {
  const admin = platformaticAdmin(filledKey);
  await admin.createTopics({ topics: ['log'], partitions: 1, replicas: 3 });
  const producer = platformaticProducer(filledKey, { retries: 0 });
  const value = 'x'.repeat(1024);
  let accepted = 0;
  let refusal: { code: string; message: string | null }[] = [];
  try {
    // 1 KiB at a time until the gateway's count of what the cluster stores (DescribeLogDirs) reaches 4 KiB.
    await eventually(async () => {
      try {
        await producer.send({ messages: [{ topic: 'log', value }] });
        accepted++;
        return false;
      } catch (err) {
        // A topic just made may not have its leader yet (retried); the storage quota's refusal ends the loop.
        refusal = kafkaErrors(err);
        return refusal.some((e) => e.code === 'POLICY_VIOLATION');
      }
    }, 'a produce refused by the storage quota');
    assert.ok(accepted >= 3, `${accepted} records of 1 KiB written before the quota of 4 KiB stopped them`);
    assert.equal(refusal.length, 1, JSON.stringify(refusal));
    assert.equal(refusal[0]!.code, 'POLICY_VIOLATION');
    const match = /^storage quota exceeded: tenant 'filled' may store 4096 bytes and stores (\d+)$/.exec(
      refusal[0]!.message ?? '',
    );
    assert.ok(match, `the broker's message: ${refusal[0]!.message}`);
    assert.ok(Number(match[1]) >= STORAGE_QUOTA_BYTES);
    // Still refused a moment later: nothing frees room until retention or deletion.
    assert.equal(
      (await refusedWith(() => producer.send({ messages: [{ topic: 'log', value }] })))[0]?.code,
      'POLICY_VIOLATION',
    );
  } finally {
    await producer.close();
  }
  // The cluster holds exactly the records acknowledged (its high watermark follows the replicas' fetches).
  const kafkaAdmin = direct().admin();
  await kafkaAdmin.connect();
  let high = -1;
  try {
    await eventually(
      async () => (high = Number((await kafkaAdmin.fetchTopicOffsets('filled.log'))[0]!.high)) === accepted,
      `filled.log's high watermark at ${accepted}`,
    );
  } finally {
    await kafkaAdmin.disconnect();
  }
  assert.equal(high, accepted);

  // beta, through the same gateway meanwhile, writes on.
  await betaCreatesAndWrites(
    ['writes-on'],
    1,
    Array.from({ length: 8 }, () => value),
  );

  // Deleting the topic frees the room: filled writes again.
  await admin.deleteTopics({ topics: ['log'] });
  await admin.createTopics({ topics: ['fresh'], partitions: 1, replicas: 3 });
  await admin.close();
  const again = platformaticProducer(filledKey, { retries: 0 });
  try {
    await eventually(
      () =>
        again.send({ messages: [{ topic: 'fresh', value: 'room again' }] }).then(
          () => true,
          () => false,
        ),
      'a produce accepted once the full topic is deleted',
    );
  } finally {
    await again.close();
  }
});
