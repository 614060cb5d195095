/** SaslHandshake: picks the SASL mechanism (v0: raw tokens follow; v1: SaslAuthenticate requests follow). */
import { ErrorCode } from '@samsa/protocol';
import { MECHANISMS, type Mechanism } from '../auth/sasl-mechanisms.ts';
import type { Handler } from '../request-context.ts';

export const handleSaslHandshake: Handler = (ctx, req: { mechanism: string }) => {
  if (!ctx.state.tenancy) {
    return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
  }
  if (ctx.connection.isAuthenticated) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [...MECHANISMS] };
  if (!MECHANISMS.includes(req.mechanism as Mechanism)) {
    ctx.log.warn({ mechanism: req.mechanism }, 'unsupported SASL mechanism');
    return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: [...MECHANISMS] };
  }
  ctx.connection.beginSasl(req.mechanism as Mechanism, ctx.version === 0);
  return { errorCode: ErrorCode.NONE, mechanisms: [...MECHANISMS] };
};
