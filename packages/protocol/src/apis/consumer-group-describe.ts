/**
 * ConsumerGroupDescribe (key 69): KIP-848 groups with their epochs and each member's current and target assignment.
 * The Admin client asks it first and, for a classic group (GROUP_ID_NOT_FOUND), falls back to DescribeGroups.
 */
import { defineApi, f } from '../schema.ts';

const assignment = [
  f.structs('topicPartitions', '0+', [
    f.uuid('topicId', '0+'),
    f.string('topicName', '0+'),
    f.array('partitions', '0+', 'int32'),
  ]),
];

export const ConsumerGroupDescribe = defineApi({
  key: 69,
  name: 'ConsumerGroupDescribe',
  versions: '0',
  flexible: '0+',
  request: [f.array('groupIds', '0+', 'string'), f.bool('includeAuthorizedOperations', '0+')],
  response: [
    f.int32('throttleTimeMs', '0+'),
    f.structs('groups', '0+', [
      f.int16('errorCode', '0+'),
      f.string('errorMessage', '0+', { nullable: '0+', default: null }),
      f.string('groupId', '0+'),
      f.string('groupState', '0+'),
      f.int32('groupEpoch', '0+'),
      f.int32('assignmentEpoch', '0+'),
      f.string('assignorName', '0+'),
      f.structs('members', '0+', [
        f.string('memberId', '0+'),
        f.string('instanceId', '0+', { nullable: '0+', default: null }),
        f.string('rackId', '0+', { nullable: '0+', default: null }),
        f.int32('memberEpoch', '0+'),
        f.string('clientId', '0+'),
        f.string('clientHost', '0+'),
        f.array('subscribedTopicNames', '0+', 'string'),
        f.string('subscribedTopicRegex', '0+', { nullable: '0+', default: null }),
        f.struct('assignment', '0+', assignment),
        f.struct('targetAssignment', '0+', assignment),
      ]),
      f.int32('authorizedOperations', '0+', { default: -2147483648 }),
    ]),
  ],
});
