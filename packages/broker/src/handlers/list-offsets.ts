/**
 * ListOffsets: earliest (-2), latest (-1, the last stable offset for read_committed), max timestamp (-3), earliest
 * local (-4: the log start), latest tiered (-5: none, nothing is tiered), or the first offset at/after a timestamp.
 * v0 answers up to maxNumOffsets segment boundaries instead (Kafka's legacy semantics, see
 * PartitionLog.legacyOffsetsBefore).
 */
import { ErrorCode, type ListOffsets, type ResponseOf } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { topicFor } from './topic-access.ts';

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
const EARLIEST_LOCAL = -4n;
const LATEST_TIERED = -5n;

type ListOffsetsTopic = ResponseOf<typeof ListOffsets>['topics'][number];

export const handleListOffsets: Handler<typeof ListOffsets> = async (
  ctx,
  req,
): Promise<ResponseOf<typeof ListOffsets>> => {
  const topics: ListOffsetsTopic[] = [];
  for (const t of req.topics) {
    const found = topicFor(ctx, t.name, 'DESCRIBE');
    const partitions: ListOffsetsTopic['partitions'][number][] = [];
    for (const p of t.partitions) {
      const partition = found.topic?.partitions[p.partitionIndex];
      const log = partition?.log;
      const answer = {
        partitionIndex: p.partitionIndex,
        errorCode: ErrorCode.NONE,
        timestamp: -1n,
        offset: -1n,
        leaderEpoch: 0,
      };
      if (!partition || !log) {
        partitions.push({
          ...answer,
          errorCode: found.errorCode || ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          leaderEpoch: -1,
        });
        continue;
      }
      if (ctx.version === 0) {
        const max = Math.max(0, p.maxNumOffsets);
        partitions.push({ ...answer, oldStyleOffsets: log.legacyOffsetsBefore(p.timestamp, max, Date.now()) });
        continue;
      }
      if (p.timestamp === LATEST) {
        // read_committed (isolation level 1) sees the log only up to its last stable offset.
        answer.offset = req.isolationLevel === 1 ? partition.lastStableOffset : log.logEndOffset;
      } else if (p.timestamp === LATEST_TIERED) {
        // Nothing is tiered here: as Kafka without tiered storage, no offset (and no leader epoch).
        answer.leaderEpoch = -1;
      } else if (p.timestamp === EARLIEST || p.timestamp === EARLIEST_LOCAL) {
        answer.offset = log.logStartOffset;
      } else if (p.timestamp === MAX_TIMESTAMP) {
        const max = log.maxTimestampOffset();
        if (max) {
          // Kafka answers the first record holding the largest timestamp; the log knows only its batch, so look
          // that timestamp up (exact within uncompressed batches, the batch otherwise).
          const exact = (await log.offsetForTimestamp(max.timestamp)) ?? max;
          answer.offset = exact.offset;
          answer.timestamp = exact.timestamp;
        }
      } else if (p.timestamp < 0n) {
        // A negative timestamp this broker does not know is a newer special value (as -4 and -5 once were): Kafka
        // answers UNSUPPORTED_VERSION, so a client can tell it apart from a malformed request.
        partitions.push({ ...answer, errorCode: ErrorCode.UNSUPPORTED_VERSION });
        continue;
      } else {
        const hit = await log.offsetForTimestamp(p.timestamp);
        if (hit) {
          answer.offset = hit.offset;
          answer.timestamp = hit.timestamp;
        }
      }
      partitions.push(answer);
    }
    topics.push({ name: t.name, partitions });
  }
  return { throttleTimeMs: 0, topics };
};
