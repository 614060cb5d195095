/**
 * The health of the data directory, as Kafka's log-directory failure handling (KIP-112) sees it: whether there is
 * room to write (a free-space floor, checked with statfs on a timer and on every ENOSPC, never per write), which
 * logs went offline after a failed write or fsync, and which corrupt batches reads found. Produce asks it whether to
 * write (a field read); /healthz, the broker's health and /metrics show it.
 */
import { statfs } from 'node:fs/promises';
import type { LogLogger } from './logger.ts';
import { errnoCode, StorageError, type StorageFault } from './storage-error.ts';

/** The data directory's state, in counts only: /healthz has no token, so it names no topic. */
export interface StorageHealth {
  /** Free bytes at the last statfs less what was written since; null before the first check. */
  freeBytes: number | null;
  /** The --log-dir-min-free-bytes floor in force. */
  minFreeBytes: number;
  /** False while produce writes are refused for lack of space. */
  writable: boolean;
  /** Logs and stores offline for writes after a failed write or fsync. */
  offlineLogs: number;
  /** Stored batches reads or the scrub found corrupt. */
  corruptBatches: number;
}

/** --log-dir-min-free-bytes unset: keep this much free, or 5% of the filesystem when that is smaller. */
export const DEFAULT_MIN_FREE_BYTES = 268_435_456;
const DEFAULT_MIN_FREE_FRACTION = 0.05;
/** Corrupt batches remembered (for the log line once per batch and the health report); beyond it, counted only. */
const MAX_CORRUPT_REMEMBERED = 1_000;

/** What a durable store tells the directory's health when its file fails (groups.log, transactions.log). */
export interface StorageFaultSink {
  /** A write found no room: refuse new produce writes until statfs shows room again. */
  noteNoSpace(path: string, err: unknown): void;
  /** A write or fsync failed otherwise: that file's owner is offline for writes until a restart. */
  noteOffline(path: string, fault: StorageFault, err: unknown): void;
}

export interface LogDirHealthOptions {
  dir: string;
  /** Refuse produce writes with less than this free; null: DEFAULT_MIN_FREE_BYTES or 5% of the filesystem. */
  minFreeBytes: number | null;
  /** How often statfs runs (also the longest a full directory stays refused after space returns). */
  checkIntervalMs: number;
  logger: LogLogger;
  /** Free and total bytes of the filesystem holding `dir` (tests may replace it). */
  statfs?: (dir: string) => Promise<{ freeBytes: number; totalBytes: number }>;
}

export interface OfflineLog {
  path: string;
  fault: StorageFault;
  code: string;
  sinceMs: number;
}

export interface CorruptBatchReport {
  file: string;
  position: number;
  problem: string;
}

async function statfsBytes(dir: string): Promise<{ freeBytes: number; totalBytes: number }> {
  const s = await statfs(dir);
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

export class LogDirHealth implements StorageFaultSink {
  readonly dir: string;
  private readonly configuredMinFreeBytes: number | null;
  private readonly checkIntervalMs: number;
  private readonly logger: LogLogger;
  private readonly statfs: (dir: string) => Promise<{ freeBytes: number; totalBytes: number }>;
  /** Free bytes at the last statfs, minus what was written since (an estimate between checks). */
  private lastFreeBytes: number | null = null;
  private totalBytes: number | null = null;
  private writtenSinceCheck = 0;
  /** Why produce writes are refused now: below the floor, or a write found the disk full; null: writable. */
  private refusing: 'below_floor' | 'no_space' | null = null;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | null = null;
  private readonly offline = new Map<string, OfflineLog>();
  private readonly corrupt = new Map<string, CorruptBatchReport>();
  /** Failed writes and fsyncs, by fault, since start. */
  readonly errorCounts = new Map<StorageFault, number>();
  /** Produce writes refused because the directory was full. */
  refusedWrites = 0;
  corruptBatchesFound = 0;

  constructor(opts: LogDirHealthOptions) {
    if (opts.minFreeBytes !== null && (!Number.isSafeInteger(opts.minFreeBytes) || opts.minFreeBytes < 0)) {
      throw new RangeError('minFreeBytes must be an integer >= 0');
    }
    this.dir = opts.dir;
    this.configuredMinFreeBytes = opts.minFreeBytes;
    this.checkIntervalMs = opts.checkIntervalMs;
    this.logger = opts.logger;
    this.statfs = opts.statfs ?? statfsBytes;
  }

  /** The floor in force: the configured one, else the default (known once statfs gave the filesystem's size). */
  get minFreeBytes(): number {
    if (this.configuredMinFreeBytes !== null) return this.configuredMinFreeBytes;
    if (this.totalBytes === null) return DEFAULT_MIN_FREE_BYTES;
    return Math.min(DEFAULT_MIN_FREE_BYTES, Math.floor(this.totalBytes * DEFAULT_MIN_FREE_FRACTION));
  }

  get freeBytes(): number | null {
    return this.lastFreeBytes === null ? null : Math.max(0, this.lastFreeBytes - this.writtenSinceCheck);
  }

  get writable(): boolean {
    return this.refusing === null;
  }

  get offlineLogs(): OfflineLog[] {
    return [...this.offline.values()];
  }

  get corruptBatches(): CorruptBatchReport[] {
    return [...this.corrupt.values()];
  }

  /** Runs the first check, then one every checkIntervalMs. */
  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.checkIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Null when a produce write may go ahead; else the retriable error to answer with (KAFKA_STORAGE_ERROR). */
  writeRefusal(): StorageError | null {
    if (this.refusing === null) return null;
    this.refusedWrites += 1;
    return new StorageError(
      this.refusing === 'no_space'
        ? `the log directory is full (a write failed with ENOSPC); writes resume when space returns`
        : `the log directory has less than --log-dir-min-free-bytes (${this.minFreeBytes}) free; writes resume when space returns`,
      'no_space',
    );
  }

  /** Counts bytes written since the last statfs, so the floor holds between checks. */
  noteWritten(bytes: number): void {
    this.writtenSinceCheck += bytes;
    if (this.refusing === null && this.lastFreeBytes !== null) {
      if (this.lastFreeBytes - this.writtenSinceCheck < this.minFreeBytes) this.startRefusing('below_floor');
    }
  }

  noteNoSpace(path: string, err: unknown): void {
    this.count('no_space');
    if (this.refusing !== 'no_space') {
      this.logger.error(
        { dir: this.dir, path, code: errnoCode(err), freeBytes: this.freeBytes },
        'a write failed with no space left: produce requests get KAFKA_STORAGE_ERROR until space returns',
      );
    }
    this.refusing = 'no_space';
  }

  noteOffline(path: string, fault: StorageFault, err: unknown): void {
    this.count(fault);
    if (this.offline.has(path)) return;
    const code = errnoCode(err);
    this.offline.set(path, { path, fault, code, sinceMs: Date.now() });
    this.logger.error(
      { dir: this.dir, path, fault, code, err: (err as Error | null)?.message },
      `STORAGE ERROR: a ${fault} failed; ${path} is offline for writes (KAFKA_STORAGE_ERROR) and its unacknowledged ` +
        'writes failed. Acknowledged data is kept; check the disk, then restart the broker to recover from the last fsynced state',
    );
  }

  /** A read found a batch that fails its checks: logged once per batch, counted, shown by /healthz. */
  noteCorrupt(file: string, position: number, problem: string): void {
    const key = `${file}:${position}`;
    if (this.corrupt.has(key)) return;
    this.corruptBatchesFound += 1;
    this.logger.error(
      { file, position, problem },
      'CORRUPT BATCH: a stored batch fails its checks; reads stop before it (run samsa log verify)',
    );
    if (this.corrupt.size < MAX_CORRUPT_REMEMBERED) this.corrupt.set(key, { file, position, problem });
  }

  /** statfs now: refreshes the free-space figure and starts or stops refusing writes. */
  check(): Promise<void> {
    this.checking ??= this.checkOnce().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async checkOnce(): Promise<void> {
    let space: { freeBytes: number; totalBytes: number };
    try {
      space = await this.statfs(this.dir);
    } catch (err) {
      this.logger.warn({ dir: this.dir, err: (err as Error).message }, 'statfs of the log directory failed');
      return;
    }
    this.lastFreeBytes = space.freeBytes;
    this.totalBytes = space.totalBytes;
    this.writtenSinceCheck = 0;
    if (space.freeBytes < this.minFreeBytes) {
      this.startRefusing('below_floor');
    } else if (this.refusing !== null) {
      this.refusing = null;
      this.logger.warn(
        { dir: this.dir, freeBytes: space.freeBytes, minFreeBytes: this.minFreeBytes },
        'the log directory has room again: produce writes resume',
      );
    }
  }

  private startRefusing(why: 'below_floor'): void {
    if (this.refusing !== null) return;
    this.refusing = why;
    this.logger.error(
      { dir: this.dir, freeBytes: this.freeBytes, minFreeBytes: this.minFreeBytes },
      'the log directory is below --log-dir-min-free-bytes: produce requests get KAFKA_STORAGE_ERROR until space returns',
    );
  }

  private count(fault: StorageFault): void {
    this.errorCounts.set(fault, (this.errorCounts.get(fault) ?? 0) + 1);
  }

  /** Stable reason codes for /healthz. */
  healthReasons(): ('log_dir_full' | 'storage_offline' | 'log_corrupt')[] {
    const reasons: ('log_dir_full' | 'storage_offline' | 'log_corrupt')[] = [];
    if (this.refusing !== null) reasons.push('log_dir_full');
    if (this.offline.size > 0) reasons.push('storage_offline');
    if (this.corruptBatchesFound > 0) reasons.push('log_corrupt');
    return reasons;
  }

  /** The state in counts, for /healthz (which names no topic). */
  storageHealth(): StorageHealth {
    return {
      freeBytes: this.freeBytes,
      minFreeBytes: this.minFreeBytes,
      writable: this.writable,
      offlineLogs: this.offline.size,
      corruptBatches: this.corruptBatchesFound,
    };
  }

  /** Prometheus text lines. */
  metricsLines(): string[] {
    const out = [
      '# HELP samsa_log_dir_free_bytes Free bytes in the log directory (statfs, less what was written since).',
      '# TYPE samsa_log_dir_free_bytes gauge',
      `samsa_log_dir_free_bytes ${this.freeBytes ?? -1}`,
      '# HELP samsa_log_dir_min_free_bytes The free-space floor below which produce writes are refused.',
      '# TYPE samsa_log_dir_min_free_bytes gauge',
      `samsa_log_dir_min_free_bytes ${this.minFreeBytes}`,
      '# HELP samsa_log_dir_writable 1 when produce writes are accepted, 0 while the log directory is full.',
      '# TYPE samsa_log_dir_writable gauge',
      `samsa_log_dir_writable ${this.refusing === null ? 1 : 0}`,
      '# HELP samsa_storage_refused_writes_total Produce writes refused with KAFKA_STORAGE_ERROR for lack of space.',
      '# TYPE samsa_storage_refused_writes_total counter',
      `samsa_storage_refused_writes_total ${this.refusedWrites}`,
      '# HELP samsa_storage_errors_total Failed writes and fsyncs, by fault: no_space, write, fsync.',
      '# TYPE samsa_storage_errors_total counter',
    ];
    for (const [fault, n] of this.errorCounts) out.push(`samsa_storage_errors_total{fault="${fault}"} ${n}`);
    out.push(
      '# HELP samsa_storage_offline_logs Logs and stores offline for writes after a failed write or fsync.',
      '# TYPE samsa_storage_offline_logs gauge',
      `samsa_storage_offline_logs ${this.offline.size}`,
      '# HELP samsa_log_corrupt_batches_total Stored batches found corrupt by reads (each counted once).',
      '# TYPE samsa_log_corrupt_batches_total counter',
      `samsa_log_corrupt_batches_total ${this.corruptBatchesFound}`,
    );
    return out;
  }
}
