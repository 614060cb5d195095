/**
 * One segment of a partition log: a `.log` file of RecordBatch v2 batches stored byte for byte as received (with the
 * broker-assigned base offset written into bytes 0..8), named by its 20-digit base offset like Kafka, plus its sparse
 * offset and time indexes. The indexes live in memory and are written beside the log on roll and close; recovery
 * rebuilds them by scanning the log, which stays the only source of truth.
 */
import type { FileHandle } from 'node:fs/promises';
import { readSync, writevSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BATCH_HEADER_BYTES,
  batchAttributes,
  batchBaseOffset,
  batchBaseTimestamp,
  batchCrcIsValid,
  batchLastOffsetDelta,
  batchMagic,
  batchMaxTimestamp,
  batchSizeAt,
} from '@samsa/protocol';
import { fastCrc32c } from './crc32c.ts';
import type { FileHandleCache } from './file-handle-cache.ts';
import type { LogLogger } from './logger.ts';
import { silentLogger } from './logger.ts';
import { CorruptBatchError } from './storage-error.ts';
import { readBufferPool } from '../buffer-pool.ts';
import { RecentBatches } from './recent-batches.ts';
import { OFFSET_INDEX_ENTRY_BYTES, OffsetIndex, TIME_INDEX_ENTRY_BYTES, TimeIndex } from './segment-index.ts';

/** Relative offsets and file positions are int32 in the indexes. */
export const MAX_RELATIVE_OFFSET = 0x7fffffff;
export const MAX_SEGMENT_POSITION = 0x7fffffff;
/** Reads of at most this many bytes, within this many bytes of the end of a segment appended to in the last
 * HOT_TAIL_MS, are done synchronously: the data is certainly in the page cache. */
const HOT_READ_MAX_BYTES = 1024 * 1024;
const HOT_TAIL_BYTES = 16 * 1024 * 1024;
const HOT_TAIL_MS = 30_000;
/** Appends of at most this many bytes are written synchronously: see Segment.append. */
const SYNC_WRITE_MAX_BYTES = 16 * 1024;
/** Chunk size for whole-file scans (recovery): big enough to cover many small batches per read. */
const SCAN_CHUNK_BYTES = 256 * 1024;
/** Lookups scan at most about two index intervals, so they read smaller chunks (bounded both ways). */
const LOOKUP_CHUNK_MIN_BYTES = 8 * 1024;

export function segmentFileName(baseOffset: bigint, ext: '.log' | '.index' | '.timeindex'): string {
  if (baseOffset < 0n) throw new RangeError('segment base offset must be >= 0');
  return baseOffset.toString().padStart(20, '0') + ext;
}

/** Parses `00000000000000000042.log` to 42n, or null for any other name. */
export function parseSegmentFileName(name: string): bigint | null {
  const m = /^(\d{20})\.log$/.exec(name);
  return m ? BigInt(m[1]) : null;
}

/** What the log needs to know about a batch it appends or scans. */
export interface BatchMeta {
  baseOffset: bigint;
  lastOffset: bigint;
  maxTimestamp: bigint;
  sizeBytes: number;
}

export interface ScannedBatch extends BatchMeta {
  position: number;
  attributes: number;
  baseTimestamp: bigint;
}

/**
 * Reads up to `length` bytes at `position` (into `buf`, when given one of that length); returns fewer only at end of
 * file.
 */
export async function readAt(
  handle: FileHandle,
  position: number,
  length: number,
  buf: Buffer = Buffer.allocUnsafe(length),
): Promise<Buffer> {
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buf, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buf : buf.subarray(0, filled);
}

/** `true` continues, `false` stops before the next batch, a string stops and reports a problem at this batch. */
export type ScanVisit = (batch: ScannedBatch, bytes: Buffer | null) => boolean | string;

export interface ScanResult {
  /** Position after the last batch accepted by the visitor (or the problem position). */
  endPosition: number;
  problem: string | null;
}

/**
 * Walks batch headers in [fromPosition, toPosition), checking that each fits, has magic 2 and (if asked) a valid
 * CRC-32C. Reads in chunks so small batches cost one read per chunk, not one per batch.
 */
export async function scanBatches(
  handle: FileHandle,
  fromPosition: number,
  toPosition: number,
  opts: { validateCrc: boolean; chunkBytes?: number },
  visit: ScanVisit,
): Promise<ScanResult> {
  let buf: Buffer = Buffer.alloc(0);
  let bufStart = fromPosition;
  let position = fromPosition;
  while (position < toPosition) {
    let at = position - bufStart;
    if (at + BATCH_HEADER_BYTES > buf.length) {
      if (toPosition - position < BATCH_HEADER_BYTES) return { endPosition: position, problem: 'torn batch header' };
      const chunkBytes = Math.max(BATCH_HEADER_BYTES, opts.chunkBytes ?? SCAN_CHUNK_BYTES);
      buf = await readAt(handle, position, Math.min(chunkBytes, toPosition - position));
      bufStart = position;
      at = 0;
      if (buf.length < BATCH_HEADER_BYTES) return { endPosition: position, problem: 'file ends inside a batch header' };
    }
    const sizeBytes = batchSizeAt(buf, at);
    const magic = batchMagic(buf, at);
    if (magic !== 2) return { endPosition: position, problem: `batch magic ${magic}` };
    if (sizeBytes < BATCH_HEADER_BYTES || sizeBytes > toPosition - position) {
      return { endPosition: position, problem: `batch length ${sizeBytes} does not fit` };
    }
    const lastOffsetDelta = batchLastOffsetDelta(buf, at);
    if (lastOffsetDelta < 0) return { endPosition: position, problem: 'negative lastOffsetDelta' };
    const baseOffset = batchBaseOffset(buf, at);
    const batch: ScannedBatch = {
      position,
      sizeBytes,
      baseOffset,
      lastOffset: baseOffset + BigInt(lastOffsetDelta),
      attributes: batchAttributes(buf, at),
      baseTimestamp: batchBaseTimestamp(buf, at),
      maxTimestamp: batchMaxTimestamp(buf, at),
    };
    let bytes: Buffer | null = null;
    if (opts.validateCrc) {
      if (at + sizeBytes <= buf.length) bytes = buf.subarray(at, at + sizeBytes);
      else bytes = await readAt(handle, position, sizeBytes);
      if (bytes.length < sizeBytes) return { endPosition: position, problem: 'file ends inside a batch' };
      if (!batchCrcIsValid(bytes, fastCrc32c)) return { endPosition: position, problem: 'batch CRC mismatch' };
    }
    const verdict = visit(batch, bytes);
    if (typeof verdict === 'string') return { endPosition: position, problem: verdict };
    if (!verdict) return { endPosition: position, problem: null };
    position += sizeBytes;
  }
  return { endPosition: position, problem: null };
}

export interface SegmentRead {
  bytes: Buffer;
  reachedEnd: boolean;
}

export interface RecoveredSegment {
  segment: Segment;
  truncatedBytes: number;
  problem: string | null;
  /** 'rejected' means index files existed but did not fit the log: they are stale and must be rewritten. */
  indexes: 'loaded' | 'missing' | 'rejected';
}

export interface SegmentOptions {
  dir: string;
  baseOffset: bigint;
  handles: FileHandleCache;
  indexIntervalBytes: number;
  logger?: LogLogger;
}

export class Segment {
  readonly baseOffset: bigint;
  readonly logPath: string;
  readonly indexPath: string;
  readonly timeIndexPath: string;
  private readonly handles: FileHandleCache;
  private readonly logger: LogLogger;
  indexIntervalBytes: number;

  /** Bytes written to the OS; readers never look past this. */
  sizeBytes = 0;
  /** Offset after the last batch; equals baseOffset while empty. */
  nextOffset: bigint;
  /** Largest batch max timestamp, -1 while empty. */
  maxTimestamp = -1n;
  /** Base offset of the batch that holds maxTimestamp, -1 while empty. */
  maxTimestampOffset = -1n;
  /** When the first batch arrived (for segment.ms); null while empty. */
  rollStartMs: number | null = null;
  /** When the last batch arrived, for retention of batches without timestamps. */
  lastAppendMs = 0;
  /** Bytes covered by the last completed fdatasync. */
  flushedSizeBytes = 0;
  /**
   * Bytes believed durable: what recovery read back at open, then what each successful fdatasync covered. A failed
   * fsync cuts the file back to it (see truncateToDurable).
   */
  durableSizeBytes = 0;
  /** Sealed (rolled past): its reads are CRC-checked, since its bytes come back from the disk, not the page cache. */
  sealed = false;
  /** Times a damaged offset index was found by a lookup and rebuilt from the log. */
  indexRebuilds = 0;
  /** Set once retention or DeleteRecords removed the segment from its log. */
  deleted = false;

  readonly offsetIndex = new OffsetIndex();
  readonly timeIndex = new TimeIndex();
  /** The last batches appended, for tail reads without a scan; dropped when the segment is sealed. */
  private recent: RecentBatches | null = null;
  private bytesSinceIndexEntry = 0;

  private constructor(opts: SegmentOptions) {
    this.baseOffset = opts.baseOffset;
    this.nextOffset = opts.baseOffset;
    this.handles = opts.handles;
    this.logger = opts.logger ?? silentLogger;
    this.indexIntervalBytes = opts.indexIntervalBytes;
    this.logPath = join(opts.dir, segmentFileName(opts.baseOffset, '.log'));
    this.indexPath = join(opts.dir, segmentFileName(opts.baseOffset, '.index'));
    this.timeIndexPath = join(opts.dir, segmentFileName(opts.baseOffset, '.timeindex'));
  }

  /**
   * Creates a new empty segment file. Index files left at the same base by an interrupted deletion are removed first,
   * so a later open cannot mistake them for this segment's.
   */
  static async create(opts: SegmentOptions): Promise<Segment> {
    const segment = new Segment(opts);
    await rm(segment.indexPath, { force: true });
    await rm(segment.timeIndexPath, { force: true });
    await writeFile(segment.logPath, Buffer.alloc(0), { flag: 'w' });
    return segment;
  }

  /**
   * Loads an existing segment. First it tries the indexes persisted beside the log (written only after the log was
   * fsynced, at roll and at close), scanning just the bytes after their last entry; otherwise it scans the whole
   * file. Either way the file is truncated at the first torn or corrupt batch, or a batch whose offsets go backwards.
   * CRCs are checked on the scanned bytes only when `validateCrc`, which recovery asks for on the active segment.
   */
  static async recover(opts: SegmentOptions & { validateCrc: boolean; nowMs: number }): Promise<RecoveredSegment> {
    const logPath = join(opts.dir, segmentFileName(opts.baseOffset, '.log'));
    return opts.handles.withHandle(logPath, async (handle) => {
      const { size, mtimeMs } = await handle.stat();
      if (size > MAX_SEGMENT_POSITION) throw new Error(`segment ${logPath} is larger than 2 GiB`);
      let segment = new Segment(opts);
      let result = await segment.loadIndexes(handle, size, opts.validateCrc, opts.nowMs);
      const indexes = result === 'missing' || result === 'rejected' ? result : 'loaded';
      if (result === 'missing' || result === 'rejected') {
        segment = new Segment(opts);
        result = await segment.scanAll(handle, size, opts.validateCrc, opts.nowMs);
      }
      const truncatedBytes = size - result.endPosition;
      if (truncatedBytes > 0) await handle.truncate(result.endPosition);
      segment.sizeBytes = result.endPosition;
      segment.lastAppendMs = Math.floor(mtimeMs);
      // The active tail may have survived a crash only in the page cache: its first flush syncs it again.
      segment.flushedSizeBytes = opts.validateCrc ? 0 : result.endPosition;
      segment.durableSizeBytes = result.endPosition;
      const problem = truncatedBytes > 0 ? (result.problem ?? 'trailing bytes') : null;
      return { segment, truncatedBytes, problem, indexes };
    });
  }

  private async scanAll(
    handle: FileHandle,
    sizeBytes: number,
    validateCrc: boolean,
    nowMs: number,
  ): Promise<ScanResult> {
    return scanBatches(handle, 0, sizeBytes, { validateCrc }, (batch) => this.trackRecovered(batch, nowMs));
  }

  /** Adds a batch found by recovery, or explains why it cannot follow the batches before it. */
  private trackRecovered(batch: ScannedBatch, nowMs: number): true | string {
    if (batch.baseOffset < this.nextOffset) {
      return `batch offset ${batch.baseOffset} is below the segment's next offset ${this.nextOffset}`;
    }
    if (batch.lastOffset - this.baseOffset > BigInt(MAX_RELATIVE_OFFSET)) return 'relative offset overflow';
    // After a restart the first batch's timestamp stands in for its arrival time, as in Kafka.
    const firstMs = batch.maxTimestamp >= 0n ? Number(batch.maxTimestamp) : nowMs;
    this.track(batch, batch.position, nowMs, firstMs);
    return true;
  }

  /**
   * Adopts the persisted indexes and scans only from their last offset entry to the end of the file. 'missing' or
   * 'rejected' (files absent, torn, out of order, or not matching the file) leave the caller to scan everything with
   * a fresh segment; a torn tail past the indexed prefix is reported like a scan would report it.
   */
  private async loadIndexes(
    handle: FileHandle,
    sizeBytes: number,
    validateCrc: boolean,
    nowMs: number,
  ): Promise<ScanResult | 'missing' | 'rejected'> {
    let offsetBytes: Buffer;
    let timeBytes: Buffer;
    try {
      offsetBytes = await readFile(this.indexPath);
      timeBytes = await readFile(this.timeIndexPath);
    } catch {
      return 'missing';
    }
    if (offsetBytes.length % OFFSET_INDEX_ENTRY_BYTES !== 0 || timeBytes.length % TIME_INDEX_ENTRY_BYTES !== 0) {
      return 'rejected';
    }
    try {
      for (let at = 0; at < offsetBytes.length; at += OFFSET_INDEX_ENTRY_BYTES) {
        const rel = offsetBytes.readInt32BE(at);
        const position = offsetBytes.readInt32BE(at + 4);
        if (rel <= 0 || position <= 0 || position >= sizeBytes) return 'rejected';
        this.offsetIndex.append(rel, position);
      }
      for (let at = 0; at < timeBytes.length; at += TIME_INDEX_ENTRY_BYTES) {
        const rel = timeBytes.readInt32BE(at + 8);
        if (rel < 0) return 'rejected';
        this.timeIndex.append(timeBytes.readBigInt64BE(at), rel);
      }
    } catch {
      return 'rejected'; // entries out of order
    }
    const tailFrom = this.offsetIndex.lastPosition;
    if (this.offsetIndex.length > 0) this.nextOffset = this.baseOffset + BigInt(this.offsetIndex.lastRelOffset);
    if (this.timeIndex.length > 0) {
      this.maxTimestamp = this.timeIndex.lastTimestamp;
      this.maxTimestampOffset = this.baseOffset + BigInt(this.timeIndex.lastRelOffset);
    }
    if (sizeBytes >= BATCH_HEADER_BYTES) {
      const first = await readAt(handle, 0, BATCH_HEADER_BYTES);
      const ts = first.length === BATCH_HEADER_BYTES ? batchMaxTimestamp(first) : -1n;
      this.rollStartMs = ts >= 0n ? Number(ts) : nowMs;
    }
    let firstTail: ScannedBatch | null = null;
    let tail: ScanResult;
    try {
      tail = await scanBatches(handle, tailFrom, sizeBytes, { validateCrc }, (batch) => {
        if (firstTail === null) {
          firstTail = batch;
          // The last index entry must name the batch the tail scan starts at.
          if (this.offsetIndex.length > 0 && batch.baseOffset !== this.nextOffset) return 'index does not match';
        }
        return this.trackRecovered(batch, nowMs);
      });
    } catch {
      return 'rejected'; // the tail contradicts the time index
    }
    // Nothing valid at the indexed position: the index does not describe this file.
    if (this.offsetIndex.length > 0 && tail.endPosition === tailFrom) return 'rejected';
    if (tail.problem !== null && !validateCrc) return 'rejected';
    const lastRel = this.nextOffset - 1n - this.baseOffset;
    if (this.timeIndex.length > 0 && BigInt(this.timeIndex.lastRelOffset) > lastRel) return 'rejected';
    return tail;
  }

  get isEmpty(): boolean {
    return this.sizeBytes === 0;
  }

  relativeOffset(offset: bigint): number {
    const rel = offset - this.baseOffset;
    if (rel < 0n || rel > BigInt(MAX_RELATIVE_OFFSET)) throw new RangeError(`offset ${offset} outside segment`);
    return Number(rel);
  }

  /**
   * Writes whole batches (offsets already assigned) at the end of the file with one writev, then publishes them to
   * readers by advancing sizeBytes and the indexes.
   */
  async append(batches: Buffer[], metas: BatchMeta[], nowMs: number): Promise<void> {
    if (this.deleted) throw new Error('append to a deleted segment');
    if (batches.length !== metas.length || batches.length === 0) throw new Error('append needs one meta per batch');
    if (metas[0].baseOffset < this.nextOffset) throw new Error('offsets must only go up');
    let totalBytes = 0;
    for (const b of batches) totalBytes += b.length;
    if (this.sizeBytes + totalBytes > MAX_SEGMENT_POSITION) throw new Error('segment would exceed 2 GiB');
    const startPosition = this.sizeBytes;
    // A small write (a few records, the low-rate case) costs the event loop more in the thread pool's round trip than
    // the copy into the page cache; big ones stay on the pool, where their copies run beside the event loop.
    const sync = totalBytes <= SYNC_WRITE_MAX_BYTES;
    await this.handles.withHandle(this.logPath, async (handle) => {
      let written = 0;
      let pending = batches;
      while (written < totalBytes) {
        const bytesWritten = sync
          ? writevSync(handle.fd, pending, startPosition + written)
          : (await handle.writev(pending, startPosition + written)).bytesWritten;
        if (bytesWritten <= 0) throw new Error('writev wrote nothing');
        written += bytesWritten;
        if (written < totalBytes) pending = skipBytes(pending, bytesWritten);
      }
    });
    let position = startPosition;
    for (const meta of metas) {
      this.track(meta, position, nowMs, nowMs);
      position += meta.sizeBytes;
    }
    this.sizeBytes = position;
  }

  /** Discards bytes past sizeBytes that a failed write may have left behind. */
  async truncateToSize(): Promise<void> {
    await this.handles.withHandle(this.logPath, (handle) => handle.truncate(this.sizeBytes));
  }

  /**
   * After a failed fsync: cuts the file back to the bytes known durable. The kernel may have dropped the dirty pages
   * past them (and report the next fsync as a success), so they must not outlive this process's view of the log.
   */
  async truncateToDurable(): Promise<void> {
    await this.handles.withHandle(this.logPath, (handle) => handle.truncate(this.durableSizeBytes));
  }

  /** Updates indexes and metadata for a batch at `position`; batches arrive in file order. */
  private track(meta: BatchMeta, position: number, nowMs: number, rollStartMs: number): void {
    if (meta.baseOffset < this.nextOffset) throw new Error('offsets must only go up');
    if (meta.lastOffset < meta.baseOffset) throw new Error('a batch must end at or after its base offset');
    if (this.rollStartMs === null) this.rollStartMs = rollStartMs;
    if (meta.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = meta.maxTimestamp;
      this.maxTimestampOffset = meta.baseOffset;
    }
    if (position > 0 && this.bytesSinceIndexEntry >= this.indexIntervalBytes) {
      this.offsetIndex.append(this.relativeOffset(meta.baseOffset), position);
      this.maybeAppendTimeIndex();
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += meta.sizeBytes;
    (this.recent ??= new RecentBatches()).add(
      this.relativeOffset(meta.baseOffset),
      this.relativeOffset(meta.lastOffset),
      position,
      meta.sizeBytes,
    );
    this.nextOffset = meta.lastOffset + 1n;
    this.lastAppendMs = nowMs;
  }

  private maybeAppendTimeIndex(): void {
    if (this.maxTimestamp > this.timeIndex.lastTimestamp) {
      this.timeIndex.append(this.maxTimestamp, this.relativeOffset(this.maxTimestampOffset));
    }
  }

  private get lookupChunkBytes(): number {
    return Math.min(SCAN_CHUNK_BYTES, Math.max(LOOKUP_CHUNK_MIN_BYTES, this.indexIntervalBytes * 2));
  }

  /**
   * Finds the first batch whose last offset is >= `offset`, scanning from the sparse index entry at or below it,
   * never past `committedBytes`. An index entry that does not name the batch at its position is damaged: the indexes
   * are rebuilt from the log and the lookup is done again. A batch header that fails its checks before the batch is
   * found throws CorruptBatchError: what follows it cannot be located, and skipping it would hide data.
   */
  async findBatchAtOffset(handle: FileHandle, offset: bigint, committedBytes: number): Promise<ScannedBatch | null> {
    const rel = offset <= this.baseOffset ? 0 : Math.min(MAX_RELATIVE_OFFSET, Number(offset - this.baseOffset));
    for (let attempt = 1; ; attempt++) {
      const entry = this.offsetIndex.floorEntry(rel);
      const from = entry?.position ?? 0;
      let found: ScannedBatch | null = null;
      let first = true;
      let indexMismatch = false;
      const scan = await this.lookupScan(handle, from, committedBytes, (batch) => {
        if (first && entry && batch.baseOffset !== this.baseOffset + BigInt(entry.relOffset)) {
          indexMismatch = true;
          return false;
        }
        first = false;
        if (batch.lastOffset < offset) return true;
        found = batch;
        return false;
      });
      if (found) return found;
      const badEntry = indexMismatch || (entry !== null && scan.problem !== null && scan.endPosition === from);
      if (badEntry && attempt === 1) {
        await this.rebuildIndexes(handle, committedBytes);
        continue;
      }
      if (scan.problem !== null) throw new CorruptBatchError(this.logPath, scan.endPosition, scan.problem);
      return null;
    }
  }

  /** Walks batch headers from `from` for a lookup (no CRC: the bytes a lookup finds are checked when read). */
  private lookupScan(handle: FileHandle, from: number, committedBytes: number, visit: ScanVisit): Promise<ScanResult> {
    return scanBatches(handle, from, committedBytes, { validateCrc: false, chunkBytes: this.lookupChunkBytes }, visit);
  }

  /** Rebuilds the offset and time indexes from the batch headers (a lookup found an entry that lies). */
  private async rebuildIndexes(handle: FileHandle, committedBytes: number): Promise<void> {
    const offsets = new OffsetIndex();
    const times = new TimeIndex();
    let maxTimestamp = -1n;
    let maxTimestampOffset = -1n;
    let sinceEntry = 0;
    await scanBatches(handle, 0, committedBytes, { validateCrc: false }, (batch) => {
      if (batch.position > 0 && sinceEntry >= this.indexIntervalBytes) {
        offsets.append(Number(batch.baseOffset - this.baseOffset), batch.position);
        if (maxTimestamp > times.lastTimestamp)
          times.append(maxTimestamp, Number(maxTimestampOffset - this.baseOffset));
        sinceEntry = 0;
      }
      if (batch.maxTimestamp > maxTimestamp) {
        maxTimestamp = batch.maxTimestamp;
        maxTimestampOffset = batch.baseOffset;
      }
      sinceEntry += batch.sizeBytes;
      return true;
    });
    this.offsetIndex.replaceWith(offsets);
    this.timeIndex.replaceWith(times);
    this.indexRebuilds += 1;
    this.logger.warn(
      { segment: this.logPath, entries: offsets.length },
      'an offset index entry did not match the log: indexes rebuilt from the log',
    );
    if (this.sealed) {
      await this.persistIndexes().catch((err) =>
        this.logger.warn({ segment: this.logPath, err: (err as Error).message }, 'could not rewrite the indexes'),
      );
    }
  }

  /** First batch (from the start, using the time index) whose max timestamp is >= `timestamp`. */
  async findBatchAtTimestamp(
    handle: FileHandle,
    timestamp: bigint,
    minOffset: bigint,
    committedBytes: number,
  ): Promise<ScannedBatch | null> {
    const startRel = this.timeIndex.scanStartFor(timestamp);
    const minRel =
      minOffset <= this.baseOffset ? 0 : Math.min(MAX_RELATIVE_OFFSET, Number(minOffset - this.baseOffset));
    const from = this.offsetIndex.floorPosition(Math.max(startRel, minRel));
    let found: ScannedBatch | null = null;
    const scan = await this.lookupScan(handle, from, committedBytes, (batch) => {
      if (batch.lastOffset < minOffset || batch.maxTimestamp < timestamp) return true;
      found = batch;
      return false;
    });
    if (!found && scan.problem !== null) throw new CorruptBatchError(this.logPath, scan.endPosition, scan.problem);
    return found;
  }

  /**
   * Reads whole batches starting at the batch containing `offset`, at most `maxBytes` unless the first batch alone is
   * larger and `minOneBatch` is set (KIP-74). Returns null when the segment holds nothing at or after `offset`;
   * `reachedEnd` says whether the bytes run to the segment's end, so a caller may go on to the next segment.
   */
  async read(offset: bigint, maxBytes: number, minOneBatch: boolean): Promise<SegmentRead | null> {
    const committedBytes = this.sizeBytes;
    // A consumer at the tail: its batch is one of the last appended, no scan needed (looked up now, while
    // `committedBytes` still describes what the remembered batches cover).
    const recent =
      this.recent && offset >= this.baseOffset && offset < this.nextOffset
        ? this.recent.find(this.relativeOffset(offset))
        : null;
    const hot = Date.now() - this.lastAppendMs < HOT_TAIL_MS;
    return this.handles.withHandle(this.logPath, async (handle) => {
      const first = recent ?? (await this.findBatchAtOffset(handle, offset, committedBytes));
      if (!first) return null;
      // Bytes written moments ago are in the page cache: a synchronous read of a few of them costs about a
      // microsecond, the thread pool's round trip twenty times that.
      const readTail = (position: number, length: number) =>
        hot && length <= HOT_READ_MAX_BYTES && committedBytes - position <= HOT_TAIL_BYTES
          ? readWholeSync(handle, position, length)
          : readWhole(handle, position, length);
      if (first.sizeBytes > maxBytes) {
        if (!minOneBatch) return { bytes: Buffer.alloc(0), reachedEnd: false };
        const bytes = await readTail(first.position, first.sizeBytes);
        return this.checked(bytes, first.position, committedBytes);
      }
      const want = Math.min(maxBytes, committedBytes - first.position);
      const buf = await readTail(first.position, want);
      return this.checked(buf.subarray(0, wholeBatchesPrefix(buf)), first.position, committedBytes);
    });
  }

  /**
   * A sealed segment's whole batches read back from the disk, cut before the first one that fails its checks (CRC-32C,
   * magic, offsets inside this segment and rising): a corrupt batch first throws CorruptBatchError, a later one ends
   * the read there. The active segment's bytes were checked on the way in and are read from the page cache.
   */
  private checked(bytes: Buffer, position: number, committedBytes: number): SegmentRead {
    if (this.sealed && bytes.length > 0) {
      const { validBytes, problem } = validBatchesPrefix(bytes, this.baseOffset, this.nextOffset);
      if (problem !== null) {
        if (validBytes === 0) throw new CorruptBatchError(this.logPath, position, problem);
        return { bytes: bytes.subarray(0, validBytes), reachedEnd: false };
      }
    }
    return { bytes, reachedEnd: position + bytes.length === committedBytes };
  }

  /**
   * Reads the whole segment back and checks every batch's CRC-32C, a window of `windowBytes` at a time with `pace`
   * awaited after each (throttling). Returns the first problem (with its byte position), or null.
   */
  async scrub(
    handle: FileHandle,
    windowBytes: number,
    pace: (bytes: number) => Promise<void>,
  ): Promise<{ position: number; problem: string } | null> {
    const committedBytes = this.sizeBytes;
    let position = 0;
    while (position < committedBytes) {
      const windowEnd = position + windowBytes;
      const scan = await scanBatches(handle, position, committedBytes, { validateCrc: true }, (batch) => {
        return batch.position === position || batch.position < windowEnd;
      });
      if (scan.problem !== null) return { position: scan.endPosition, problem: scan.problem };
      await pace(scan.endPosition - position);
      position = scan.endPosition;
    }
    return null;
  }

  /** fdatasyncs the log if anything was written since the last sync; returns whether it synced. */
  async flush(): Promise<boolean> {
    const target = this.sizeBytes;
    if (target <= this.flushedSizeBytes) return false;
    await this.handles.withHandle(this.logPath, (handle) => handle.datasync());
    if (target > this.flushedSizeBytes) this.flushedSizeBytes = target;
    if (target > this.durableSizeBytes) this.durableSizeBytes = target;
    return true;
  }

  /** Writes both indexes beside the log (Kafka layout); they are hints, rebuilt by recovery when in doubt. */
  async persistIndexes(): Promise<void> {
    this.maybeAppendTimeIndex();
    await writeFileAtomic(this.indexPath, this.offsetIndex.toBuffer());
    await writeFileAtomic(this.timeIndexPath, this.timeIndex.toBuffer());
  }

  /** Marks the segment deleted, forgets its handle (closed once idle) and unlinks its files. */
  async deleteFiles(): Promise<void> {
    this.deleted = true;
    await rm(this.logPath, { force: true });
    await rm(this.indexPath, { force: true });
    await rm(this.timeIndexPath, { force: true });
    await this.handles.evict(this.logPath);
  }

  /** No more appends will come (the log rolled past it): forget the recent batches, only the active one needs them. */
  seal(): void {
    this.recent = null;
    this.sealed = true;
  }

  /** Closes the cached handle (the segment stays on disk). */
  async closeHandle(): Promise<void> {
    await this.handles.evict(this.logPath);
  }
}

/** tmp + fsync + rename, so a reader finds the old file or the whole new one, never a torn one. */
async function writeFileAtomic(path: string, data: Buffer): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, data, { flush: true });
  await rename(tmp, path);
}

/** readWhole for hot tail bytes, on the event loop: see Segment.read. The buffer is from the read pool. */
function readWholeSync(handle: FileHandle, position: number, length: number): Buffer {
  const buf = readBufferPool.allocate(length);
  let filled = 0;
  while (filled < length) {
    const n = readSync(handle.fd, buf, filled, length - filled, position + filled);
    if (n === 0) throw new Error(`segment shorter than its committed size at ${position}`);
    filled += n;
  }
  return buf;
}

/** Reads exactly `length` bytes for a Fetch into a buffer from the read pool (released once the response is sent). */
async function readWhole(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = await readAt(handle, position, length, readBufferPool.allocate(length));
  if (buf.length < length) throw new Error(`segment shorter than its committed size at ${position}`);
  return buf;
}

/**
 * Checks the whole batches of `buf` (read from a segment based at `baseOffset` whose next offset is `nextOffset`):
 * the length of the prefix that passes, and what is wrong with the batch after it (null: all passed).
 */
export function validBatchesPrefix(
  buf: Buffer,
  baseOffset: bigint,
  nextOffset: bigint,
): { validBytes: number; problem: string | null } {
  let at = 0;
  let previousLast = baseOffset - 1n;
  while (at < buf.length) {
    const size = batchSizeAt(buf, at);
    if (size < BATCH_HEADER_BYTES || at + size > buf.length) return { validBytes: at, problem: 'torn batch' };
    const problem = batchProblem(buf.subarray(at, at + size), previousLast, nextOffset);
    if (problem !== null) return { validBytes: at, problem };
    previousLast = batchBaseOffset(buf, at) + BigInt(batchLastOffsetDelta(buf, at));
    at += size;
  }
  return { validBytes: at, problem: null };
}

/** What is wrong with one whole stored batch, or null; its offsets must lie in (previousLast, nextOffset). */
export function batchProblem(batch: Buffer, previousLast: bigint, nextOffset: bigint): string | null {
  const magic = batchMagic(batch);
  if (magic !== 2) return `batch magic ${magic}`;
  if (!batchCrcIsValid(batch, fastCrc32c)) return 'batch CRC mismatch';
  const lastOffsetDelta = batchLastOffsetDelta(batch);
  const base = batchBaseOffset(batch);
  if (lastOffsetDelta < 0 || base <= previousLast || base + BigInt(lastOffsetDelta) >= nextOffset) {
    return `batch offsets ${base}..${base + BigInt(lastOffsetDelta)} out of order`;
  }
  return null;
}

/** Length of the longest prefix of `buf` made of whole batches. */
function wholeBatchesPrefix(buf: Buffer): number {
  let at = 0;
  for (;;) {
    const size = batchSizeAt(buf, at);
    // An incomplete header (-1) and a corrupt length are both below a header's size.
    if (size < BATCH_HEADER_BYTES || at + size > buf.length) break;
    at += size;
  }
  return at;
}

/** The buffers left after skipping the first `count` bytes (for a partial writev). */
function skipBytes(buffers: Buffer[], count: number): Buffer[] {
  const out: Buffer[] = [];
  let toSkip = count;
  for (const b of buffers) {
    if (toSkip >= b.length) {
      toSkip -= b.length;
      continue;
    }
    out.push(toSkip > 0 ? b.subarray(toSkip) : b);
    toSkip = 0;
  }
  return out;
}
