/**
 * Produce: validates each partition's record batches (magic 2, CRC, size), appends them with broker-assigned
 * offsets, and answers per acks: 0 no response, 1 once written to the OS, -1 once fsync'd (group commit).
 */
import {
  BatchTooLargeError,
  batchMaxTimestamp,
  batchRecordCount,
  ErrorCode,
  type Produce,
  ProtocolDecodeError,
  type ResponseOf,
  readBatchHeader,
  splitRecordSet,
  TRANSACTIONAL_BIT,
} from '@samsa/protocol';
import { fastCrc32c } from '../log/crc32c.ts';
import type { PartitionLog } from '../log/partition-log.ts';
import { StorageError } from '../log/storage-error.ts';
import type { Partition } from '../topics/partition.ts';
import type { Handler } from '../request-context.ts';
import { keylessRecordIndexes } from '../log/batch-records.ts';
import { clientTopicNameProblem, configValue, parseCleanupPolicy } from '../topics/topic-config.ts';
import { byteRateThrottleMs, noteTopicTraffic, storageQuotaProblem } from '../tenancy/tenancy.ts';
import { autoCreate } from './metadata.ts';

type PartitionResponse = ResponseOf<typeof Produce>['responses'][number]['partitionResponses'][number];

function failed(index: number, errorCode: number, errorMessage: string | null): PartitionResponse {
  return {
    index,
    errorCode,
    baseOffset: -1n,
    logAppendTimeMs: -1n,
    logStartOffset: -1n,
    recordErrors: [],
    errorMessage,
  };
}

/**
 * A compacted topic keeps the latest record per key, so a record without one is refused, with Kafka's error and
 * message. A batch with an unknown codec is let through unchecked: the cleaner keeps such batches whole.
 */
function keylessRecordProblem(batches: Buffer[], partition: string): PartitionResponse | null {
  for (const b of batches) {
    let keyless: number[] | null;
    try {
      keyless = keylessRecordIndexes(b);
    } catch (err) {
      return failed(-1, ErrorCode.CORRUPT_MESSAGE, `unreadable records: ${(err as Error).message}`);
    }
    if (keyless && keyless.length > 0) {
      // Kafka's LogValidator: one record error per keyless record, the first three quoted in the message.
      const message = `Compacted topic cannot accept message without key in topic partition ${partition}`;
      const shown = keyless.slice(0, 3).map((i) => `RecordError(batchIndex=${i}, message='${message}')`);
      return {
        ...failed(
          -1,
          ErrorCode.INVALID_RECORD,
          `One or more records have been rejected due to ${keyless.length} record errors in total, and only ` +
            `showing the first three errors at most: [${shown.join(', ')}]`,
        ),
        recordErrors: keyless.map((batchIndex) => ({ batchIndex, batchIndexErrorMessage: message })),
      };
    }
  }
  return null;
}

/**
 * Kafka's message.timestamp.after.max.ms: a CreateTime batch whose newest record is further ahead of the broker's
 * clock is refused. The batch header's max timestamp bounds every record, so the records stay unparsed.
 */
function futureTimestampProblem(batches: Buffer[], afterMaxMs: string): string | null {
  const limit = BigInt(Date.now()) + BigInt(afterMaxMs);
  for (const b of batches) {
    const max = batchMaxTimestamp(b);
    if (max > limit) {
      return `timestamp ${max} is more than message.timestamp.after.max.ms (${afterMaxMs}) ahead of the broker clock`;
    }
  }
  return null;
}

export const handleProduce: Handler<typeof Produce> = async (ctx, req): Promise<ResponseOf<typeof Produce> | null> => {
  const { state, access } = ctx;
  const acks = req.acks;
  let requestBytes = 0;
  for (const td of req.topicData) for (const pd of td.partitionData) requestBytes += pd.records?.length ?? 0;
  const storageProblem = storageQuotaProblem(state.tenancy, access.principal);
  const toFlush = new Set<PartitionLog>();
  /** acks=all answers and the log each waits on: a failed flush turns them into KAFKA_STORAGE_ERROR. */
  const awaitingFlush: { response: PartitionResponse; log: PartitionLog }[] = [];
  const responses = await Promise.all(
    req.topicData.map(async (td) => {
      const problem = clientTopicNameProblem(td.name, access.prefix);
      const allowed = access.canTopic('WRITE', td.name);
      let topic = problem || !allowed ? undefined : state.topics.get(access.toInternal(td.name));
      if (!topic && !problem && allowed) {
        const created = await autoCreate(ctx, td.name);
        if (typeof created !== 'number') topic = created;
      }
      const partitionResponses = await Promise.all(
        td.partitionData.map(async (pd): Promise<PartitionResponse> => {
          if (acks !== 0 && acks !== 1 && acks !== -1) {
            return failed(pd.index, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, got ${acks}`);
          }
          if (problem) return failed(pd.index, ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
          if (!allowed)
            return failed(pd.index, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Not authorized to write to this topic');
          const partition: Partition | undefined = topic?.partitions[pd.index];
          if (!topic || !partition) {
            return failed(
              pd.index,
              ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
              'This server does not host this topic-partition.',
            );
          }
          if (storageProblem) return failed(pd.index, ErrorCode.POLICY_VIOLATION, storageProblem);
          if (!pd.records || pd.records.length === 0) {
            return failed(pd.index, ErrorCode.CORRUPT_MESSAGE, 'empty record set');
          }
          const maxBatchBytes = Number(configValue(state.config, topic.configs, 'max.message.bytes'));
          let batches: Buffer[];
          try {
            // The request frame is reused by nothing else: batches are appended as views of it, without copying.
            batches = splitRecordSet(pd.records, maxBatchBytes, fastCrc32c).map((b) => b.bytes);
          } catch (err) {
            if (err instanceof BatchTooLargeError) return failed(pd.index, ErrorCode.MESSAGE_TOO_LARGE, err.message);
            if (err instanceof ProtocolDecodeError) return failed(pd.index, ErrorCode.CORRUPT_MESSAGE, err.message);
            throw err;
          }
          if (parseCleanupPolicy(configValue(state.config, topic.configs, 'cleanup.policy'))?.compact) {
            const refused = keylessRecordProblem(batches, `${td.name}-${pd.index}`);
            if (refused) return { ...refused, index: pd.index };
          }
          for (const b of batches) {
            const h = readBatchHeader(b);
            if ((h.attributes & TRANSACTIONAL_BIT) === 0) continue;
            const code = state.transactions.verifyProduce(h.producerId, h.producerEpoch, topic.name, pd.index);
            if (code !== ErrorCode.NONE) {
              return failed(
                pd.index,
                code,
                'the batch is not part of an open transaction of its producer on this partition',
              );
            }
          }
          const logAppendTime = configValue(state.config, topic.configs, 'message.timestamp.type') === 'LogAppendTime';
          if (!logAppendTime) {
            const problem = futureTimestampProblem(
              batches,
              configValue(state.config, topic.configs, 'message.timestamp.after.max.ms'),
            );
            if (problem) return failed(pd.index, ErrorCode.INVALID_TIMESTAMP, problem);
          }
          let outcome: Awaited<ReturnType<Partition['append']>>;
          try {
            outcome = await partition.append(batches, logAppendTime ? BigInt(Date.now()) : undefined);
          } catch (err) {
            // The disk is full (retriable once space returns) or the partition is offline: nothing was written.
            if (err instanceof StorageError) return failed(pd.index, ErrorCode.KAFKA_STORAGE_ERROR, err.message);
            throw err;
          }
          if (outcome.kind === 'rejected') return failed(pd.index, outcome.errorCode, outcome.message);
          if (outcome.kind === 'duplicate') {
            // A retry of a batch we already have: success with its original offset, nothing appended.
            return {
              index: pd.index,
              errorCode: ErrorCode.NONE,
              baseOffset: outcome.baseOffset,
              logAppendTimeMs: -1n,
              logStartOffset: outcome.logStartOffset,
              recordErrors: [],
              errorMessage: null,
            };
          }
          const result = outcome.result;
          let records = 0;
          for (const b of batches) records += batchRecordCount(b);
          state.metrics.recordsIn.inc(records);
          state.fetchWaiters.notify(topic.name, pd.index);
          state.tenancy?.noteStorageGrowth(access.principal, pd.records.length);
          noteTopicTraffic(state.tenancy, access.principal, topic.name, 'produce', pd.records.length, records);
          const response: PartitionResponse = {
            index: pd.index,
            errorCode: ErrorCode.NONE,
            baseOffset: result.baseOffset,
            logAppendTimeMs: result.logAppendTimeMs,
            logStartOffset: result.logStartOffset,
            recordErrors: [],
            errorMessage: null,
          };
          if (acks === -1) {
            toFlush.add(partition.log);
            awaitingFlush.push({ response, log: partition.log });
          }
          return response;
        }),
      );
      return { name: td.name, partitionResponses };
    }),
  );
  if (toFlush.size > 0) {
    const failures = new Map<PartitionLog, StorageError>();
    await Promise.all(
      [...toFlush].map((log) =>
        log.flush().catch((err) => {
          if (!(err instanceof StorageError)) throw err;
          failures.set(log, err);
        }),
      ),
    );
    // Never acknowledged: the records may or may not be in the log after a restart (an idempotent retry is safe).
    for (const { response, log } of awaitingFlush) {
      const err = failures.get(log);
      if (err) Object.assign(response, failed(response.index, ErrorCode.KAFKA_STORAGE_ERROR, err.message));
    }
  }
  // Quotas as Kafka does them: the data is accepted, the client is told to wait and this connection is muted.
  const throttleTimeMs = byteRateThrottleMs(state.tenancy, access.principal, 'produce', requestBytes);
  ctx.connection.mute(throttleTimeMs);
  if (acks === 0) return null;
  return { responses, throttleTimeMs, nodeEndpoints: [] };
};
