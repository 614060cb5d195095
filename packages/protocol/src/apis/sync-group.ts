/** SyncGroup (key 14): the leader hands out assignments; every member receives its own. */
import { defineApi, f } from '../schema.ts';

export const SyncGroup = defineApi({
  key: 14,
  name: 'SyncGroup',
  versions: '0-5',
  flexible: '4+',
  request: [
    f.string('groupId', '0+'),
    f.int32('generationId', '0+'),
    f.string('memberId', '0+'),
    f.string('groupInstanceId', '3+', { nullable: '3+', default: null }),
    f.string('protocolType', '5+', { nullable: '5+', default: null }),
    f.string('protocolName', '5+', { nullable: '5+', default: null }),
    f.structs('assignments', '0+', [f.string('memberId', '0+'), f.bytes('assignment', '0+')]),
  ],
  response: [
    f.int32('throttleTimeMs', '1+'),
    f.int16('errorCode', '0+'),
    f.string('protocolType', '5+', { nullable: '5+', default: null }),
    f.string('protocolName', '5+', { nullable: '5+', default: null }),
    f.bytes('assignment', '0+'),
  ],
});
