/**
 * A bounded LRU of open file handles shared by every partition log, so that thousands of partitions (each with
 * several segment files) never hold more than `maxOpenFiles` descriptors at once. Callers lease a handle for the
 * duration of one I/O operation; a leased handle is never closed under them, an idle one may be closed at any time
 * and is reopened transparently on the next lease.
 *
 * A caller must hold at most one lease at a time, otherwise a full cache could deadlock waiting on itself.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { LogLogger } from './logger.ts';
import { silentLogger } from './logger.ts';

export const DEFAULT_MAX_OPEN_FILES = 1024;
/** Bound on callers queued for a free slot; past it, acquire fails rather than queueing without limit. */
const MAX_WAITERS = 100_000;

export interface FileLease {
  readonly handle: FileHandle;
  /** Returns the lease; idempotent. */
  release(): void;
}

interface Entry {
  path: string;
  /** Resolves once the file is open; shared by concurrent acquirers of the same path. */
  opening: Promise<FileHandle>;
  handle: FileHandle | null;
  leaseCount: number;
  /** Set when the file was deleted or the cache is closing: close on last release and never reuse. */
  doomed: boolean;
}

export interface FileHandleCacheOptions {
  maxOpenFiles?: number;
  logger?: LogLogger;
}

export class FileHandleCache {
  readonly maxOpenFiles: number;
  private readonly logger: LogLogger;
  /** Map order is LRU order: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  /** Descriptors open or being opened or being closed; never exceeds maxOpenFiles. */
  private slotsInUse = 0;
  private readonly waiters: (() => void)[] = [];
  private closed = false;
  /** Highest slotsInUse ever seen, so tests can check the bound held. */
  peakOpenCount = 0;
  openCount = 0;
  opensTotal = 0;

  constructor(opts: FileHandleCacheOptions = {}) {
    const maxOpenFiles = opts.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES;
    if (!Number.isInteger(maxOpenFiles) || maxOpenFiles < 1) throw new RangeError('maxOpenFiles must be >= 1');
    this.maxOpenFiles = maxOpenFiles;
    this.logger = opts.logger ?? silentLogger;
  }

  /** Leases the handle for `path`, opening it read-write (the file must exist). */
  async acquire(path: string): Promise<FileLease> {
    for (;;) {
      if (this.closed) throw new Error('file handle cache is closed');
      const existing = this.entries.get(path);
      if (existing && !existing.doomed) {
        existing.leaseCount += 1;
        // Move to the most recently used end.
        this.entries.delete(path);
        this.entries.set(path, existing);
        try {
          const handle = await existing.opening;
          return this.lease(existing, handle);
        } catch (err) {
          existing.leaseCount -= 1;
          throw err;
        }
      }
      if (this.slotsInUse < this.maxOpenFiles) return this.openNew(path);
      const victim = this.idleVictim();
      if (victim) {
        await this.closeEntry(victim);
        continue;
      }
      if (this.waiters.length >= MAX_WAITERS) throw new Error('too many callers waiting for a file handle');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Runs `fn` with a leased handle and always releases it. */
  async withHandle<T>(path: string, fn: (handle: FileHandle) => Promise<T>): Promise<T> {
    const lease = await this.acquire(path);
    try {
      return await fn(lease.handle);
    } finally {
      lease.release();
    }
  }

  /** Forgets `path` (deleted or renamed file): closes it now if idle, else when its last lease is released. */
  async evict(path: string): Promise<void> {
    const entry = this.entries.get(path);
    if (!entry) return;
    entry.doomed = true;
    this.entries.delete(path);
    if (entry.leaseCount === 0) await this.closeHandle(entry);
  }

  /** Closes every idle handle and refuses new leases; leased handles close when released. */
  async closeAll(): Promise<void> {
    this.closed = true;
    const all = [...this.entries.values()];
    await Promise.all(all.map((e) => this.evict(e.path)));
    for (const wake of this.waiters.splice(0)) wake();
  }

  private async openNew(path: string): Promise<FileLease> {
    this.takeSlot();
    const entry: Entry = { path, opening: open(path, 'r+'), handle: null, leaseCount: 1, doomed: false };
    this.entries.set(path, entry);
    let handle: FileHandle;
    try {
      handle = await entry.opening;
    } catch (err) {
      if (this.entries.get(path) === entry) this.entries.delete(path);
      entry.doomed = true;
      entry.leaseCount -= 1;
      this.freeSlot();
      throw err;
    }
    entry.handle = handle;
    this.openCount += 1;
    this.opensTotal += 1;
    return this.lease(entry, handle);
  }

  private lease(entry: Entry, handle: FileHandle): FileLease {
    let released = false;
    return {
      handle,
      release: () => {
        if (released) return;
        released = true;
        entry.leaseCount -= 1;
        if (entry.leaseCount < 0) throw new Error('file lease released more often than acquired');
        if (entry.leaseCount === 0 && entry.doomed) {
          void this.closeHandle(entry);
        } else if (entry.leaseCount === 0) {
          this.wakeOne();
        }
      },
    };
  }

  private idleVictim(): Entry | null {
    for (const entry of this.entries.values()) {
      if (entry.leaseCount === 0 && entry.handle !== null) return entry;
    }
    return null;
  }

  private async closeEntry(entry: Entry): Promise<void> {
    this.entries.delete(entry.path);
    entry.doomed = true;
    await this.closeHandle(entry);
  }

  private async closeHandle(entry: Entry): Promise<void> {
    const handle = entry.handle;
    if (handle === null) return; // still opening: openNew closes it once the open completes
    entry.handle = null;
    try {
      await handle.close();
    } catch (err) {
      this.logger.warn({ path: entry.path, err: (err as Error).message }, 'closing a cached file handle failed');
    }
    this.openCount -= 1;
    this.freeSlot();
  }

  private takeSlot(): void {
    this.slotsInUse += 1;
    if (this.slotsInUse > this.maxOpenFiles) throw new Error('file handle cache exceeded its bound');
    if (this.slotsInUse > this.peakOpenCount) this.peakOpenCount = this.slotsInUse;
  }

  private freeSlot(): void {
    this.slotsInUse -= 1;
    if (this.slotsInUse < 0) throw new Error('file handle cache slot count went negative');
    this.wakeOne();
  }

  private wakeOne(): void {
    const wake = this.waiters.shift();
    if (wake) wake();
  }
}
