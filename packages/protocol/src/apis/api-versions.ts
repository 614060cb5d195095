/** ApiVersions (key 18): which APIs and versions the broker supports. Always answered with response header v0. */
import { defineApi, f } from '../schema.ts';

export const ApiVersions = defineApi({
  key: 18,
  name: 'ApiVersions',
  versions: '0-4',
  flexible: '3+',
  request: [f.string('clientSoftwareName', '3+'), f.string('clientSoftwareVersion', '3+')],
  response: [
    f.int16('errorCode', '0+'),
    f.structs('apiKeys', '0+', [f.int16('apiKey', '0+'), f.int16('minVersion', '0+'), f.int16('maxVersion', '0+')]),
    f.int32('throttleTimeMs', '1+'),
    f.structs(
      'supportedFeatures',
      '3+',
      [f.string('name', '3+'), f.int16('minVersion', '3+'), f.int16('maxVersion', '3+')],
      { tag: 0, taggedVersions: '3+' },
    ),
    f.int64('finalizedFeaturesEpoch', '3+', { tag: 1, taggedVersions: '3+', default: -1n }),
    f.structs(
      'finalizedFeatures',
      '3+',
      [f.string('name', '3+'), f.int16('maxVersionLevel', '3+'), f.int16('minVersionLevel', '3+')],
      { tag: 2, taggedVersions: '3+' },
    ),
    f.bool('zkMigrationReady', '3+', { tag: 3, taggedVersions: '3+' }),
  ],
});
