/**
 * The failure rules of an append-only file whose every write is fsynced before anyone is answered (groups.log,
 * transactions.log). A write that fails is cut off again, so a torn line never sits before later good ones; no room
 * (ENOSPC) is retriable; any other write error, and every fsync error, takes the file offline for writes until a
 * restart. A failed fsync is never retried as if the data were safe (PostgreSQL's "fsyncgate"): the kernel may have
 * dropped the dirty pages and report success next time, so the file is cut back to what the last good fsync covered
 * and nothing more is written to it by this process.
 */
import type { FileHandle } from 'node:fs/promises';
import type { StorageFaultSink } from './log-dir-health.ts';
import { errnoCode, isNoSpaceError, StorageError } from './storage-error.ts';

export class SyncedAppendFile {
  readonly path: string;
  /** Bytes of the file that a successful fsync covered (or that start-up read back). */
  private syncedBytes: number;
  private readonly sink: StorageFaultSink | undefined;
  /** Set once a write or fsync failed beyond repair: every later append throws it. */
  failure: StorageError | null = null;

  constructor(path: string, syncedBytes: number, sink?: StorageFaultSink) {
    this.path = path;
    this.syncedBytes = syncedBytes;
    this.sink = sink;
  }

  /** Appends `data` at the end of `fh` (opened for appending) and fdatasyncs it; throws StorageError on failure. */
  async append(fh: FileHandle, data: string): Promise<void> {
    if (this.failure) throw this.failure;
    const bytes = Buffer.from(data);
    try {
      // appendFile loops until every byte is written, so a short write cannot pass for a whole one.
      await fh.appendFile(bytes);
    } catch (err) {
      await this.undoWrite(fh, err);
    }
    try {
      await fh.datasync();
    } catch (err) {
      await this.goOffline(fh, 'fsync', err);
    }
    this.syncedBytes += bytes.length;
  }

  /** After the file was rewritten whole (compaction): its new size, all of it fsynced. */
  rewritten(syncedBytes: number): void {
    this.syncedBytes = syncedBytes;
  }

  private async undoWrite(fh: FileHandle, err: unknown): Promise<never> {
    if (!isNoSpaceError(err)) return this.goOffline(fh, 'write', err);
    try {
      await fh.truncate(this.syncedBytes);
    } catch (truncateErr) {
      return this.goOffline(fh, 'write', truncateErr);
    }
    this.sink?.noteNoSpace(this.path, err);
    throw new StorageError(`no space left to write ${this.path}`, 'no_space', { cause: err });
  }

  private async goOffline(fh: FileHandle, fault: 'fsync' | 'write', err: unknown): Promise<never> {
    // Best effort: what is past the last good fsync may exist only in the page cache; cut it so a restart reads
    // exactly the durable prefix.
    await fh.truncate(this.syncedBytes).catch(() => undefined);
    this.failure = new StorageError(
      `${this.path} is offline after a failed ${fault} (${errnoCode(err)}); restart the broker to recover`,
      'offline',
      { cause: err },
    );
    this.sink?.noteOffline(this.path, fault, err);
    throw this.failure;
  }
}
