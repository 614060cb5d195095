/** CreateAcls (key 30): add ACL bindings. */
import { defineApi, f } from '../schema.ts';

export const CreateAcls = defineApi({
  key: 30,
  name: 'CreateAcls',
  versions: '0-3',
  flexible: '2+',
  request: [
    f.structs('creations', '0+', [
      f.int8('resourceType', '0+'),
      f.string('resourceName', '0+'),
      f.int8('resourcePatternType', '1+', { default: 3 }),
      f.string('principal', '0+'),
      f.string('host', '0+'),
      f.int8('operation', '0+'),
      f.int8('permissionType', '0+'),
    ]),
  ],
  response: [
    f.int32('throttleTimeMs', '0+'),
    f.structs('results', '0+', [f.int16('errorCode', '0+'), f.string('errorMessage', '0+', { nullable: '0+' })]),
  ],
});
