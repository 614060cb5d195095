/** DeleteRecords (key 21): move partitions' log start offsets forward, deleting the records before them. */
import { defineApi, f } from '../schema.ts';

export const DeleteRecords = defineApi({
  key: 21,
  name: 'DeleteRecords',
  versions: '0-2',
  flexible: '2+',
  request: [
    f.structs('topics', '0+', [
      f.string('name', '0+'),
      f.structs('partitions', '0+', [f.int32('partitionIndex', '0+'), f.int64('offset', '0+')]),
    ]),
    f.int32('timeoutMs', '0+'),
  ],
  response: [
    f.int32('throttleTimeMs', '0+'),
    f.structs('topics', '0+', [
      f.string('name', '0+'),
      f.structs('partitions', '0+', [
        f.int32('partitionIndex', '0+'),
        f.int64('lowWatermark', '0+'),
        f.int16('errorCode', '0+'),
      ]),
    ]),
  ],
});
