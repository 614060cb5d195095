/** DescribeAcls (key 29): the ACL bindings matching a filter, grouped by resource. */
import { defineApi, f } from '../schema.ts';

export const DescribeAcls = defineApi({
  key: 29,
  name: 'DescribeAcls',
  versions: '0-3',
  flexible: '2+',
  request: [
    f.int8('resourceTypeFilter', '0+'),
    f.string('resourceNameFilter', '0+', { nullable: '0+' }),
    f.int8('patternTypeFilter', '1+', { default: 3 }),
    f.string('principalFilter', '0+', { nullable: '0+' }),
    f.string('hostFilter', '0+', { nullable: '0+' }),
    f.int8('operation', '0+'),
    f.int8('permissionType', '0+'),
  ],
  response: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '0+'),
    f.string('errorMessage', '0+', { nullable: '0+' }),
    f.structs('resources', '0+', [
      f.int8('resourceType', '0+'),
      f.string('resourceName', '0+'),
      f.int8('patternType', '1+', { default: 3 }),
      f.structs('acls', '0+', [
        f.string('principal', '0+'),
        f.string('host', '0+'),
        f.int8('operation', '0+'),
        f.int8('permissionType', '0+'),
      ]),
    ]),
  ],
});
