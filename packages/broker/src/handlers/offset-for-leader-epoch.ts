/**
 * OffsetForLeaderEpoch: a single node never changes leader, so every partition has one epoch (0) whose end offset is
 * the log end. Consumers (librdkafka, KIP-320) use this to check their position after a metadata change.
 */
import { ErrorCode, type OffsetForLeaderEpoch, type ResponseOf } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { topicFor } from './topic-access.ts';

const LEADER_EPOCH = 0;

export const handleOffsetForLeaderEpoch: Handler<typeof OffsetForLeaderEpoch> = (
  ctx,
  req,
): ResponseOf<typeof OffsetForLeaderEpoch> => ({
  throttleTimeMs: 0,
  topics: req.topics.map((t) => {
    const found = topicFor(ctx, t.topic, 'DESCRIBE');
    return {
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        const partition = found.topic?.partitions[p.partition];
        if (!partition) {
          const errorCode = found.errorCode || ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          return { errorCode, partition: p.partition, leaderEpoch: -1, endOffset: -1n };
        }
        if (p.currentLeaderEpoch > LEADER_EPOCH) {
          return { errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH, partition: p.partition, leaderEpoch: -1, endOffset: -1n };
        }
        // Epochs above ours have no end offset yet (-1); ours and older end at the log end.
        const known = p.leaderEpoch <= LEADER_EPOCH;
        return {
          errorCode: ErrorCode.NONE,
          partition: p.partition,
          leaderEpoch: known ? LEADER_EPOCH : -1,
          endOffset: known ? partition.log.logEndOffset : -1n,
        };
      }),
    };
  }),
});
