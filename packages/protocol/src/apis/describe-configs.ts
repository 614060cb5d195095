/** DescribeConfigs (key 32): the configuration of topics and brokers, optionally with synonyms and documentation. */
import { defineApi, f } from '../schema.ts';

export const DescribeConfigs = defineApi({
  key: 32,
  name: 'DescribeConfigs',
  versions: '0-4',
  flexible: '4+',
  request: [
    f.structs('resources', '0+', [
      f.int8('resourceType', '0+'),
      f.string('resourceName', '0+'),
      f.array('configurationKeys', '0+', 'string', { nullable: '0+' }),
    ]),
    f.bool('includeSynonyms', '1+'),
    f.bool('includeDocumentation', '3+'),
  ],
  response: [
    f.int32('throttleTimeMs', '0+'),
    f.structs('results', '0+', [
      f.int16('errorCode', '0+'),
      f.string('errorMessage', '0+', { nullable: '0+' }),
      f.int8('resourceType', '0+'),
      f.string('resourceName', '0+'),
      f.structs('configs', '0+', [
        f.string('name', '0+'),
        f.string('value', '0+', { nullable: '0+' }),
        f.bool('readOnly', '0+'),
        f.bool('isDefault', '0'),
        f.int8('configSource', '1+', { default: -1 }),
        f.bool('isSensitive', '0+'),
        f.structs('synonyms', '1+', [
          f.string('name', '1+'),
          f.string('value', '1+', { nullable: '0+' }),
          f.int8('source', '1+'),
        ]),
        f.int8('configType', '3+'),
        f.string('documentation', '3+', { nullable: '0+' }),
      ]),
    ]),
  ],
});
