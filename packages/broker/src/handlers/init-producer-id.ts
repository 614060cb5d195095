/**
 * InitProducerId: a fresh producer id (epoch 0) for every idempotent producer, whatever producer id and epoch it
 * names — as Kafka's coordinator does without a transactional id. (Bumping the named id instead handed every client
 * that sends 0/0, as @platformatic/kafka does, producer id 0, so a new producer's first batches were dropped as
 * duplicates; and producer ids are broker-wide, so a client could bump another tenant's producer.) An idempotent
 * producer bumps its own epoch locally (KIP-360); the log accepts that. Transactional ids are refused until
 * transactions exist.
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
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    producerId: await ctx.state.producerIds.allocate(),
    producerEpoch: 0,
  };
};
