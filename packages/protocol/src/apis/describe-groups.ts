/** DescribeGroups (key 15): state, protocol and members (with metadata and assignment bytes) of classic groups. */
import { defineApi, f } from '../schema.ts';

export const DescribeGroups = defineApi({
  key: 15,
  name: 'DescribeGroups',
  versions: '0-5',
  flexible: '5+',
  request: [f.array('groups', '0+', 'string'), f.bool('includeAuthorizedOperations', '3+')],
  response: [
    f.int32('throttleTimeMs', '1+'),
    f.structs('groups', '0+', [
      f.int16('errorCode', '0+'),
      f.string('groupId', '0+'),
      f.string('groupState', '0+'),
      f.string('protocolType', '0+'),
      f.string('protocolData', '0+'),
      f.structs('members', '0+', [
        f.string('memberId', '0+'),
        f.string('groupInstanceId', '4+', { nullable: '4+', default: null }),
        f.string('clientId', '0+'),
        f.string('clientHost', '0+'),
        f.bytes('memberMetadata', '0+'),
        f.bytes('memberAssignment', '0+'),
      ]),
      f.int32('authorizedOperations', '3+', { default: -2147483648 }),
    ]),
  ],
});
