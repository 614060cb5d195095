/**
 * ListTransactions: the transactional ids of the client's namespace it may DESCRIBE, filtered by state, producer id
 * and (v1) by how long the open transaction has run. Unknown state names are echoed back, as Kafka does.
 */
import { ErrorCode, type ListTransactions, type ResponseOf } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { TXN_STATES } from '../transactions/transaction-store.ts';

export const handleListTransactions: Handler<typeof ListTransactions> = (
  ctx,
  req,
): ResponseOf<typeof ListTransactions> => {
  const { access, state } = ctx;
  const known = new Set<string>(TXN_STATES);
  const unknownStateFilters = req.stateFilters.filter((s) => !known.has(s));
  const states = new Set(req.stateFilters);
  const producers = new Set(req.producerIdFilters);
  const nowMs = Date.now();
  const minDurationMs = req.durationFilter ?? -1n;
  const transactionStates = state.transactions
    .list()
    .filter((d) => access.owns(d.transactionalId))
    .filter((d) => access.canTransactionalId('DESCRIBE', access.toExternal(d.transactionalId)))
    .filter((d) => states.size === 0 || states.has(d.state))
    .filter((d) => producers.size === 0 || producers.has(d.producerId))
    .filter((d) => minDurationMs < 0n || (d.state === 'Ongoing' && BigInt(nowMs - d.startMs) > minDurationMs))
    .map((d) => ({
      transactionalId: access.toExternal(d.transactionalId),
      producerId: d.producerId,
      transactionState: d.state,
    }));
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters, transactionStates };
};
