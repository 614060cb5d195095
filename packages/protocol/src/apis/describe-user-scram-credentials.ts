/** DescribeUserScramCredentials (key 50): which SCRAM mechanisms and iteration counts users have (never secrets). */
import { defineApi, f } from '../schema.ts';

export const DescribeUserScramCredentials = defineApi({
  key: 50,
  name: 'DescribeUserScramCredentials',
  versions: '0',
  flexible: '0+',
  request: [f.structs('users', '0+', [f.string('name', '0+')], { nullable: '0+' })],
  response: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '0+'),
    f.string('errorMessage', '0+', { nullable: '0+' }),
    f.structs('results', '0+', [
      f.string('user', '0+'),
      f.int16('errorCode', '0+'),
      f.string('errorMessage', '0+', { nullable: '0+' }),
      f.structs('credentialInfos', '0+', [f.int8('mechanism', '0+'), f.int32('iterations', '0+')]),
    ]),
  ],
});
