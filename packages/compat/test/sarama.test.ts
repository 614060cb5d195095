/**
 * Shopify sarama 1.22 (Debian's golang-github-shopify-sarama-dev) against a real `samsa broker`: a sync producer
 * (acks=all) and a consumer group that commits with OffsetCommit v1, at each sarama.Config.Version that speaks
 * record batches (magic 2). The group consumes part of a topic, leaves, and a second run of the same group resumes
 * from the committed position: every record once, none twice. The same against a broker with tenants, as a tenant's
 * key: SASL/PLAIN over SaslHandshake v0 (raw tokens) and SCRAM-SHA-512 over v1. sarama's default Version (0.8.2)
 * sends Produce v0 with magic-0 messages, which Samsa refuses (as Kafka 4 does): an error, nothing stored.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { ErrorCode, ListOffsets, OffsetFetch } from '@samsa/protocol';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { RawClient } from '@samsa/test-support/raw-client';
import { TenantFixtures, type TestKey } from '@samsa/test-support/tenants';
import { buildGo, goSkipReason, runProgram } from './support/go.ts';

const skip = goSkipReason(['github.com/Shopify/sarama']);
if (skip) console.log(`# sarama.test.ts skipped: ${skip}`);

const RECORDS = 10;
const FIRST_RUN = 6;
const PARTITIONS = 2;
/** The sarama.Config.Version values checked: the first with record batches, 1.0, 2.0 and the newest sarama 1.22 knows. */
const VERSIONS = ['0.11.0.0', '1.0.0', '2.0.0', '2.2.0'];
const RUN_TIMEOUT_MS = 60_000;
const SUPERUSER_PASSWORD = 'sarama-test-superuser';
const BROKER_ARGS = ['--group-initial-rebalance-delay-ms', '0', '--default-partitions', String(PARTITIONS)];

let bin: string;
let broker: BrokerProcess;
let raw: RawClient;
let db: TestDatabase;
let fx: TenantFixtures;
let tenantBroker: BrokerProcess;
let key: TestKey;

before(async () => {
  if (skip) return;
  const tenantSide = async () => {
    db = await createTestDatabase();
    fx = new TenantFixtures(db.url);
    const acme = await fx.tenant('acme');
    key = await fx.key(acme, 'go-app');
    await fx.admin(acme, 'go-app');
    tenantBroker = await startBroker({
      args: ['--database-url', db.url, ...BROKER_ARGS],
      env: { SAMSA_SUPERUSER_PASSWORD: SUPERUSER_PASSWORD },
    });
  };
  [bin, broker] = await Promise.all([buildGo('sarama-check'), startBroker({ args: BROKER_ARGS }), tenantSide()]);
  raw = await RawClient.connect(broker.port);
});
after(async () => {
  raw?.close();
  await Promise.all([broker?.cleanup(), tenantBroker?.cleanup()]);
  await fx?.close();
  await db?.drop();
});

/** Where a run goes: the broker, the sarama flags that reach it, and a raw client to check what it stored. */
interface Target {
  broker: BrokerProcess;
  flags: string[];
  raw: RawClient;
}

async function sarama(target: Target, args: string[]) {
  const r = await runProgram(bin, [...args, '-brokers', target.broker.bootstrap, ...target.flags], RUN_TIMEOUT_MS);
  return { ...r, error: r.lines.find((l) => 'error' in l)?.error as string | undefined };
}

/** What a consume run printed: the values it handled, in order. */
function consumed(lines: Record<string, unknown>[]): string[] {
  return lines.filter((l) => 'consumed' in l).map((l) => String(l.consumed));
}

async function endOffsets(c: RawClient, topic: string): Promise<bigint[]> {
  const res = (await c.request(ListOffsets, 1, {
    replicaId: -1,
    topics: [{ name: topic, partitions: [0, 1].map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) }],
  })) as { topics: { partitions: { errorCode: number; offset: bigint }[] }[] };
  return (res.topics[0]?.partitions ?? []).map((p) => (p.errorCode === ErrorCode.NONE ? p.offset : -1n));
}

async function committed(c: RawClient, group: string, topic: string): Promise<bigint[]> {
  const res = (await c.request(OffsetFetch, 5, {
    groupId: group,
    topics: [{ name: topic, partitionIndexes: [0, 1] }],
    requireStable: false,
  })) as { topics: { partitions: { committedOffset: bigint }[] }[] };
  return (res.topics[0]?.partitions ?? []).map((p) => p.committedOffset);
}

/** Produce RECORDS, consume FIRST_RUN and leave, consume the rest: every record once, offsets committed to the end. */
async function produceConsumeResume(target: Target, version: string, name: string): Promise<void> {
  const topic = `sarama-${name}`;
  const group = `sarama-group-${name}`;
  const prefix = `v${name}`;
  const produced = await sarama(target, [
    'produce',
    ...['-version', version, '-topic', topic, '-prefix', prefix, '-count', String(RECORDS)],
  ]);
  assert.equal(produced.error, undefined, produced.stdout + produced.stderr);
  const sent = produced.lines.filter((l) => 'produced' in l);
  assert.equal(sent.length, RECORDS);
  // The round-robin partitioner spread them; each got the next offset of its partition.
  assert.deepEqual(
    await endOffsets(target.raw, topic),
    [0, 1].map((p) => BigInt(sent.filter((l) => l.partition === p).length)),
  );

  const consume = (max: number) =>
    sarama(target, ['consume', ...['-version', version, '-topic', topic, '-group', group, '-max', String(max)]]);
  const first = await consume(FIRST_RUN);
  assert.equal(first.error, undefined, first.stdout + first.stderr);
  assert.equal(consumed(first.lines).length, FIRST_RUN);
  // sarama committed (OffsetCommit v1) the position after each partition's last handled record.
  const handled = [0, 1].map((p) => first.lines.filter((l) => 'consumed' in l && l.partition === p).length);
  assert.deepEqual(
    await committed(target.raw, group, topic),
    handled.map((n) => (n === 0 ? -1n : BigInt(n))),
  );

  const second = await consume(RECORDS - FIRST_RUN);
  assert.equal(second.error, undefined, second.stdout + second.stderr);
  assert.deepEqual(
    [...consumed(first.lines), ...consumed(second.lines)].sort(),
    Array.from({ length: RECORDS }, (_, i) => `${prefix}-${i}`).sort(),
    'every record once across the two runs',
  );
  assert.deepEqual(await committed(target.raw, group, topic), await endOffsets(target.raw, topic));
}

for (const version of VERSIONS) {
  test(`sarama Version ${version}: sync producer, then a consumer group that resumes where it committed`, {
    skip,
  }, async () => {
    await produceConsumeResume({ broker, flags: [], raw }, version, version);
  });
}

test('sarama as a tenant: SASL/PLAIN over SaslHandshake v0 and SCRAM-SHA-512, in the tenant namespace', {
  skip,
}, async () => {
  const tenantRaw = await RawClient.connect(tenantBroker.port);
  try {
    await tenantRaw.saslPlain(key.keyId, key.secret);
    const as = (mechanism: string) => ['-user', key.keyId, '-password', key.secret, '-mechanism', mechanism];
    const target = (mechanism: string) => ({ broker: tenantBroker, flags: as(mechanism), raw: tenantRaw });
    // Version 0.11 sends PLAIN as raw tokens after SaslHandshake v0; SCRAM always uses v1 and SaslAuthenticate.
    await produceConsumeResume(target('PLAIN'), '0.11.0.0', 'plain');
    await produceConsumeResume(target('SCRAM-SHA-512'), '2.2.0', 'scram');
    const wrong = await sarama(
      { broker: tenantBroker, flags: ['-user', key.keyId, '-password', 'wrong', '-mechanism', 'SCRAM-SHA-512'], raw },
      ['produce', '-version', '2.2.0', '-topic', 'sarama-wrong', '-count', '1'],
    );
    assert.notEqual(wrong.code, 0);
    console.log(`# a wrong SCRAM password: ${wrong.error}`);
    assert.match(wrong.error ?? '', /SASL|authenticat/i, wrong.stdout);
    // The broker stored the tenant's topics under its namespace: the superuser sees them as acme.<name>.
    const superuser = await RawClient.connect(tenantBroker.port);
    try {
      await superuser.saslPlain('admin', SUPERUSER_PASSWORD);
      for (const name of ['plain', 'scram']) {
        const ends = await endOffsets(superuser, `acme.sarama-${name}`);
        assert.equal(ends[0]! + ends[1]!, BigInt(RECORDS), name);
      }
    } finally {
      superuser.close();
    }
  } finally {
    tenantRaw.close();
  }
});

test("sarama's default Version (0.8.2: Produce v0, magic-0 messages) is refused with an error and stores nothing", {
  skip,
}, async () => {
  const topic = 'sarama-default-version';
  const r = await sarama({ broker, flags: [], raw }, [
    'produce',
    '-version',
    'default',
    '-topic',
    topic,
    '-count',
    '1',
  ]);
  assert.notEqual(r.code, 0);
  assert.ok(r.error?.startsWith('send 0:'), r.stdout + r.stderr);
  const ends = await endOffsets(raw, topic);
  assert.ok(
    ends.every((o) => o <= 0n),
    `nothing stored: ${ends}`,
  );
  // sarama reports only the closed connection ("EOF"); the broker's log names the reason.
  assert.ok(broker.logs.some((l) => l.includes('unsupported version 0 of Produce')));
});
