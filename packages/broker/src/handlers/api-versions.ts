/** ApiVersions: lists every API and version range this broker implements (from the handler table). */
import { type ApiVersions, ErrorCode } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { supportedApiVersions } from './index.ts';

export const handleApiVersions: Handler<typeof ApiVersions> = () => ({
  errorCode: ErrorCode.NONE,
  apiKeys: supportedApiVersions(),
  throttleTimeMs: 0,
  supportedFeatures: [],
  finalizedFeaturesEpoch: -1n,
  finalizedFeatures: [],
  zkMigrationReady: false,
});
