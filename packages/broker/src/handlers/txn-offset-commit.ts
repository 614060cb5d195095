/**
 * TxnOffsetCommit: offsets committed inside a transaction. They are held by the transaction coordinator and reach
 * the group only when the transaction commits (an abort drops them), so OffsetFetch never sees an aborted offset.
 * From v3 the request names the consumer's generation and member (KIP-447), checked against the group first.
 */
import { ErrorCode, type ResponseOf, type TxnOffsetCommit } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { groupIn } from './group-access.ts';
import { fencedFor } from './transaction-access.ts';

export const handleTxnOffsetCommit: Handler<typeof TxnOffsetCommit> = async (
  ctx,
  req,
): Promise<ResponseOf<typeof TxnOffsetCommit>> => {
  const { access, state } = ctx;
  const allWith = (codeOf: (name: string, partition: number) => number) => ({
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: codeOf(t.name, p.partitionIndex),
      })),
    })),
  });
  if (!access.canTransactionalId('WRITE', req.transactionalId)) {
    return allWith(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  }
  if (!access.canGroup('READ', req.groupId)) return allWith(() => ErrorCode.GROUP_AUTHORIZATION_FAILED);
  if (req.groupId === '') return allWith(() => ErrorCode.INVALID_GROUP_ID);
  // KIP-447 (v3+): the consumer's generation and member id, checked against the group as Kafka does.
  const member = state.groups.validateTxnCommit(
    groupIn(ctx, req.groupId),
    req.generationId,
    req.memberId ?? '',
    req.groupInstanceId,
  );
  if (member !== ErrorCode.NONE) return allWith(() => member);
  const refusal = (name: string, partition: number): number => {
    if (!access.canTopic('READ', name)) return ErrorCode.TOPIC_AUTHORIZATION_FAILED;
    const topic = state.topics.get(access.toInternal(name));
    return topic && partition >= 0 && partition < topic.partitions.length
      ? ErrorCode.NONE
      : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  };
  const maxMetadata = state.config.offsetMetadataMaxBytes;
  const tooLarge = (metadata: string | null) => metadata !== null && Buffer.byteLength(metadata) > maxMetadata;
  const offsets = req.topics.flatMap((t) =>
    t.partitions
      .filter((p) => refusal(t.name, p.partitionIndex) === ErrorCode.NONE && !tooLarge(p.committedMetadata))
      .map((p) => ({
        topic: access.toInternal(t.name),
        partition: p.partitionIndex,
        offset: p.committedOffset.toString(),
        leaderEpoch: p.committedLeaderEpoch,
        metadata: p.committedMetadata,
      })),
  );
  const code = await state.transactions.commitOffsets(
    access.toInternal(req.transactionalId),
    groupIn(ctx, req.groupId),
    req.producerId,
    req.producerEpoch,
    offsets,
  );
  const errorCode = fencedFor(code, ctx.version, 3);
  return allWith((name, partition) => {
    const refused = refusal(name, partition);
    if (refused !== ErrorCode.NONE) return refused;
    const meta = req.topics.find((t) => t.name === name)?.partitions.find((p) => p.partitionIndex === partition);
    return meta && tooLarge(meta.committedMetadata) ? ErrorCode.OFFSET_METADATA_TOO_LARGE : errorCode;
  });
};
