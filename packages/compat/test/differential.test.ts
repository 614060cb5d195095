/**
 * Differential tests: each scenario runs once against a real Apache Kafka and once against a real `samsa broker`,
 * and what the clients observed (records, offsets, error codes, configs, ACLs) must be equal. Only what brokers
 * legitimately choose differently is normalized inside the scenarios (ids, ports, broker-chosen timestamps, error
 * message wording). Every difference that remains is listed in KNOWN_DIFFERENCES with its reason and with both
 * observed values, and the test checks those values: a listed difference that stops happening fails the test.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { eventually } from '@samsa/test-support/eventually';
import { TenantFixtures } from '@samsa/test-support/tenants';
import kafkajs, { Kafka, logLevel } from 'kafkajs';
import { aclLifecycle, authentication, unauthorizedMember } from './scenarios/acls.ts';
import { compactedTopicAfterCleaning } from './scenarios/compaction.ts';
import { topicConfigs } from './scenarios/configs.ts';
import { errorCases } from './scenarios/errors.ts';
import { groupGenerations, kafkajsRebalances, listGroups, offsetCommitFetchEdgeCases } from './scenarios/groups.ts';
import { idempotenceAndRefusedProduce, metadataFetchAndDeletion, transactionalProducer } from './scenarios/log.ts';
import {
  KAFKAJS_TXN_TIMEOUT_MS,
  kafkajsFencingTimeoutAndCtp,
  kafkajsTransactions,
  TXN_ABORT_CHECK_INTERVAL_MS,
} from './scenarios/transactions.ts';
import { producedWithKafkajs, rawCompressedBatches, timestampsAndListOffsets } from './scenarios/records.ts';
import type { Observation, Scenario, SecureTarget, Target } from './scenarios/target.ts';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

const VALUE_A = (tag: string) => `${tag} value a`.repeat(10);

interface KnownDifference {
  scenario: string;
  /** Path into the observation, keys joined by '/' (config names contain dots). */
  path: string;
  kafka: unknown;
  samsa: unknown;
  reason: string;
}

const CONFIGS_SCENARIO = 'topic configs: describe with synonyms, alter, unknown names, invalid values';
const KAFKAJS_FENCING_SCENARIO = `kafkajs transactions: a fenced zombie, a ${KAFKAJS_TXN_TIMEOUT_MS} ms timeout, consume-transform-produce`;
const LONG_MAX = '9223372036854775807';

/** A topic config Kafka lists with its default and Samsa does not have. */
function configNotListed(name: string, kafkaDefault: string, reason: string): KnownDifference {
  return {
    scenario: CONFIGS_SCENARIO,
    path: `everyDefault/${name}`,
    kafka: `${kafkaDefault} (source 5)`,
    samsa: 'not listed',
    reason,
  };
}

const NO_FLUSH_POLICY =
  'Samsa syncs by acks instead (acks=all answers after fsync, with group commit); there is no per-topic flush policy';
const FILE_LAYOUT = "segment file-layout internals of Kafka's log that Samsa's log does not have or does not expose";

/** Every difference between Apache Kafka and Samsa that these scenarios see, with why it is accepted. */
export const KNOWN_DIFFERENCES: KnownDifference[] = [
  configNotListed('flush.messages', LONG_MAX, NO_FLUSH_POLICY),
  configNotListed('flush.ms', LONG_MAX, NO_FLUSH_POLICY),
  configNotListed('file.delete.delay.ms', '60000', FILE_LAYOUT),
  configNotListed('preallocate', 'false', FILE_LAYOUT),
  configNotListed('segment.index.bytes', '10485760', FILE_LAYOUT),
  configNotListed('segment.jitter.ms', '0', FILE_LAYOUT),
  configNotListed(
    'message.timestamp.before.max.ms',
    LONG_MAX,
    'Samsa enforces message.timestamp.after.max.ms from the batch header; a lower bound would need every record ' +
      "parsed (a batch's base timestamp is not its minimum), and Kafka's default is no bound",
  ),
  configNotListed(
    'unclean.leader.election.enable',
    'false',
    'Samsa is a single node without replicas: there is never another leader to elect',
  ),
  {
    scenario: 'Metadata and Fetch details, DeleteRecords, CreatePartitions',
    path: 'fetchSession/sessionGiven',
    kafka: true,
    samsa: false,
    reason:
      'Samsa keeps no incremental fetch sessions (KIP-227): it answers session id 0, which the protocol allows and ' +
      'which makes clients send full fetch requests',
  },
  {
    scenario: CONFIGS_SCENARIO,
    path: 'everyDefault/min.insync.replicas',
    kafka: '1 (source 3)',
    samsa: '1 (source 5, read-only)',
    reason:
      'Kafka 4 sets min.insync.replicas as a cluster-wide dynamic default (source 3); Samsa is one node, so it is ' +
      'always 1 and read-only',
  },
  {
    scenario: 'raw gzip, zstd and uncompressed batches; a topic with compression.type',
    path: 'gzipTopic',
    kafka: { created: 'NONE', producedErrorCode: 'NONE', storedCodecs: [1, 1], values: [VALUE_A('topic'), null] },
    samsa: { created: 'INVALID_CONFIG', producedErrorCode: undefined, storedCodecs: undefined, values: undefined },
    reason:
      'Samsa stores batches as the producer compressed them and never recompresses, so it accepts only ' +
      'compression.type=producer and refuses other values with INVALID_CONFIG naming the rule; Kafka recompresses',
  },
  {
    scenario: 'ACLs described, created, honoured and deleted by an admin',
    path: 'invalid',
    kafka: ['UNKNOWN_SERVER_ERROR', 'UNKNOWN_SERVER_ERROR', 'UNKNOWN_SERVER_ERROR'],
    samsa: ['INVALID_REQUEST', 'INVALID_REQUEST', 'INVALID_REQUEST'],
    reason:
      "an ACL with a principal lacking 'User:', resource type ANY or pattern MATCH: Kafka's broker fails parsing it " +
      'with an IllegalArgumentException that reaches the client as UNKNOWN_SERVER_ERROR; Samsa answers ' +
      'INVALID_REQUEST with a message naming the field (both fail the creation, Samsa says why)',
  },
];

const KAFKA_ADMIN = { username: 'ops', password: 'ops-secret' };
const KAFKA_MEMBER = { username: 'alice', password: 'alice-secret' };

let kafka: KafkaCluster | undefined;
let samsa: BrokerProcess | undefined;
let secureSamsa: BrokerProcess | undefined;
let db: TestDatabase | undefined;
let fx: TenantFixtures | undefined;
const targets: { kafka?: Target; samsa?: Target; secureKafka?: SecureTarget; secureSamsa?: SecureTarget } = {};

/** Kafka with SASL (its PLAINTEXT listener serves the scenarios without auth) and the tenant-admin ACL Samsa has. */
async function startApacheKafka(): Promise<KafkaCluster> {
  kafka = await startKafka({
    sasl: {
      superuser: { name: KAFKA_ADMIN.username, password: KAFKA_ADMIN.password },
      users: [{ name: KAFKA_MEMBER.username, password: KAFKA_MEMBER.password }],
    },
    // One partition for Kafka's internal topics: they are created on first use, 50 partitions each by default.
    props: {
      'auto.create.topics.enable': 'false',
      'offsets.topic.num.partitions': '1',
      'transaction.state.log.num.partitions': '1',
      // The compaction scenario waits for the cleaner: Kafka's looks for work every 15 s by default.
      'log.cleaner.backoff.ms': '200',
      // The transaction-timeout scenario: expired transactions are looked for often.
      'transaction.abort.timed.out.transaction.cleanup.interval.ms': String(TXN_ABORT_CHECK_INTERVAL_MS),
    },
  });
  // Samsa's tenant-admin preset is an ACL (ALL on the cluster); Kafka's superuser needs none, but the same ACL is
  // written so that both brokers start with the same ACLs to describe. Kafka applies it through its metadata log.
  const admin = new Kafka({
    brokers: [kafka.saslBootstrap!],
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'plain', ...KAFKA_ADMIN },
  }).admin();
  await admin.connect();
  try {
    const acl = {
      resourceType: kafkajs.AclResourceTypes.CLUSTER,
      resourceName: 'kafka-cluster',
      resourcePatternType: kafkajs.ResourcePatternTypes.LITERAL,
      principal: 'User:ops',
      host: '*',
      operation: kafkajs.AclOperationTypes.ALL,
      permissionType: kafkajs.AclPermissionTypes.ALLOW,
    };
    await admin.createAcls({ acl: [acl] });
    await eventually(
      async () =>
        (await admin.describeAcls({ ...acl, resourcePatternType: kafkajs.ResourcePatternTypes.ANY })).resources.length >
        0,
      "Kafka's ACL for User:ops",
    );
  } finally {
    await admin.disconnect();
  }
  return kafka;
}

/** Samsa with tenants: tenant acme, its admin 'ops' (ALL on the cluster) and a member 'alice' without ACLs. */
async function startSecureSamsa(samsaArgs: string[]): Promise<SecureTarget> {
  db = await createTestDatabase();
  fx = new TenantFixtures(db.url);
  const tenant = await fx.tenant('acme');
  const opsKey = await fx.key(tenant, 'ops');
  await fx.admin(tenant, 'ops');
  const aliceKey = await fx.key(tenant, 'alice');
  secureSamsa = await startBroker({
    args: ['--database-url', db.url, ...samsaArgs],
    env: { SAMSA_SUPERUSER_PASSWORD: 'differential-superuser' },
  });
  return {
    name: 'samsa',
    bootstrap: secureSamsa.bootstrap,
    identity: { username: opsKey.keyId, password: opsKey.secret },
    member: { username: aliceKey.keyId, password: aliceKey.secret },
  };
}

before(async () => {
  if (skip) return;
  const samsaArgs = [
    '--auto-create-topics-enable',
    'false',
    '--group-initial-rebalance-delay-ms',
    '0',
    // The compaction scenario rolls segments every 200 ms (Kafka allows it) and waits for the cleaner.
    '--topic-min-segment-ms',
    '100',
    '--log-cleaner-backoff-ms',
    '200',
    '--transaction-abort-timed-out-interval-ms',
    String(TXN_ABORT_CHECK_INTERVAL_MS),
  ];
  // allSettled: when one fails, the others have finished starting by the time `after` cleans up.
  const started = await Promise.allSettled([
    startApacheKafka(),
    startBroker({ args: samsaArgs }).then((b) => {
      samsa = b;
      return b;
    }),
    startSecureSamsa(samsaArgs),
  ]);
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  const [k, s, secure] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    KafkaCluster,
    BrokerProcess,
    SecureTarget,
  ];
  targets.kafka = { name: 'kafka', bootstrap: k.bootstrap };
  targets.samsa = { name: 'samsa', bootstrap: s.bootstrap };
  targets.secureKafka = { name: 'kafka', bootstrap: k.saslBootstrap!, identity: KAFKA_ADMIN, member: KAFKA_MEMBER };
  targets.secureSamsa = secure;
});

after(async () => {
  await Promise.all([kafka?.stop(), samsa?.cleanup(), secureSamsa?.cleanup()]);
  await fx?.close();
  await db?.drop();
});

const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x), 2);

function at(o: unknown, path: string): unknown {
  let cur = o;
  for (const part of path.split('/')) cur = (cur as Record<string, unknown> | undefined)?.[part];
  return cur;
}

function replaceAt(o: Observation, path: string, value: unknown): void {
  const parts = path.split('/');
  let cur = o as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) cur = cur[part] as Record<string, unknown>;
  cur[parts.at(-1)!] = value;
}

/** The scenarios defined below, so that a listed difference naming none is caught. */
const scenarios = new Set<string>();

/** Kafka's observation must equal Samsa's, except at the listed paths, where both must be what the list says. */
function compare(scenario: string, fromKafka: Observation, fromSamsa: Observation): void {
  const k = structuredClone(fromKafka);
  const s = structuredClone(fromSamsa);
  for (const d of KNOWN_DIFFERENCES.filter((x) => x.scenario === scenario)) {
    assert.deepEqual(
      { kafka: at(k, d.path), samsa: at(s, d.path) },
      { kafka: d.kafka, samsa: d.samsa },
      `the listed difference ${scenario} ${d.path} (${d.reason}) no longer holds as listed`,
    );
    replaceAt(k, d.path, '<listed difference>');
    replaceAt(s, d.path, '<listed difference>');
  }
  assert.deepEqual(s, k, `${scenario}: Samsa observed\n${show(fromSamsa)}\nApache Kafka observed\n${show(fromKafka)}`);
}

const plain = (): [Target, Target] => [targets.kafka!, targets.samsa!];
const secure = (): [SecureTarget, SecureTarget] => [targets.secureKafka!, targets.secureSamsa!];

function differential<T extends Target>(name: string, scenario: Scenario<T>, pick: () => [T, T]): void {
  scenarios.add(name);
  test(name, { skip }, async (t) => {
    const timed = async (target: T) => {
      const started = performance.now();
      const o = await scenario(target);
      t.diagnostic(`${target.name}: ${Math.round(performance.now() - started)} ms`);
      return o;
    };
    const [fromKafka, fromSamsa] = await Promise.all(pick().map(timed));
    // SAMSA_DIFF_SHOW=1 prints both observations, to read what a scenario sees.
    if (process.env.SAMSA_DIFF_SHOW) t.diagnostic(`kafka: ${show(fromKafka)}\nsamsa: ${show(fromSamsa)}`);
    compare(name, fromKafka!, fromSamsa!);
  });
}

differential('records with keys, headers and gzip through kafkajs', producedWithKafkajs, plain);
differential('raw gzip, zstd and uncompressed batches; a topic with compression.type', rawCompressedBatches, plain);
differential('CreateTime and LogAppendTime timestamps; ListOffsets by time', timestampsAndListOffsets, plain);
differential('Metadata and Fetch details, DeleteRecords, CreatePartitions', metadataFetchAndDeletion, plain);
differential(
  'idempotent producer sequences; produce requests that must be refused',
  idempotenceAndRefusedProduce,
  plain,
);
differential('a transactional producer finds its coordinator and initializes', transactionalProducer, plain);
differential(
  'classic group protocol by hand: member ids, generations, stale generation, unknown member',
  groupGenerations,
  plain,
);
differential('OffsetCommit/OffsetFetch edge cases', offsetCommitFetchEdgeCases, plain);
differential('two kafkajs consumers joining and leaving a group', kafkajsRebalances, plain);
// After the group scenarios above: the groups they left behind.
differential('ListGroups: every group with its state and type', listGroups, plain);
differential('a compacted topic read from the start after both cleaners ran', compactedTopicAfterCleaning, plain);
differential('topic configs: describe with synonyms, alter, unknown names, invalid values', topicConfigs, plain);
differential(
  'error cases: unknown topic and partition, too large, invalid names, configs, replication',
  errorCases,
  plain,
);
// After ListGroups: the transaction's offsets create a group.
differential('kafkajs transactions: commit, abort, sendOffsets; both isolation levels', kafkajsTransactions, plain);
differential(KAFKAJS_FENCING_SCENARIO, kafkajsFencingTimeoutAndCtp, plain);
differential('a principal without ACLs is refused by every API', unauthorizedMember, secure);
differential('ACLs described, created, honoured and deleted by an admin', aclLifecycle, secure);
differential('SASL: unsupported mechanism, wrong password, a request before authenticating', authentication, secure);

test('every listed difference names a scenario and two different observations', () => {
  for (const d of KNOWN_DIFFERENCES) {
    assert.ok(scenarios.has(d.scenario), `'${d.scenario}' (${d.path}) is listed but there is no scenario of that name`);
    assert.notDeepEqual(d.kafka, d.samsa, `${d.scenario} ${d.path} is listed but the values are equal`);
  }
});
