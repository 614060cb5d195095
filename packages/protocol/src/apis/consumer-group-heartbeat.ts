/**
 * ConsumerGroupHeartbeat (key 68): the KIP-848 consumer group protocol, where the broker computes assignments. Null
 * fields mean "unchanged since the last heartbeat", so their defaults are null rather than empty.
 */
import { defineApi, f } from '../schema.ts';

const topicPartitions = [f.uuid('topicId', '0+'), f.array('partitions', '0+', 'int32')];

export const ConsumerGroupHeartbeat = defineApi({
  key: 68,
  name: 'ConsumerGroupHeartbeat',
  versions: '0-1',
  flexible: '0+',
  request: [
    f.string('groupId', '0+'),
    f.string('memberId', '0+'),
    f.int32('memberEpoch', '0+'),
    f.string('instanceId', '0+', { nullable: '0+', default: null }),
    f.string('rackId', '0+', { nullable: '0+', default: null }),
    f.int32('rebalanceTimeoutMs', '0+', { default: -1 }),
    f.array('subscribedTopicNames', '0+', 'string', { nullable: '0+', default: null }),
    f.string('subscribedTopicRegex', '1+', { nullable: '1+', default: null }),
    f.string('serverAssignor', '0+', { nullable: '0+', default: null }),
    f.structs('topicPartitions', '0+', topicPartitions, { nullable: '0+', default: null }),
  ],
  response: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '0+'),
    f.string('errorMessage', '0+', { nullable: '0+', default: null }),
    f.string('memberId', '0+', { nullable: '0+', default: null }),
    f.int32('memberEpoch', '0+'),
    f.int32('heartbeatIntervalMs', '0+'),
    f.struct('assignment', '0+', [f.structs('topicPartitions', '0+', topicPartitions)], {
      nullable: '0+',
      default: null,
    }),
  ],
});
