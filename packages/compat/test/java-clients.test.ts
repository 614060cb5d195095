/**
 * The Java client family (`kafka-clients` 4.1.1, the client most Kafka users run) against a real `samsa broker`:
 * the producer with its defaults and every codec, consumer groups (classic cooperative-sticky and KIP-848), and the
 * Admin client, without tenants and, over SASL/SCRAM, with two tenants that must not see each other. Each area is one
 * Java program in ../java that prints one JSON line per observation; this file asserts on them and cross-checks what
 * the Java producer wrote with kafkajs, kcat and raw Fetch requests.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { compileJava, runJava } from '@samsa/kafka-harness/java';
import { batchSizeAt, Compression, Fetch, readBatchHeader } from '@samsa/protocol';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { kcat } from '@samsa/test-support/kcat';
import { RawClient } from '@samsa/test-support/raw-client';
import { TenantFixtures, type TestKey } from '@samsa/test-support/tenants';
import { Kafka, logLevel } from 'kafkajs';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

const JAVA_DIR = join(dirname(fileURLToPath(import.meta.url)), '../java');
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const BASE_TS = 1_700_000_000_000;
const RECORDS_PER_CODEC = 40;
const SUPERUSER_PASSWORD = 'java-clients-superuser-password';

/** One line a Java program printed: `check` names the observation, the other keys are what it saw. */
type Observation = { check: string; [key: string]: any };

let classpath: string;
let broker: BrokerProcess;
let tenantBroker: BrokerProcess;
let db: TestDatabase;
let fx: TenantFixtures;
let acmeAdmin: TestKey;
let globexAdmin: TestKey;

before(async () => {
  if (skip) return;
  const tenants = (async () => {
    db = await createTestDatabase();
    fx = new TenantFixtures(db.url);
    const acme = await fx.tenant('acme');
    const globex = await fx.tenant('globex');
    acmeAdmin = await fx.key(acme, 'acme-admin');
    await fx.admin(acme, 'acme-admin');
    globexAdmin = await fx.key(globex, 'globex-admin');
    await fx.admin(globex, 'globex-admin');
    tenantBroker = await startBroker({
      args: ['--database-url', db.url, '--group-initial-rebalance-delay-ms', '0'],
      env: { SAMSA_SUPERUSER_PASSWORD: SUPERUSER_PASSWORD },
    });
  })();
  [classpath, broker] = await Promise.all([
    compileJava(JAVA_DIR),
    startBroker({
      args: ['--group-initial-rebalance-delay-ms', '0', '--group-consumer-heartbeat-interval-ms', '500'],
    }),
    tenants,
  ]);
});

after(async () => {
  await broker?.cleanup();
  await tenantBroker?.cleanup();
  await fx?.close();
  await db?.drop();
});

/**
 * Runs one check program and returns its observations; it must exit 0 without logging an ERROR (the client logs one
 * when it meets an API it needs and the broker lacks).
 */
async function runCheck(mainClass: string, args: string[]): Promise<Observation[]> {
  const r = await runJava(mainClass, args, { classpath, timeoutMs: 120_000 });
  assert.equal(r.code, 0, `${mainClass} exited with ${r.code}:\n${r.stdout}\n${r.stderr}`);
  const errors = r.stderr.split('\n').filter((l) => / ERROR /.test(l));
  assert.deepEqual(errors, [], `${mainClass} logged errors:\n${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Observation);
}

/** The single observation named `check`; it must not be a failed step. */
function one(obs: Observation[], check: string): Observation {
  const found = obs.filter((o) => o.check === check);
  assert.equal(found.length, 1, `expected one "${check}" observation, got ${JSON.stringify(found)}`);
  assert.equal(found[0]!.error, undefined, `${check} failed: ${found[0]!.error}: ${found[0]!.message}`);
  return found[0]!;
}

/** The exception a call was expected to fail with ("none" if it succeeded). */
function outcome(obs: Observation[], check: string): string {
  const found = obs.filter((o) => o.check === check);
  assert.equal(found.length, 1, `expected one "${check}" observation, got ${JSON.stringify(found)}`);
  return found[0]!.error;
}

function sentValue(codec: string, seq: number): string {
  return `${codec}-${seq}-${'compressible '.repeat(20)}`;
}

test('producer: idempotent acks=all by default, every codec, keys, headers and timestamps read back exactly', {
  skip,
}, async () => {
  const obs = await runCheck('ProducerCheck', [broker.bootstrap, 'jp-', String(RECORDS_PER_CODEC), String(BASE_TS)]);
  assert.deepEqual(one(obs, 'producer-defaults'), {
    check: 'producer-defaults',
    'enable.idempotence': true,
    acks: '-1',
  });
  const sent = obs.filter((o) => o.check === 'sent');
  const received = obs.filter((o) => o.check === 'received');
  assert.equal(sent.length, CODECS.length * RECORDS_PER_CODEC);
  assert.equal(one(obs, 'consumer-done').received, CODECS.length * RECORDS_PER_CODEC);

  for (const codec of CODECS) {
    const got = received.filter((r) => r.codec === codec);
    // No duplicates, no gaps: each partition's offsets are 0..n-1 and every record was read once.
    for (const partition of [0, 1]) {
      const offsets = got.filter((r) => r.partition === partition).map((r) => r.offset);
      assert.deepEqual(
        offsets,
        offsets.map((_, i) => i),
        `${codec} partition ${partition}`,
      );
    }
    const bySeq = new Map(got.map((r) => [Number(r.headers[0][1]), r]));
    assert.equal(bySeq.size, RECORDS_PER_CODEC, `${codec}: every record once`);
    for (const s of sent.filter((o) => o.codec === codec)) {
      const r = bySeq.get(s.seq)!;
      assert.ok(r, `${codec} record ${s.seq} was read back`);
      assert.deepEqual(
        { partition: r.partition, offset: r.offset },
        { partition: s.partition, offset: s.offset },
        'where the producer was told it went',
      );
      assert.equal(r.key, s.seq === 0 ? null : `key-${s.seq % 5}`);
      assert.equal(r.value, sentValue(codec, s.seq));
      assert.deepEqual(r.headers, [
        ['seq', String(s.seq)],
        ['codec', codec],
        ['empty', null],
      ]);
      assert.equal(r.timestamp, BASE_TS + s.seq * 1000);
      assert.equal(r.timestampType, 'CreateTime');
    }
    // Records with the same key went to the same partition.
    for (let k = 0; k < 5; k++) {
      const partitions = new Set(got.filter((r) => r.key === `key-${k}`).map((r) => r.partition));
      assert.equal(partitions.size, 1, `${codec}: key-${k} in one partition`);
    }
  }

  // What Samsa stored: every batch carries a producer id and sequence (idempotent) and the codec it was sent with.
  const raw = await RawClient.connect(broker.port);
  try {
    for (const codec of CODECS) {
      const res = (await raw.request(Fetch, 11, {
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 10_000_000,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic: `jp-${codec}`,
            partitions: [0, 1].map((partition) => ({ partition, fetchOffset: 0n, partitionMaxBytes: 5_000_000 })),
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      })) as any;
      let records = 0;
      for (const p of res.responses[0].partitions) {
        const bytes: Buffer = p.records;
        for (let at = 0; at < bytes.length; at += batchSizeAt(bytes, at)) {
          const h = readBatchHeader(bytes, at);
          assert.ok(h.producerId >= 0n, `${codec}: batch at ${h.baseOffset} has a producer id`);
          assert.ok(h.baseSequence >= 0, `${codec}: batch at ${h.baseOffset} has a sequence`);
          assert.equal(h.attributes & 0x07, Compression[codec], `${codec}: batch compressed with ${codec}`);
          records += h.recordCount;
        }
      }
      assert.equal(records, RECORDS_PER_CODEC, `${codec}: stored once each`);
    }
  } finally {
    raw.close();
  }

  // Another client reads the same records: kafkajs for gzip (its built-in codec), kcat for the other codecs.
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: 'jp-kafkajs-check', maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: 'jp-gzip', fromBeginning: true });
    const seen: { key: string | null; value: string; seq: string; ts: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            seen.push({
              key: message.key?.toString() ?? null,
              value: message.value!.toString(),
              seq: message.headers!.seq!.toString(),
              ts: message.timestamp,
            });
            if (seen.length === RECORDS_PER_CODEC) resolve();
          },
        })
        .catch(reject);
    });
    for (const m of seen) {
      const seq = Number(m.seq);
      assert.equal(m.value, sentValue('gzip', seq));
      assert.equal(m.key, seq === 0 ? null : `key-${seq % 5}`);
      assert.equal(m.ts, String(BASE_TS + seq * 1000));
    }
    assert.equal(new Set(seen.map((m) => m.seq)).size, RECORDS_PER_CODEC);
  } finally {
    await consumer.disconnect();
  }
  for (const codec of ['snappy', 'lz4', 'zstd']) {
    const out = await kcat([
      '-b',
      broker.bootstrap,
      '-C',
      '-t',
      `jp-${codec}`,
      '-o',
      'beginning',
      '-e',
      '-q',
      '-f',
      '%k|%s|%T|%h\n',
    ]);
    const lines = out.stdout.trim().split('\n');
    assert.equal(lines.length, RECORDS_PER_CODEC, `kcat read every ${codec} record`);
    const seqs = new Set<number>();
    for (const line of lines) {
      const [key, value, ts, headers] = line.split('|');
      const seq = Number(/seq=(\d+)/.exec(headers!)![1]);
      seqs.add(seq);
      assert.equal(value, sentValue(codec, seq));
      assert.equal(key, seq === 0 ? '' : `key-${seq % 5}`);
      assert.equal(Number(ts), BASE_TS + seq * 1000);
    }
    assert.equal(seqs.size, RECORDS_PER_CODEC);
  }
});

test('consumer groups: classic cooperative-sticky and KIP-848 rebalances, each record once, offsets resumed, seek by time', {
  skip,
}, async () => {
  const obs = await runCheck('GroupCheck', [broker.bootstrap, 'jg-topic', 'jg-group', 'jg-times', String(BASE_TS)]);
  const consumed = obs.filter((o) => o.check === 'consumed' && ['a', 'b', 'c'].includes(o.member));
  const values = consumed.map((o) => o.value).sort();
  assert.equal(values.length, 350, 'every record consumed once across a, b and c');
  assert.equal(new Set(values).size, 350, 'no record consumed twice');

  // b joins: a keeps what it has not given away (cooperative: a gives up only partitions b gets).
  const two = obs.find((o) => o.check === 'assignment' && o.phase === 'two-members')!;
  assert.deepEqual([...two.a, ...two.b].sort(), [0, 1, 2, 3]);
  assert.ok(two.a.length > 0 && two.b.length > 0);
  const aRevoked = obs.filter((o) => o.check === 'rebalance' && o.member === 'a' && o.event === 'revoked');
  assert.deepEqual(aRevoked[0]!.partitions, two.b, 'a revoked exactly what b was given, nothing more');
  assert.equal(obs.filter((o) => o.check === 'rebalance' && o.event === 'lost').length, 0);
  const described = one(obs, 'describe-group');
  assert.equal(described.state, 'Stable');
  assert.equal(described.assignor, 'cooperative-sticky');
  assert.deepEqual(
    described.members.map((m: any) => [m.clientId, m.partitions]).sort(),
    [
      ['member-a', two.a],
      ['member-b', two.b],
    ].sort(),
  );
  assert.equal(outcome(obs, 'delete-active-group'), 'GroupNotEmptyException');
  // b leaves: a gets its partitions back; b's records were not consumed again.
  assert.deepEqual(obs.find((o) => o.check === 'assignment' && o.phase === 'after-leave')!.a, [0, 1, 2, 3]);
  // c, a new member of the same group, starts at the committed offsets: only the 50 records produced after a left.
  const byC = consumed.filter((o) => o.member === 'c').map((o) => Number(o.value.slice(2)));
  assert.deepEqual(
    byC.sort((x, y) => x - y),
    Array.from({ length: 50 }, (_, i) => 300 + i),
  );
  const committed = obs.filter((o) => o.check === 'committed');
  assert.equal(committed.length, 4);
  for (const c of committed) assert.equal(c.offset, c.end, `partition ${c.partition} committed up to its end`);
  assert.equal(
    committed.reduce((s, c) => s + c.end, 0),
    350,
  );

  assert.deepEqual(one(obs, 'offsets-for-times'), {
    check: 'offsets-for-times',
    offset: 5,
    timestamp: BASE_TS + 5000,
    firstValue: 't-5',
    firstTimestamp: BASE_TS + 5000,
    beyondLast: null,
    beginning: 0,
    end: 10,
  });

  // KIP-848 (group.protocol=consumer): the broker assigns. A lone member reads everything; a second one gets its
  // share once the first has given it up; when it leaves, the first gets everything back. Nothing is read twice.
  const byKip848 = obs.filter((o) => o.check === 'consumed' && o.member.startsWith('kip848-')).map((o) => o.value);
  assert.equal(byKip848.length, 390);
  assert.equal(new Set(byKip848).size, 390);
  assert.deepEqual(one(obs, 'kip848-alone').assigned, [0, 1, 2, 3]);
  const shared = one(obs, 'kip848-shared');
  assert.deepEqual([...shared.a, ...shared.b].sort(), [0, 1, 2, 3]);
  assert.ok(shared.a.length > 0 && shared.b.length > 0);
  const firstRevoked = obs.find((o) => o.check === 'rebalance' && o.member === 'kip848-1' && o.event === 'revoked')!;
  assert.deepEqual(firstRevoked.partitions, shared.b, 'the first member gave up exactly what the second got');
  const described848 = one(obs, 'kip848-describe');
  assert.equal(described848.type, 'Consumer', 'described with ConsumerGroupDescribe');
  assert.equal(described848.state, 'Stable');
  assert.equal(described848.assignor, 'uniform');
  assert.deepEqual(
    described848.members.map((m: any) => [m.clientId, m.partitions]).sort(),
    [
      ['member-kip848-1', shared.a],
      ['member-kip848-2', shared.b],
    ].sort(),
  );
  assert.deepEqual(
    { ...one(obs, 'kip848-listed'), check: undefined },
    { check: undefined, type: 'Consumer', protocol: 'consumer', state: 'Stable' },
  );
  assert.deepEqual(one(obs, 'kip848-after-leave').a, [0, 1, 2, 3]);
  assert.equal(obs.filter((o) => o.check === 'kip848').length, 0, 'no KIP-848 step failed');
});

test('admin: topics, configs, partitions, offsets, records, groups, cluster and log dirs', { skip }, async () => {
  const obs = await runCheck('AdminCheck', [broker.bootstrap, 'ja-', String(BASE_TS)]);
  one(obs, 'create-topics');
  assert.equal(outcome(obs, 'create-existing'), 'TopicExistsException');
  const names = one(obs, 'list-topics').names as string[];
  assert.ok(names.includes('ja-main') && names.includes('ja-doomed'), names.join());

  const described = one(obs, 'describe-topics');
  assert.equal(described.name, 'ja-main');
  assert.notEqual(described.topicId, 'AAAAAAAAAAAAAAAAAAAAAA', 'a real topic id');
  const cluster = one(obs, 'describe-cluster');
  assert.deepEqual(cluster.nodes, [{ id: cluster.controller, host: '127.0.0.1', port: broker.port }]);
  assert.equal(typeof cluster.clusterId, 'string');
  const partitions = (n: number) =>
    Array.from({ length: n }, (_, partition) => ({ partition, leader: cluster.controller, replicas: 1, isr: 1 }));
  assert.deepEqual(described.partitions, partitions(3));
  assert.equal(outcome(obs, 'describe-missing-topic'), 'UnknownTopicOrPartitionException');

  const configs = one(obs, 'describe-configs');
  assert.equal(configs['retention.ms'], '3600000');
  assert.equal(configs.retentionSource, 'DYNAMIC_TOPIC_CONFIG');
  assert.equal(configs['cleanup.policy'], 'delete');
  assert.equal(configs.cleanupSource, 'DEFAULT_CONFIG');
  assert.ok(one(obs, 'describe-broker-configs').entries > 0);
  assert.deepEqual(one(obs, 'incremental-alter-configs'), {
    check: 'incremental-alter-configs',
    'retention.ms': '7200000',
    retentionSource: 'DYNAMIC_TOPIC_CONFIG',
    maxMessageBytesSource: 'DEFAULT_CONFIG',
  });
  assert.equal(outcome(obs, 'alter-invalid-value'), 'InvalidConfigurationException');
  assert.equal(outcome(obs, 'alter-unknown-name'), 'InvalidConfigurationException');
  assert.equal(outcome(obs, 'alter-missing-topic'), 'UnknownTopicOrPartitionException');

  assert.deepEqual(one(obs, 'create-partitions').partitions, partitions(5));
  assert.equal(outcome(obs, 'create-partitions-fewer'), 'InvalidPartitionsException');

  one(obs, 'produce');
  const offsets = one(obs, 'list-offsets');
  assert.equal(offsets.earliest, 0);
  assert.equal(offsets.latest, 10);
  assert.equal(offsets.forTimestamp, 4, 'the first record at or after base + 3.5 s');
  assert.equal(offsets.afterLast, -1);
  assert.equal(offsets.maxTimestamp, 9, 'the record with the largest timestamp');
  assert.deepEqual(
    { ...one(obs, 'delete-records'), check: undefined },
    { check: undefined, lowWatermark: 3, earliest: 3, latest: 10 },
  );

  one(obs, 'commit');
  assert.deepEqual(one(obs, 'list-groups'), {
    check: 'list-groups',
    groups: ['ja-group'],
    consumerGroups: ['ja-group'],
  });
  assert.deepEqual(one(obs, 'describe-group'), { check: 'describe-group', state: 'Empty', members: 0 });
  assert.deepEqual(one(obs, 'list-group-offsets').offsets, { 0: { offset: 5, metadata: 'five' } });
  assert.deepEqual(one(obs, 'alter-group-offsets').offsets, {
    0: { offset: 7, metadata: '' },
    1: { offset: 1, metadata: '' },
  });
  assert.deepEqual(one(obs, 'delete-group-offsets').offsets, { 0: { offset: 7, metadata: '' } });
  assert.deepEqual(one(obs, 'delete-groups'), { check: 'delete-groups', stillListed: false, offsetsAfter: 0 });
  assert.equal(outcome(obs, 'delete-missing-group'), 'GroupIdNotFoundException');

  const logDirs = one(obs, 'describe-log-dirs');
  assert.equal(logDirs.dirs, 1);
  assert.deepEqual(Object.keys(logDirs.sizes), ['0', '1', '2', '3', '4']);
  assert.ok(logDirs.sizes['0'] > 0 && logDirs.sizes['1'] > 0, 'partitions holding records have bytes');
  assert.equal(logDirs.sizes['2'], 0);
  assert.equal(outcome(obs, 'describe-acls-without-auth'), 'SecurityDisabledException');
  // Kafka keeps quotas without an authorizer; Samsa's quotas belong to tenants, so without tenants there are none.
  assert.equal(outcome(obs, 'describe-quotas-without-tenants'), 'SecurityDisabledException');
  // Admin calls on APIs Samsa lacks end at once with UnsupportedVersionException (what the client raises when the
  // broker does not advertise the API), never with a timeout or another error.
  const unimplemented = one(obs, 'unimplemented-apis').outcomes as Record<string, string>;
  assert.equal(unimplemented.describeFeatures, 'none');
  for (const [call, outcome] of Object.entries(unimplemented)) {
    assert.ok(['none', 'UnsupportedVersionException'].includes(outcome), `${call}: ${outcome}`);
  }
  assert.deepEqual(one(obs, 'delete-topics'), {
    check: 'delete-topics',
    stillListed: false,
    describeError: 'UnknownTopicOrPartitionException',
  });
});

test('admin with tenants over SCRAM-SHA-512: ACLs, isolation of topics, groups and ACLs, quotas for the superuser', {
  skip,
}, async () => {
  const obs = await runCheck('TenantCheck', [
    tenantBroker.bootstrap,
    acmeAdmin.keyId,
    acmeAdmin.secret,
    globexAdmin.keyId,
    globexAdmin.secret,
    'admin',
    SUPERUSER_PASSWORD,
  ]);
  one(obs, 'create-topics');
  one(obs, 'commit');
  assert.deepEqual(one(obs, 'produce-consume').values, ['order-0', 'order-1', 'order-2']);
  assert.deepEqual(one(obs, 'kip848-in-tenant').values, ['order-0', 'order-1', 'order-2']);
  one(obs, 'create-acls');
  const acls = obs.filter((o) => o.check === 'describe-acls');
  assert.equal(acls.length, 2, JSON.stringify(acls));
  const acmeAcls = acls.find((o) => o.tenant === 'acme')!.acls as string[];
  const globexAcls = acls.find((o) => o.tenant === 'globex')!.acls as string[];
  for (const a of [
    'User:reader ALLOW READ TOPIC:LITERAL:orders',
    'User:reader ALLOW DESCRIBE TOPIC:PREFIXED:ord',
    'User:reader ALLOW READ GROUP:LITERAL:billing',
  ]) {
    assert.ok(acmeAcls.includes(a), `acme sees its ACL ${a}: ${acmeAcls.join('; ')}`);
    assert.ok(!globexAcls.includes(a), `globex does not see acme's ${a}`);
  }
  assert.ok(globexAcls.includes('User:packer ALLOW WRITE TOPIC:LITERAL:orders'));
  assert.ok(!acmeAcls.some((a) => a.includes('packer')), "acme does not see globex's ACL");
  const deleted = one(obs, 'delete-acls');
  assert.equal(deleted.deleted, 1);
  assert.deepEqual(
    deleted.after,
    acmeAcls.filter((a) => a !== 'User:reader ALLOW READ GROUP:LITERAL:billing'),
  );

  const visible = (who: string) => obs.find((o) => o.check === 'visible' && o.who === who)!;
  assert.deepEqual(visible('acme').topics, ['acme-only', 'orders']);
  assert.deepEqual(visible('acme').groups, ['billing', 'kip848']);
  assert.deepEqual(visible('globex').topics, ['globex-only', 'orders']);
  assert.deepEqual(visible('globex').groups, ['shipping']);
  for (const t of ['acme.acme-only', 'acme.orders', 'globex.globex-only', 'globex.orders']) {
    assert.ok(visible('superuser').topics.includes(t), `the superuser sees ${t}`);
  }
  assert.ok(visible('superuser').groups.includes('acme.billing'));
  assert.ok(visible('superuser').groups.includes('acme.kip848'));
  assert.deepEqual(one(obs, 'describe-topics'), { check: 'describe-topics', partitions: 2, leaders: [0, 0] });
  assert.equal(outcome(obs, 'other-tenant-topic'), 'UnknownTopicOrPartitionException');
  assert.deepEqual(one(obs, 'other-tenant-group'), { check: 'other-tenant-group', state: 'Dead', offsets: 0 });
  assert.deepEqual(one(obs, 'own-group-offsets').offsets, { 'orders-0': 2 });

  assert.equal(outcome(obs, 'tenant-describe-quotas'), 'ClusterAuthorizationException');
  assert.equal(outcome(obs, 'tenant-alter-quotas'), 'ClusterAuthorizationException');
  assert.deepEqual(one(obs, 'quotas'), {
    check: 'quotas',
    entities: 1,
    values: { producer_byte_rate: 1048576, 'samsa.max_topics': 50 },
  });
});
