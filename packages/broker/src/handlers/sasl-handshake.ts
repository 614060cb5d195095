/** SaslHandshake: picks the SASL mechanism (v0: raw tokens follow; v1: SaslAuthenticate requests follow). */
import { ErrorCode, type ResponseOf, type SaslHandshake } from '@samsa/protocol';
import { MECHANISMS } from '../auth/sasl-mechanisms.ts';
import type { Handler } from '../request-context.ts';

export const handleSaslHandshake: Handler<typeof SaslHandshake> = (ctx, req): ResponseOf<typeof SaslHandshake> => {
  if (!ctx.state.tenancy) {
    return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
  }
  if (ctx.connection.isAuthenticated) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [...MECHANISMS] };
  const mechanism = MECHANISMS.find((m) => m === req.mechanism);
  if (mechanism === undefined) {
    ctx.log.warn({ mechanism: req.mechanism }, 'unsupported SASL mechanism');
    return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: [...MECHANISMS] };
  }
  ctx.connection.beginSasl(mechanism, ctx.version === 0);
  return { errorCode: ErrorCode.NONE, mechanisms: [...MECHANISMS] };
};
