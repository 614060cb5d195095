/**
 * InitProducerId: without a transactional id, a fresh producer id (epoch 0) for every idempotent producer, whatever
 * producer id and epoch it names — as Kafka's coordinator does. (Bumping the named id instead handed every client
 * that sends 0/0, as @platformatic/kafka does, producer id 0, so a new producer's first batches were dropped as
 * duplicates; and producer ids are broker-wide, so a client could bump another tenant's producer.) An idempotent
 * producer bumps its own epoch locally (KIP-360); the log accepts that. With a transactional id (in the tenant's
 * namespace, WRITE on it required) the transaction coordinator allocates or bumps the id's producer epoch.
 */
import { ErrorCode, type InitProducerId, type ResponseOf } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { fencedFor, transactionalIdLimit } from './transaction-access.ts';

export const handleInitProducerId: Handler<typeof InitProducerId> = async (
  ctx,
  req,
): Promise<ResponseOf<typeof InitProducerId>> => {
  const fail = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 });
  if (req.transactionalId !== null) {
    if (req.transactionalId === '') return fail(ErrorCode.INVALID_REQUEST);
    if (!ctx.access.canTransactionalId('WRITE', req.transactionalId)) {
      return fail(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }
    const result = await ctx.state.transactions.initProducerId(
      ctx.access.toInternal(req.transactionalId),
      req.transactionTimeoutMs,
      { producerId: req.producerId, producerEpoch: req.producerEpoch },
      transactionalIdLimit(ctx),
    );
    if (result.errorCode === ErrorCode.POLICY_VIOLATION) {
      ctx.log.info(
        { transactionalId: req.transactionalId, limit: transactionalIdLimit(ctx) },
        'transactional id quota reached (samsa.max_transactional_ids, else --max-transactional-ids-per-tenant)',
      );
      ctx.state.metrics.refused('tenant_transactional_ids');
    }
    // PRODUCER_FENCED is v4+ (KIP-588); older clients know it as INVALID_PRODUCER_EPOCH.
    const errorCode = fencedFor(result.errorCode, ctx.version, 4);
    return { throttleTimeMs: 0, ...result, errorCode };
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    producerId: await ctx.state.producerIds.allocate(),
    producerEpoch: 0,
  };
};
