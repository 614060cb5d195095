/** OffsetDelete (key 47): delete a group's committed offsets for partitions it no longer consumes. */
import { defineApi, f } from '../schema.ts';

export const OffsetDelete = defineApi({
  key: 47,
  name: 'OffsetDelete',
  versions: '0',
  flexible: 'none',
  request: [
    f.string('groupId', '0+'),
    f.structs('topics', '0+', [
      f.string('name', '0+'),
      f.structs('partitions', '0+', [f.int32('partitionIndex', '0+')]),
    ]),
  ],
  response: [
    f.int16('errorCode', '0+'),
    f.int32('throttleTimeMs', '0+'),
    f.structs('topics', '0+', [
      f.string('name', '0+'),
      f.structs('partitions', '0+', [f.int32('partitionIndex', '0+'), f.int16('errorCode', '0+')]),
    ]),
  ],
});
