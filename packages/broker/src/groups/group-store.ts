/**
 * GroupStore: the durable record of committed offsets and group membership, an append-only file (groups.log) of
 * CRC-checked JSON lines. Appends are group-committed (one fdatasync for every caller waiting at that moment, before
 * any of them is answered); at start-up the records are read back in order and a torn or corrupt tail (a write cut
 * by kill -9 or a crash) is cut off; the file is rewritten from the live state when it grows far beyond it. It knows
 * records, not groups: what they mean is the coordinator's business.
 */
import { mkdir, open, rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Logger } from 'pino';
import { z } from 'zod';
import { fsyncDir } from '../log/fsync-dir.ts';
import type { StorageFaultSink } from '../log/log-dir-health.ts';
import { silentLogger } from '../log/logger.ts';
import { SyncedAppendFile } from '../log/synced-append.ts';

const MemberSnapshotSchema = z.object({
  memberId: z.string(),
  groupInstanceId: z.string().nullable(),
  clientId: z.string(),
  clientHost: z.string(),
  sessionTimeoutMs: z.number().int(),
  rebalanceTimeoutMs: z.number().int(),
  /** The chosen protocol's metadata, base64. */
  metadata: z.string(),
  /** The member's assignment, base64. */
  assignment: z.string(),
});

const GroupSnapshotSchema = z.object({
  protocolType: z.string().nullable(),
  protocolName: z.string().nullable(),
  generationId: z.number().int(),
  leaderId: z.string().nullable(),
  members: z.array(MemberSnapshotSchema),
});

const StoreRecordSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('offset'),
    group: z.string(),
    topic: z.string(),
    partition: z.number().int(),
    /** A bigint, in decimal. */
    offset: z.string().regex(/^-?\d+$/),
    leaderEpoch: z.number().int(),
    metadata: z.string().nullable(),
    commitTimestampMs: z.number(),
    /** OffsetCommit v2-4's retention: when the offset expires once its group is empty. */
    expireTimestampMs: z.number().optional(),
  }),
  z.object({ type: z.literal('offset-delete'), group: z.string(), topic: z.string(), partition: z.number().int() }),
  z.object({ type: z.literal('group'), group: z.string(), snapshot: GroupSnapshotSchema }),
  z.object({ type: z.literal('group-delete'), group: z.string() }),
]);

export type MemberSnapshot = z.infer<typeof MemberSnapshotSchema>;
export type GroupSnapshot = z.infer<typeof GroupSnapshotSchema>;
export type StoreRecord = z.infer<typeof StoreRecordSchema>;

const FILE = 'groups.log';

export interface GroupStoreOptions {
  /** Rewrite the file when it holds this many more lines than the live state needs. */
  compactSlackLines?: number;
  logger?: Logger;
  /** Told when a write finds no room or a write or fsync fails (the store then refuses writes until a restart). */
  storageFaults?: StorageFaultSink;
}

export const DEFAULT_COMPACT_SLACK_LINES = 200_000;

/** A line whose checksum is right but whose content is not a record: not a torn write, so nothing is cut. */
export class GroupStoreCorruptError extends Error {
  override readonly name = 'GroupStoreCorruptError';
}

function checksum(json: string): string {
  return crc32(json).toString(16).padStart(8, '0');
}

function encodeLine(rec: StoreRecord): string {
  const json = JSON.stringify(rec);
  return `${checksum(json)} ${json}\n`;
}

/** What the store needs of the state it records, to decide when and how to compact. */
export interface LiveState {
  /** How many records the live state needs (cheap: asked after every write). */
  count(): number;
  /** The records that rebuild the live state (asked only when compacting). */
  records(): StoreRecord[];
}

export class GroupStore {
  private fh: FileHandle;
  private readonly path: string;
  private readonly file: SyncedAppendFile;
  private queue: { lines: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  private writing = false;
  private linesWritten: number;
  private live: LiveState = { count: () => 0, records: () => [] };
  private readonly compactSlackLines: number;
  private readonly logger: Logger | undefined;
  /** fdatasyncs of groups.log, so tests can see that appends are durable and group-committed. */
  fsyncCount = 0;
  /** Times the file was rewritten from the live state. */
  compactions = 0;

  private constructor(fh: FileHandle, path: string, lines: number, bytes: number, options: GroupStoreOptions) {
    this.fh = fh;
    this.path = path;
    this.file = new SyncedAppendFile(path, bytes, options.storageFaults);
    this.linesWritten = lines;
    this.compactSlackLines = options.compactSlackLines ?? DEFAULT_COMPACT_SLACK_LINES;
    this.logger = options.logger;
  }

  /**
   * Opens the store, returning every valid record in order. A torn or corrupt tail (no newline, bad checksum) is
   * truncated; a line with a good checksum that is not a record throws GroupStoreCorruptError and cuts nothing.
   */
  static async open(
    dir: string,
    options: GroupStoreOptions = {},
  ): Promise<{ store: GroupStore; records: StoreRecord[]; truncatedBytes: number }> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, FILE);
    const fh = await open(path, 'a+');
    const content = await fh.readFile();
    const records: StoreRecord[] = [];
    let validBytes = 0;
    let at = 0;
    while (at < content.length) {
      const nl = content.indexOf(0x0a, at);
      if (nl < 0) break;
      const line = content.toString('utf8', at, nl);
      const space = line.indexOf(' ');
      const json = line.slice(space + 1);
      if (space !== 8 || checksum(json) !== line.slice(0, 8)) break;
      let parsed: unknown;
      try {
        parsed = JSON.parse(json);
      } catch {
        break;
      }
      const record = StoreRecordSchema.safeParse(parsed);
      if (!record.success) {
        await fh.close();
        throw new GroupStoreCorruptError(
          `${path}, line ${records.length + 1}: the checksum is right but it is not a group record ` +
            `(${z.prettifyError(record.error).replaceAll('\n', '; ')}). It was written by another version of Samsa or edited; ` +
            'restore the file from a backup, or move it aside to start without consumer groups and committed offsets.',
        );
      }
      records.push(record.data);
      at = nl + 1;
      validBytes = at;
    }
    const truncatedBytes = content.length - validBytes;
    if (truncatedBytes > 0) {
      await fh.truncate(validBytes);
      options.logger?.warn(
        { path, truncatedBytes, records: records.length },
        'groups.log ended in a torn or corrupt write (a crash while writing); cut it off after the last good record',
      );
    }
    return { store: new GroupStore(fh, path, records.length, validBytes, options), records, truncatedBytes };
  }

  /** Gives the store a way to see the live state, used to compact the file. */
  setLiveState(live: LiveState): void {
    this.live = live;
  }

  /**
   * Appends records durably: resolves after they are fsync'd. `onDurable` runs right after the fsync, before the
   * file may be compacted: the caller applies the records to its live state there, so a compaction that follows
   * sees them.
   */
  append(records: StoreRecord[], onDurable?: () => void): Promise<void> {
    if (records.length === 0) {
      onDurable?.();
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const lines = records.map(encodeLine).join('');
      this.queue.push({
        lines,
        resolve: () => {
          onDurable?.();
          resolve();
        },
        reject,
      });
      this.linesWritten += records.length;
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          // A failed write is cut off again and a failed fsync takes the store offline (SyncedAppendFile).
          await this.file.append(this.fh, batch.map((b) => b.lines).join(''));
          this.fsyncCount++;
        } catch (err) {
          for (const b of batch) b.reject(err as Error);
          continue;
        }
        for (const b of batch) b.resolve();
        if (this.linesWritten - this.live.count() > this.compactSlackLines) await this.compact();
      }
    } finally {
      this.writing = false;
    }
  }

  /** Rewrites the file to hold only the live state (atomically: tmp file, fsync, rename). */
  private async compact(): Promise<void> {
    const linesBefore = this.linesWritten;
    const live = this.live.records();
    const tmp = `${this.path}.compact`;
    const text = live.map(encodeLine).join('');
    try {
      const out = await open(tmp, 'w');
      try {
        await out.writeFile(text);
        await out.sync();
      } finally {
        await out.close();
      }
      await rename(tmp, this.path);
      await fsyncDir(dirname(this.path), this.logger ?? silentLogger);
    } catch (err) {
      // The file still holds everything; compaction is tried again after the next write.
      this.logger?.warn({ path: this.path, err: (err as Error).message }, 'groups.log compaction failed');
      return;
    }
    await this.fh.close();
    this.fh = await open(this.path, 'a+');
    this.file.rewritten(Buffer.byteLength(text));
    // Lines queued while compacting go to the new file.
    this.linesWritten = live.length + (this.linesWritten - linesBefore);
    this.compactions++;
    this.logger?.info(
      { path: this.path, linesBefore, linesAfter: live.length, compactSlackLines: this.compactSlackLines },
      'groups.log compacted: rewritten from the live groups and offsets',
    );
  }

  async close(): Promise<void> {
    while (this.writing || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
    await this.fh.close();
  }
}
