/**
 * Per-tenant bounds on consumer-group state, attacked with real clients against a real broker and a real control
 * plane: a tenant creating groups and committed offsets past its quota gets POLICY_VIOLATION (and nothing is
 * written to groups.log) while another tenant is unaffected; groups have a member cap and offset metadata a size
 * cap; the superuser reads and changes the new quota keys with Kafka tooling.
 */
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join as joinPath } from 'node:path';
import { after, before, test } from 'node:test';
import { Admin as PlatformaticAdmin } from '@platformatic/kafka';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { encodeConsumerSubscription, ErrorCode, JoinGroup, OffsetCommit } from '@samsa/protocol';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { RawClient } from '@samsa/test-support/raw-client';
import { TenantFixtures, type TestKey } from '@samsa/test-support/tenants';
import { eventually, logged } from '@samsa/test-support/eventually';

const SUPERUSER_PASSWORD = 'super-secret-password';
let db: TestDatabase;
let fx: TenantFixtures;
let broker: BrokerProcess;
let greedy: string;
let greedyKey: TestKey;
let calmKey: TestKey;

before(async () => {
  db = await createTestDatabase();
  fx = new TenantFixtures(db.url);
  greedy = await fx.tenant('greedy', { maxGroups: 2, maxCommittedOffsets: 6 });
  greedyKey = await fx.key(greedy, 'svc');
  await fx.admin(greedy, 'svc');
  // No quota row: the broker-wide per-tenant defaults apply.
  const calm = await fx.tenant('calm');
  calmKey = await fx.key(calm, 'svc');
  await fx.admin(calm, 'svc');
  broker = await startBroker({
    args: [
      '--database-url',
      db.url,
      '--group-initial-rebalance-delay-ms',
      '0',
      '--group-max-size',
      '2',
      '--max-groups-per-tenant',
      '20',
      '--offset-metadata-max-bytes',
      '100',
    ],
    env: { SAMSA_SUPERUSER_PASSWORD: SUPERUSER_PASSWORD },
  });
});
after(async () => {
  await broker?.cleanup();
  await fx?.close();
  await db?.drop();
});

function kafka(key: TestKey): Kafka {
  return new Kafka({
    clientId: 'group-limits',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    sasl: { mechanism: 'plain', username: key.keyId, password: key.secret } as KafkaConfig['sasl'],
  });
}

async function raw(key: TestKey): Promise<RawClient> {
  const c = await RawClient.connect(broker.port);
  await c.saslPlain(key.keyId, key.secret);
  return c;
}

type CommitResponse = { topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[] };

/** An OffsetCommit of a simple (non-member) consumer, as admin tools send it. */
async function commit(
  c: RawClient,
  groupId: string,
  topic: string,
  partitions: number[],
  metadata: string | null = null,
): Promise<number[]> {
  const res = (await c.request(OffsetCommit, 8, {
    groupId,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [
      {
        name: topic,
        partitions: partitions.map((p) => ({
          partitionIndex: p,
          committedOffset: 1n,
          committedLeaderEpoch: -1,
          committedMetadata: metadata,
        })),
      },
    ],
  })) as unknown as CommitResponse;
  return res.topics[0]!.partitions.map((p) => p.errorCode);
}

async function join(c: RawClient, groupId: string, metadata: Buffer): Promise<{ errorCode: number; memberId: string }> {
  const res = await c.request(JoinGroup, 5, {
    groupId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata }],
  });
  return res as { errorCode: number; memberId: string };
}

const groupsLogBytes = async () => (await stat(joinPath(broker.dataDir, 'groups', 'groups.log'))).size;

test('a tenant past its group and committed-offset quota gets POLICY_VIOLATION; another tenant is unaffected', async () => {
  const admin = kafka(greedyKey).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'events', numPartitions: 4 }] });
  // Two groups, as an admin tool or a simple consumer commits: 4 + 2 offsets fill the quota of 6.
  const c = await raw(greedyKey);
  assert.deepEqual(await commit(c, 'g1', 'events', [0, 1, 2, 3]), [0, 0, 0, 0]);
  assert.deepEqual(await commit(c, 'g2', 'events', [0, 1]), [0, 0]);
  const before = await groupsLogBytes();
  assert.deepEqual(await commit(c, 'g2', 'events', [1, 2, 3]), [
    ErrorCode.NONE,
    ErrorCode.POLICY_VIOLATION,
    ErrorCode.POLICY_VIOLATION,
  ]);
  const afterPartial = await groupsLogBytes();
  assert.ok(afterPartial > before, 'the existing offset is updated');
  // A commit that would create a third group is refused whole and writes nothing.
  assert.deepEqual(await commit(c, 'g3', 'events', [0, 1]), [ErrorCode.POLICY_VIOLATION, ErrorCode.POLICY_VIOLATION]);
  for (let i = 0; i < 20; i++) await commit(c, `flood-${i}`, 'events', [0, 1, 2, 3]);
  assert.equal(await groupsLogBytes(), afterPartial, 'refused commits do not grow groups.log');

  // maxGroups=2 is full: a new consumer group is refused at JoinGroup.
  const consumer = kafka(greedyKey).consumer({ groupId: 'one-too-many', retry: { retries: 0 } });
  const crashes: string[] = [];
  consumer.on(consumer.events.CRASH, (e) => void crashes.push(String(e.payload.error?.message ?? e.payload.error)));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: 'events', fromBeginning: true });
    await consumer.run({ eachMessage: async () => {} });
    await eventually(
      () => crashes.some((m) => /policy/i.test(m)),
      `the consumer to be refused by the group quota: ${crashes}`,
    );
  } finally {
    await Promise.race([consumer.disconnect().catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
  }
  await admin.disconnect();
  await eventually(
    () => broker.logs.some((l) => l.includes("group quota exceeded: tenant 'greedy' may have 2 consumer groups")),
    'the group refusal is logged',
  );
  await eventually(
    () => broker.logs.some((l) => l.includes("committed-offset quota exceeded: tenant 'greedy' may have 6")),
    'the offset refusal is logged',
  );

  // Another tenant, under the broker-wide default, still creates groups and commits.
  const calm = await raw(calmKey);
  const calmAdmin = kafka(calmKey).admin();
  await calmAdmin.connect();
  await calmAdmin.createTopics({ topics: [{ topic: 'events', numPartitions: 4 }] });
  for (let i = 0; i < 5; i++) assert.deepEqual(await commit(calm, `calm-${i}`, 'events', [0, 1, 2, 3]), [0, 0, 0, 0]);
  const offsets = await calmAdmin.fetchOffsets({ groupId: 'calm-4', topics: ['events'] });
  assert.deepEqual(
    offsets[0]!.partitions.map((p) => p.offset),
    ['1', '1', '1', '1'],
  );
  // No quota row: the broker-wide default (--max-groups-per-tenant 20 here) is the finite limit.
  for (let i = 5; i < 20; i++) assert.deepEqual(await commit(calm, `calm-${i}`, 'events', [0]), [0]);
  assert.deepEqual(await commit(calm, 'calm-20', 'events', [0]), [ErrorCode.POLICY_VIOLATION]);
  await calmAdmin.disconnect();
  calm.close();
  c.close();

  const metrics = await (await fetch(`http://127.0.0.1:${broker.httpPort}/metrics`)).text();
  assert.match(metrics, /samsa_limit_refusals_total\{limit="tenant_groups"\} [1-9]/);
  assert.match(metrics, /samsa_limit_refusals_total\{limit="tenant_committed_offsets"\} [1-9]/);
});

test('the superuser reads and raises samsa.max_groups and samsa.max_committed_offsets with Kafka tooling', async () => {
  const su = new PlatformaticAdmin({
    clientId: 'quota-admin',
    bootstrapBrokers: [broker.bootstrap],
    sasl: { mechanism: 'SCRAM-SHA-256', username: 'admin', password: SUPERUSER_PASSWORD },
  });
  try {
    const described = await su.describeClientQuotas({
      components: [{ entityType: 'user', matchType: 0, match: 'greedy' }],
    });
    const values = Object.fromEntries(described[0]!.values.map((v) => [v.key, v.value]));
    assert.equal(values['samsa.max_groups'], 2);
    assert.equal(values['samsa.max_committed_offsets'], 6);
    await su.alterClientQuotas({
      entries: [
        {
          entities: [{ entityType: 'user', entityName: 'greedy' }],
          ops: [
            // Samsa's own keys: the client's type lists only Kafka's.
            { key: 'samsa.max_groups' as 'producer_byte_rate', value: 10, remove: false },
            { key: 'samsa.max_committed_offsets' as 'producer_byte_rate', value: 100, remove: false },
          ],
        },
      ],
    });
  } finally {
    await su.close();
  }
  const row = await fx.pool.query(
    `SELECT "maxGroups", "maxCommittedOffsets" FROM "TenantQuota" WHERE "tenantId" = $1`,
    [greedy],
  );
  assert.deepEqual(row.rows[0], { maxGroups: 10, maxCommittedOffsets: 100 });
  const c = await raw(greedyKey);
  await eventually(
    async () => (await commit(c, 'g5', 'events', [0]))[0] === ErrorCode.NONE,
    'the raised quota applies',
  );
  c.close();
});

test('a group has a member cap; committed offsets a metadata cap and an existing partition', async () => {
  const c = await raw(calmKey);
  try {
    const metadata = encodeConsumerSubscription({ version: 0, topics: ['events'] });
    // JoinGroup v5: new members first get MEMBER_ID_REQUIRED; pending ones count toward --group-max-size 2.
    assert.equal((await join(c, 'calm-1', metadata)).errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.equal((await join(c, 'calm-1', metadata)).errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.equal((await join(c, 'calm-1', metadata)).errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
    assert.deepEqual(await commit(c, 'calm-0', 'events', [0], 'm'.repeat(101)), [ErrorCode.OFFSET_METADATA_TOO_LARGE]);
    assert.deepEqual(await commit(c, 'calm-0', 'events', [0], 'm'.repeat(100)), [ErrorCode.NONE]);
    // Offsets only for partitions that exist: a huge made-up topic name or partition number stores nothing.
    const before = await groupsLogBytes();
    assert.deepEqual(await commit(c, 'calm-0', 'x'.repeat(30_000), [0]), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    assert.deepEqual(await commit(c, 'calm-0', 'events', [4, 1_000_000, -1]), [
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    assert.equal(await groupsLogBytes(), before, 'nothing written');
  } finally {
    c.close();
  }
  await logged(broker, '--group-max-size 2');
});
