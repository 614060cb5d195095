/**
 * The oldest request versions Kafka 3.9 still accepts, over a real socket: OffsetCommit v0 (a stand-alone commit) and
 * v1 (a group member's commit with a timestamp, what sarama sends), OffsetFetch v0 and v1, and ListOffsets v0
 * (segment boundaries, newest first). Each stored offset is read back at the old and the newest versions. A key
 * that may not describe a group gets GROUP_AUTHORIZATION_FAILED on every partition at v0-1 (no top-level error).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateTopics,
  DeleteRecords,
  encodeBatch,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
  ErrorCode,
  JoinGroup,
  ListOffsets,
  OffsetCommit,
  OffsetFetch,
  Produce,
  SyncGroup,
} from '@samsa/protocol';
import { createTestDatabase } from '@samsa/db/testing';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { RawClient } from '@samsa/test-support/raw-client';
import { TenantFixtures } from '@samsa/test-support/tenants';

let broker: BrokerProcess;
let c: RawClient;
before(async () => {
  broker = await startBroker({ args: ['--group-initial-rebalance-delay-ms', '0', '--topic-min-segment-bytes', '64'] });
  c = await RawClient.connect(broker.port);
});
after(async () => {
  c?.close();
  await broker?.cleanup();
});

async function createTopic(name: string, partitions: number, configs: { name: string; value: string }[] = []) {
  const res = (await c.request(CreateTopics, 4, {
    topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs }],
    timeoutMs: 10_000,
    validateOnly: false,
  })) as { topics: { errorCode: number; errorMessage: string | null }[] };
  assert.equal(res.topics[0]?.errorCode, ErrorCode.NONE, res.topics[0]?.errorMessage ?? '');
}

async function produce(topic: string, values: string[]): Promise<bigint> {
  const res = (await c.request(Produce, 3, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [
      {
        name: topic,
        partitionData: [{ index: 0, records: encodeBatch({ records: values.map((value) => ({ value })) }) }],
      },
    ],
  })) as { responses: { partitionResponses: { errorCode: number; baseOffset: bigint }[] }[] };
  const p = res.responses[0]?.partitionResponses[0];
  assert.equal(p?.errorCode, ErrorCode.NONE);
  return p.baseOffset;
}

type Committed = { partitionIndex: number; committedOffset: bigint; metadata: string | null; errorCode: number };

/** OffsetFetch at v0-7: the partitions of one topic, by partition. */
async function fetchOffsets(version: number, groupId: string, topic: string, partitions: number[]) {
  const res = (await c.request(OffsetFetch, version, {
    groupId,
    topics: [{ name: topic, partitionIndexes: partitions }],
    requireStable: false,
  })) as { topics: { name: string; partitions: Committed[] }[] };
  return res.topics.find((t) => t.name === topic)?.partitions ?? [];
}

/** OffsetFetch v9 (multi-group layout): what today's clients see. */
async function fetchOffsetsNewest(groupId: string, topic: string, partitionIndexes: number[]) {
  const res = (await c.request(OffsetFetch, 9, {
    groups: [{ groupId, memberId: null, memberEpoch: -1, topics: [{ name: topic, partitionIndexes }] }],
    requireStable: false,
  })) as { groups: { errorCode: number; topics: { name: string; partitions: Committed[] }[] }[] };
  assert.equal(res.groups[0]?.errorCode, ErrorCode.NONE);
  return res.groups[0]?.topics.find((t) => t.name === topic)?.partitions ?? [];
}

function commitBody(groupId: string, topic: string, offsets: [number, bigint, string | null][], extra = {}) {
  return {
    groupId,
    ...extra,
    topics: [
      {
        name: topic,
        partitions: offsets.map(([partitionIndex, committedOffset, committedMetadata]) => ({
          partitionIndex,
          committedOffset,
          commitTimestamp: -1n,
          committedMetadata,
        })),
      },
    ],
  };
}

function errorCodes(res: Record<string, unknown>): number[] {
  const topics = res.topics as { partitions: { errorCode: number }[] }[];
  return topics.flatMap((t) => t.partitions.map((p) => p.errorCode));
}

test('OffsetCommit v0 stores a stand-alone commit that OffsetFetch v0, v1 and v9 all return', async () => {
  await createTopic('old-v0', 2);
  const res = await c.request(
    OffsetCommit,
    0,
    commitBody('old-standalone', 'old-v0', [
      [0, 7n, 'from v0'],
      [1, 3n, null],
    ]),
  );
  assert.deepEqual(errorCodes(res), [ErrorCode.NONE, ErrorCode.NONE]);

  for (const version of [0, 1]) {
    const parts = await fetchOffsets(version, 'old-standalone', 'old-v0', [0, 1]);
    assert.deepEqual(
      parts.map((p) => [p.partitionIndex, p.committedOffset, p.metadata, p.errorCode]),
      [
        [0, 7n, 'from v0', 0],
        [1, 3n, null, 0],
      ],
      `OffsetFetch v${version}`,
    );
  }
  const newest = await fetchOffsetsNewest('old-standalone', 'old-v0', [0, 1]);
  assert.deepEqual(
    newest.map((p) => [p.partitionIndex, p.committedOffset]),
    [
      [0, 7n],
      [1, 3n],
    ],
  );

  // A partition that does not exist takes no offset, at v0 as at v9.
  const bad = await c.request(OffsetCommit, 0, commitBody('old-standalone', 'old-v0', [[5, 1n, '']]));
  assert.deepEqual(errorCodes(bad), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  // Nothing committed yet: offset -1, no error.
  const none = await fetchOffsets(0, 'old-never-committed', 'old-v0', [0]);
  assert.deepEqual(
    none.map((p) => [p.committedOffset, p.errorCode]),
    [[-1n, 0]],
  );
});

test('OffsetCommit v1 from a group member (as sarama commits) is fenced by generation and read back by v0-v9', async () => {
  await createTopic('old-v1', 1);
  const subscription = encodeConsumerSubscription({ version: 0, topics: ['old-v1'] });
  const join = (await c.request(JoinGroup, 1, {
    groupId: 'old-group',
    sessionTimeoutMs: 30_000,
    rebalanceTimeoutMs: 30_000,
    memberId: '',
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription }],
  })) as { errorCode: number; generationId: number; memberId: string };
  assert.equal(join.errorCode, ErrorCode.NONE);
  const sync = (await c.request(SyncGroup, 0, {
    groupId: 'old-group',
    generationId: join.generationId,
    memberId: join.memberId,
    assignments: [
      {
        memberId: join.memberId,
        assignment: encodeConsumerAssignment({
          version: 0,
          assignedPartitions: [{ topic: 'old-v1', partitions: [0] }],
        }),
      },
    ],
  })) as { errorCode: number };
  assert.equal(sync.errorCode, ErrorCode.NONE);

  const member = { generationIdOrMemberEpoch: join.generationId, memberId: join.memberId };
  const ok = await c.request(OffsetCommit, 1, commitBody('old-group', 'old-v1', [[0, 42n, 'sarama']], member));
  assert.deepEqual(errorCodes(ok), [ErrorCode.NONE]);

  // Kafka's answers to a stale generation, an unknown member, and a v0 (member-less) commit into an active group.
  const stale = await c.request(
    OffsetCommit,
    1,
    commitBody('old-group', 'old-v1', [[0, 1n, '']], { ...member, generationIdOrMemberEpoch: join.generationId + 1 }),
  );
  assert.deepEqual(errorCodes(stale), [ErrorCode.ILLEGAL_GENERATION]);
  const stranger = await c.request(
    OffsetCommit,
    1,
    commitBody('old-group', 'old-v1', [[0, 1n, '']], { ...member, memberId: 'someone-else' }),
  );
  assert.deepEqual(errorCodes(stranger), [ErrorCode.UNKNOWN_MEMBER_ID]);
  const v0 = await c.request(OffsetCommit, 0, commitBody('old-group', 'old-v1', [[0, 1n, '']]));
  assert.deepEqual(errorCodes(v0), [ErrorCode.UNKNOWN_MEMBER_ID]);

  for (const version of [0, 1, 5]) {
    const parts = await fetchOffsets(version, 'old-group', 'old-v1', [0]);
    assert.deepEqual(
      parts.map((p) => [p.committedOffset, p.metadata, p.errorCode]),
      [[42n, 'sarama', 0]],
      `OffsetFetch v${version}`,
    );
  }
  const newest = await fetchOffsetsNewest('old-group', 'old-v1', [0]);
  assert.deepEqual(
    newest.map((p) => [p.partitionIndex, p.committedOffset, p.metadata]),
    [[0, 42n, 'sarama']],
  );
});

test('ListOffsets v0 answers segment boundaries newest first, bounded by maxNumOffsets, and agrees with v1', async () => {
  // Tiny segments: every batch of two records rolls a new one, so the boundaries are 0, 2, 4 and the log end 6.
  await createTopic('old-list', 1, [{ name: 'segment.bytes', value: '100' }]);
  for (const pair of [
    ['a', 'b'],
    ['c', 'd'],
    ['e', 'f'],
  ])
    await produce('old-list', pair);

  const v0 = async (topic: string, timestamp: bigint, maxNumOffsets: number) => {
    const res = (await c.request(ListOffsets, 0, {
      replicaId: -1,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp, maxNumOffsets }] }],
    })) as { topics: { partitions: { errorCode: number; oldStyleOffsets: bigint[] }[] }[] };
    const p = res.topics[0]?.partitions[0];
    return { errorCode: p?.errorCode, offsets: p?.oldStyleOffsets };
  };
  const v1 = async (timestamp: bigint) => {
    const res = (await c.request(ListOffsets, 1, {
      replicaId: -1,
      topics: [{ name: 'old-list', partitions: [{ partitionIndex: 0, timestamp }] }],
    })) as { topics: { partitions: { offset: bigint }[] }[] };
    return res.topics[0]?.partitions[0]?.offset;
  };

  assert.deepEqual(await v0('old-list', -1n, 10), { errorCode: 0, offsets: [6n, 4n, 2n, 0n] });
  assert.deepEqual(await v0('old-list', -1n, 1), { errorCode: 0, offsets: [6n] });
  assert.equal(await v1(-1n), 6n);
  assert.deepEqual(await v0('old-list', -2n, 10), { errorCode: 0, offsets: [0n] });
  assert.equal(await v1(-2n), 0n);
  // A time: the boundaries last written at or before it. Before any write: none; an hour ahead: all of them.
  assert.deepEqual(await v0('old-list', 1n, 10), { errorCode: 0, offsets: [] });
  assert.deepEqual(await v0('old-list', BigInt(Date.now() + 3_600_000), 2), { errorCode: 0, offsets: [6n, 4n] });
  assert.deepEqual(await v0('no-such-topic-old', -1n, 1), {
    errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    offsets: [],
  });

  // DeleteRecords moves the log start into the second segment: that boundary becomes the log start.
  const del = (await c.request(DeleteRecords, 0, {
    topics: [{ name: 'old-list', partitions: [{ partitionIndex: 0, offset: 3n }] }],
    timeoutMs: 5000,
  })) as { topics: { partitions: { errorCode: number; lowWatermark: bigint }[] }[] };
  assert.equal(del.topics[0]?.partitions[0]?.lowWatermark, 3n);
  assert.deepEqual(await v0('old-list', -2n, 10), { errorCode: 0, offsets: [3n] });
  assert.equal(await v1(-2n), 3n);
  assert.deepEqual(await v0('old-list', -1n, 10), { errorCode: 0, offsets: [6n, 4n, 3n] });
});

test('OffsetFetch v0-1 give a group authorization failure on every partition asked about, v2+ once', async () => {
  const db = await createTestDatabase();
  const fx = new TenantFixtures(db.url);
  let tenantBroker: BrokerProcess | undefined;
  let client: RawClient | undefined;
  try {
    const acme = await fx.tenant('acme');
    const reader = await fx.key(acme, 'reader');
    await fx.acl(acme, 'User:reader', 'TOPIC', 'orders', 'DESCRIBE');
    tenantBroker = await startBroker({
      args: ['--database-url', db.url],
      env: { SAMSA_SUPERUSER_PASSWORD: 'old-versions-superuser' },
    });
    client = await RawClient.connect(tenantBroker.port);
    await client.saslPlain(reader.keyId, reader.secret);
    const ask = { groupId: 'billing', topics: [{ name: 'orders', partitionIndexes: [0, 1] }], requireStable: false };
    for (const version of [0, 1]) {
      const res = (await client.request(OffsetFetch, version, ask)) as { topics: { partitions: Committed[] }[] };
      assert.deepEqual(
        res.topics.flatMap((t) => t.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.errorCode])),
        [
          [0, -1n, ErrorCode.GROUP_AUTHORIZATION_FAILED],
          [1, -1n, ErrorCode.GROUP_AUTHORIZATION_FAILED],
        ],
        `v${version}`,
      );
    }
    const v2 = (await client.request(OffsetFetch, 2, ask)) as { errorCode: number; topics: unknown[] };
    assert.equal(v2.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    assert.deepEqual(v2.topics, []);
  } finally {
    client?.close();
    await tenantBroker?.cleanup();
    await fx.close();
    await db.drop();
  }
});
