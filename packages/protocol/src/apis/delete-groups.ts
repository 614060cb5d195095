/** DeleteGroups (key 42): delete empty groups and their committed offsets. */
import { defineApi, f } from '../schema.ts';

export const DeleteGroups = defineApi({
  key: 42,
  name: 'DeleteGroups',
  versions: '0-2',
  flexible: '2+',
  request: [f.array('groupsNames', '0+', 'string')],
  response: [
    f.int32('throttleTimeMs', '0+'),
    f.structs('results', '0+', [f.string('groupId', '0+'), f.int16('errorCode', '0+')]),
  ],
});
