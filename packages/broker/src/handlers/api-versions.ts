/**
 * ApiVersions: lists every API and version range this broker implements. The list comes from the handler table,
 * which passes it in (index.ts builds this handler), so this file does not import the table back.
 */
import { type ApiVersions, ErrorCode, type ResponseOf } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';

export type ApiVersionRanges = ResponseOf<typeof ApiVersions>['apiKeys'];

export function apiVersionsHandler(supported: () => ApiVersionRanges): Handler<typeof ApiVersions> {
  return (): ResponseOf<typeof ApiVersions> => ({
    errorCode: ErrorCode.NONE,
    apiKeys: supported(),
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1n,
    finalizedFeatures: [],
    zkMigrationReady: false,
  });
}
