/** ListTransactions (key 66): the transactional ids a coordinator knows, filtered by state, producer and age. */
import { defineApi, f } from '../schema.ts';

export const ListTransactions = defineApi({
  key: 66,
  name: 'ListTransactions',
  versions: '0-1',
  flexible: '0+',
  request: [
    f.array('stateFilters', '0+', 'string'),
    f.array('producerIdFilters', '0+', 'int64'),
    f.int64('durationFilter', '1+', { default: -1n }),
  ],
  response: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '0+'),
    f.array('unknownStateFilters', '0+', 'string'),
    f.structs('transactionStates', '0+', [
      f.string('transactionalId', '0+'),
      f.int64('producerId', '0+'),
      f.string('transactionState', '0+'),
    ]),
  ],
});
