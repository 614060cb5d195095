/** InitProducerId (key 22): a producer id and epoch for an idempotent or transactional producer. */
import { defineApi, f } from '../schema.ts';

export const InitProducerId = defineApi({
  key: 22,
  name: 'InitProducerId',
  versions: '0-5',
  flexible: '2+',
  request: [
    f.string('transactionalId', '0+', { nullable: '0+' }),
    f.int32('transactionTimeoutMs', '0+'),
    f.int64('producerId', '3+', { default: -1n }),
    f.int16('producerEpoch', '3+', { default: -1 }),
  ],
  response: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '0+'),
    f.int64('producerId', '0+', { default: -1n }),
    f.int16('producerEpoch', '0+'),
  ],
});
