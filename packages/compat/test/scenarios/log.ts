/**
 * The log as clients see it beyond plain produce/fetch: Metadata and Fetch response details, DeleteRecords,
 * CreatePartitions, the idempotent producer's sequence checks, and produce requests a broker must refuse.
 */
import {
  CreatePartitions,
  DeleteRecords,
  encodeBatch,
  Fetch,
  FindCoordinator,
  InitProducerId,
  ListOffsets,
  Metadata,
  OffsetForLeaderEpoch,
  Produce,
  type RecordInput,
  ZERO_UUID,
} from '@samsa/protocol';
import type { RawClient } from '@samsa/test-support/raw-client';
import { createTopics, errName, fetchBody, fetchRecords, type Scenario, withRaw } from './target.ts';

async function produce(c: RawClient, topic: string, records: Buffer, acks = -1) {
  const r = await c.request(Produce, 9, {
    transactionalId: null,
    acks,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  const p = (r.responses as { partitionResponses: Record<string, unknown>[] }[])[0]!.partitionResponses[0]!;
  return { errorCode: errName(p.errorCode), baseOffset: p.baseOffset as bigint };
}

const values = (n: number, tag: string): RecordInput[] =>
  Array.from({ length: n }, (_, i) => ({ key: `${tag}${i}`, value: `${tag}-value-${i}` }));

export const metadataFetchAndDeletion: Scenario = async (t) => {
  const topic = 'diff-log';
  await createTopics(t, [{ topic, numPartitions: 3 }]);
  return withRaw(t, async (c) => {
    await produce(c, topic, encodeBatch({ records: values(2, 'a') }));
    await produce(c, topic, encodeBatch({ records: values(2, 'b') }));
    const md = await c.request(Metadata, 12, {
      topics: [{ name: topic }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: true,
    });
    const brokers = md.brokers as { nodeId: number }[];
    const isBroker = (id: unknown) => brokers.some((b) => b.nodeId === id);
    const mt = (md.topics as Record<string, unknown>[])[0]!;
    const metadata = {
      brokerCount: brokers.length,
      clusterIdSet: typeof md.clusterId === 'string' && md.clusterId.length > 0,
      controllerIsABroker: isBroker(md.controllerId),
      topic: {
        errorCode: errName(mt.errorCode),
        name: mt.name,
        isInternal: mt.isInternal,
        topicIdSet: mt.topicId !== ZERO_UUID,
        authorizedOperations: mt.topicAuthorizedOperations,
        partitions: (mt.partitions as Record<string, unknown>[])
          .map((p) => ({
            index: p.partitionIndex,
            errorCode: errName(p.errorCode),
            leaderIsABroker: isBroker(p.leaderId),
            leaderEpoch: p.leaderEpoch,
            replicas: (p.replicaNodes as number[]).length,
            isr: (p.isrNodes as number[]).length,
            offline: (p.offlineReplicas as number[]).length,
          }))
          .sort((a, b) => (a.index as number) - (b.index as number)),
      },
    };
    const fr = await c.request(Fetch, 12, fetchBody({ topic }, 0, 3n, { maxBytes: 1024 * 1024, isolationLevel: 1 }));
    const fp = (fr.responses as { partitions: Record<string, unknown>[] }[])[0]!.partitions[0]!;
    const fetch = {
      errorCode: errName(fr.errorCode),
      partitionErrorCode: errName(fp.errorCode),
      highWatermark: fp.highWatermark,
      lastStableOffset: fp.lastStableOffset,
      logStartOffset: fp.logStartOffset,
      preferredReadReplica: fp.preferredReadReplica,
      abortedTransactions: fp.abortedTransactions ?? [],
      readFromThree: (await fetchRecords(c, topic, 0, 3n)).records.map((r) => `${r.offset}:${r.value}`),
    };
    const deleteRecords = async (offset: bigint, partition = 0, name = topic) => {
      const r = await c.request(DeleteRecords, 2, {
        topics: [{ name, partitions: [{ partitionIndex: partition, offset }] }],
        timeoutMs: 10_000,
      });
      const p = (r.topics as { partitions: Record<string, unknown>[] }[])[0]!.partitions[0]!;
      return { errorCode: errName(p.errorCode), lowWatermark: p.lowWatermark };
    };
    const earliest = async () => {
      const r = await c.request(ListOffsets, 8, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -2n }] }],
      });
      return (r.topics as { partitions: { offset: bigint }[] }[])[0]!.partitions[0]!.offset;
    };
    const deletion = {
      toTwo: await deleteRecords(2n),
      earliestAfter: await earliest(),
      fetchBelowStart: (await fetchRecords(c, topic, 0, 1n)).errorCode,
      fetchAtStart: (await fetchRecords(c, topic, 0, 2n)).records.map((r) => `${r.offset}:${r.value}`),
      backwards: await deleteRecords(1n),
      pastTheEnd: await deleteRecords(10n),
      toHighWatermark: await deleteRecords(-1n),
      wrongPartition: await deleteRecords(0n, 7),
      unknownTopic: await deleteRecords(0n, 0, 'diff-no-such-topic'),
    };
    const createPartitions = async (count: number, name = topic, validateOnly = false) => {
      const r = await c.request(CreatePartitions, 3, {
        topics: [{ name, count, assignments: null }],
        timeoutMs: 10_000,
        validateOnly,
      });
      return errName((r.results as { errorCode: number }[])[0]!.errorCode);
    };
    const partitions = {
      validateOnlyFive: await createPartitions(5, topic, true),
      five: await createPartitions(5),
      fiveAgain: await createPartitions(5),
      fewer: await createPartitions(2),
      unknownTopic: await createPartitions(4, 'diff-no-such-topic'),
    };
    // KIP-74: a first batch bigger than the byte limits still comes back whole, or the consumer could never move on.
    await produce(c, 'diff-log', encodeBatch({ records: [{ key: 'big', value: 'x'.repeat(3000) }] }));
    const big = await fetchRecords(c, topic, 0, 4n, 100);
    const kip74 = {
      errorCode: big.errorCode,
      records: big.records.map((r) => `${r.offset}:${r.key}:${r.value?.length}`),
    };
    const epochs = await c.request(OffsetForLeaderEpoch, 4, {
      replicaId: -1,
      topics: [
        {
          topic,
          partitions: [
            { partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 },
            { partition: 1, currentLeaderEpoch: -1, leaderEpoch: 7 },
            { partition: 9, currentLeaderEpoch: -1, leaderEpoch: 0 },
          ],
        },
      ],
    });
    // KIP-227: a consumer asks for a fetch session (epoch 0); a broker may give one (an id) or not (0).
    const session = await c.request(Fetch, 12, fetchBody({ topic }, 0, 4n, { maxBytes: 1024, sessionEpoch: 0 }));
    const fetchSession = { errorCode: errName(session.errorCode), sessionGiven: session.sessionId !== 0 };
    const leaderEpochs = (epochs.topics as { partitions: Record<string, unknown>[] }[])[0]!.partitions.map((p) => ({
      partition: p.partition,
      errorCode: errName(p.errorCode),
      leaderEpoch: p.leaderEpoch,
      endOffset: p.endOffset,
    }));
    return { metadata, fetch, deletion, partitions, kip74, leaderEpochs, fetchSession };
  });
};

export const idempotenceAndRefusedProduce: Scenario = async (t) => {
  const topic = 'diff-idempotence';
  await createTopics(t, [{ topic }]);
  return withRaw(t, async (c) => {
    // Kafka answers COORDINATOR_LOAD_IN_PROGRESS until its producer-id block is ready; clients retry, so do we.
    const initOnce = () =>
      c.request(InitProducerId, 4, {
        transactionalId: null,
        transactionTimeoutMs: 60_000,
        producerId: -1n,
        producerEpoch: -1,
      });
    let init = await initOnce();
    for (let i = 0; i < 100 && errName(init.errorCode) === 'COORDINATOR_LOAD_IN_PROGRESS'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      init = await initOnce();
    }
    const producerId = init.producerId as bigint;
    const producerEpoch = init.producerEpoch as number;
    const batch = (baseSequence: number, tag: string, n = 2) =>
      encodeBatch({ records: values(n, tag), producerId, producerEpoch, baseSequence });
    const sequences = {
      first: await produce(c, topic, batch(0, 'a')),
      exactDuplicate: await produce(c, topic, batch(0, 'a')),
      gap: await produce(c, topic, batch(5, 'gap')),
      next: await produce(c, topic, batch(2, 'b')),
      olderDuplicate: await produce(c, topic, batch(0, 'a')),
    };
    const read = (await fetchRecords(c, topic, 0)).records.map((r) => `${r.offset}:${r.value}`);
    const corrupt = encodeBatch({ records: values(1, 'corrupt') });
    corrupt[corrupt.length - 1] ^= 0xff;
    const refused = {
      acksTwo: await produce(c, topic, encodeBatch({ records: values(1, 'acks') }), 2),
      badCrc: await produce(c, topic, corrupt),
      unknownProducerId: await produce(
        c,
        topic,
        encodeBatch({ records: values(1, 'ghost'), producerId: producerId + 1000n, producerEpoch: 0, baseSequence: 3 }),
      ),
    };
    return {
      init: { errorCode: errName(init.errorCode), producerIdSet: producerId >= 0n, producerEpoch },
      sequences,
      read,
      refused,
      endOffset: (await fetchRecords(c, topic, 0)).highWatermark,
    };
  });
};

/** A transactional producer's first steps: find the transaction coordinator, then InitProducerId with its id. */
export const transactionalProducer: Scenario = async (t) =>
  withRaw(t, async (c) => {
    const retriable = new Set(['COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS', 'NOT_COORDINATOR']);
    // Kafka creates its transaction log on the first lookup; a client retries until the coordinator is there.
    const find = async () => {
      const r = await c.request(FindCoordinator, 3, { key: 'diff-txn', keyType: 1 });
      return errName(r.errorCode);
    };
    // Bounded at 4 s, so a broker that never finds a coordinator fails the comparison instead of hanging.
    let found = await find();
    for (let i = 0; i < 40 && retriable.has(found); i++) {
      await new Promise((r) => setTimeout(r, 100));
      found = await find();
    }
    const init = async () => {
      const r = await c.request(InitProducerId, 4, {
        transactionalId: 'diff-txn',
        transactionTimeoutMs: 60_000,
        producerId: -1n,
        producerEpoch: -1,
      });
      return { errorCode: errName(r.errorCode), producerIdSet: (r.producerId as bigint) >= 0n };
    };
    let initialized = await init();
    for (let i = 0; i < 100 && retriable.has(initialized.errorCode); i++) {
      await new Promise((r) => setTimeout(r, 100));
      initialized = await init();
    }
    return { findCoordinator: found, initProducerId: initialized };
  });
