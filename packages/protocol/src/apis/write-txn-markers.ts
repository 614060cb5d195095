/**
 * WriteTxnMarkers (key 27): writes commit or abort markers for producers into partitions. Kafka's coordinator sends it
 * to partition leaders; an operator's Admin.abortTransaction (kafka-transactions abort) sends it for a hanging one.
 */
import { defineApi, f } from '../schema.ts';

export const WriteTxnMarkers = defineApi({
  key: 27,
  name: 'WriteTxnMarkers',
  versions: '0-1',
  flexible: '1+',
  request: [
    f.structs('markers', '0+', [
      f.int64('producerId', '0+'),
      f.int16('producerEpoch', '0+'),
      f.bool('transactionResult', '0+'),
      f.structs('topics', '0+', [f.string('name', '0+'), f.array('partitionIndexes', '0+', 'int32')]),
      f.int32('coordinatorEpoch', '0+'),
    ]),
  ],
  response: [
    f.structs('markers', '0+', [
      f.int64('producerId', '0+'),
      f.structs('topics', '0+', [
        f.string('name', '0+'),
        f.structs('partitions', '0+', [f.int32('partitionIndex', '0+'), f.int16('errorCode', '0+')]),
      ]),
    ]),
  ],
});
