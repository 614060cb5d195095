/**
 * DescribeTransactions: each transactional id's state, producer, timeout, start and partitions (those of its open
 * transaction), as the client names them. DESCRIBE on the id is required; an unknown id is TRANSACTIONAL_ID_NOT_FOUND.
 */
import { type DescribeTransactions, ErrorCode, type ResponseOf } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';

type TxnState = ResponseOf<typeof DescribeTransactions>['transactionStates'][number];

export const handleDescribeTransactions: Handler<typeof DescribeTransactions> = (
  ctx,
  req,
): ResponseOf<typeof DescribeTransactions> => {
  const { access, state } = ctx;
  const failed = (transactionalId: string, errorCode: number): TxnState => ({
    errorCode,
    transactionalId,
    transactionState: '',
    transactionTimeoutMs: 0,
    transactionStartTimeMs: -1n,
    producerId: -1n,
    producerEpoch: -1,
    topics: [],
  });
  const transactionStates = req.transactionalIds.map((id): TxnState => {
    if (!access.canTransactionalId('DESCRIBE', id)) return failed(id, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const d = state.transactions.describe(access.toInternal(id));
    if (!d) return failed(id, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    const byTopic = new Map<string, number[]>();
    for (const [topic, partition] of d.partitions) {
      const name = access.toExternal(topic);
      if (!access.canTopic('DESCRIBE', name)) continue;
      byTopic.set(name, [...(byTopic.get(name) ?? []), partition]);
    }
    return {
      errorCode: ErrorCode.NONE,
      transactionalId: id,
      transactionState: d.state,
      transactionTimeoutMs: d.timeoutMs,
      // Like Kafka, a finished transaction keeps its start time; a producer that never began one has none.
      transactionStartTimeMs: d.state === 'Empty' ? -1n : BigInt(d.startMs),
      producerId: d.producerId,
      producerEpoch: d.producerEpoch,
      topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) })),
    };
  });
  return { throttleTimeMs: 0, transactionStates };
};
