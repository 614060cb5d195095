/**
 * Fetch: returns stored batches as file bytes (never re-encoded), long-polls until min_bytes are available or
 * max_wait_ms passes (woken by appends, not by timers), and honours the response and partition byte limits with
 * KIP-74 (the first batch is returned whole even when it is larger than the limits).
 */
import {
  batchBaseOffset,
  batchLastOffsetDelta,
  batchRecordCount,
  batchSizeAt,
  ErrorCode,
  type Fetch,
  type RequestOf,
  type ResponseOf,
  ZERO_UUID,
} from '@samsa/protocol';
import { LogClosedError, OffsetOutOfRangeError } from '../log/types.ts';
import { CorruptBatchError, StorageError } from '../log/storage-error.ts';
import type { Handler, RequestContext } from '../request-context.ts';
import { partitionKey } from '../topics/fetch-waiters.ts';
import type { Topic } from '../topics/topic-registry.ts';
import { byteRateThrottleMs, noteTopicTraffic } from '../tenancy/tenancy.ts';

/**
 * The stored batches wholly below `endOffset` (read_committed stops at the last stable offset; a batch holding it,
 * as when DeleteRecords moved the LSO into an open transaction's batch, is not returned, as in Kafka).
 */
function batchesBelow(chunks: Buffer[], endOffset: bigint): { chunks: Buffer[]; bytes: number } {
  const out: Buffer[] = [];
  let bytes = 0;
  for (const chunk of chunks) {
    let at = 0;
    while (at < chunk.length) {
      const size = batchSizeAt(chunk, at);
      if (size <= 0 || batchBaseOffset(chunk, at) + BigInt(batchLastOffsetDelta(chunk, at)) >= endOffset) break;
      at += size;
    }
    if (at > 0) {
      out.push(at === chunk.length ? chunk : chunk.subarray(0, at));
      bytes += at;
    }
    if (at < chunk.length) break;
  }
  return { chunks: out, bytes };
}

/** Records in whole stored batches: one header read per batch (the counts of the traffic history). */
function recordsIn(chunks: Buffer[]): number {
  let records = 0;
  for (const chunk of chunks) {
    for (let at = 0; at < chunk.length; ) {
      const size = batchSizeAt(chunk, at);
      if (size <= 0) break;
      records += batchRecordCount(chunk, at);
      at += size;
    }
  }
  return records;
}

type FetchRequest = RequestOf<typeof Fetch>;
type FetchResponse = ResponseOf<typeof Fetch>;

/** The topic a fetch names (by name up to v12, by id from v13), if this connection may see it. */
function resolveTopic(ctx: RequestContext, t: FetchRequest['topics'][number]): Topic | undefined {
  const { access, state } = ctx;
  const topic =
    ctx.version >= 13
      ? t.topicId === undefined || t.topicId === ZERO_UUID
        ? undefined
        : state.topics.getById(t.topicId)
      : state.topics.get(access.toInternal(t.topic ?? ''));
  return topic && access.owns(topic.name) ? topic : undefined;
}

async function collect(ctx: RequestContext, req: FetchRequest, maxBytes: number) {
  let totalBytes = 0;
  /** Bytes and records read per topic (broker name), for the traffic history. */
  const topicBytes = new Map<string, { bytes: number; records: number }>();
  const responses: FetchResponse['responses'][number][] = [];
  for (const t of req.topics) {
    const resolved = resolveTopic(ctx, t);
    const allowed = resolved !== undefined && ctx.access.canTopic('READ', ctx.access.toExternal(resolved.name));
    const topic = allowed ? resolved : undefined;
    const partitions: FetchResponse['responses'][number]['partitions'][number][] = [];
    for (const p of t.partitions) {
      const partition = topic?.partitions[p.partition];
      const log = partition?.log;
      if (resolved && !allowed) {
        partitions.push({
          partitionIndex: p.partition,
          errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
          highWatermark: -1n,
          lastStableOffset: -1n,
          logStartOffset: -1n,
          abortedTransactions: null,
          preferredReadReplica: -1,
          records: null,
        });
        continue;
      }
      if (!topic || !partition || !log) {
        partitions.push({
          partitionIndex: p.partition,
          errorCode: ctx.version >= 13 && !topic ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          highWatermark: -1n,
          lastStableOffset: -1n,
          logStartOffset: -1n,
          abortedTransactions: null,
          preferredReadReplica: -1,
          records: null,
        });
        continue;
      }
      const base = {
        partitionIndex: p.partition,
        highWatermark: log.logEndOffset,
        lastStableOffset: partition.lastStableOffset,
        logStartOffset: log.logStartOffset,
        abortedTransactions: null,
        preferredReadReplica: -1,
      };
      try {
        const budget = Math.max(0, Math.min(p.partitionMaxBytes, maxBytes - totalBytes));
        const readCommitted = req.isolationLevel === 1;
        // Taken before the read: a transaction committing meanwhile only makes the answer more conservative.
        const lastStableOffset = partition.lastStableOffset;
        const read = await log.read(p.fetchOffset, budget, { minOneBatch: totalBytes === 0 });
        if (readCommitted && read.bytes > 0) {
          const below = batchesBelow(read.chunks, lastStableOffset);
          read.chunks = below.chunks;
          read.bytes = below.bytes;
        }
        totalBytes += read.bytes;
        if (read.bytes > 0) {
          const t = topicBytes.get(topic.name) ?? { bytes: 0, records: 0 };
          t.bytes += read.bytes;
          t.records += recordsIn(read.chunks);
          topicBytes.set(topic.name, t);
        }
        partitions.push({
          ...base,
          errorCode: ErrorCode.NONE,
          highWatermark: read.highWatermark,
          // Kafka gives the last stable offset at both isolation levels.
          lastStableOffset,
          logStartOffset: read.logStartOffset,
          abortedTransactions: readCommitted
            ? partition.abortedTransactions(p.fetchOffset, lastStableOffset).map((a) => ({
                producerId: a.producerId,
                firstOffset: a.firstOffset,
              }))
            : null,
          records: read.chunks,
        });
      } catch (err) {
        // A partition closed under us (its topic is being deleted) is gone for this client.
        if (err instanceof LogClosedError) {
          partitions.push({ ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, records: null });
          continue;
        }
        // An offline partition (a failed write or fsync), as Kafka answers for an offline log directory.
        if (err instanceof StorageError) {
          partitions.push({ ...base, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, records: null });
          continue;
        }
        // The batch at this offset fails its CRC: never sent; Kafka's broker answers a corrupt read so too.
        if (err instanceof CorruptBatchError) {
          partitions.push({ ...base, errorCode: ErrorCode.CORRUPT_MESSAGE, records: null });
          continue;
        }
        if (!(err instanceof OffsetOutOfRangeError)) throw err;
        partitions.push({ ...base, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, records: null });
      }
    }
    responses.push({ topic: t.topic, topicId: topic?.id ?? t.topicId ?? ZERO_UUID, partitions });
  }
  return { responses, totalBytes, topicBytes };
}

export const handleFetch: Handler<typeof Fetch> = async (ctx, req): Promise<ResponseOf<typeof Fetch>> => {
  const { config } = ctx.state;
  const maxBytes = Math.max(0, Math.min(req.maxBytes, config.fetchMaxBytes));
  const deadline = Date.now() + Math.max(0, Math.min(req.maxWaitMs, config.fetchMaxWaitMs));
  const keys: string[] = [];
  for (const t of req.topics) {
    const name = resolveTopic(ctx, t)?.name;
    if (name !== undefined) for (const p of t.partitions) keys.push(partitionKey(name, p.partition));
  }
  // Fetch quotas as Kafka does them: the data is returned, the client is told to wait and this connection is muted.
  const answer = (
    responses: FetchResponse['responses'],
    totalBytes: number,
    topicBytes: Map<string, { bytes: number; records: number }>,
  ): FetchResponse => {
    // Counted once, for the answer sent (a long-poll may collect several times).
    for (const [topic, { bytes, records }] of topicBytes) {
      noteTopicTraffic(ctx.state.tenancy, ctx.access.principal, topic, 'fetch', bytes, records);
    }
    const throttleTimeMs = byteRateThrottleMs(ctx.state.tenancy, ctx.access.principal, 'fetch', totalBytes);
    ctx.connection.mute(throttleTimeMs);
    return { throttleTimeMs, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: [] };
  };
  for (;;) {
    const { responses, totalBytes, topicBytes } = await collect(ctx, req, maxBytes);
    const remainingMs = deadline - Date.now();
    if (totalBytes >= req.minBytes || (totalBytes > 0 && req.minBytes <= 1) || remainingMs <= 0 || ctx.state.stopping) {
      return answer(responses, totalBytes, topicBytes);
    }
    const woken = await ctx.state.fetchWaiters.wait(keys, remainingMs);
    if (!woken) {
      const final = await collect(ctx, req, maxBytes);
      return answer(final.responses, final.totalBytes, final.topicBytes);
    }
  }
};
