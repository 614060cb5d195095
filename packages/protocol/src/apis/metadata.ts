/** Metadata (key 3): brokers, topics and partition leaders. */
import { defineApi, f } from '../schema.ts';

export const Metadata = defineApi({
  key: 3,
  name: 'Metadata',
  versions: '0-12',
  flexible: '9+',
  request: [
    f.structs('topics', '0+', [f.uuid('topicId', '10+'), f.string('name', '0+', { nullable: '10+' })], {
      nullable: '1+',
    }),
    f.bool('allowAutoTopicCreation', '4+', { default: true }),
    f.bool('includeClusterAuthorizedOperations', '8-10'),
    f.bool('includeTopicAuthorizedOperations', '8+'),
  ],
  response: [
    f.int32('throttleTimeMs', '3+'),
    f.structs('brokers', '0+', [
      f.int32('nodeId', '0+'),
      f.string('host', '0+'),
      f.int32('port', '0+'),
      f.string('rack', '1+', { nullable: '1+', default: null }),
    ]),
    f.string('clusterId', '2+', { nullable: '2+', default: null }),
    f.int32('controllerId', '1+', { default: -1 }),
    f.structs('topics', '0+', [
      f.int16('errorCode', '0+'),
      f.string('name', '0+', { nullable: '12+' }),
      f.uuid('topicId', '10+'),
      f.bool('isInternal', '1+'),
      f.structs('partitions', '0+', [
        f.int16('errorCode', '0+'),
        f.int32('partitionIndex', '0+'),
        f.int32('leaderId', '0+'),
        f.int32('leaderEpoch', '7+', { default: -1 }),
        f.array('replicaNodes', '0+', 'int32'),
        f.array('isrNodes', '0+', 'int32'),
        f.array('offlineReplicas', '5+', 'int32'),
      ]),
      f.int32('topicAuthorizedOperations', '8+', { default: -2147483648 }),
    ]),
    f.int32('clusterAuthorizedOperations', '8-10', { default: -2147483648 }),
  ],
});
