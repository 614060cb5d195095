/**
 * The harness itself: a real Apache Kafka with SASL/SCRAM and its authorizer, a 3-node KRaft cluster, and a Java
 * program compiled and run against Kafka's client jars.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { KAFKA_VERSION, kafkaSkipReason } from '../src/jars.ts';
import { compileJava, runJava } from '../src/java.ts';
import { startKafka } from '../src/kafka.ts';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

test('one node with SASL/SCRAM: the superuser creates, produces and reads; a plain user is refused by the authorizer', {
  skip,
}, async () => {
  const kafka = await startKafka({
    sasl: {
      superuser: { name: 'admin', password: 'admin-secret' },
      users: [{ name: 'alice', password: 'alice-secret' }],
    },
  });
  try {
    const as = (username: string, password: string) =>
      new Kafka({
        brokers: kafka.saslBootstrap!.split(','),
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
        sasl: { mechanism: 'scram-sha-512', username, password },
      });
    const admin = as('admin', 'admin-secret').admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'harness', numPartitions: 2 }] });
    const producer = as('admin', 'admin-secret').producer();
    await producer.connect();
    await producer.send({ topic: 'harness', messages: [{ key: 'k', value: 'hello' }] });
    await producer.disconnect();
    const offsets = await admin.fetchTopicOffsets('harness');
    assert.equal(
      offsets.reduce((s, o) => s + Number(o.high), 0),
      1,
    );
    await admin.disconnect();

    const alice = as('alice', 'alice-secret').admin();
    await alice.connect();
    await assert.rejects(
      alice.createTopics({ topics: [{ topic: 'alice-topic' }] }),
      (err: { errors?: { type: string }[] }) => {
        assert.deepEqual(
          err.errors?.map((e) => e.type),
          ['TOPIC_AUTHORIZATION_FAILED'],
        );
        return true;
      },
    );
    await alice.disconnect();
    const wrong = as('alice', 'not-her-password').admin();
    await assert.rejects(wrong.connect(), /SASL|auth/i);
  } finally {
    await kafka.stop();
  }
});

test('three KRaft nodes: every broker registered, a topic replicated three times', { skip }, async () => {
  const kafka = await startKafka({ nodes: 3, heapMb: 384 });
  try {
    const admin = new Kafka({ brokers: kafka.bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    assert.equal((await admin.describeCluster()).brokers.length, 3);
    await admin.createTopics({
      topics: [{ topic: 'replicated', numPartitions: 3, replicationFactor: 3 }],
      waitForLeaders: true,
    });
    const md = await admin.fetchTopicMetadata({ topics: ['replicated'] });
    for (const p of md.topics[0]!.partitions) assert.equal(p.replicas.length, 3);
    await admin.disconnect();
  } finally {
    await kafka.stop();
  }
});

test('a Java program compiled against the Kafka client jars runs and sees their version', { skip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'harness-java-'));
  try {
    await writeFile(
      join(dir, 'Version.java'),
      'public class Version { public static void main(String[] a) { System.out.println(org.apache.kafka.common.utils.AppInfoParser.getVersion()); } }\n',
    );
    const classpath = await compileJava(dir);
    const r = await runJava('Version', [], { classpath });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), KAFKA_VERSION);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
