/**
 * OffsetCommit (key 8): store a group's consumed offsets. v0 carries no generation or member (a stand-alone commit);
 * v1 adds them and a per-partition commit timestamp (-1: the broker's clock); v2-4 a retention time instead.
 */
import { defineApi, f } from '../schema.ts';

export const OffsetCommit = defineApi({
  key: 8,
  name: 'OffsetCommit',
  versions: '0-9',
  flexible: '8+',
  request: [
    f.string('groupId', '0+'),
    f.int32('generationIdOrMemberEpoch', '1+', { default: -1 }),
    f.string('memberId', '1+', { default: '' }),
    f.string('groupInstanceId', '7+', { nullable: '7+', default: null }),
    f.int64('retentionTimeMs', '2-4', { default: -1n }),
    f.structs('topics', '0+', [
      f.string('name', '0+'),
      f.structs('partitions', '0+', [
        f.int32('partitionIndex', '0+'),
        f.int64('committedOffset', '0+'),
        f.int32('committedLeaderEpoch', '6+', { default: -1 }),
        f.int64('commitTimestamp', '1', { default: -1n }),
        f.string('committedMetadata', '0+', { nullable: '0+' }),
      ]),
    ]),
  ],
  response: [
    f.int32('throttleTimeMs', '3+'),
    f.structs('topics', '0+', [
      f.string('name', '0+'),
      f.structs('partitions', '0+', [f.int32('partitionIndex', '0+'), f.int16('errorCode', '0+')]),
    ]),
  ],
});
