/**
 * The durable log of one partition: an ordered list of segments, the last of which takes appends. Appends go
 * through one queue, drained by a single loop, so offsets are assigned in order and writes never interleave; reads, flushes, retention and DeleteRecords run beside them and only
 * ever see bytes already written to the OS. Flushes are group commits: concurrent callers share one fdatasync.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BATCH_HEADER_BYTES,
  batchLastOffsetDelta,
  batchMagic,
  batchMaxTimestamp,
  batchOffsetCount,
  batchSizeAt,
  decodeRecords,
  rewriteBaseOffset,
  stampLogAppendTime,
  TIMESTAMP_TYPE_LOG_APPEND_BIT,
} from '@samsa/protocol';
import { fastCrc32c } from './crc32c.ts';
import type { FileHandleCache } from './file-handle-cache.ts';
import { fsyncDir } from './fsync-dir.ts';
import type { LogDirHealth } from './log-dir-health.ts';
import type { LogLogger } from './logger.ts';
import { silentLogger } from './logger.ts';
import type { BatchMeta, ScannedBatch } from './segment.ts';
import { MAX_RELATIVE_OFFSET, MAX_SEGMENT_POSITION, parseSegmentFileName, readAt, Segment } from './segment.ts';
import type { AppendResult, LogConfig, ReadResult, TimestampLookup } from './types.ts';
import { LogClosedError, OffsetOutOfRangeError } from './types.ts';
import { CorruptBatchError, errnoCode, isIoError, isNoSpaceError, StorageError } from './storage-error.ts';

export const LOG_START_OFFSET_FILE = 'log-start-offset';
/** Bound on appends queued behind the partition's append lock. */
export const MAX_PENDING_APPENDS = 100_000;
/** Bound on batches in one append call (one writev). */
export const MAX_BATCHES_PER_APPEND = 100_000;
/** A read that races a segment deletion is retried this many times before giving up. */
const MAX_READ_ATTEMPTS = 3;
const COMPRESSION_MASK = 0x07;

/** Bound on bytes written by one grouped writev. */
export const MAX_GROUP_APPEND_BYTES = 16 * 1024 * 1024;

interface PendingAppend {
  batches: Buffer[];
  opts: AppendOptions | undefined;
  sizeBytes: number;
  offsetCount: bigint;
  resolve: (result: AppendResult) => void;
  reject: (err: unknown) => void;
}

export type TimestampType = 'CreateTime' | 'LogAppendTime';

export interface PartitionLogOptions {
  handles: FileHandleCache;
  /** Wall clock in ms; injectable so tests control rolling and retention. */
  nowMs?: () => number;
  logger?: LogLogger;
  /** When LogAppendTime, appends without an explicit logAppendTimeMs are stamped with nowMs(). */
  timestampType?: TimestampType;
  /** The data directory's health: refuses appends while it is full, hears of failed writes and corrupt batches. */
  health?: LogDirHealth;
}

export interface AppendOptions {
  /** Stamp every batch with this LogAppendTime (rewrites maxTimestamp, attribute bit 3 and the CRC). */
  logAppendTimeMs?: bigint;
  /**
   * May use the room kept below --log-dir-min-free-bytes (transaction markers: finishing a transaction must not wait
   * for space). Client data may not.
   */
  belowFreeSpaceFloor?: boolean;
}

export interface ReadOptions {
  /** Return the first batch whole even when it is larger than maxBytes (KIP-74). Default true. */
  minOneBatch?: boolean;
}

export interface RetentionResult {
  deletedSegments: number;
  deletedBytes: number;
}

export function validateLogConfig(config: LogConfig): void {
  const { segmentBytes, segmentMs, retentionMs, retentionBytes, indexIntervalBytes } = config;
  if (!Number.isInteger(segmentBytes) || segmentBytes < BATCH_HEADER_BYTES || segmentBytes > MAX_SEGMENT_POSITION) {
    throw new RangeError(`segmentBytes must be an integer in [${BATCH_HEADER_BYTES}, ${MAX_SEGMENT_POSITION}]`);
  }
  if (!Number.isFinite(segmentMs) || segmentMs < 1) throw new RangeError('segmentMs must be >= 1');
  if (!Number.isFinite(retentionMs) || retentionMs < -1) throw new RangeError('retentionMs must be >= -1');
  if (!Number.isFinite(retentionBytes) || retentionBytes < -1) throw new RangeError('retentionBytes must be >= -1');
  if (!Number.isInteger(indexIntervalBytes) || indexIntervalBytes < 0) {
    throw new RangeError('indexIntervalBytes must be an integer >= 0');
  }
}

export class PartitionLog {
  readonly dir: string;
  private config: LogConfig;
  private readonly handles: FileHandleCache;
  private readonly nowMs: () => number;
  private readonly logger: LogLogger;
  private readonly timestampType: TimestampType;
  private readonly health: LogDirHealth | undefined;
  /**
   * Set when a write or fsync failed beyond repair: the log is offline (KAFKA_STORAGE_ERROR for appends, flushes and
   * reads) until the broker restarts and recovers it from the disk.
   */
  private failure: StorageError | null = null;
  /** Cutting the active segment back to its durable bytes after a failure. */
  private failureCleanup: Promise<void> = Promise.resolve();

  /** Ordered by base offset; never empty; the last one is active. */
  private segments: Segment[];
  private startOffset: bigint;
  private readonly appendQueue: PendingAppend[] = [];
  /** The running drain loop, if any: it is the partition's append lock. */
  private draining: Promise<void> | null = null;
  private flushInFlight: Promise<void> | null = null;
  private flushQueued: Promise<void> | null = null;
  private checkpointTail: Promise<void> = Promise.resolve();
  private closed = false;
  private closing: Promise<void> | null = null;
  /** Serializes what changes the segment list besides appends: retention, DeleteRecords, the cleaner's swaps. */
  private maintenanceTail: Promise<unknown> = Promise.resolve();

  /** fdatasyncs performed on segment files (flushes and rolls), so tests can see group commit at work. */
  fsyncCount = 0;
  /** Segments rolled since open. */
  rollCount = 0;
  /** Segments whose persisted indexes were used at open (the rest were scanned whole). */
  segmentsLoadedFromIndexes = 0;
  /** Writes done by the append loop; fewer than append calls when appends were grouped. */
  appendGroupCount = 0;

  private constructor(
    dir: string,
    config: LogConfig,
    opts: PartitionLogOptions,
    segments: Segment[],
    logStartOffset: bigint,
  ) {
    this.dir = dir;
    this.config = config;
    this.handles = opts.handles;
    this.nowMs = opts.nowMs ?? Date.now;
    this.logger = opts.logger ?? silentLogger;
    this.timestampType = opts.timestampType ?? 'CreateTime';
    this.health = opts.health;
    this.segments = segments;
    this.startOffset = logStartOffset;
  }

  /**
   * Opens (creating if missing) the partition directory and recovers it. Each segment loads the indexes written
   * when it was rolled or closed and scans only the bytes after them (the whole file when they are missing or do not
   * fit). The active segment's scanned bytes are CRC-checked, and it is truncated at its first torn or corrupt batch.
   */
  static async open(dir: string, config: LogConfig, opts: PartitionLogOptions): Promise<PartitionLog> {
    validateLogConfig(config);
    const logger = opts.logger ?? silentLogger;
    const nowMs = opts.nowMs ?? Date.now;
    await mkdir(dir, { recursive: true });
    const names = await completeInterruptedCleaning(dir, logger);
    const bases: bigint[] = [];
    for (const name of names) {
      const base = parseSegmentFileName(name);
      if (base !== null) bases.push(base);
      else if (name.endsWith('.tmp')) await rm(join(dir, name), { force: true });
    }
    bases.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const checkpoint = await readCheckpoint(dir, logger);

    const segments: Segment[] = [];
    let segmentsLoadedFromIndexes = 0;
    let rewroteIndexes = false;
    for (let i = 0; i < bases.length; i++) {
      const isLast = i === bases.length - 1;
      const { segment, truncatedBytes, problem, indexes } = await Segment.recover({
        dir,
        baseOffset: bases[i],
        handles: opts.handles,
        indexIntervalBytes: config.indexIntervalBytes,
        logger,
        // Sealed segments were fsynced at roll; only the active one can hold bytes that never reached the disk.
        validateCrc: isLast,
        nowMs: nowMs(),
      });
      if (indexes === 'loaded') segmentsLoadedFromIndexes += 1;
      if (indexes === 'rejected') {
        // Stale index files must not outlive this scan: a later open could trust them against a changed file.
        logger.warn({ dir, segment: segment.logPath }, 'segment indexes did not match the log; rebuilt');
        await segment.persistIndexes();
        rewroteIndexes = true;
      }
      if (truncatedBytes > 0) {
        logger.warn(
          { dir, segment: segment.logPath, truncatedBytes, problem },
          'truncated a torn or corrupt segment tail',
        );
      }
      const prev = segments[segments.length - 1];
      if (prev && segment.baseOffset < prev.nextOffset) {
        throw new Error(`segment ${segment.logPath} overlaps the previous segment (next offset ${prev.nextOffset})`);
      }
      segments.push(segment);
    }
    if (segments.length === 0) {
      segments.push(
        await Segment.create({
          dir,
          baseOffset: checkpoint ?? 0n,
          handles: opts.handles,
          indexIntervalBytes: config.indexIntervalBytes,
          logger,
        }),
      );
    }
    for (const sealed of segments.slice(0, -1)) sealed.seal();
    if (rewroteIndexes) await fsyncDir(dir, logger);
    const logEndOffset = segments[segments.length - 1].nextOffset;
    let logStartOffset = checkpoint ?? 0n;
    if (logStartOffset < segments[0].baseOffset) logStartOffset = segments[0].baseOffset;
    if (logStartOffset > logEndOffset) {
      logger.warn({ dir, logStartOffset, logEndOffset }, 'log start offset past the recovered end; clamped');
      logStartOffset = logEndOffset;
    }
    const log = new PartitionLog(dir, config, opts, segments, logStartOffset);
    log.segmentsLoadedFromIndexes = segmentsLoadedFromIndexes;
    if (logStartOffset !== checkpoint) await log.persistCheckpoint();
    logger.info(
      { dir, segments: segments.length, logStartOffset, logEndOffset, sizeBytes: log.sizeBytes },
      'partition log opened',
    );
    return log;
  }

  get logStartOffset(): bigint {
    return this.startOffset;
  }

  /** Offset the next record will get; on a single node also the high watermark. */
  get logEndOffset(): bigint {
    return this.activeSegment.nextOffset;
  }

  get sizeBytes(): number {
    let total = 0;
    for (const s of this.segments) total += s.sizeBytes;
    return total;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Base offsets of the segments, oldest first (for tests and admin views). */
  get segmentBaseOffsets(): bigint[] {
    return this.segments.map((s) => s.baseOffset);
  }

  get currentConfig(): LogConfig {
    return this.config;
  }

  /** Why the log is offline (a failed write or fsync), or null while it works. */
  get storageFailure(): StorageError | null {
    return this.failure;
  }

  private get activeSegment(): Segment {
    return this.segments[this.segments.length - 1];
  }

  /**
   * Where the largest timestamp is (ListOffsets -3): the base offset of the batch holding it (never below the log
   * start) and the timestamp. Batch granularity: records stay opaque on this path. Null for an empty log.
   */
  maxTimestampOffset(): TimestampLookup | null {
    let best: Segment | null = null;
    for (const s of this.segments) {
      if (s.nextOffset <= this.startOffset || s.maxTimestamp < 0n) continue;
      if (best === null || s.maxTimestamp > best.maxTimestamp) best = s;
    }
    if (best === null) return null;
    const offset = best.maxTimestampOffset < this.startOffset ? this.startOffset : best.maxTimestampOffset;
    return { offset, timestamp: best.maxTimestamp };
  }

  /**
   * ListOffsets v0 (Kafka's legacy "offsets before"): the segment boundaries, plus the log end when the active
   * segment holds data, each with the time its segment was last appended to. Latest (-1) starts from the newest
   * boundary, earliest (-2) from the log start, a time from the newest boundary last written at or before it; the
   * answer is up to `maxNumOffsets` offsets from there backwards, newest first (empty when no boundary qualifies).
   */
  legacyOffsetsBefore(timestamp: bigint, maxNumOffsets: number, nowMs: number): bigint[] {
    const boundaries = this.segments.map((s) => ({
      offset: s.baseOffset > this.startOffset ? s.baseOffset : this.startOffset,
      ms: s.lastAppendMs,
    }));
    if (this.activeSegment.sizeBytes > 0) boundaries.push({ offset: this.logEndOffset, ms: nowMs });
    let start = boundaries.length - 1;
    if (timestamp === -2n) start = 0;
    else if (timestamp !== -1n) while (start >= 0 && BigInt(boundaries[start].ms) > timestamp) start--;
    const out: bigint[] = [];
    for (let i = start; i >= 0 && out.length < maxNumOffsets; i--) out.push(boundaries[i].offset);
    return out;
  }

  updateConfig(config: LogConfig): void {
    validateLogConfig(config);
    this.config = config;
    for (const s of this.segments) s.indexIntervalBytes = config.indexIntervalBytes;
  }

  // ------------------------------------------------------------------ append

  /**
   * Appends whole, validated batches (as split by splitRecordSet) in one write. Offsets are assigned here and written
   * into each batch's bytes (the buffers are modified in place). Resolves once the bytes are with the OS (acks=1);
   * call flush() for acks=all.
   */
  append(batches: Buffer[], opts?: AppendOptions): Promise<AppendResult> {
    if (this.closed || this.closing) return Promise.reject(new LogClosedError(`log ${this.dir} is closed`));
    if (this.failure) return Promise.reject(this.failure);
    const refusal = opts?.belowFreeSpaceFloor ? null : this.health?.writeRefusal();
    if (refusal) return Promise.reject(refusal);
    if (batches.length === 0 || batches.length > MAX_BATCHES_PER_APPEND) {
      return Promise.reject(new RangeError(`append takes 1 to ${MAX_BATCHES_PER_APPEND} batches`));
    }
    for (const b of batches) {
      if (b.length < BATCH_HEADER_BYTES || batchSizeAt(b, 0) !== b.length || batchMagic(b) !== 2) {
        return Promise.reject(new RangeError('append takes whole magic-2 batches, one per buffer'));
      }
    }
    if (this.appendQueue.length >= MAX_PENDING_APPENDS) {
      return Promise.reject(new Error(`more than ${MAX_PENDING_APPENDS} appends queued on ${this.dir}`));
    }
    let offsetCount = 0n;
    let sizeBytes = 0;
    for (const b of batches) {
      sizeBytes += b.length;
      offsetCount += batchOffsetCount(b);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.appendQueue.push({ batches, opts, sizeBytes, offsetCount, resolve, reject });
      // Started on a later tick so `draining` is set before the loop can finish and clear it.
      if (!this.draining) this.draining = Promise.resolve().then(() => this.drainAppends());
    });
  }

  /**
   * The append lock: one drain loop per partition writes queued appends in arrival order. Appends that queued up
   * while a write was in flight go out together in one writev (group append), which keeps concurrent producers from
   * paying one syscall each and lets the following flush cover all of them.
   */
  private async drainAppends(): Promise<void> {
    try {
      while (this.appendQueue.length > 0) await this.writeNextGroup();
    } catch (err) {
      // Only a broken invariant gets here; fail everything queued rather than leave callers hanging.
      this.logger.error({ dir: this.dir, err: (err as Error).message }, 'append loop failed');
      for (const pending of this.appendQueue.splice(0)) pending.reject(err);
    } finally {
      this.draining = null;
    }
  }

  private async writeNextGroup(): Promise<void> {
    const first = this.appendQueue[0];
    if (this.closed || this.failure) {
      this.appendQueue.shift();
      first.reject(this.failure ?? new LogClosedError(`log ${this.dir} is closed`));
      return;
    }
    const nowMs = this.nowMs();
    let active = this.activeSegment;
    if (this.shouldRoll(active, first.sizeBytes, first.offsetCount, nowMs)) {
      try {
        active = await this.roll();
      } catch (err) {
        this.appendQueue.shift();
        this.logger.error({ dir: this.dir, err: (err as Error).message }, 'segment roll failed');
        first.reject(this.storageErrorFor(err, 'write'));
        return;
      }
    }
    // Take the first append and every following one that still fits the active segment and the group bound.
    let groupBytes = first.sizeBytes;
    let groupOffsets = first.offsetCount;
    let take = 1;
    while (take < this.appendQueue.length) {
      const next = this.appendQueue[take];
      const bytes = groupBytes + next.sizeBytes;
      const offsets = groupOffsets + next.offsetCount;
      if (bytes > MAX_GROUP_APPEND_BYTES || active.sizeBytes + bytes > this.config.segmentBytes) break;
      if (active.nextOffset + offsets - 1n - active.baseOffset > BigInt(MAX_RELATIVE_OFFSET)) break;
      groupBytes = bytes;
      groupOffsets = offsets;
      take += 1;
    }
    const group = this.appendQueue.splice(0, take);

    const allBatches: Buffer[] = [];
    const metas: BatchMeta[] = [];
    const results: AppendResult[] = [];
    let next = active.nextOffset;
    for (const pending of group) {
      const logAppendTimeMs =
        pending.opts?.logAppendTimeMs ?? (this.timestampType === 'LogAppendTime' ? BigInt(Math.floor(nowMs)) : -1n);
      const baseOffset = next;
      for (const b of pending.batches) {
        rewriteBaseOffset(b, next);
        if (logAppendTimeMs >= 0n) stampLogAppendTime(b, logAppendTimeMs, fastCrc32c);
        const lastOffset = next + BigInt(batchLastOffsetDelta(b));
        metas.push({ baseOffset: next, lastOffset, maxTimestamp: batchMaxTimestamp(b), sizeBytes: b.length });
        allBatches.push(b);
        next = lastOffset + 1n;
      }
      results.push({ baseOffset, lastOffset: next - 1n, logAppendTimeMs, logStartOffset: 0n });
    }
    try {
      await active.append(allBatches, metas, nowMs);
    } catch (err) {
      this.logger.error({ dir: this.dir, err: (err as Error).message }, 'append failed; discarding partial write');
      let failure: Error;
      try {
        await active.truncateToSize();
        failure = this.storageErrorFor(err, 'write');
      } catch (truncateErr) {
        // The partial write could not be cut off: nothing may be appended after it.
        failure = this.fail('write', truncateErr);
      }
      for (const pending of group) pending.reject(failure);
      return;
    }
    this.health?.noteWritten(groupBytes);
    // A flush failed while this write was in flight: the log went offline and its tail is being cut back.
    if (this.failure) {
      for (const pending of group) pending.reject(this.failure);
      return;
    }
    if (this.logEndOffset !== next) {
      const err = new Error('log end offset disagrees with the offsets just assigned');
      for (const pending of group) pending.reject(err);
      throw err;
    }
    this.appendGroupCount += 1;
    for (let i = 0; i < group.length; i++) {
      results[i].logStartOffset = this.startOffset;
      group[i].resolve(results[i]);
    }
  }

  private shouldRoll(active: Segment, totalBytes: number, offsetCount: bigint, nowMs: number): boolean {
    if (active.isEmpty) return false;
    if (active.sizeBytes + totalBytes > this.config.segmentBytes) return true;
    if (active.rollStartMs !== null && nowMs - active.rollStartMs > this.config.segmentMs) return true;
    return active.nextOffset + offsetCount - 1n - active.baseOffset > BigInt(MAX_RELATIVE_OFFSET);
  }

  /**
   * The error to give for a failed write: no room is retriable (the directory's health starts refusing writes until
   * statfs shows room); anything else takes the log offline.
   */
  private storageErrorFor(err: unknown, fault: 'write' | 'fsync'): Error {
    if (err instanceof StorageError || err instanceof LogClosedError) return err;
    // Not the disk (a broken invariant such as a segment past 2 GiB): refused as it is, the log stays online.
    if (!isIoError(err)) return err as Error;
    if (fault === 'write' && isNoSpaceError(err)) {
      this.health?.noteNoSpace(this.dir, err);
      return new StorageError(`no space left to write ${this.dir}`, 'no_space', { cause: err });
    }
    return this.fail(fault, err);
  }

  /**
   * Takes the log offline after a failed write or fsync (KIP-112's offline log directory, for one partition): queued
   * and later appends, flushes and reads fail with KAFKA_STORAGE_ERROR, and the active segment is cut back to what
   * the last successful fsync covered, so a restart recovers exactly the durable state. A failed fsync is never
   * retried: the kernel may have dropped the pages and would report the next one as a success.
   */
  private fail(fault: 'write' | 'fsync', err: unknown): StorageError {
    if (this.failure) return this.failure;
    const failure = new StorageError(
      `partition log ${this.dir} is offline after a failed ${fault} (${errnoCode(err)}); restart the broker to recover`,
      'offline',
      { cause: err },
    );
    this.failure = failure;
    if (this.health) this.health.noteOffline(this.dir, fault, err);
    else this.logger.error({ dir: this.dir, fault, code: errnoCode(err) }, failure.message);
    for (const pending of this.appendQueue.splice(0)) pending.reject(failure);
    const active = this.activeSegment;
    this.failureCleanup = (async () => {
      // The append loop may be writing: cut only once it is done, or its bytes would land past the cut.
      while (this.draining) await this.draining;
      try {
        await active.truncateToDurable();
        this.logger.warn(
          { dir: this.dir, segment: active.logPath, durableBytes: active.durableSizeBytes },
          'cut the active segment back to its last fsynced size',
        );
      } catch (truncateErr) {
        this.logger.error(
          { dir: this.dir, segment: active.logPath, err: (truncateErr as Error).message },
          'could not cut the active segment back to its last fsynced size; recovery will check it at the next start',
        );
      }
    })();
    return failure;
  }

  /** Seals the active segment (fsync + indexes) and starts a new one at the log end offset. */
  private async roll(): Promise<Segment> {
    const old = this.activeSegment;
    try {
      if (await old.flush()) this.fsyncCount += 1;
    } catch (err) {
      throw this.fail('fsync', err);
    }
    await old.persistIndexes();
    const segment = await Segment.create({
      dir: this.dir,
      baseOffset: old.nextOffset,
      handles: this.handles,
      indexIntervalBytes: this.config.indexIntervalBytes,
      logger: this.logger,
    });
    await fsyncDir(this.dir, this.logger);
    if (this.activeSegment !== old) throw new Error('the active segment changed during a roll');
    this.segments.push(segment);
    old.seal();
    this.rollCount += 1;
    return segment;
  }

  // ------------------------------------------------------------------ flush (group commit)

  /**
   * Makes every append that completed before this call durable. A flush already running may have started before
   * the caller's data was written, so callers arriving during it wait for the next one; all callers arriving before
   * that next one starts share it. N concurrent producers cost about two fdatasyncs, not N.
   */
  flush(): Promise<void> {
    // close() flushed everything that was ever appended; nothing can have been written since.
    if (this.closed) return Promise.resolve();
    if (this.flushQueued) return this.flushQueued;
    const inFlight = this.flushInFlight;
    if (!inFlight) return this.startFlush();
    const queued = inFlight
      .catch(() => undefined)
      .then(() => {
        this.flushQueued = null;
        return this.startFlush();
      });
    this.flushQueued = queued;
    return queued;
  }

  private startFlush(): Promise<void> {
    const run = this.syncActive().finally(() => {
      if (this.flushInFlight === run) this.flushInFlight = null;
    });
    this.flushInFlight = run;
    return run;
  }

  private async syncActive(): Promise<void> {
    if (this.failure) throw this.failure;
    try {
      if (await this.activeSegment.flush()) this.fsyncCount += 1;
    } catch (err) {
      throw this.fail('fsync', err);
    }
  }

  // ------------------------------------------------------------------ read

  /**
   * Whole stored batches starting with the batch that contains `offset`, across segments, up to `maxBytes` (the first
   * batch is returned whole even if larger, unless minOneBatch is false). `offset == logEndOffset` gives an empty
   * result; outside [logStartOffset, logEndOffset] throws OffsetOutOfRangeError.
   */
  async read(offset: bigint, maxBytes: number, opts?: ReadOptions): Promise<ReadResult> {
    if (!Number.isInteger(maxBytes) || maxBytes < 0) throw new RangeError('maxBytes must be an integer >= 0');
    const minOneBatch = opts?.minOneBatch ?? true;
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new LogClosedError(`log ${this.dir} is closed`);
      if (this.failure) throw this.failure;
      const logStartOffset = this.startOffset;
      const logEndOffset = this.logEndOffset;
      if (offset < logStartOffset || offset > logEndOffset) {
        throw new OffsetOutOfRangeError(
          `offset ${offset} is outside [${logStartOffset}, ${logEndOffset}] of ${this.dir}`,
        );
      }
      if (offset === logEndOffset) {
        return { chunks: [], bytes: 0, highWatermark: logEndOffset, logStartOffset };
      }
      const segments = this.segments.slice();
      try {
        const chunks = await readSegments(segments, offset, maxBytes, minOneBatch);
        // A segment swapped by the cleaner during the read may have been read through its new file with the old
        // positions: read again from the new segment list.
        if (segments.some((s) => s.deleted) && attempt < MAX_READ_ATTEMPTS) {
          await this.maintenanceTail;
          continue;
        }
        let bytes = 0;
        for (const c of chunks) bytes += c.length;
        return { chunks, bytes, highWatermark: this.logEndOffset, logStartOffset: this.startOffset };
      } catch (err) {
        // A segment deleted by retention under us: look again (the offset is now probably out of range).
        const raced = segments.some((s) => s.deleted);
        if (!raced || attempt >= MAX_READ_ATTEMPTS) {
          if (err instanceof CorruptBatchError) this.health?.noteCorrupt(err.file, err.position, err.problem);
          throw err;
        }
        await this.maintenanceTail;
      }
    }
  }

  // ------------------------------------------------------------------ timestamps

  /**
   * The first offset (at or after the log start) whose timestamp is >= `timestamp`, with that timestamp; null if
   * none. Uncompressed CreateTime batches are resolved to the exact record; others to the batch (its max timestamp).
   */
  async offsetForTimestamp(timestamp: bigint): Promise<TimestampLookup | null> {
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new LogClosedError(`log ${this.dir} is closed`);
      if (this.failure) throw this.failure;
      const segments = this.segments.slice();
      const startOffset = this.startOffset;
      try {
        for (const segment of segments) {
          if (segment.maxTimestamp < timestamp || segment.nextOffset <= startOffset) continue;
          const committedBytes = segment.sizeBytes;
          const found = await this.handles.withHandle(segment.logPath, async (handle) => {
            const batch = await segment.findBatchAtTimestamp(handle, timestamp, startOffset, committedBytes);
            if (!batch) return null;
            return refineToRecord(batch, timestamp, startOffset, () => readAt(handle, batch.position, batch.sizeBytes));
          });
          if (found) return found;
        }
        return null;
      } catch (err) {
        if (!segments.some((s) => s.deleted) || attempt >= MAX_READ_ATTEMPTS) throw err;
        await this.maintenanceTail;
      }
    }
  }

  // ------------------------------------------------------------------ scrub

  /**
   * A scrub: reads every closed segment back from the disk and checks each batch's CRC, so bit rot is found before a
   * consumer asks for it. A corrupt batch is reported to the directory's health as a read would report it; reads of
   * it are refused either way. `pace` is awaited after every window of bytes (throttling); returns the bytes checked.
   */
  async scrub(windowBytes: number, pace: (bytes: number) => Promise<void>): Promise<number> {
    let checked = 0;
    for (const segment of this.sealedSegments()) {
      if (this.closed || this.closing || this.failure) break;
      if (segment.deleted) continue;
      const found = await this.handles.withHandle(segment.logPath, (handle) =>
        segment.scrub(handle, windowBytes, pace),
      );
      // A segment the cleaner swapped meanwhile was read through its new file: not a finding.
      if (found && !segment.deleted) this.health?.noteCorrupt(segment.logPath, found.position, found.problem);
      checked += found ? found.position : segment.sizeBytes;
    }
    return checked;
  }

  // ------------------------------------------------------------------ maintenance lock and compaction

  private withMaintenance<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.maintenanceTail.then(fn);
    this.maintenanceTail = run.catch(() => undefined);
    return run;
  }

  /** The sealed segments (every one but the active one), oldest first: what the cleaner may rewrite. */
  sealedSegments(): Segment[] {
    return this.segments.slice(0, -1);
  }

  /**
   * Swaps a cleaned copy of `old` (written and fsynced at `${old.logPath}.cleaned`) in place of it, crash-safely
   * as Kafka does: rename to `.swap`, drop the old indexes, rename over the `.log`; recovery at open completes a
   * `.swap` it finds and discards a `.cleaned`. Returns false (and removes the copy) when the segment is no longer
   * part of the log (retention, DeleteRecords or close got there first).
   */
  replaceSegment(old: Segment, crashPoint: (step: string) => void): Promise<boolean> {
    const cleanedPath = `${old.logPath}.cleaned`;
    const swapPath = `${old.logPath}.swap`;
    return this.withMaintenance(async () => {
      const index = this.segments.indexOf(old);
      const gone = this.closed || this.closing || this.failure !== null || old.deleted || index < 0;
      if (gone || index === this.segments.length - 1) {
        await rm(cleanedPath, { force: true });
        return false;
      }
      crashPoint('cleaned');
      await rename(cleanedPath, swapPath);
      await fsyncDir(this.dir, this.logger);
      crashPoint('swap');
      await rm(old.indexPath, { force: true });
      await rm(old.timeIndexPath, { force: true });
      crashPoint('indexes-removed');
      // From the rename on, a reader of the old segment may open the new file: marked deleted, its reads are
      // retried once this swap is over (see read()). Readers with the old file open keep reading the old file.
      old.deleted = true;
      try {
        await rename(swapPath, old.logPath);
      } catch (err) {
        old.deleted = false;
        throw err;
      }
      await fsyncDir(this.dir, this.logger);
      crashPoint('replaced');
      await this.handles.evict(old.logPath);
      const { segment } = await Segment.recover({
        dir: this.dir,
        baseOffset: old.baseOffset,
        handles: this.handles,
        indexIntervalBytes: this.config.indexIntervalBytes,
        logger: this.logger,
        validateCrc: false,
        nowMs: this.nowMs(),
      });
      segment.seal();
      segment.lastAppendMs = old.lastAppendMs;
      await segment.persistIndexes();
      this.segments[index] = segment;
      return true;
    });
  }

  // ------------------------------------------------------------------ deletion

  /**
   * DeleteRecords: raises the log start offset to `offset` (persisted) and deletes the segments wholly below it.
   * Returns the new log start offset. `offset` past the log end throws OffsetOutOfRangeError.
   */
  deleteRecordsBefore(offset: bigint): Promise<bigint> {
    return this.withMaintenance(() => this.deleteRecordsBeforeLocked(offset));
  }

  private async deleteRecordsBeforeLocked(offset: bigint): Promise<bigint> {
    if (this.closed || this.closing) throw new LogClosedError(`log ${this.dir} is closed`);
    if (this.failure) throw this.failure;
    if (offset < 0n || offset > this.logEndOffset) {
      throw new OffsetOutOfRangeError(`offset ${offset} is outside [0, ${this.logEndOffset}] of ${this.dir}`);
    }
    if (offset <= this.startOffset) return this.startOffset;
    this.startOffset = offset;
    const removed: Segment[] = [];
    while (this.segments.length > 1 && this.segments[0].nextOffset <= offset) removed.push(this.segments.shift()!);
    await this.persistCheckpoint();
    await this.deleteSegmentFiles(removed);
    return this.startOffset;
  }

  /**
   * Deletes whole old segments, never the active one: first those whose newest timestamp is older than retentionMs,
   * then the oldest while the partition is larger than retentionBytes. The log start offset moves up to the first
   * kept segment. Files are unlinked outside any lock; readers still holding a deleted segment finish or retry.
   */
  applyRetention(): Promise<RetentionResult> {
    return this.withMaintenance(() => this.applyRetentionLocked());
  }

  private async applyRetentionLocked(): Promise<RetentionResult> {
    if (this.closed || this.closing || this.failure) return { deletedSegments: 0, deletedBytes: 0 };
    // cleanup.policy=compact alone keeps everything the cleaner keeps; only 'delete' expires data.
    if (this.config.cleanupPolicy && !this.config.cleanupPolicy.delete) return { deletedSegments: 0, deletedBytes: 0 };
    const nowMs = this.nowMs();
    const { retentionMs, retentionBytes } = this.config;
    const removed: Segment[] = [];
    if (retentionMs >= 0) {
      while (this.segments.length > 1) {
        const oldest = this.segments[0];
        const newestMs = oldest.maxTimestamp >= 0n ? Number(oldest.maxTimestamp) : oldest.lastAppendMs;
        if (newestMs >= nowMs - retentionMs) break;
        removed.push(this.segments.shift()!);
      }
    }
    if (retentionBytes >= 0) {
      let total = this.sizeBytes;
      while (this.segments.length > 1 && total > retentionBytes) {
        const oldest = this.segments.shift()!;
        total -= oldest.sizeBytes;
        removed.push(oldest);
      }
    }
    if (removed.length === 0) return { deletedSegments: 0, deletedBytes: 0 };
    if (this.segments[0].baseOffset > this.startOffset) this.startOffset = this.segments[0].baseOffset;
    let deletedBytes = 0;
    for (const s of removed) deletedBytes += s.sizeBytes;
    await this.persistCheckpoint();
    await this.deleteSegmentFiles(removed);
    this.logger.info(
      { dir: this.dir, deletedSegments: removed.length, deletedBytes, logStartOffset: this.startOffset },
      'retention deleted segments',
    );
    return { deletedSegments: removed.length, deletedBytes };
  }

  private async deleteSegmentFiles(removed: Segment[]): Promise<void> {
    for (const s of removed) {
      try {
        await s.deleteFiles();
      } catch (err) {
        this.logger.warn({ segment: s.logPath, err: (err as Error).message }, 'could not delete segment files');
      }
    }
  }

  /** Writes the log start offset atomically (tmp + fsync + rename); writes are serialized, the latest value wins. */
  private persistCheckpoint(): Promise<void> {
    const run = this.checkpointTail.then(() => writeCheckpoint(this.dir, this.startOffset, this.logger));
    this.checkpointTail = run.catch((err) => {
      this.logger.error({ dir: this.dir, err: (err as Error).message }, 'could not persist the log start offset');
    });
    return run;
  }

  // ------------------------------------------------------------------ lifecycle

  /** Waits for queued appends, flushes, writes the active segment's indexes and releases file handles. */
  close(): Promise<void> {
    if (!this.closing) this.closing = this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    try {
      while (this.draining) await this.draining;
      await this.maintenanceTail;
      // An offline log keeps what the disk has: its tail was cut back to the last fsync, and its indexes are left
      // for recovery to check.
      if (this.failure) await this.failureCleanup;
      else {
        await this.flush();
        await this.activeSegment.persistIndexes();
      }
      await this.checkpointTail;
    } finally {
      // Even when the final flush fails the log is unusable from here on, and its descriptors must go.
      this.closed = true;
      for (const s of this.segments) await s.closeHandle();
    }
    this.logger.info({ dir: this.dir, logEndOffset: this.logEndOffset }, 'partition log closed');
  }

  /** Closes the log and removes its directory (DeleteTopics). */
  async destroy(): Promise<void> {
    await this.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function readSegments(
  segments: Segment[],
  offset: bigint,
  maxBytes: number,
  minOneBatch: boolean,
): Promise<Buffer[]> {
  let index = 0;
  for (let i = 0; i < segments.length; i++) if (segments[i].baseOffset <= offset) index = i;
  const chunks: Buffer[] = [];
  let remainingBytes = maxBytes;
  for (let i = index; i < segments.length; i++) {
    const segment = segments[i];
    if (segment.nextOffset <= offset) continue;
    const read = await segment.read(offset, remainingBytes, minOneBatch && chunks.length === 0);
    if (read === null) continue;
    if (read.bytes.length > 0) chunks.push(read.bytes);
    remainingBytes -= read.bytes.length;
    // Stop unless this segment was read to its end: skipping its remaining batches would leave a hole.
    if (!read.reachedEnd || remainingBytes <= 0) break;
    offset = segment.nextOffset;
  }
  return chunks;
}

/** Narrows a batch found by timestamp to the first qualifying record when its records can be read directly. */
async function refineToRecord(
  batch: ScannedBatch,
  timestamp: bigint,
  startOffset: bigint,
  readBatch: () => Promise<Buffer>,
): Promise<TimestampLookup> {
  const batchLevel = {
    offset: batch.baseOffset < startOffset ? startOffset : batch.baseOffset,
    timestamp: batch.maxTimestamp,
  };
  const compressed = (batch.attributes & COMPRESSION_MASK) !== 0;
  const logAppendTime = (batch.attributes & TIMESTAMP_TYPE_LOG_APPEND_BIT) !== 0;
  if (compressed || logAppendTime) return batchLevel;
  try {
    const records = decodeRecords(await readBatch());
    for (const r of records) {
      if (r.offset >= startOffset && r.timestamp >= timestamp) return { offset: r.offset, timestamp: r.timestamp };
    }
  } catch {
    // Unreadable records: the batch-level answer is still correct to the batch.
  }
  return batchLevel;
}

async function readCheckpoint(dir: string, logger: LogLogger): Promise<bigint | null> {
  let text: string;
  try {
    text = await readFile(join(dir, LOG_START_OFFSET_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const trimmed = text.trim();
  if (!/^\d{1,19}$/.test(trimmed)) {
    logger.warn({ dir, text: trimmed.slice(0, 40) }, 'unreadable log start offset checkpoint; ignored');
    return null;
  }
  return BigInt(trimmed);
}

async function writeCheckpoint(dir: string, logStartOffset: bigint, logger: LogLogger): Promise<void> {
  const path = join(dir, LOG_START_OFFSET_FILE);
  const tmp = `${path}.tmp`;
  await writeFile(tmp, `${logStartOffset}\n`, { flush: true });
  await rename(tmp, path);
  await fsyncDir(dir, logger);
}

/**
 * Finishes or rolls back a clean that a crash interrupted, before the segments are listed: a `.swap` is a complete,
 * fsynced cleaned segment whose swap had begun, so it replaces its `.log` (with the old indexes dropped); a
 * `.cleaned` may be partial, so it is deleted and the original `.log` stays. Returns the directory's names after.
 */
async function completeInterruptedCleaning(dir: string, logger: LogLogger): Promise<string[]> {
  const names = await readdir(dir);
  let changed = false;
  for (const name of names) {
    if (name.endsWith('.log.cleaned')) {
      await rm(join(dir, name), { force: true });
      logger.warn({ dir, file: name }, 'discarded a cleaned segment left by an interrupted clean');
      changed = true;
    } else if (name.endsWith('.log.swap')) {
      const logName = name.slice(0, -'.swap'.length);
      const base = logName.slice(0, -'.log'.length);
      await rm(join(dir, `${base}.index`), { force: true });
      await rm(join(dir, `${base}.timeindex`), { force: true });
      await rename(join(dir, name), join(dir, logName));
      logger.warn({ dir, file: name }, 'completed the swap of a cleaned segment left by an interrupted clean');
      changed = true;
    }
  }
  if (!changed) return names;
  await fsyncDir(dir, logger);
  return readdir(dir);
}
