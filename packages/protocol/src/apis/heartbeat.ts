/** Heartbeat (key 12): a member of a classic group says it is alive and learns whether a rebalance started. */
import { defineApi, f } from '../schema.ts';

export const Heartbeat = defineApi({
  key: 12,
  name: 'Heartbeat',
  versions: '0-4',
  flexible: '4+',
  request: [
    f.string('groupId', '0+'),
    f.int32('generationId', '0+'),
    f.string('memberId', '0+'),
    f.string('groupInstanceId', '3+', { nullable: '3+', default: null }),
  ],
  response: [f.int32('throttleTimeMs', '1+'), f.int16('errorCode', '0+')],
});
