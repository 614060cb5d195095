/**
 * DescribeProducers: the producers each partition knows, with the start offset of their open transaction there, as
 * kafka-transactions describe-producers and find-hanging read them. Like Kafka, it needs READ on the topic; a tenant
 * names only its own topics.
 */
import { type DescribeProducers, ErrorCode, type ResponseOf } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { topicFor } from './topic-access.ts';

type TopicResult = ResponseOf<typeof DescribeProducers>['topics'][number];

export const handleDescribeProducers: Handler<typeof DescribeProducers> = (
  ctx,
  req,
): ResponseOf<typeof DescribeProducers> => {
  const topics: TopicResult[] = req.topics.map((t) => {
    const found = topicFor(ctx, t.name, 'READ');
    return {
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex): TopicResult['partitions'][number] => {
        const partition = found.topic?.partitions[partitionIndex];
        if (!partition) {
          return {
            partitionIndex,
            errorCode: found.errorCode || ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            errorMessage: found.topic ? `partition ${partitionIndex} does not exist` : found.errorMessage,
            activeProducers: [],
          };
        }
        return {
          partitionIndex,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          activeProducers: partition.activeProducers().map((p) => ({
            producerId: p.producerId,
            producerEpoch: p.producerEpoch,
            lastSequence: p.lastSequence,
            lastTimestamp: BigInt(p.lastTimestampMs),
            // One coordinator whose epoch never changes: Samsa writes every marker with coordinator epoch 0.
            coordinatorEpoch: 0,
            currentTxnStartOffset: p.currentTxnStartOffset,
          })),
        };
      }),
    };
  });
  return { throttleTimeMs: 0, topics };
};
