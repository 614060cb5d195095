/**
 * Error cases with raw requests, so the error codes are exact: unknown topics and partitions (auto-create off),
 * records too large for the topic or the broker, invalid topic names, configs, partition counts and replication
 * factors, and a topic that already exists.
 */
import {
  CreateTopics,
  DeleteTopics,
  encodeBatch,
  Fetch,
  ListOffsets,
  Metadata,
  Produce,
  ZERO_UUID,
} from '@samsa/protocol';
import type { RawClient } from '@samsa/test-support/raw-client';
import { createTopics, errName, fetchBody, fetchRecords, type Scenario, withRaw } from './target.ts';

async function produce(c: RawClient, topic: string, partition: number, value: string, timestamp?: bigint) {
  const r = await c.request(Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 10_000,
    topicData: [
      { name: topic, partitionData: [{ index: partition, records: encodeBatch({ records: [{ value, timestamp }] }) }] },
    ],
  });
  return errName(
    (r.responses as { partitionResponses: { errorCode: number }[] }[])[0]!.partitionResponses[0]!.errorCode,
  );
}

async function listOffset(c: RawClient, topic: string, partition: number) {
  const r = await c.request(ListOffsets, 8, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: -1n }] }],
  });
  return errName((r.topics as { partitions: { errorCode: number }[] }[])[0]!.partitions[0]!.errorCode);
}

async function metadata(c: RawClient, names: string[]) {
  const r = await c.request(Metadata, 12, {
    topics: names.map((name) => ({ name })),
    allowAutoTopicCreation: true,
    includeTopicAuthorizedOperations: false,
  });
  return Object.fromEntries(
    (r.topics as { name: string; errorCode: number }[]).map((x) => [x.name, errName(x.errorCode)]),
  );
}

export const errorCases: Scenario = async (t) => {
  const topic = 'diff-errors';
  await createTopics(t, [
    { topic },
    { topic: 'diff-small-records', configEntries: [{ name: 'max.message.bytes', value: '1024' }] },
  ]);
  return withRaw(t, async (c) => {
    const produced = await produce(c, topic, 0, 'one');
    const unknownTopic = {
      produce: await produce(c, 'diff-no-such-topic', 0, 'x'),
      fetch: (await fetchRecords(c, 'diff-no-such-topic', 0)).errorCode,
      listOffsets: await listOffset(c, 'diff-no-such-topic', 0),
      metadataWithAutoCreateOff: await metadata(c, ['diff-no-such-topic']),
      stillUnknown: await metadata(c, ['diff-no-such-topic']),
    };
    const wrongPartition = {
      produce: await produce(c, topic, 5, 'x'),
      fetch: (await fetchRecords(c, topic, 5)).errorCode,
      listOffsets: await listOffset(c, topic, 5),
    };
    const fetchPastEnd = (await fetchRecords(c, topic, 0, 100n)).errorCode;
    const tooLarge = {
      overTopicMaxMessageBytes: await produce(c, 'diff-small-records', 0, 'x'.repeat(2000)),
      underTopicMaxMessageBytes: await produce(c, 'diff-small-records', 0, 'x'.repeat(500)),
      overBrokerMessageMaxBytes: await produce(c, topic, 0, 'x'.repeat(1_100_000)),
    };
    const now = BigInt(Date.now());
    const timestamps = {
      twoHoursAhead: await produce(c, topic, 0, 'future', now + 7_200_000n),
      halfAnHourAhead: await produce(c, topic, 0, 'soon', now + 1_800_000n),
      aYearAgo: await produce(c, topic, 0, 'past', now - 365n * 86_400_000n),
    };
    const invalidNameMetadata = await metadata(c, ['bad/name']);
    const created = await c.request(CreateTopics, 7, {
      topics: [
        ['bad/name', 1, 1, []],
        ['..', 1, 1, []],
        ['x'.repeat(250), 1, 1, []],
        ['diff-bad-config', 1, 1, [{ name: 'retention.ms', value: 'abc' }]],
        ['diff-unknown-config', 1, 1, [{ name: 'no.such.config', value: '1' }]],
        ['diff-rf3', 1, 3, []],
        ['diff-rf0', 1, 0, []],
        ['diff-zero-partitions', 0, 1, []],
        ['diff-defaults', -1, -1, []],
        [topic, 1, 1, []],
      ].map(([name, numPartitions, replicationFactor, configs]) => ({
        name,
        numPartitions,
        replicationFactor,
        assignments: [],
        configs,
      })),
      timeoutMs: 10_000,
      validateOnly: true,
    });
    const createErrors = Object.fromEntries(
      (created.topics as Record<string, unknown>[]).map((x) => [
        (x.name as string).length > 60 ? '250 characters' : x.name,
        {
          errorCode: errName(x.errorCode),
          numPartitions: x.numPartitions,
          replicationFactor: x.replicationFactor,
        },
      ]),
    );
    const unknownId = '6b1c2d3e-0000-4000-8000-00000000abcd';
    const fetchById = await c.request(Fetch, 13, fetchBody({ topicId: unknownId }, 0, 0n, { maxBytes: 1024 }));
    const metadataById = await c.request(Metadata, 12, {
      topics: [{ topicId: unknownId, name: null }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    const badTimestamp = await c.request(ListOffsets, 8, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -7n }] }],
    });
    const deleted = await c.request(DeleteTopics, 6, {
      topics: [{ name: 'diff-no-such-topic', topicId: ZERO_UUID }],
      timeoutMs: 10_000,
    });
    return {
      unknownTopicId: {
        fetch: errName(
          (fetchById.responses as { partitions: { errorCode: number }[] }[])[0]?.partitions[0]?.errorCode ??
            fetchById.errorCode,
        ),
        metadata: (metadataById.topics as { errorCode: number }[]).map((x) => errName(x.errorCode)),
      },
      listOffsetsBadTimestamp: errName(
        (badTimestamp.topics as { partitions: { errorCode: number }[] }[])[0]!.partitions[0]!.errorCode,
      ),
      produced,
      unknownTopic,
      wrongPartition,
      fetchPastEnd,
      tooLarge,
      timestamps,
      invalidNameMetadata,
      createErrors,
      deleteUnknownTopic: (deleted.responses as Record<string, unknown>[]).map((x) => errName(x.errorCode)),
    };
  });
};
