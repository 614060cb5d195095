/**
 * TransactionStore: the durable record of every transactional id's state, an append-only file (transactions.log)
 * of CRC-checked JSON lines, one whole state per line (the last line of an id wins) or partitions added to the last
 * one (AddPartitionsToTxn, so the bytes written grow with the partitions added). Appends are group-committed
 * (one fdatasync for every caller waiting at that moment) before anyone is answered; at start-up a torn or corrupt
 * tail (kill -9 mid-write) is cut off, and the file is rewritten from the live states when it grows far beyond them.
 */
import { mkdir, open, rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Logger } from 'pino';
import { z } from 'zod';
import { fsyncDir } from '../log/fsync-dir.ts';
import type { StorageFaultSink } from '../log/log-dir-health.ts';
import { SyncedAppendFile } from '../log/synced-append.ts';

const decimal = z.string().regex(/^-?\d+$/);

export const TXN_STATES = [
  'Empty',
  'Ongoing',
  'PrepareCommit',
  'PrepareAbort',
  'CompleteCommit',
  'CompleteAbort',
  'Dead',
] as const;
export type TxnStateName = (typeof TXN_STATES)[number];

const PendingOffsetSchema = z.object({
  topic: z.string(),
  partition: z.number().int(),
  offset: decimal,
  leaderEpoch: z.number().int(),
  metadata: z.string().nullable(),
});

export const TxnRecordSchema = z.object({
  /** The internal transactional id (tenant namespace included). */
  id: z.string(),
  producerId: decimal,
  producerEpoch: z.number().int(),
  timeoutMs: z.number().int(),
  state: z.enum(TXN_STATES),
  /** Partitions in the transaction, as [internal topic, partition]. */
  partitions: z.array(z.tuple([z.string(), z.number().int()])),
  /** Offsets committed in the transaction, by internal group id: applied to the groups at commit. */
  pendingOffsets: z.record(z.string(), z.array(PendingOffsetSchema)),
  /** When the current transaction started (first partition or group added). */
  startMs: z.number(),
  updatedMs: z.number(),
});

/**
 * A line adding partitions to an id's ongoing transaction (AddPartitionsToTxn), applied onto the id's last state:
 * a transaction adding N partitions one by one writes O(N) bytes, not the whole growing list every time.
 */
export const PartitionsAddedSchema = z.object({
  op: z.literal('addPartitions'),
  id: z.string(),
  partitions: z.array(z.tuple([z.string(), z.number().int()])),
  updatedMs: z.number(),
});

export type TxnRecord = z.infer<typeof TxnRecordSchema>;
export type PartitionsAdded = z.infer<typeof PartitionsAddedSchema>;
export type PendingOffset = z.infer<typeof PendingOffsetSchema>;

const FILE = 'transactions.log';
/** Rewrite the file when it holds this many more lines than there are live ids. */
const COMPACT_SLACK_LINES = 100_000;

function encodeLine(rec: TxnRecord | PartitionsAdded): string {
  const json = JSON.stringify(rec);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

export class TransactionStore {
  private fh: FileHandle;
  private readonly path: string;
  private readonly logger: Logger;
  /** A failed write is cut off again and a failed fsync takes the store offline (SyncedAppendFile). */
  private readonly file: SyncedAppendFile;
  private queue: { line: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  private writing = false;
  private linesWritten: number;
  private liveCount: () => number = () => 0;
  private liveRecords: () => TxnRecord[] = () => [];
  /** fdatasyncs of transactions.log, so tests can see appends are durable. */
  fsyncCount = 0;

  private constructor(fh: FileHandle, path: string, lines: number, file: SyncedAppendFile, logger: Logger) {
    this.fh = fh;
    this.path = path;
    this.file = file;
    this.linesWritten = lines;
    this.logger = logger;
  }

  /** Opens the store and returns the latest record of every id; a torn or corrupt tail is cut off. */
  static async open(
    dir: string,
    logger: Logger,
    storageFaults?: StorageFaultSink,
  ): Promise<{ store: TransactionStore; records: TxnRecord[] }> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, FILE);
    const fh = await open(path, 'a+');
    const text = (await fh.readFile()).toString('utf8');
    const latest = new Map<string, TxnRecord>();
    let goodBytes = 0;
    let lines = 0;
    for (let at = 0; at < text.length; ) {
      const nl = text.indexOf('\n', at);
      if (nl < 0) break;
      const line = text.slice(at, nl);
      const sum = line.slice(0, 8);
      const json = line.slice(9);
      if (line[8] !== ' ' || crc32(json).toString(16).padStart(8, '0') !== sum) break;
      const value = JSON.parse(json);
      if (value?.op === 'addPartitions') {
        const added = PartitionsAddedSchema.safeParse(value);
        if (!added.success) throw new Error(`${path}: a checksummed line is not a partitions-added record`);
        const base = latest.get(added.data.id);
        if (base?.state !== 'Ongoing') {
          // Never written so (a delta follows an Ongoing state of its id); kept out rather than stop the start-up.
          logger.warn(
            { path, transactionalId: added.data.id },
            'transactions.log: partitions added to no ongoing transaction',
          );
        } else {
          const have = new Set(base.partitions.map(([t, p]) => `${t}\u0000${p}`));
          for (const [t, p] of added.data.partitions) if (!have.has(`${t}\u0000${p}`)) base.partitions.push([t, p]);
          base.updatedMs = added.data.updatedMs;
        }
      } else {
        const parsed = TxnRecordSchema.safeParse(value);
        if (!parsed.success) throw new Error(`${path}: a checksummed line is not a transaction record`);
        latest.set(parsed.data.id, parsed.data);
      }
      at = nl + 1;
      goodBytes += Buffer.byteLength(line) + 1;
      lines += 1;
    }
    const size = (await fh.stat()).size;
    if (goodBytes < size) {
      logger.warn({ path, cutBytes: size - goodBytes }, 'cut a torn or corrupt transactions.log tail');
      await fh.truncate(goodBytes);
      await fh.sync();
    }
    const file = new SyncedAppendFile(path, goodBytes, storageFaults);
    return { store: new TransactionStore(fh, path, lines, file, logger), records: [...latest.values()] };
  }

  /** What compaction keeps: the coordinator's live states. */
  setLive(count: () => number, records: () => TxnRecord[]): void {
    this.liveCount = count;
    this.liveRecords = records;
  }

  /** Appends a state (a whole one, or partitions added to the last); resolves once it is on disk. */
  write(rec: TxnRecord | PartitionsAdded): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ line: encodeLine(rec), resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.file.append(this.fh, batch.map((b) => b.line).join(''));
        this.fsyncCount += 1;
        this.linesWritten += batch.length;
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err as Error);
      }
      if (this.linesWritten > this.liveCount() + COMPACT_SLACK_LINES) await this.compact();
    }
    this.writing = false;
  }

  private async compact(): Promise<void> {
    const records = this.liveRecords();
    const tmp = `${this.path}.tmp`;
    const text = records.map(encodeLine).join('');
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
    await fsyncDir(join(this.path, '..'), this.logger);
    await this.fh.close();
    this.fh = await open(this.path, 'a+');
    this.file.rewritten(Buffer.byteLength(text));
    this.linesWritten = records.length;
  }

  async close(): Promise<void> {
    while (this.writing || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
    await this.fh.close();
  }
}
