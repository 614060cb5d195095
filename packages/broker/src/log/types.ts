/**
 * The contract between request handlers and the on-disk log. Handlers only ever see these types; the segment files,
 * indexes and recovery live behind them.
 */

/** Per-topic configuration that the log honours (Kafka's names in comments). */
export interface LogConfig {
  /** segment.bytes: roll the active segment when it would grow past this. */
  segmentBytes: number;
  /** segment.ms: roll the active segment when its first batch is older than this. */
  segmentMs: number;
  /** retention.ms: delete whole segments whose newest timestamp is older than this; -1 = forever. */
  retentionMs: number;
  /** retention.bytes: delete the oldest whole segments while the partition exceeds this; -1 = unlimited. */
  retentionBytes: number;
  /** index.interval.bytes: add a sparse index entry at least every this many bytes. */
  indexIntervalBytes: number;
  /** cleanup.policy: delete (retention), compact (the cleaner keeps the latest record per key), or both. */
  cleanupPolicy?: { compact: boolean; delete: boolean };
  /** delete.retention.ms: a tombstone stays this long after the clean that first saw it. */
  deleteRetentionMs?: number;
  /** min.compaction.lag.ms: records younger than this are not cleaned. */
  minCompactionLagMs?: number;
  /** max.compaction.lag.ms: a dirty segment older than this is cleaned whatever the dirty ratio. */
  maxCompactionLagMs?: number;
  /** min.cleanable.dirty.ratio: clean once dirty bytes / cleanable bytes reach this. */
  minCleanableDirtyRatio?: number;
}

export interface AppendResult {
  /** Offset assigned to the first record of the first batch. */
  baseOffset: bigint;
  /** Offset of the last record appended. */
  lastOffset: bigint;
  /** Log append time if the topic uses LogAppendTime, else -1n. */
  logAppendTimeMs: bigint;
  /** Log start offset after the append. */
  logStartOffset: bigint;
}

export interface ReadResult {
  /** Whole batches (as stored) starting at the batch that contains the requested offset. */
  chunks: Buffer[];
  bytes: number;
  highWatermark: bigint;
  logStartOffset: bigint;
}

export interface TimestampLookup {
  offset: bigint;
  timestamp: bigint;
}

/** Error raised when an offset is outside [logStartOffset, logEndOffset]. */
export class OffsetOutOfRangeError extends Error {
  override readonly name = 'OffsetOutOfRangeError';
}

/** Error raised by any operation on a log after close() or destroy() began. */
export class LogClosedError extends Error {
  override readonly name = 'LogClosedError';
}
