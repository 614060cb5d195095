/**
 * ListOffsets (key 2): the offset for a timestamp, or the earliest/latest/max-timestamp offset of partitions. v0 asks
 * for up to maxNumOffsets segment boundaries at or before a time and gets them as oldStyleOffsets, newest first.
 */
import { defineApi, f } from '../schema.ts';

export const ListOffsets = defineApi({
  key: 2,
  name: 'ListOffsets',
  versions: '0-10',
  flexible: '6+',
  request: [
    f.int32('replicaId', '0+'),
    f.int8('isolationLevel', '2+'),
    f.structs('topics', '0+', [
      f.string('name', '0+'),
      f.structs('partitions', '0+', [
        f.int32('partitionIndex', '0+'),
        f.int32('currentLeaderEpoch', '4+', { default: -1 }),
        f.int64('timestamp', '0+'),
        f.int32('maxNumOffsets', '0', { default: 1 }),
      ]),
    ]),
    f.int32('timeoutMs', '10+'),
  ],
  response: [
    f.int32('throttleTimeMs', '2+'),
    f.structs('topics', '0+', [
      f.string('name', '0+'),
      f.structs('partitions', '0+', [
        f.int32('partitionIndex', '0+'),
        f.int16('errorCode', '0+'),
        f.array('oldStyleOffsets', '0', 'int64'),
        f.int64('timestamp', '1+', { default: -1n }),
        f.int64('offset', '1+', { default: -1n }),
        f.int32('leaderEpoch', '4+', { default: -1 }),
      ]),
    ]),
  ],
});
