/**
 * SaslAuthenticate: one step of the SASL exchange chosen by SaslHandshake. A failure answers
 * SASL_AUTHENTICATION_FAILED with the reason and then closes the connection, as Kafka does (saslStep stops the
 * connection at once, so nothing pipelined behind the failed step runs).
 */
import { ErrorCode, type ResponseOf, type SaslAuthenticate } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';

export const handleSaslAuthenticate: Handler<typeof SaslAuthenticate> = (
  ctx,
  req,
): ResponseOf<typeof SaslAuthenticate> => {
  const result = ctx.connection.saslStep(Buffer.from(req.authBytes));
  if (result.kind === 'failure') {
    return {
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
      errorMessage: result.message,
      authBytes: Buffer.alloc(0),
      sessionLifetimeMs: 0n,
    };
  }
  return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: result.bytes, sessionLifetimeMs: 0n };
};
