/**
 * Transactions with the Java client (`kafka-clients` 4.1.1) against a real `samsa broker` and a real Apache Kafka
 * 4.1.1, side by side: one Java program (../java/TxnCheck.java) commits, aborts, leaves a transaction open, fences a
 * zombie, runs consume-transform-produce with sendOffsetsToTransaction and lets a transaction time out, reading the
 * topics with read_committed and read_uncommitted consumers after each step. Samsa must show exactly what Kafka
 * shows (values and end offsets: markers take an offset in both), and what Kafka shows is asserted too. kcat
 * (librdkafka) then reads the topic at both isolation levels from both brokers. Kafka Streams applications with
 * exactly_once_v2 (../java/StreamsEosCheck.java), a stateless map and a stateful count whose state-store changelog is
 * a compacted topic, run against both too, and the count against Samsa once more while the broker is killed with
 * kill -9 mid-run and restarted.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { createInterface } from 'node:readline';
import { compileJava, runJava, spawnJava } from '@samsa/kafka-harness/java';
import { freePort, type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import { type BrokerProcess, makeDataDir, startBroker } from '@samsa/test-support/broker-process';
import { kcat } from '@samsa/test-support/kcat';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

const JAVA_DIR = join(dirname(fileURLToPath(import.meta.url)), '../java');
/** transaction.timeout.ms of the producer that is left to time out; both brokers look for expired ones often. */
const SHORT_TIMEOUT_MS = 1_500;
const ABORT_CHECK_INTERVAL_MS = 300;

type Observation = { check: string; [key: string]: any };

let classpath: string;
let samsa: BrokerProcess | undefined;
let kafka: KafkaCluster | undefined;

before(async () => {
  if (skip) return;
  [classpath, samsa, kafka] = await Promise.all([
    compileJava(JAVA_DIR),
    startBroker({
      args: [
        '--transaction-abort-timed-out-interval-ms',
        String(ABORT_CHECK_INTERVAL_MS),
        '--group-initial-rebalance-delay-ms',
        '0',
      ],
    }),
    startKafka({
      props: {
        'offsets.topic.num.partitions': '1',
        'transaction.state.log.num.partitions': '1',
        'transaction.abort.timed.out.transaction.cleanup.interval.ms': String(ABORT_CHECK_INTERVAL_MS),
        'group.initial.rebalance.delay.ms': '0',
      },
      // Samsa speaks the transaction protocol of KIP-98/447 (transaction.version 1) and does not advertise KIP-890's
      // version 2, so the Java client uses version 1 with it; Kafka 4 formats with version 2, where a commit after
      // the broker aborted a timed-out transaction fails differently (InvalidTxnState, not ProducerFenced). Compare
      // like with like.
      features: { 'transaction.version': 1 },
    }),
  ]);
});

after(async () => {
  await samsa?.cleanup();
  await kafka?.stop();
});

async function javaCheck(mainClass: string, args: string[]): Promise<Observation[]> {
  const r = await runJava(mainClass, args, { classpath, timeoutMs: 120_000 });
  assert.equal(r.code, 0, `${mainClass} exited with ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Observation);
}

/** The read of one step by one isolation level. */
function seen(obs: Observation[], check: string, isolation: string): { values: string[]; endOffsets: number[] } {
  const o = obs.find((x) => x.check === check && x.isolation === isolation);
  assert.ok(o, `no ${check} ${isolation} observation in ${JSON.stringify(obs)}`);
  return { values: o.values, endOffsets: o.endOffsets };
}

const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

test('Java transactional producer: Samsa shows read_committed and read_uncommitted consumers what Kafka does', {
  skip,
}, async () => {
  const txnCheck = (bootstrap: string) => javaCheck('TxnCheck', [bootstrap, 'txn-', String(SHORT_TIMEOUT_MS)]);
  const [onSamsa, onKafka] = await Promise.all([txnCheck(samsa!.bootstrap), txnCheck(kafka!.bootstrap)]);
  for (const obs of [onKafka, onSamsa]) {
    for (const step of ['init', 'commit', 'abort']) assert.deepEqual(obs.find((o) => o.check === step)?.ok, true, step);
    const committed = range('committed-', 6);
    assert.deepEqual(seen(obs, 'after-abort', 'read_committed').values, committed);
    assert.deepEqual(seen(obs, 'after-abort', 'read_uncommitted').values, [...range('aborted-', 4), ...committed]);
    // The open transaction's records: hidden from read_committed (its end offset is the LSO), shown to the other.
    assert.deepEqual(seen(obs, 'while-open', 'read_committed').values, committed);
    assert.deepEqual(
      seen(obs, 'while-open', 'read_uncommitted').values.filter((v) => v.startsWith('open-')),
      range('open-', 3),
    );
    assert.deepEqual(
      seen(obs, 'after-open-commit', 'read_committed').values,
      [...committed, ...range('open-', 3)].sort(),
    );
    // Admin's describeTransactions and listTransactions while one is open. (Right after a commit Kafka may still say
    // PrepareCommit, its markers being written after EndTxn is answered; Samsa answers once they are written.)
    const described = (check: string) => obs.filter((o) => o.check === check).map(({ check: _, ...o }) => o);
    assert.deepEqual(described('describe-open'), [
      // keys k0-k2 all hash (murmur2) to partition 1
      { id: 'txn-open', state: 'Ongoing', timeoutMs: 60_000, started: true, partitions: ['txn-data-1'] },
      { id: 'txn-a', state: 'CompleteAbort', timeoutMs: 60_000, started: true, partitions: [] },
      { error: 'TransactionalIdNotFoundException', message: described('describe-open')[2]?.message },
    ]);
    assert.deepEqual(described('describe-open-list'), [{ listed: ['txn-a=CompleteAbort', 'txn-open=Ongoing'] }]);
    // The zombie's commit fails; nothing it wrote is committed; its successor's transaction is.
    assert.notEqual(obs.find((o) => o.check === 'zombie-commit')?.error, 'none');
    const afterFencing = seen(obs, 'after-fencing', 'read_committed').values;
    assert.ok(afterFencing.includes('successor-0'));
    assert.ok(!afterFencing.some((v) => v.startsWith('zombie-')));
    // Consume-transform-produce: the committed round's output and offset, the aborted round's neither.
    assert.equal(obs.find((o) => o.check === 'ctp-group-offset')?.offset, 4);
    assert.deepEqual(seen(obs, 'ctp-out', 'read_committed').values, range('out-', 4));
    assert.deepEqual(seen(obs, 'ctp-out', 'read_uncommitted').values, ['dropped-4', 'dropped-5', ...range('out-', 4)]);
    // The transaction that outlived its timeout was aborted by the broker, its producer fenced.
    assert.notEqual(obs.find((o) => o.check === 'timeout-commit')?.error, 'none');
    assert.ok(!seen(obs, 'after-timeout', 'read_committed').values.includes('timed-out-0'));
    assert.ok(seen(obs, 'after-timeout', 'read_uncommitted').values.includes('timed-out-0'));
  }
  // Line for line the same observations: values, end offsets (markers included), exceptions.
  const comparable = (obs: Observation[]) => obs.map(({ message: _, ...o }) => o);
  assert.deepEqual(comparable(onSamsa), comparable(onKafka));

  // librdkafka (kcat) reads the same topic at both isolation levels as Java's consumers did, on both brokers.
  const kcatRead = async (bootstrap: string, isolation: string) =>
    (
      await kcat([
        '-b',
        bootstrap,
        '-C',
        '-t',
        'txn-data',
        '-o',
        'beginning',
        '-e',
        '-q',
        '-f',
        '%s\\n',
        '-X',
        `isolation.level=${isolation}`,
      ])
    ).stdout
      .split('\n')
      .filter((v) => v !== '')
      .sort();
  for (const isolation of ['read_committed', 'read_uncommitted']) {
    const expected = seen(onKafka, 'after-timeout', isolation).values;
    assert.deepEqual(await kcatRead(kafka!.bootstrap, isolation), expected, `kcat ${isolation} on Kafka`);
    assert.deepEqual(await kcatRead(samsa!.bootstrap, isolation), expected, `kcat ${isolation} on Samsa`);
  }
});

test('a Kafka Streams application with exactly_once_v2 writes every record exactly once, as on Kafka', {
  skip,
}, async () => {
  const eos = (bootstrap: string) => javaCheck('StreamsEosCheck', [bootstrap, 'eos-', '300']);
  const [onSamsa, onKafka] = await Promise.all([eos(samsa!.bootstrap), eos(kafka!.bootstrap)]);
  const expected = [{ check: 'streams-eos', state: 'RUNNING', received: 300, exactlyOnce: true }];
  const result = (obs: Observation[]) => obs.filter((o) => o.check === 'streams-eos');
  assert.deepEqual(result(onKafka), expected);
  assert.deepEqual(result(onSamsa), expected);
});

test('a stateful Kafka Streams count with exactly_once_v2: every count once, its changelog compacted, as on Kafka', {
  skip,
}, async () => {
  const count = (bootstrap: string) => javaCheck('StreamsEosCheck', [bootstrap, 'count-', '300', '0', 'count']);
  const [onSamsa, onKafka] = await Promise.all([count(samsa!.bootstrap), count(kafka!.bootstrap)]);
  const expected = [
    { check: 'streams-changelog', topic: 'count-app-counts-changelog', cleanupPolicy: 'compact' },
    { check: 'streams-eos', state: 'RUNNING', received: 300, exactlyOnce: true },
  ];
  const result = (obs: Observation[]) => obs.filter((o) => o.check.startsWith('streams-'));
  assert.deepEqual(result(onKafka), expected);
  assert.deepEqual(result(onSamsa), expected);
});

test('a stateful Kafka Streams count with exactly_once_v2 across a kill -9 of Samsa mid-run: every count once', {
  skip,
  timeout: 150_000,
}, async () => {
  // The broker comes back on the same port, as a restarted broker would: the application's bootstrap stays valid.
  const dataDir = await makeDataDir();
  const args = ['--listen', `127.0.0.1:${await freePort()}`, '--group-initial-rebalance-delay-ms', '0'];
  let broker = await startBroker({ dataDir, args });
  const records = 400;
  const app = await spawnJava('StreamsEosCheck', [broker.bootstrap, 'kill-', String(records), '20', 'count'], {
    classpath,
  });
  try {
    app.stderr!.resume();
    let final: Observation | undefined;
    let killedAt = -1;
    for await (const line of createInterface({ input: app.stdout! })) {
      if (!line.startsWith('{')) continue;
      const o = JSON.parse(line) as Observation;
      if (o.check === 'progress' && killedAt < 0 && o.received >= records / 4) {
        killedAt = o.received;
        await broker.kill9();
        broker = await startBroker({ dataDir, args });
      }
      if (o.check === 'streams-eos') final = o;
    }
    assert.ok(killedAt >= 0 && killedAt < records, `the broker was killed mid-run (at ${killedAt} records)`);
    assert.deepEqual(final, { check: 'streams-eos', state: 'RUNNING', received: records, exactlyOnce: true });
  } finally {
    app.kill('SIGKILL');
    await broker.cleanup();
  }
});
