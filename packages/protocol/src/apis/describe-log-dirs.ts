/** DescribeLogDirs (key 35): the log directories and, per partition, the bytes its segments take on disk. */
import { defineApi, f } from '../schema.ts';

export const DescribeLogDirs = defineApi({
  key: 35,
  name: 'DescribeLogDirs',
  versions: '0-4',
  flexible: '2+',
  request: [
    f.structs('topics', '0+', [f.string('topic', '0+'), f.array('partitions', '0+', 'int32')], { nullable: '0+' }),
  ],
  response: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '3+', { default: 0 }),
    f.structs('results', '0+', [
      f.int16('errorCode', '0+'),
      f.string('logDir', '0+'),
      f.structs('topics', '0+', [
        f.string('name', '0+'),
        f.structs('partitions', '0+', [
          f.int32('partitionIndex', '0+'),
          f.int64('partitionSize', '0+'),
          f.int64('offsetLag', '0+'),
          f.bool('isFutureKey', '0+'),
        ]),
      ]),
      f.int64('totalBytes', '4+', { default: -1n }),
      f.int64('usableBytes', '4+', { default: -1n }),
    ]),
  ],
});
