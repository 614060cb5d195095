/**
 * AddPartitionsToTxn (client form, v0-3): adds partitions to the producer's open transaction. Like Kafka, when any
 * partition is refused (authorization, unknown) nothing is added: the others answer OPERATION_NOT_ATTEMPTED. The
 * v4+ form, sent by brokers to verify a transaction (KIP-890), is not advertised: this broker verifies internally.
 */
import { AddPartitionsToTxn, defineApi, ErrorCode, type ResponseOf } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { fencedFor } from './transaction-access.ts';

/** The client form only: what this broker advertises and decodes. */
export const AddPartitionsToTxnClient = defineApi({ ...AddPartitionsToTxn, versions: '0-3' });

type Response = ResponseOf<typeof AddPartitionsToTxnClient>;

export const handleAddPartitionsToTxn: Handler<typeof AddPartitionsToTxnClient> = async (
  ctx,
  req,
): Promise<Response> => {
  const { access, state } = ctx;
  const txnId = req.v3AndBelowTransactionalId;
  const topics = req.v3AndBelowTopics;
  const answer = (codeOf: (topic: string, partition: number) => number): Response => ({
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    resultsByTransaction: [],
    resultsByTopicV3AndBelow: topics.map((t) => ({
      name: t.name,
      resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: codeOf(t.name, p) })),
    })),
  });
  if (!access.canTransactionalId('WRITE', txnId)) return answer(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const refusal = (name: string, partition: number): number => {
    if (!access.canTopic('WRITE', name)) return ErrorCode.TOPIC_AUTHORIZATION_FAILED;
    const topic = state.topics.get(access.toInternal(name));
    return topic && partition >= 0 && partition < topic.partitions.length
      ? ErrorCode.NONE
      : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  };
  if (topics.some((t) => t.partitions.some((p) => refusal(t.name, p) !== ErrorCode.NONE))) {
    return answer((name, p) => refusal(name, p) || ErrorCode.OPERATION_NOT_ATTEMPTED);
  }
  const code = await state.transactions.addPartitions(
    access.toInternal(txnId),
    req.v3AndBelowProducerId,
    req.v3AndBelowProducerEpoch,
    topics.flatMap((t) => t.partitions.map((p): [string, number] => [access.toInternal(t.name), p])),
  );
  const errorCode = fencedFor(code, ctx.version, 2);
  return answer(() => errorCode);
};
