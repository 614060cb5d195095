/** AlterUserScramCredentials (key 51): add, replace or delete users' SCRAM credentials (salted, never plain). */
import { defineApi, f } from '../schema.ts';

export const AlterUserScramCredentials = defineApi({
  key: 51,
  name: 'AlterUserScramCredentials',
  versions: '0',
  flexible: '0+',
  request: [
    f.structs('deletions', '0+', [f.string('name', '0+'), f.int8('mechanism', '0+')]),
    f.structs('upsertions', '0+', [
      f.string('name', '0+'),
      f.int8('mechanism', '0+'),
      f.int32('iterations', '0+'),
      f.bytes('salt', '0+'),
      f.bytes('saltedPassword', '0+'),
    ]),
  ],
  response: [
    f.int32('throttleTimeMs', '0+'),
    f.structs('results', '0+', [
      f.string('user', '0+'),
      f.int16('errorCode', '0+'),
      f.string('errorMessage', '0+', { nullable: '0+' }),
    ]),
  ],
});
