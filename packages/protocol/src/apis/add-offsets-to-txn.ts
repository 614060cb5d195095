/** AddOffsetsToTxn (key 25): add a group's offset commits to a producer's transaction. */
import { defineApi, f } from '../schema.ts';

export const AddOffsetsToTxn = defineApi({
  key: 25,
  name: 'AddOffsetsToTxn',
  versions: '0-4',
  flexible: '3+',
  request: [
    f.string('transactionalId', '0+'),
    f.int64('producerId', '0+'),
    f.int16('producerEpoch', '0+'),
    f.string('groupId', '0+'),
  ],
  response: [f.int32('throttleTimeMs', '0+'), f.int16('errorCode', '0+')],
});
