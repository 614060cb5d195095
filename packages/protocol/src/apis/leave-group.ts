/** LeaveGroup (key 13): one member (v0-2) or several members (v3+) leave a classic group. */
import { defineApi, f } from '../schema.ts';

export const LeaveGroup = defineApi({
  key: 13,
  name: 'LeaveGroup',
  versions: '0-5',
  flexible: '4+',
  request: [
    f.string('groupId', '0+'),
    f.string('memberId', '0-2', { default: '' }),
    f.structs(
      'members',
      '3+',
      [
        f.string('memberId', '3+'),
        f.string('groupInstanceId', '3+', { nullable: '3+', default: null }),
        f.string('reason', '5+', { nullable: '5+', default: null }),
      ],
      { default: [] },
    ),
  ],
  response: [
    f.int32('throttleTimeMs', '1+'),
    f.int16('errorCode', '0+'),
    f.structs('members', '3+', [
      f.string('memberId', '3+'),
      f.string('groupInstanceId', '3+', { nullable: '3+' }),
      f.int16('errorCode', '3+'),
    ]),
  ],
});
