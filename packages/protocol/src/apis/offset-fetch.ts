/** OffsetFetch (key 9): a group's committed offsets; v0 and v1 share a layout; v8+ asks about several groups at once. */
import { defineApi, f } from '../schema.ts';

export const OffsetFetch = defineApi({
  key: 9,
  name: 'OffsetFetch',
  versions: '0-9',
  flexible: '6+',
  request: [
    f.string('groupId', '0-7', { default: '' }),
    f.structs('topics', '0-7', [f.string('name', '0-7'), f.array('partitionIndexes', '0-7', 'int32')], {
      nullable: '2-7',
      default: [],
    }),
    f.structs(
      'groups',
      '8+',
      [
        f.string('groupId', '8+'),
        f.string('memberId', '9+', { nullable: '9+', default: null }),
        f.int32('memberEpoch', '9+', { default: -1 }),
        f.structs('topics', '8+', [f.string('name', '8+'), f.array('partitionIndexes', '8+', 'int32')], {
          nullable: '8+',
        }),
      ],
      { default: [] },
    ),
    f.bool('requireStable', '7+'),
  ],
  response: [
    f.int32('throttleTimeMs', '3+'),
    f.structs('topics', '0-7', [
      f.string('name', '0-7'),
      f.structs('partitions', '0-7', [
        f.int32('partitionIndex', '0-7'),
        f.int64('committedOffset', '0-7'),
        f.int32('committedLeaderEpoch', '5-7', { default: -1 }),
        f.string('metadata', '0-7', { nullable: '0-7' }),
        f.int16('errorCode', '0-7'),
      ]),
    ]),
    f.int16('errorCode', '2-7'),
    f.structs('groups', '8+', [
      f.string('groupId', '8+'),
      f.structs('topics', '8+', [
        f.string('name', '8+'),
        f.structs('partitions', '8+', [
          f.int32('partitionIndex', '8+'),
          f.int64('committedOffset', '8+'),
          f.int32('committedLeaderEpoch', '8+', { default: -1 }),
          f.string('metadata', '8+', { nullable: '8+' }),
          f.int16('errorCode', '8+'),
        ]),
      ]),
      f.int16('errorCode', '8+'),
    ]),
  ],
});
