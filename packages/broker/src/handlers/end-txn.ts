/** EndTxn: commits or aborts the producer's transaction (markers in every partition, then the group offsets). */
import { type EndTxn, ErrorCode, type ResponseOf } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { fencedFor } from './transaction-access.ts';

export const handleEndTxn: Handler<typeof EndTxn> = async (ctx, req): Promise<ResponseOf<typeof EndTxn>> => {
  const { access } = ctx;
  if (!access.canTransactionalId('WRITE', req.transactionalId)) {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      producerId: -1n,
      producerEpoch: -1,
    };
  }
  const code = await ctx.state.transactions.endTxn(
    access.toInternal(req.transactionalId),
    req.producerId,
    req.producerEpoch,
    req.committed,
  );
  return { throttleTimeMs: 0, errorCode: fencedFor(code, ctx.version, 2), producerId: -1n, producerEpoch: -1 };
};
