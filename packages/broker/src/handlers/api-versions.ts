/** ApiVersions: lists every API and version range this broker implements (from the handler table). */
import { ErrorCode } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { supportedApiVersions } from './index.ts';

export const handleApiVersions: Handler = () => ({
  errorCode: ErrorCode.NONE,
  apiKeys: supportedApiVersions(),
  throttleTimeMs: 0,
  supportedFeatures: [],
  finalizedFeaturesEpoch: -1n,
  finalizedFeatures: [],
  zkMigrationReady: false,
});
