/** AddOffsetsToTxn: the group's offsets (TxnOffsetCommit) become part of the producer's transaction. */
import { type AddOffsetsToTxn, ErrorCode, type ResponseOf } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { groupIn } from './group-access.ts';
import { fencedFor } from './transaction-access.ts';

export const handleAddOffsetsToTxn: Handler<typeof AddOffsetsToTxn> = async (
  ctx,
  req,
): Promise<ResponseOf<typeof AddOffsetsToTxn>> => {
  const { access } = ctx;
  if (!access.canTransactionalId('WRITE', req.transactionalId)) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
  }
  if (!access.canGroup('READ', req.groupId))
    return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
  if (req.groupId === '') return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID };
  const code = await ctx.state.transactions.addOffsets(
    access.toInternal(req.transactionalId),
    req.producerId,
    req.producerEpoch,
    groupIn(ctx, req.groupId),
  );
  return { throttleTimeMs: 0, errorCode: fencedFor(code, ctx.version, 2) };
};
