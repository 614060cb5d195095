/**
 * AddPartitionsToTxn (key 24): add partitions to a producer's transaction. v4+ batches several transactions (sent by
 * brokers); clients use the single-transaction "V3AndBelow" fields.
 */
import { defineApi, f } from '../schema.ts';

const topic = [f.string('name', '0+'), f.array('partitions', '0+', 'int32')];
const topicResult = [
  f.string('name', '0+'),
  f.structs('resultsByPartition', '0+', [f.int32('partitionIndex', '0+'), f.int16('partitionErrorCode', '0+')]),
];

export const AddPartitionsToTxn = defineApi({
  key: 24,
  name: 'AddPartitionsToTxn',
  versions: '0-5',
  flexible: '3+',
  request: [
    f.structs('transactions', '4+', [
      f.string('transactionalId', '4+'),
      f.int64('producerId', '4+'),
      f.int16('producerEpoch', '4+'),
      f.bool('verifyOnly', '4+'),
      f.structs('topics', '4+', topic),
    ]),
    f.string('v3AndBelowTransactionalId', '0-3'),
    f.int64('v3AndBelowProducerId', '0-3'),
    f.int16('v3AndBelowProducerEpoch', '0-3'),
    f.structs('v3AndBelowTopics', '0-3', topic),
  ],
  response: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '4+'),
    f.structs('resultsByTransaction', '4+', [
      f.string('transactionalId', '4+'),
      f.structs('topicResults', '4+', topicResult),
    ]),
    f.structs('resultsByTopicV3AndBelow', '0-3', topicResult),
  ],
});
