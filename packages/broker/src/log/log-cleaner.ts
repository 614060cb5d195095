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
 * Transactions are cleaned as Kafka does: nothing at or past the last stable offset is touched (a segment reaching it
 * is not cleanable); records of aborted transactions (the partition's aborted index) are removed and never enter the
 * key map; committed transactional records are compacted like any others; a commit or abort marker stays while data
 * of its transaction remains before it, and once alone it gets a delete horizon (now + delete.retention.ms, written
 * in the batch as Kafka's KIP-534 does) and goes at the first clean after that. A producer's last batch, data or
 * marker, stays (emptied if need be) so its sequence and epoch are still known after a restart. Compressed batches
 * are rewritten in their own codec (gzip, snappy, lz4, zstd). Records without a key (written before the topic became
 * compacted) stay.
 */
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BATCH_HEADER_BYTES, batchLastOffsetDelta, batchProducerId, batchRecordCount } from '@samsa/protocol';
import {
  batchPayload,
  deleteHorizonMs,
  isControlBatch,
  isTransactionalBatch,
  markerType,
  type RawRecord,
  rawRecords,
  rebuildBatch,
  withDeleteHorizon,
} from './batch-records.ts';
import { CleanedTransactions, type CleanerTxnView } from './cleaned-transactions.ts';
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

  /**
   * Decides whether the partition needs a clean, from its segments and checkpoint; with `txns`, segments reaching the
   * last stable offset are not cleanable.
   */
  async plan(log: PartitionLog, txns?: CleanerTxnView): Promise<CleanPlan> {
    const config = log.currentConfig;
    const nowMs = this.nowMs();
    const minLagMs = config.minCompactionLagMs ?? 0;
    const checkpoint = await readCleanerCheckpoint(log.dir);
    const cleanedUpTo = BigInt(checkpoint.cleanedUpTo);
    const cleanable: Segment[] = [];
    const lastStableOffset = txns?.lastStableOffset ?? log.logEndOffset;
    for (const s of log.sealedSegments()) {
      if (s.nextOffset > lastStableOffset) break;
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

  /**
   * One clean of the partition if it is due; the work yields to the event loop between reads and writes. `txns` is
   * the partition's transaction state (last stable offset, aborted index); without it no transaction is known.
   */
  async clean(log: PartitionLog, txns?: CleanerTxnView): Promise<CleanResult> {
    const none: CleanResult = { cleaned: false, bytesRead: 0, bytesWritten: 0, segmentsRewritten: 0 };
    const plan = await this.plan(log, txns);
    if (!plan.due) return none;
    const config = log.currentConfig;
    const nowMs = this.nowMs();
    const checkpoint = await readCleanerCheckpoint(log.dir);
    const previouslyCleanedUpTo = BigInt(checkpoint.cleanedUpTo);
    const cleanableEnd = plan.cleanable.at(-1)?.nextOffset ?? 0n;
    const abortedIn = (from: bigint) => new CleanedTransactions(txns?.abortedTransactions(from, cleanableEnd) ?? []);

    // 1. The key map over the dirty segments: each key's latest offset, until the map's budget is full. Records of
    //    aborted transactions and markers stay out of it.
    let expectedKeys = 0;
    for (const s of plan.dirty) expectedKeys += Number(s.nextOffset - s.baseOffset);
    const map = new KeyOffsetMap(this.opts.dedupeBufferBytes, expectedKeys);
    const mapTxns = abortedIn(plan.dirty[0]?.baseOffset ?? 0n);
    let mapEnd = previouslyCleanedUpTo;
    let bytesRead = 0;
    for (const segment of plan.dirty) {
      let stop = false;
      await this.forEachBatch(segment, (batch, base, recordCount) => {
        bytesRead += batch.length;
        const last = base + BigInt(batchLastOffsetDelta(batch));
        const producerId = batchProducerId(batch);
        if (isControlBatch(batch)) {
          mapTxns.onControlBatch(markerType(batch), producerId, last);
          if (last >= previouslyCleanedUpTo) mapEnd = last + 1n;
          return true;
        }
        if (last < previouslyCleanedUpTo) {
          mapTxns.onDataBatch(isTransactionalBatch(batch), producerId, last);
          return true;
        }
        if (map.size + recordCount > map.maxEntries) {
          stop = true;
          return false;
        }
        const aborted = mapTxns.onDataBatch(isTransactionalBatch(batch), producerId, last);
        const payload = aborted ? null : batchPayload(batch);
        if (payload !== null) {
          for (const r of rawRecords(payload, recordCount)) {
            if (r.key !== null) map.put(KeyOffsetMap.hash(r.key), Number(base) + r.offsetDelta);
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

    // 2. The last batch (data or marker) of each producer among the segments to rewrite, kept (emptied if need be)
    //    so a restart can still rebuild the producer's sequence and epoch from the log, as Kafka keeps it.
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
    const dueAt = (ms: number) => {
      if (tombstonesDueMs === null || ms < tombstonesDueMs) tombstonesDueMs = ms;
    };
    const keep = (r: RawRecord, offset: bigint): boolean => {
      if (r.key === null) return true;
      const latest = map.get(KeyOffsetMap.hash(r.key));
      if (latest >= 0 && latest > Number(offset)) return false;
      if (r.valueNull) {
        // A tombstone goes delete.retention.ms after the clean that first saw it (this one, if it is new).
        const dueMs = (offset < previouslyCleanedUpTo ? (firstCleanMs(offset) ?? nowMs) : nowMs) + deleteRetentionMs;
        if (dueMs <= nowMs) return false;
        dueAt(dueMs);
      }
      return true;
    };
    const decide = cleanDecisions({
      txns: abortedIn(toRewrite[0]!.baseOffset),
      keep,
      lastBatchOfProducer,
      nowMs,
      deleteRetentionMs,
      dueAt,
    });
    let bytesWritten = 0;
    let bytesBefore = 0;
    let segmentsRewritten = 0;
    for (const segment of toRewrite) {
      const sizeBefore = segment.sizeBytes;
      bytesRead += sizeBefore;
      const written = await this.rewriteSegment(segment, decide.batch);
      const removedAborts = decide.takeRemovedAbortMarkers();
      if (written === null) continue;
      // Forgotten before the swap: a crash in between leaves a marker with no data and no index entry, harmless.
      if (removedAborts.length > 0) await txns?.forgetAborted(removedAborts);
      if (!(await log.replaceSegment(segment, (step) => this.crashPoint(step)))) return none;
      bytesBefore += sizeBefore;
      bytesWritten += written;
      segmentsRewritten += 1;
    }
    // Markers kept only for data this clean removed are alone now: the next pass gives them their delete horizon.
    if (decide.markersFreed()) dueAt(nowMs);

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
    await this.plan(log, txns); // refresh the dirty ratio
    this.opts.logger.info(
      { dir: log.dir, cleanedUpTo: mapEnd, keys: map.size, bytesRead, bytesWritten, segmentsRewritten },
      'log cleaner: partition cleaned',
    );
    return { cleaned: true, bytesRead, bytesWritten, segmentsRewritten };
  }

  /**
   * Streams the batches `decide` keeps (as it returns them) of `segment` to `<log>.cleaned` and fsyncs it. Returns
   * the bytes written, or null when nothing changed (the copy is removed then).
   */
  private async rewriteSegment(
    segment: Segment,
    decide: (batch: Buffer, base: bigint, recordCount: number) => Buffer | null,
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
          const kept = decide(batch, base, recordCount);
          if (kept !== batch) changed = true;
          if (kept !== null) out.push(kept);
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

interface DecisionInputs {
  /** The transaction walk, from the first segment rewritten. */
  txns: CleanedTransactions;
  /** Whether a record of a data batch not aborted stays (the latest of its key, a tombstone within retention). */
  keep: (r: RawRecord, offset: bigint) => boolean;
  lastBatchOfProducer: Map<bigint, bigint>;
  nowMs: number;
  deleteRetentionMs: number;
  /** Notes when a kept tombstone or marker may go, so a clean is due then. */
  dueAt: (ms: number) => void;
}

/**
 * What the rewrite keeps of each batch, in offset order (Kafka's LogCleaner filter): the batch itself (unchanged),
 * a rebuilt copy, or null (removed). `markersFreed` tells whether this walk removed transactional data whose marker
 * it kept, so the next clean finds the marker alone.
 */
function cleanDecisions(inputs: DecisionInputs): {
  batch: (batch: Buffer, base: bigint, recordCount: number) => Buffer | null;
  markersFreed: () => boolean;
  /** The abort markers removed since the last call (the segment just rewritten). */
  takeRemovedAbortMarkers: () => { producerId: bigint; markerOffset: bigint }[];
} {
  const { txns, keep, lastBatchOfProducer, nowMs, deleteRetentionMs, dueAt } = inputs;
  let removedTxnData = false;
  let removedAborts: { producerId: bigint; markerOffset: bigint }[] = [];
  const batch = (b: Buffer, base: bigint, recordCount: number): Buffer | null => {
    const producerId = batchProducerId(b);
    const last = base + BigInt(batchLastOffsetDelta(b));
    const producersLast = producerId >= 0n && lastBatchOfProducer.get(producerId) === base;
    if (isControlBatch(b)) {
      const type = markerType(b);
      const alone = txns.onControlBatch(type, producerId, last);
      if (!alone) return b;
      const horizonMs = deleteHorizonMs(b);
      if (horizonMs === null) {
        // First found alone: it stays delete.retention.ms more, for readers that saw its transaction's data.
        dueAt(nowMs + deleteRetentionMs);
        return withDeleteHorizon(b, nowMs + deleteRetentionMs);
      }
      if (horizonMs > nowMs) {
        dueAt(horizonMs);
        return b;
      }
      if (type === 'abort') removedAborts.push({ producerId, markerOffset: base });
      if (producersLast) return recordCount === 0 ? b : rebuildBatch(b, []);
      return null;
    }
    const aborted = txns.onDataBatch(isTransactionalBatch(b), producerId, last);
    const payload = batchPayload(b);
    if (payload === null) return b; // an unknown codec: kept whole
    const records = rawRecords(payload, recordCount);
    const kept = aborted ? [] : records.filter((r) => keep(r, base + BigInt(r.offsetDelta)));
    if (kept.length === records.length) return b;
    if (kept.length === 0 && !producersLast) {
      if (isTransactionalBatch(b)) removedTxnData = true;
      return null;
    }
    return rebuildBatch(b, kept);
  };
  const takeRemovedAbortMarkers = () => {
    const taken = removedAborts;
    removedAborts = [];
    return taken;
  };
  return { batch, markersFreed: () => removedTxnData, takeRemovedAbortMarkers };
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
