/**
 * InitProducerId: a fresh producer id (epoch 0) for an idempotent producer, or the next epoch of a known one
 * (KIP-360). Transactional ids are refused until transactions exist.
 */
import { ErrorCode, type InitProducerId, type ResponseOf } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';

export const handleInitProducerId: Handler<typeof InitProducerId> = async (
  ctx,
  req,
): Promise<ResponseOf<typeof InitProducerId>> => {
  if (req.transactionalId !== null) {
    ctx.log.info(
      { transactionalId: req.transactionalId },
      'transactional producer refused: transactions are not supported',
    );
    return { throttleTimeMs: 0, errorCode: ErrorCode.UNSUPPORTED_VERSION, producerId: -1n, producerEpoch: -1 };
  }
  if (req.producerId >= 0n && req.producerEpoch >= 0) {
    if (req.producerEpoch >= 32_766) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        producerId: await ctx.state.producerIds.allocate(),
        producerEpoch: 0,
      };
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      producerId: req.producerId,
      producerEpoch: req.producerEpoch + 1,
    };
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    producerId: await ctx.state.producerIds.allocate(),
    producerEpoch: 0,
  };
};
