/**
 * Shopify sarama 1.22 (Debian's golang-github-shopify-sarama-dev) against a real `samsa broker`: a sync producer
 * (acks=all) and a consumer group that commits with OffsetCommit v1, at each sarama.Config.Version that speaks
 * record batches (magic 2). The group consumes part of a topic, leaves, and a second run of the same group resumes
 * from the committed position: every record once, none twice. sarama's default Version (0.8.2) sends Produce v0
 * with magic-0 messages, which Samsa refuses (as Kafka 4 does): the producer gets an error, nothing is stored.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorCode, ListOffsets, OffsetFetch } from '@samsa/protocol';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { RawClient } from '@samsa/test-support/raw-client';
import { buildGo, goSkipReason, runProgram } from './support/go.ts';

const skip = goSkipReason(['github.com/Shopify/sarama']);
if (skip) console.log(`# sarama.test.ts skipped: ${skip}`);

const RECORDS = 10;
const FIRST_RUN = 6;
const PARTITIONS = 2;
/** The sarama.Config.Version values checked: the first with record batches, 1.0, 2.0 and the newest sarama 1.22 knows. */
const VERSIONS = ['0.11.0.0', '1.0.0', '2.0.0', '2.2.0'];
const RUN_TIMEOUT_MS = 60_000;

let broker: BrokerProcess;
let raw: RawClient;
let bin: string;

before(async () => {
  if (skip) return;
  [bin, broker] = await Promise.all([
    buildGo('sarama-check'),
    startBroker({ args: ['--group-initial-rebalance-delay-ms', '0', '--default-partitions', String(PARTITIONS)] }),
  ]);
  raw = await RawClient.connect(broker.port);
});
after(async () => {
  raw?.close();
  await broker?.cleanup();
});

async function sarama(args: string[]) {
  const r = await runProgram(bin, [...args, '-brokers', broker.bootstrap], RUN_TIMEOUT_MS);
  return { ...r, error: r.lines.find((l) => 'error' in l)?.error as string | undefined };
}

/** What a consume run printed: the values it handled, in order. */
function consumed(lines: Record<string, unknown>[]): string[] {
  return lines.filter((l) => 'consumed' in l).map((l) => String(l.consumed));
}

async function endOffsets(topic: string): Promise<bigint[]> {
  const res = (await raw.request(ListOffsets, 1, {
    replicaId: -1,
    topics: [{ name: topic, partitions: [0, 1].map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) }],
  })) as { topics: { partitions: { errorCode: number; offset: bigint }[] }[] };
  return (res.topics[0]?.partitions ?? []).map((p) => (p.errorCode === ErrorCode.NONE ? p.offset : -1n));
}

async function committed(group: string, topic: string): Promise<bigint[]> {
  const res = (await raw.request(OffsetFetch, 5, {
    groupId: group,
    topics: [{ name: topic, partitionIndexes: [0, 1] }],
    requireStable: false,
  })) as { topics: { partitions: { committedOffset: bigint }[] }[] };
  return (res.topics[0]?.partitions ?? []).map((p) => p.committedOffset);
}

for (const version of VERSIONS) {
  test(`sarama Version ${version}: sync producer, then a consumer group that resumes where it committed`, {
    skip,
  }, async () => {
    const topic = `sarama-${version}`;
    const group = `sarama-group-${version}`;
    const prefix = `v${version}`;
    const produced = await sarama([
      'produce',
      '-version',
      version,
      '-topic',
      topic,
      '-prefix',
      prefix,
      '-count',
      String(RECORDS),
    ]);
    assert.equal(produced.error, undefined, produced.stdout + produced.stderr);
    const sent = produced.lines.filter((l) => 'produced' in l);
    assert.equal(sent.length, RECORDS);
    // The round-robin partitioner spread them; each got the next offset of its partition.
    assert.deepEqual(
      await endOffsets(topic),
      [0, 1].map((p) => BigInt(sent.filter((l) => l.partition === p).length)),
    );

    const first = await sarama([
      'consume',
      '-version',
      version,
      '-topic',
      topic,
      '-group',
      group,
      '-max',
      String(FIRST_RUN),
    ]);
    assert.equal(first.error, undefined, first.stdout + first.stderr);
    const firstValues = consumed(first.lines);
    assert.equal(firstValues.length, FIRST_RUN);
    // sarama committed (OffsetCommit v1) the position after each partition's last handled record.
    const afterFirst = await committed(group, topic);
    const handledPerPartition = [0, 1].map(
      (p) => first.lines.filter((l) => 'consumed' in l && l.partition === p).length,
    );
    assert.deepEqual(
      afterFirst,
      handledPerPartition.map((n) => (n === 0 ? -1n : BigInt(n))),
    );

    const second = await sarama([
      'consume',
      '-version',
      version,
      '-topic',
      topic,
      '-group',
      group,
      '-max',
      String(RECORDS - FIRST_RUN),
    ]);
    assert.equal(second.error, undefined, second.stdout + second.stderr);
    const all = [...firstValues, ...consumed(second.lines)];
    assert.deepEqual(
      [...all].sort(),
      Array.from({ length: RECORDS }, (_, i) => `${prefix}-${i}`).sort(),
      'every record once across the two runs',
    );
    assert.deepEqual(await committed(group, topic), await endOffsets(topic));
  });
}

test("sarama's default Version (0.8.2: Produce v0, magic-0 messages) is refused with an error and stores nothing", {
  skip,
}, async () => {
  const topic = 'sarama-default-version';
  const r = await sarama(['produce', '-version', 'default', '-topic', topic, '-count', '1']);
  assert.notEqual(r.code, 0);
  assert.ok(r.error?.startsWith('send 0:'), r.stdout + r.stderr);
  const ends = await endOffsets(topic);
  assert.ok(
    ends.every((o) => o <= 0n),
    `nothing stored: ${ends}`,
  );
  // sarama reports only the closed connection ("EOF"); the broker's log names the reason.
  assert.ok(broker.logs.some((l) => l.includes('unsupported version 0 of Produce')));
});
