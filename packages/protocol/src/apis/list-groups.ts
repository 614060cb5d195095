/** ListGroups (key 16): the groups this broker coordinates, optionally filtered by state (v4+) and type (v5+). */
import { defineApi, f } from '../schema.ts';

export const ListGroups = defineApi({
  key: 16,
  name: 'ListGroups',
  versions: '0-5',
  flexible: '3+',
  request: [
    f.array('statesFilter', '4+', 'string', { default: [] }),
    f.array('typesFilter', '5+', 'string', { default: [] }),
  ],
  response: [
    f.int32('throttleTimeMs', '1+'),
    f.int16('errorCode', '0+'),
    f.structs('groups', '0+', [
      f.string('groupId', '0+'),
      f.string('protocolType', '0+'),
      f.string('groupState', '4+'),
      f.string('groupType', '5+'),
    ]),
  ],
});
