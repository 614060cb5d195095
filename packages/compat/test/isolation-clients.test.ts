/**
 * read_committed and read_uncommitted with librdkafka (confluent-kafka on /usr/bin/python3, ../python/txn_check.py)
 * and @platformatic/kafka, against a real Apache Kafka 4.1.1 and a real `samsa broker` in the same run. kafkajs's
 * transactional producer writes a committed and an aborted transaction and leaves one open, with non-transactional
 * records around them (and on a second partition that no transaction touches); consumers of both clients at both
 * isolation levels read the topic from the start and report every record with its offset and where they stopped:
 * read_committed at the last stable offset while the transaction is open, past it once it commits. Samsa's
 * observations must equal Kafka's, and Kafka's are asserted too. Then confluent-kafka's own transactional producer
 * (init_transactions, commit, abort, send_offsets_to_transaction, a fenced zombie) runs against both.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  Consumer,
  FetchIsolationLevels,
  type Message,
  MessagesStreamModes,
  stringDeserializers,
} from '@platformatic/kafka';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { Kafka, logLevel, type Producer, type Transaction } from 'kafkajs';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '../python/txn_check.py');
const TOPIC = 'iso-data';
const ISOLATIONS = ['read_committed', 'read_uncommitted'] as const;
type Isolation = (typeof ISOLATIONS)[number];
const LEVEL: Record<Isolation, number> = {
  read_committed: FetchIsolationLevels.READ_COMMITTED,
  read_uncommitted: FetchIsolationLevels.READ_UNCOMMITTED,
};
const READ_TIMEOUT_MS = 20_000;
/** transaction.timeout.ms of confluent-kafka's producer left to time out; both brokers look for expired ones often. */
const SHORT_TIMEOUT_MS = 2500;
const ABORT_CHECK_INTERVAL_MS = 300;

type Observation = { check: string; [key: string]: unknown };

let samsa: BrokerProcess | undefined;
let kafka: KafkaCluster | undefined;

before(async () => {
  if (skip) return;
  [samsa, kafka] = await Promise.all([
    startBroker({
      args: [
        '--group-initial-rebalance-delay-ms',
        '0',
        '--transaction-abort-timed-out-interval-ms',
        String(ABORT_CHECK_INTERVAL_MS),
      ],
    }),
    startKafka({
      props: {
        'offsets.topic.num.partitions': '1',
        'transaction.state.log.num.partitions': '1',
        'group.initial.rebalance.delay.ms': '0',
        'transaction.abort.timed.out.transaction.cleanup.interval.ms': String(ABORT_CHECK_INTERVAL_MS),
      },
    }),
  ]);
});

after(async () => {
  await samsa?.cleanup();
  await kafka?.stop();
});

function python(args: string[]): Promise<Observation[]> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, ...args], { timeout: 90_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`txn_check.py ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`));
      else
        resolve(
          stdout
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as Observation),
        );
    });
  });
}

/** A reader's view of one partition: its records as "offset:value" and the offset it stopped at. */
interface PartitionRead {
  partition: number;
  records: string[];
  position: number;
}

/** librdkafka: every partition from the start until it reports the end; also where it did and ListOffsets' end. */
async function librdkafkaRead(bootstrap: string, isolation: Isolation) {
  const [o] = await python(['read', bootstrap, TOPIC, isolation]);
  return o!.partitions as (PartitionRead & { eofAt: number; watermarks: [number, number] })[];
}

/**
 * @platformatic/kafka: a consumer stream at `isolation` from offset 0 of every partition, read until its next fetch
 * offset reaches the end ListOffsets gives at that isolation level (the last stable offset for read_committed), then
 * for two more fetches to show it goes no further.
 */
async function platformaticRead(bootstrap: string, isolation: Isolation, tag: string) {
  const consumer = new Consumer({
    groupId: `iso-pk-${tag}-${isolation}`,
    clientId: 'iso-pk',
    bootstrapBrokers: [bootstrap],
    deserializers: stringDeserializers,
    isolationLevel: LEVEL[isolation],
    maxWaitTime: 100,
  });
  try {
    const ends = (await consumer.listOffsets({ topics: [TOPIC], isolationLevel: LEVEL[isolation] })).get(TOPIC)!;
    const stream = await consumer.consume({
      topics: [TOPIC],
      mode: MessagesStreamModes.MANUAL,
      offsets: ends.map((_, partition) => ({ topic: TOPIC, partition, offset: 0n })),
      autocommit: false,
      isolationLevel: LEVEL[isolation],
      maxWaitTime: 100,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
    });
    const reads: PartitionRead[] = ends.map((_, partition) => ({ partition, records: [], position: 0 }));
    stream.on('data', (m: Message<string, string, string, string>) => {
      reads[m.partition]!.records.push(`${m.offset}:${m.value}`);
    });
    const position = (p: number) => stream.offsetsToFetch.get(`${TOPIC}:${p}`) ?? 0n;
    const deadline = Date.now() + READ_TIMEOUT_MS;
    let fetchesAfterEnd = 0;
    await new Promise<void>((resolve, reject) => {
      const onFetch = () => {
        if (ends.every((end, p) => position(p) >= end)) fetchesAfterEnd++;
        if (fetchesAfterEnd > 2 || Date.now() > deadline) {
          stream.off('fetch', onFetch);
          resolve();
        }
      };
      stream.on('fetch', onFetch);
      stream.once('error', reject);
    });
    for (const r of reads) r.position = Number(position(r.partition));
    await stream.close();
    return { ends: ends.map(Number), partitions: reads };
  } finally {
    await consumer.close(true);
  }
}

/** Both clients at both isolation levels, at the same time. */
async function readAll(bootstrap: string, tag: string) {
  const reads = await Promise.all(
    ISOLATIONS.flatMap((isolation) => [
      librdkafkaRead(bootstrap, isolation).then((r) => [`librdkafka ${isolation}`, r] as const),
      platformaticRead(bootstrap, isolation, tag).then((r) => [`platformatic ${isolation}`, r] as const),
    ]),
  );
  return Object.fromEntries(reads.sort(([a], [b]) => a.localeCompare(b)));
}

/** The writes: kafkajs, a transactional and a plain producer. */
class Writer {
  private readonly client: Kafka;
  private plain!: Producer;
  private txn!: Producer;
  private open: Transaction | undefined;
  private readonly ends: Consumer<string, string, string, string>;
  readonly bootstrap: string;

  constructor(bootstrap: string) {
    this.bootstrap = bootstrap;
    // Kafka answers NOT_COORDINATOR while it loads its transaction log partition on first use: kafkajs retries that.
    this.client = new Kafka({
      clientId: 'iso-writer',
      brokers: [bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 200 },
    });
    this.ends = new Consumer({
      groupId: 'iso-ends',
      clientId: 'iso-ends',
      bootstrapBrokers: [bootstrap],
      deserializers: stringDeserializers,
    });
  }

  async start(): Promise<void> {
    const admin = this.client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    this.plain = this.client.producer({ idempotent: true, maxInFlightRequests: 1 });
    this.txn = this.client.producer({ transactionalId: 'iso-txn', idempotent: true, maxInFlightRequests: 1 });
    await Promise.all([this.plain.connect(), this.txn.connect()]);
  }

  async plainSend(partition: number, ...values: string[]): Promise<void> {
    await this.plain.send({ topic: TOPIC, acks: -1, messages: values.map((value) => ({ partition, value })) });
  }

  /** A transaction on partition 0, then `end` it; waits until its marker is written (Kafka writes it after EndTxn). */
  async transaction(values: string[], end: 'commit' | 'abort' | 'leave-open'): Promise<void> {
    const t = await this.txn.transaction();
    await t.send({ topic: TOPIC, messages: values.map((value) => ({ partition: 0, value })) });
    if (end === 'leave-open') this.open = t;
    else await this.finish(t, end);
  }

  async commitOpen(): Promise<void> {
    await this.finish(this.open!, 'commit');
  }

  private async finish(t: Transaction, end: 'commit' | 'abort'): Promise<void> {
    await (end === 'commit' ? t.commit() : t.abort());
    const deadline = Date.now() + READ_TIMEOUT_MS;
    for (;;) {
      const [committed, uncommitted] = await Promise.all(
        ISOLATIONS.map(
          async (i) => (await this.ends.listOffsets({ topics: [TOPIC], isolationLevel: LEVEL[i] })).get(TOPIC)!,
        ),
      );
      if (committed!.every((o, p) => o === uncommitted![p])) return;
      if (Date.now() > deadline) throw new Error(`${this.bootstrap}: the last stable offset stays at ${committed}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.plain?.disconnect(), this.txn?.disconnect(), this.ends.close(true)]);
  }
}

/** The same writes and reads against one broker: reads with the transaction open, then after it commits. */
async function scenario(bootstrap: string) {
  const w = new Writer(bootstrap);
  try {
    await w.start();
    await w.plainSend(0, 'plain-0', 'plain-1');
    await w.plainSend(1, 'other-0');
    await w.transaction(['committed-0', 'committed-1', 'committed-2'], 'commit');
    await w.plainSend(0, 'plain-2');
    await w.transaction(['aborted-0', 'aborted-1', 'aborted-2'], 'abort');
    await w.plainSend(0, 'plain-3');
    await w.transaction(['open-0', 'open-1'], 'leave-open');
    await w.plainSend(0, 'plain-4');
    await w.plainSend(1, 'other-1');
    const whileOpen = await readAll(bootstrap, 'open');
    await w.commitOpen();
    const afterCommit = await readAll(bootstrap, 'committed');
    return { whileOpen, afterCommit };
  } finally {
    await w.close();
  }
}

// Partition 0's log: plain-0 plain-1 | committed-0..2 COMMIT(5) | plain-2 | aborted-0..2 ABORT(10) | plain-3 |
// open-0 open-1 (open) | plain-4, and COMMIT(15) once the open transaction commits. Partition 1: other-0 other-1.
const at = (offset: number, value: string) => `${offset}:${value}`;
const BEFORE_OPEN = [
  at(0, 'plain-0'),
  at(1, 'plain-1'),
  at(2, 'committed-0'),
  at(3, 'committed-1'),
  at(4, 'committed-2'),
  at(6, 'plain-2'),
  at(11, 'plain-3'),
];
const ABORTED = [at(7, 'aborted-0'), at(8, 'aborted-1'), at(9, 'aborted-2')];
const FROM_OPEN = [at(12, 'open-0'), at(13, 'open-1'), at(14, 'plain-4')];
const OTHER = { partition: 1, records: [at(0, 'other-0'), at(1, 'other-1')], position: 2 };
const sorted = (records: string[]) => [...records].sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));

test('librdkafka and @platformatic/kafka at both isolation levels see on Samsa what they see on Kafka', {
  skip,
  timeout: 240_000,
}, async () => {
  const [onSamsa, onKafka] = await Promise.all([scenario(samsa!.bootstrap), scenario(kafka!.bootstrap)]);
  if (process.env.SAMSA_DIFF_SHOW) console.log(JSON.stringify({ onKafka, onSamsa }, null, 1));

  const p0 = (records: string[], position: number) => ({ partition: 0, records, position });
  const expected = {
    whileOpen: {
      // read_committed stops at the last stable offset, the open transaction's first offset; partition 1 has no
      // transaction and is read to its end. read_uncommitted shows the aborted and the open records too.
      read_committed: [p0(BEFORE_OPEN, 12), OTHER],
      read_uncommitted: [p0(sorted([...BEFORE_OPEN, ...ABORTED, ...FROM_OPEN]), 15), OTHER],
    },
    afterCommit: {
      read_committed: [p0([...BEFORE_OPEN, ...FROM_OPEN], 16), OTHER],
      read_uncommitted: [p0(sorted([...BEFORE_OPEN, ...ABORTED, ...FROM_OPEN]), 16), OTHER],
    },
  };
  const ends = { whileOpen: { read_committed: [12, 2], read_uncommitted: [15, 2] } };
  for (const [name, obs] of [
    ['Kafka', onKafka],
    ['Samsa', onSamsa],
  ] as const) {
    for (const phase of ['whileOpen', 'afterCommit'] as const) {
      for (const isolation of ISOLATIONS) {
        const what = `${name} ${phase} ${isolation}`;
        const rd = obs[phase][`librdkafka ${isolation}`] as Awaited<ReturnType<typeof librdkafkaRead>>;
        const end = phase === 'afterCommit' ? [16, 2] : ends.whileOpen[isolation];
        // librdkafka reports the end of a partition where its isolation level's end is, and ListOffsets agrees.
        assert.deepEqual(
          rd.map((p) => [p.eofAt, p.watermarks[1]]),
          end.map((e) => [e, e]),
          `${what}: librdkafka's end of partition and end offsets`,
        );
        assert.deepEqual(
          rd.map(({ partition, records, position }) => ({ partition, records, position })),
          expected[phase][isolation],
          `${what}: librdkafka`,
        );
        const pk = obs[phase][`platformatic ${isolation}`] as Awaited<ReturnType<typeof platformaticRead>>;
        assert.deepEqual(pk.ends, end, `${what}: @platformatic/kafka's listOffsets`);
        assert.deepEqual(pk.partitions, expected[phase][isolation], `${what}: @platformatic/kafka`);
      }
    }
  }
  assert.deepEqual(onSamsa, onKafka);
});

test('confluent-kafka transactional producer: commit, abort, send_offsets_to_transaction, fencing, as on Kafka', {
  skip,
  timeout: 180_000,
}, async () => {
  const admin = async (bootstrap: string) => {
    const a = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
    await a.connect();
    await a.createTopics({ topics: [{ topic: 'ck-txn-in' }, { topic: 'ck-txn-out' }], waitForLeaders: true });
    await a.disconnect();
  };
  await Promise.all([admin(samsa!.bootstrap), admin(kafka!.bootstrap)]);
  const [onSamsa, onKafka] = await Promise.all([
    python(['transact', samsa!.bootstrap, 'ck-txn-', String(SHORT_TIMEOUT_MS)]),
    python(['transact', kafka!.bootstrap, 'ck-txn-', String(SHORT_TIMEOUT_MS)]),
  ]);
  if (process.env.SAMSA_DIFF_SHOW) console.log(JSON.stringify({ onKafka, onSamsa }, null, 1));
  const out = (obs: Observation[], isolation: Isolation) => {
    const read = obs.find((o) => o.check === 'out' && o.isolation === isolation);
    assert.ok(read, `no read of ck-txn-out at ${isolation} in ${JSON.stringify(obs)}`);
    return (read.partitions as PartitionRead[])[0]!.records;
  };
  for (const obs of [onKafka, onSamsa]) {
    assert.deepEqual(obs.find((o) => o.check === 'ctp-commit')?.consumed, ['in-0', 'in-1', 'in-2', 'in-3']);
    assert.deepEqual(obs.find((o) => o.check === 'ctp-abort')?.consumed, ['in-4', 'in-5']);
    // The committed round's offset is the group's; the aborted round's is not.
    assert.equal(obs.find((o) => o.check === 'ctp-group-offset')?.offset, 4);
    const zombie = obs.find((o) => o.check === 'zombie-commit');
    assert.notEqual(zombie?.error, 'none', 'the fenced producer cannot commit');
    assert.deepEqual(obs.find((o) => o.check === 'timeout-produce')?.delivered, [true], 'timed-out-0 was written');
    const timedOut = obs.find((o) => o.check === 'timeout-commit');
    assert.notEqual(timedOut?.error, 'none', 'the producer whose transaction timed out cannot commit it');
    const committedValues = out(obs, 'read_committed').map((r) => r.split(':')[1]);
    assert.deepEqual(committedValues, [
      'committed-0',
      'committed-1',
      'committed-2',
      'out-0',
      'out-1',
      'out-2',
      'out-3',
      'successor-0',
    ]);
    const uncommitted = out(obs, 'read_uncommitted').map((r) => r.split(':')[1]);
    for (const v of ['aborted-0', 'aborted-1', 'dropped-4', 'dropped-5', 'zombie-0', 'timed-out-0'])
      assert.ok(uncommitted.includes(v), v);
  }
  // The commit of a transaction the broker aborted for its timeout is refused as fenced (TV1's rule).
  const timeoutError = (obs: Observation[]) => obs.find((o) => o.check === 'timeout-commit')?.error;
  assert.equal(timeoutError(onKafka), '_FENCED');
  assert.deepEqual(onSamsa, onKafka);
});
