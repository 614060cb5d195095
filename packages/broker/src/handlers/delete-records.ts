/** DeleteRecords: moves each partition's log start offset forward (-1 means up to the high watermark). */
import { type DeleteRecords, ErrorCode, type ResponseOf } from '@samsa/protocol';
import { OffsetOutOfRangeError } from '../log/types.ts';
import type { Handler } from '../request-context.ts';
import { topicFor } from './topic-access.ts';

type DeleteRecordsTopic = ResponseOf<typeof DeleteRecords>['topics'][number];

export const handleDeleteRecords: Handler<typeof DeleteRecords> = async (
  ctx,
  req,
): Promise<ResponseOf<typeof DeleteRecords>> => {
  const topics: DeleteRecordsTopic[] = [];
  for (const t of req.topics) {
    const found = topicFor(ctx, t.name, 'DELETE');
    const partitions: DeleteRecordsTopic['partitions'][number][] = [];
    for (const p of t.partitions) {
      const log = found.topic?.partitions[p.partitionIndex]?.log;
      if (!log) {
        const errorCode = found.errorCode || ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode });
        continue;
      }
      try {
        const target = p.offset === -1n ? log.logEndOffset : p.offset;
        const lowWatermark = await log.deleteRecordsBefore(target);
        partitions.push({ partitionIndex: p.partitionIndex, lowWatermark, errorCode: ErrorCode.NONE });
      } catch (err) {
        if (!(err instanceof OffsetOutOfRangeError)) throw err;
        partitions.push({
          partitionIndex: p.partitionIndex,
          lowWatermark: -1n,
          errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
        });
      }
    }
    topics.push({ name: t.name, partitions });
  }
  return { throttleTimeMs: 0, topics };
};
