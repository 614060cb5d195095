/** IncrementalAlterConfigs (key 44): set, delete, append to or subtract from individual config entries. */
import { defineApi, f } from '../schema.ts';

export const IncrementalAlterConfigs = defineApi({
  key: 44,
  name: 'IncrementalAlterConfigs',
  versions: '0-1',
  flexible: '1+',
  request: [
    f.structs('resources', '0+', [
      f.int8('resourceType', '0+'),
      f.string('resourceName', '0+'),
      f.structs('configs', '0+', [
        f.string('name', '0+'),
        f.int8('configOperation', '0+'),
        f.string('value', '0+', { nullable: '0+' }),
      ]),
    ]),
    f.bool('validateOnly', '0+'),
  ],
  response: [
    f.int32('throttleTimeMs', '0+'),
    f.structs('responses', '0+', [
      f.int16('errorCode', '0+'),
      f.string('errorMessage', '0+', { nullable: '0+' }),
      f.int8('resourceType', '0+'),
      f.string('resourceName', '0+'),
    ]),
  ],
});
