/**
 * The log cleaner for `cleanup.policy=compact` topics (Kafka's LogCleaner, one thread): it keeps the latest record
 * per key in a partition's sealed segments, never the active one, and removes tombstones `delete.retention.ms` after
 * the clean that first saw them. Offsets never move: a rewritten batch keeps its base offset, offset deltas and
 * producer sequence range. Each segment is rewritten to a new file, fsynced and swapped in by renames (see
 * PartitionLog.replaceSegment), so a crash at any point leaves the old or the new segment, never half of one.
 *
 * Per partition the cleaner keeps `cleaner-checkpoint.json`: how far the log has been cleaned (`cleanedUpTo`) and
 * when each clean ended, so a tombstone's first clean time is known. The dirty part is [cleanedUpTo, first segment
 * younger than min.compaction.lag.ms or the active segment); a partition is cleaned when its dirty ratio (dirty
 * bytes / cleanable bytes) reaches min.cleanable.dirty.ratio, or when dirty data is older than max.compaction.lag.ms.
 *
 * Kept intact, never lost: transactional batches and control batches (their keys do not enter the key map either, so
 * an aborted record can never hide a committed one; cleaning markers and aborted records as Kafka does needs the
 * transaction index and is for the transactions work), batches compressed with a codec Node cannot decode (snappy,
 * lz4), and records without a key (written before the topic became compacted).
 */
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BATCH_HEADER_BYTES, batchLastOffsetDelta, batchProducerId, batchRecordCount } from '@samsa/protocol';
import { batchPayload, isTransactionalBatch, type RawRecord, rawRecords, rebuildBatch } from './batch-records.ts';
import { KeyOffsetMap } from './key-offset-map.ts';
import type { LogLogger } from './logger.ts';
import type { PartitionLog } from './partition-log.ts';
import { scanBatches, type Segment } from './segment.ts';

export const CLEANER_CHECKPOINT_FILE = 'cleaner-checkpoint.json';
/** Bound on remembered clean passes per partition; older ones merge (keeping tombstones longer, never shorter). */
const MAX_CLEAN_PASSES = 32;
/** The cleaner reads (and writes) about this much between two yields to the event loop and the throttle. */
const STEP_BYTES = 1024 * 1024;
/** The test-only crash hook: `SAMSA_TEST_CLEANER_CRASH_AT=<step>` SIGKILLs the process at that step of a clean. */
export const CLEANER_CRASH_STEPS = ['writing', 'cleaned', 'swap', 'indexes-removed', 'replaced'] as const;

export interface CleanerOptions {
  /** The key map's memory budget (log.cleaner.dedupe.buffer.size). */
  dedupeBufferBytes: number;
  /** Reads plus writes per second, all partitions together (log.cleaner.io.max.bytes.per.second). */
  ioMaxBytesPerSecond: number;
  logger: LogLogger;
  nowMs?: () => number;
  /** The step at which to SIGKILL this process (tests only). */
  crashAt?: string;
}

interface CleanPass {
  endOffset: string;
  atMs: number;
}

interface CleanerCheckpoint {
  cleanedUpTo: string;
  passes: CleanPass[];
  /** When the oldest tombstone kept by the last clean may go: a clean is due then even without new dirty data. */
  tombstonesDueMs?: number | null;
}

/** What the cleaner knows about a partition, for metrics and the console. */
export interface CleanerStats {
  dirtyRatio: number;
  cleanedBytesTotal: number;
  lastCleanMs: number | null;
  /** The last clean that rewrote segments (since the broker started): how long it took, the rewritten bytes. */
  lastClean?: LastClean;
}

export interface LastClean {
  endedAtMs: number;
  durationMs: number;
  /** Bytes of the segments it rewrote, before and after. */
  bytesBefore: number;
  bytesAfter: number;
}

export interface CleanResult {
  cleaned: boolean;
  bytesRead: number;
  bytesWritten: number;
  segmentsRewritten: number;
}

/** Where the partition stands: the cleanable segments, the dirty bytes among them, and whether to clean now. */
export interface CleanPlan {
  cleanable: Segment[];
  dirty: Segment[];
  dirtyRatio: number;
  due: boolean;
}

export class LogCleaner {
  private readonly opts: CleanerOptions;
  private readonly nowMs: () => number;
  private readonly stats = new WeakMap<PartitionLog, CleanerStats>();
  /** Token bucket of the I/O throttle: when the current window started and the bytes spent in it. */
  private windowStartMs = 0;
  private windowBytes = 0;

  constructor(opts: CleanerOptions) {
    this.opts = opts;
    this.nowMs = opts.nowMs ?? Date.now;
  }

  statsFor(log: PartitionLog): CleanerStats | undefined {
    return this.stats.get(log);
  }

  /** Decides whether the partition needs a clean, from its segments and checkpoint. */
  async plan(log: PartitionLog): Promise<CleanPlan> {
    const config = log.currentConfig;
    const nowMs = this.nowMs();
    const minLagMs = config.minCompactionLagMs ?? 0;
    const checkpoint = await readCleanerCheckpoint(log.dir);
    const cleanedUpTo = BigInt(checkpoint.cleanedUpTo);
    const cleanable: Segment[] = [];
    for (const s of log.sealedSegments()) {
      const newestMs = s.maxTimestamp >= 0n ? Number(s.maxTimestamp) : s.lastAppendMs;
      if (newestMs > nowMs - minLagMs) break;
      cleanable.push(s);
    }
    const dirty = cleanable.filter((s) => s.nextOffset > cleanedUpTo && s.sizeBytes > 0);
    let cleanableBytes = 0;
    let dirtyBytes = 0;
    for (const s of cleanable) cleanableBytes += s.sizeBytes;
    for (const s of dirty) dirtyBytes += s.sizeBytes;
    const dirtyRatio = cleanableBytes === 0 ? 0 : dirtyBytes / cleanableBytes;
    const firstDirtyMs = dirty.length > 0 ? (dirty[0].rollStartMs ?? dirty[0].lastAppendMs) : nowMs;
    const overdue = dirty.length > 0 && nowMs - firstDirtyMs > (config.maxCompactionLagMs ?? Number.MAX_VALUE);
    const tombstonesDue = checkpoint.tombstonesDueMs != null && checkpoint.tombstonesDueMs <= nowMs;
    const due =
      config.cleanupPolicy?.compact === true &&
      ((dirty.length > 0 && (dirtyRatio >= (config.minCleanableDirtyRatio ?? 0.5) || overdue)) || tombstonesDue);
    const prev = this.stats.get(log);
    this.stats.set(log, {
      dirtyRatio,
      cleanedBytesTotal: prev?.cleanedBytesTotal ?? 0,
      lastCleanMs: prev?.lastCleanMs ?? null,
      lastClean: prev?.lastClean,
    });
    return { cleanable, dirty, dirtyRatio, due };
  }

  /** One clean of the partition if it is due; the work yields to the event loop between reads and writes. */
  async clean(log: PartitionLog): Promise<CleanResult> {
    const none: CleanResult = { cleaned: false, bytesRead: 0, bytesWritten: 0, segmentsRewritten: 0 };
    const plan = await this.plan(log);
    if (!plan.due) return none;
    const config = log.currentConfig;
    const nowMs = this.nowMs();
    const checkpoint = await readCleanerCheckpoint(log.dir);
    const previouslyCleanedUpTo = BigInt(checkpoint.cleanedUpTo);

    // 1. The key map over the dirty segments: each key's latest offset, until the map's budget is full.
    let expectedKeys = 0;
    for (const s of plan.dirty) expectedKeys += Number(s.nextOffset - s.baseOffset);
    const map = new KeyOffsetMap(this.opts.dedupeBufferBytes, expectedKeys);
    let mapEnd = previouslyCleanedUpTo;
    let bytesRead = 0;
    for (const segment of plan.dirty) {
      let stop = false;
      await this.forEachBatch(segment, (batch, base, recordCount) => {
        bytesRead += batch.length;
        const last = base + BigInt(batchLastOffsetDelta(batch));
        if (last < previouslyCleanedUpTo) return true;
        if (map.size + recordCount > map.maxEntries) {
          stop = true;
          return false;
        }
        if (!isTransactionalBatch(batch)) {
          const payload = batchPayload(batch);
          if (payload !== null) {
            for (const r of rawRecords(payload, recordCount)) {
              if (r.key !== null) map.put(KeyOffsetMap.hash(r.key), Number(base) + r.offsetDelta);
            }
          }
        }
        mapEnd = last + 1n;
        return true;
      });
      if (stop) break;
    }
    if (mapEnd <= previouslyCleanedUpTo && plan.dirty.length > 0) {
      this.opts.logger.warn(
        { dir: log.dir, dedupeBufferBytes: this.opts.dedupeBufferBytes },
        'log cleaner: one batch has more keys than the key map holds; raise --log-cleaner-dedupe-buffer-bytes',
      );
      return none;
    }

    // 2. The last batch of each producer among the segments to rewrite, kept (emptied if need be) so a restart can
    //    still rebuild the producer's sequence state from the log, as Kafka keeps it.
    const toRewrite = plan.cleanable.filter((s) => s.baseOffset < mapEnd && s.sizeBytes > 0);
    if (toRewrite.length === 0) return none;
    const lastBatchOfProducer = new Map<bigint, bigint>();
    for (const segment of toRewrite) {
      await this.forEachBatch(segment, (batch, base) => {
        const producerId = batchProducerId(batch);
        if (producerId >= 0n) lastBatchOfProducer.set(producerId, base);
        return true;
      });
    }

    // 3. Rewrite each segment, keeping the latest record per key, and swap it in.
    const deleteRetentionMs = config.deleteRetentionMs ?? 86_400_000;
    const firstCleanMs = (offset: bigint): number | null => {
      for (const p of checkpoint.passes) if (offset < BigInt(p.endOffset)) return p.atMs;
      return null;
    };
    let tombstonesDueMs: number | null = null;
    const keep = (r: RawRecord, offset: bigint): boolean => {
      if (r.key === null) return true;
      const latest = map.get(KeyOffsetMap.hash(r.key));
      if (latest >= 0 && latest > Number(offset)) return false;
      if (r.valueNull) {
        // A tombstone goes delete.retention.ms after the clean that first saw it (this one, if it is new).
        const dueMs = (offset < previouslyCleanedUpTo ? (firstCleanMs(offset) ?? nowMs) : nowMs) + deleteRetentionMs;
        if (dueMs <= nowMs) return false;
        if (tombstonesDueMs === null || dueMs < tombstonesDueMs) tombstonesDueMs = dueMs;
      }
      return true;
    };
    let bytesWritten = 0;
    let bytesBefore = 0;
    let segmentsRewritten = 0;
    for (const segment of toRewrite) {
      const sizeBefore = segment.sizeBytes;
      bytesRead += sizeBefore;
      const written = await this.rewriteSegment(segment, keep, lastBatchOfProducer);
      if (written === null) continue;
      if (!(await log.replaceSegment(segment, (step) => this.crashPoint(step)))) return none;
      bytesBefore += sizeBefore;
      bytesWritten += written;
      segmentsRewritten += 1;
    }

    const passes =
      mapEnd > previouslyCleanedUpTo
        ? [...checkpoint.passes, { endOffset: mapEnd.toString(), atMs: nowMs }]
        : [...checkpoint.passes];
    while (passes.length > MAX_CLEAN_PASSES) {
      // Merge the two oldest: the later time stands for both, so their tombstones live a little longer.
      const [a, b] = passes.splice(0, 2);
      passes.unshift({ endOffset: b.endOffset, atMs: Math.max(a.atMs, b.atMs) });
    }
    await writeCleanerCheckpoint(log.dir, { cleanedUpTo: mapEnd.toString(), passes, tombstonesDueMs });
    const prev = this.stats.get(log);
    this.stats.set(log, {
      dirtyRatio: prev?.dirtyRatio ?? 0,
      cleanedBytesTotal: (prev?.cleanedBytesTotal ?? 0) + bytesRead,
      lastCleanMs: this.nowMs(),
      lastClean: { endedAtMs: this.nowMs(), durationMs: this.nowMs() - nowMs, bytesBefore, bytesAfter: bytesWritten },
    });
    await this.plan(log); // refresh the dirty ratio
    this.opts.logger.info(
      { dir: log.dir, cleanedUpTo: mapEnd, keys: map.size, bytesRead, bytesWritten, segmentsRewritten },
      'log cleaner: partition cleaned',
    );
    return { cleaned: true, bytesRead, bytesWritten, segmentsRewritten };
  }

  /**
   * Streams the kept batches of `segment` to `<log>.cleaned` and fsyncs it. Returns the bytes written, or null when
   * nothing changed (the copy is removed then).
   */
  private async rewriteSegment(
    segment: Segment,
    keep: (r: RawRecord, offset: bigint) => boolean,
    lastBatchOfProducer: Map<bigint, bigint>,
  ): Promise<number | null> {
    const cleanedPath = `${segment.logPath}.cleaned`;
    const handle = await open(cleanedPath, 'w');
    let changed = false;
    let written = 0;
    let out: Buffer[] = [];
    try {
      const writeOut = async (bytesRead: number) => {
        let bytes = 0;
        for (const b of out) bytes += b.length;
        if (bytes > 0) await handle.writev(out);
        out = [];
        written += bytes;
        await this.throttle(bytesRead + bytes);
        if (written > 0) this.crashPoint('writing');
      };
      await this.forEachBatch(
        segment,
        (batch, base, recordCount) => {
          const payload = isTransactionalBatch(batch) ? null : batchPayload(batch);
          if (payload === null) {
            out.push(batch);
            return true;
          }
          const records = rawRecords(payload, recordCount);
          const kept = records.filter((r) => keep(r, base + BigInt(r.offsetDelta)));
          if (kept.length === records.length) {
            out.push(batch);
            return true;
          }
          changed = true;
          const producerId = batchProducerId(batch);
          if (kept.length > 0 || (producerId >= 0n && lastBatchOfProducer.get(producerId) === base)) {
            out.push(rebuildBatch(batch, kept));
          }
          return true;
        },
        writeOut,
      );
      if (changed) await handle.sync();
    } catch (err) {
      await handle.close().catch(() => undefined);
      await rm(cleanedPath, { force: true });
      throw err;
    }
    await handle.close();
    if (!changed) {
      await rm(cleanedPath, { force: true });
      return null;
    }
    return written;
  }

  /**
   * Visits each stored batch (CRC-checked) with its base offset and record count, reading about a MiB at a time and
   * awaiting `pause(bytesRead)` after each MiB and at the end; `false` from the visitor stops.
   */
  private async forEachBatch(
    segment: Segment,
    visit: (batch: Buffer, baseOffset: bigint, recordCount: number) => boolean,
    pause: (bytesRead: number) => Promise<void> = (bytes) => this.throttle(bytes),
  ): Promise<void> {
    const committedBytes = segment.sizeBytes;
    const fh = await open(segment.logPath, 'r');
    try {
      let from = 0;
      while (from < committedBytes) {
        let seen = 0;
        let stopped = false;
        const result = await scanBatches(fh, from, committedBytes, { validateCrc: true }, (meta, bytes) => {
          if (seen >= STEP_BYTES) return false;
          if (bytes === null) return 'no bytes';
          seen += meta.sizeBytes;
          const recordCount = bytes.length > BATCH_HEADER_BYTES ? batchRecordCount(bytes) : 0;
          if (visit(bytes, meta.baseOffset, recordCount)) return true;
          stopped = true;
          return false;
        });
        if (result.problem !== null) {
          throw new Error(`log cleaner cannot read ${segment.logPath} at ${result.endPosition}: ${result.problem}`);
        }
        await pause(seen);
        if (stopped) return;
        from = result.endPosition;
      }
    } finally {
      await fh.close();
    }
  }

  /** Sleeps as long as needed to keep the cleaner's I/O under its bytes-per-second budget. */
  private async throttle(bytes: number): Promise<void> {
    const now = this.nowMs();
    if (now - this.windowStartMs > 1_000) {
      this.windowStartMs = now;
      this.windowBytes = 0;
    }
    this.windowBytes += bytes;
    const earliestMs = this.windowStartMs + (this.windowBytes / this.opts.ioMaxBytesPerSecond) * 1_000;
    const waitMs = Math.ceil(earliestMs - now);
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
    else await new Promise((r) => setImmediate(r));
  }

  private crashPoint(step: string): void {
    if (this.opts.crashAt === step) {
      this.opts.logger.warn({ step }, 'log cleaner: SAMSA_TEST_CLEANER_CRASH_AT reached; killing the process');
      process.kill(process.pid, 'SIGKILL');
    }
  }
}

async function readCleanerCheckpoint(dir: string): Promise<CleanerCheckpoint> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, CLEANER_CHECKPOINT_FILE), 'utf8')) as CleanerCheckpoint;
    if (typeof parsed.cleanedUpTo === 'string' && /^\d+$/.test(parsed.cleanedUpTo) && Array.isArray(parsed.passes)) {
      return parsed;
    }
  } catch {
    // missing or unreadable: the whole log is dirty, which only costs a clean
  }
  return { cleanedUpTo: '0', passes: [] };
}

async function writeCleanerCheckpoint(dir: string, checkpoint: CleanerCheckpoint): Promise<void> {
  const path = join(dir, CLEANER_CHECKPOINT_FILE);
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(checkpoint), { flush: true });
  await rename(tmp, path);
}
