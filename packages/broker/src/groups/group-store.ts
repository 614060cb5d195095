/**
 * GroupStore: the durable record of committed offsets and group membership, an append-only file of CRC-checked JSON
 * lines. Appends are group-committed (one fdatasync for every caller waiting at that moment); a torn tail is cut at
 * start-up; the file is rewritten from the live state when it grows far beyond it.
 */
import { mkdir, open, rename, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export interface MemberSnapshot {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /** The chosen protocol's metadata, base64. */
  metadata: string;
  /** The member's assignment, base64. */
  assignment: string;
}

export interface GroupSnapshot {
  protocolType: string | null;
  protocolName: string | null;
  generationId: number;
  leaderId: string | null;
  members: MemberSnapshot[];
}

export type StoreRecord =
  | {
      type: 'offset';
      group: string;
      topic: string;
      partition: number;
      offset: string;
      leaderEpoch: number;
      metadata: string | null;
      commitTimestampMs: number;
    }
  | { type: 'offset-delete'; group: string; topic: string; partition: number }
  | { type: 'group'; group: string; snapshot: GroupSnapshot }
  | { type: 'group-delete'; group: string };

const FILE = 'groups.log';
/** Rewrite the file when it holds this many more lines than the live state needs. */
const COMPACT_SLACK_LINES = 200_000;

function encodeLine(rec: StoreRecord): string {
  const json = JSON.stringify(rec);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

export class GroupStore {
  private fh: FileHandle;
  private readonly path: string;
  private queue: { lines: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  private writing = false;
  private linesWritten: number;
  private liveLines: () => StoreRecord[] = () => [];
  fsyncCount = 0;

  private constructor(fh: FileHandle, path: string, lines: number) {
    this.fh = fh;
    this.path = path;
    this.linesWritten = lines;
  }

  /** Opens the store, returning every valid record in order; a torn or corrupt tail is truncated. */
  static async open(dir: string): Promise<{ store: GroupStore; records: StoreRecord[] }> {
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
      if (space !== 8 || crc32(json).toString(16).padStart(8, '0') !== line.slice(0, 8)) break;
      try {
        records.push(JSON.parse(json));
      } catch {
        break;
      }
      at = nl + 1;
      validBytes = at;
    }
    if (validBytes < content.length) await fh.truncate(validBytes);
    return { store: new GroupStore(fh, path, records.length), records };
  }

  /** Gives the store a way to list the live state, used when it compacts the file. */
  setLiveState(fn: () => StoreRecord[]): void {
    this.liveLines = fn;
  }

  /** Appends records durably: resolves after they are fsync'd. */
  append(records: StoreRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ lines: records.map(encodeLine).join(''), resolve, reject });
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
          await this.fh.write(batch.map((b) => b.lines).join(''));
          await this.fh.datasync();
          this.fsyncCount++;
          for (const b of batch) b.resolve();
        } catch (err) {
          for (const b of batch) b.reject(err as Error);
        }
        const live = this.liveLines();
        if (this.linesWritten - live.length > COMPACT_SLACK_LINES) await this.compact(live);
      }
    } finally {
      this.writing = false;
    }
  }

  /** Rewrites the file to hold only `live` (atomically: tmp file, fsync, rename). */
  async compact(live: StoreRecord[] = this.liveLines()): Promise<void> {
    const tmp = `${this.path}.compact`;
    const out = await open(tmp, 'w');
    try {
      await out.writeFile(live.map(encodeLine).join(''));
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(tmp, this.path);
    await this.fh.close();
    this.fh = await open(this.path, 'a+');
    this.linesWritten = live.length;
  }

  async sizeBytes(): Promise<number> {
    return (await stat(this.path)).size;
  }

  async close(): Promise<void> {
    while (this.writing || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
    await this.fh.close();
  }
}
