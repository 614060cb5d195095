/** OffsetForLeaderEpoch (key 23): the end offset of a leader epoch, used by consumers to detect log truncation. */
import { defineApi, f } from '../schema.ts';

export const OffsetForLeaderEpoch = defineApi({
  key: 23,
  name: 'OffsetForLeaderEpoch',
  versions: '0-4',
  flexible: '4+',
  request: [
    f.int32('replicaId', '3+', { default: -2 }),
    f.structs('topics', '0+', [
      f.string('topic', '0+'),
      f.structs('partitions', '0+', [
        f.int32('partition', '0+'),
        f.int32('currentLeaderEpoch', '2+', { default: -1 }),
        f.int32('leaderEpoch', '0+'),
      ]),
    ]),
  ],
  response: [
    f.int32('throttleTimeMs', '2+'),
    f.structs('topics', '0+', [
      f.string('topic', '0+'),
      f.structs('partitions', '0+', [
        f.int16('errorCode', '0+'),
        f.int32('partition', '0+'),
        f.int32('leaderEpoch', '1+', { default: -1 }),
        f.int64('endOffset', '0+', { default: -1n }),
      ]),
    ]),
  ],
});
