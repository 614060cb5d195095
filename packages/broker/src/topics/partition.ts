/**
 * Partition: one topic-partition's log plus its idempotent-producer and transaction state. Appends go through here
 * so the sequence check, the append and the state update happen as one step per partition, in arrival order. It
 * keeps the open transactions (producer id -> first offset, which gives the last stable offset) and the aborted
 * transactions (Kafka's aborted index), rebuilt from the log's transactional and control batches at open.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  batchOffsetCount,
  batchSizeAt,
  CONTROL_BIT,
  decodeRecords,
  ErrorCode,
  encodeBatch,
  readBatchHeader,
  TRANSACTIONAL_BIT,
} from '@samsa/protocol';
import type { PartitionLog } from '../log/partition-log.ts';
import type { AppendResult } from '../log/types.ts';
import { decodeChecksummed, encodeChecksummed } from '../log/checksummed-text.ts';
import { CorruptBatchError } from '../log/storage-error.ts';
import { ProducerState } from '../producers/producer-state.ts';

const SNAPSHOT_FILE = 'producer-state.json';

/** How much log one rebuild read takes at a time. */
const REBUILD_READ_BYTES = 16 * 1024 * 1024;

/** One aborted transaction of this partition: its data is [firstOffset, lastOffset), lastOffset is the marker's. */
export interface AbortedTxn {
  producerId: bigint;
  firstOffset: bigint;
  lastOffset: bigint;
}

/** Control record types (Kafka's ControlRecordType): the key's second int16. */
const CONTROL_TYPE_ABORT = 0;
const CONTROL_TYPE_COMMIT = 1;

/** A commit or abort marker: a control batch of one record, key (version, type), value (version, coordinator epoch). */
export function encodeTxnMarker(producerId: bigint, producerEpoch: number, commit: boolean): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(commit ? CONTROL_TYPE_COMMIT : CONTROL_TYPE_ABORT, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(0, 2);
  return encodeBatch({
    records: [{ key, value }],
    producerId,
    producerEpoch,
    baseSequence: -1,
    attributes: TRANSACTIONAL_BIT | CONTROL_BIT,
  });
}

/** The marker type of a control batch: true commit, false abort, null not a transaction marker. */
function markerIsCommit(batch: Buffer): boolean | null {
  const key = decodeRecords(batch)[0]?.key;
  if (!key || key.length < 4) return null;
  const type = key.readInt16BE(2);
  return type === CONTROL_TYPE_COMMIT ? true : type === CONTROL_TYPE_ABORT ? false : null;
}

export type AppendOutcome =
  | { kind: 'appended'; result: AppendResult }
  | { kind: 'duplicate'; baseOffset: bigint; logStartOffset: bigint }
  | { kind: 'rejected'; errorCode: number; message: string };

export class Partition {
  readonly topic: string;
  readonly index: number;
  readonly log: PartitionLog;
  readonly dir: string;
  private producers: ProducerState;
  /** Open transactions: producer id -> offset of its first transactional batch here. */
  private readonly openTxns = new Map<bigint, bigint>();
  /** Aborted transactions in offset order (by marker). */
  private aborted: AbortedTxn[] = [];
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(topic: string, index: number, dir: string, log: PartitionLog, producers: ProducerState) {
    this.topic = topic;
    this.index = index;
    this.dir = dir;
    this.log = log;
    this.producers = producers;
  }

  /** Wraps an opened log and rebuilds producer state from the snapshot (if any) and the log after it. */
  static async open(topic: string, index: number, dir: string, log: PartitionLog): Promise<Partition> {
    let producers = new ProducerState();
    let from = log.logStartOffset;
    let txns: { open: [string, string][]; aborted: [string, string, string][] } | null = null;
    try {
      const json = decodeChecksummed(await readFile(join(dir, SNAPSHOT_FILE), 'utf8'));
      if (json === null) throw new Error('producer state snapshot fails its checksum');
      const snap = JSON.parse(json);
      const at = BigInt(snap.offset);
      if (at >= log.logStartOffset && at <= log.logEndOffset) {
        producers = ProducerState.fromJSON(snap.producers);
        from = at;
        txns = snap.txns ?? null;
      }
    } catch {
      // no snapshot: rebuild from the whole log
    }
    const p = new Partition(topic, index, dir, log, producers);
    if (txns) {
      for (const [pid, first] of txns.open) p.openTxns.set(BigInt(pid), BigInt(first));
      p.aborted = txns.aborted.map(([pid, first, last]) => ({
        producerId: BigInt(pid),
        firstOffset: BigInt(first),
        lastOffset: BigInt(last),
      }));
    }
    await p.rebuildFrom(from);
    return p;
  }

  private async rebuildFrom(offset: bigint): Promise<void> {
    let next = offset;
    while (next < this.log.logEndOffset) {
      let read: Awaited<ReturnType<PartitionLog['read']>>;
      try {
        read = await this.log.read(next, REBUILD_READ_BYTES, { minOneBatch: true });
      } catch (err) {
        // A corrupt stored batch: the state is rebuilt up to it; reads of it are refused and reported.
        if (err instanceof CorruptBatchError) return;
        throw err;
      }
      if (read.bytes === 0) break;
      let advanced = false;
      for (const chunk of read.chunks) {
        let at = 0;
        while (at < chunk.length) {
          const size = batchSizeAt(chunk, at);
          if (size < 0 || at + size > chunk.length) break;
          const h = readBatchHeader(chunk, at);
          const lastOffset = h.baseOffset + BigInt(h.lastOffsetDelta);
          if (lastOffset >= next) {
            if ((h.attributes & CONTROL_BIT) !== 0) {
              const commit = markerIsCommit(chunk.subarray(at, at + size));
              if (commit !== null) this.applyMarker(h.producerId, h.producerEpoch, commit, h.baseOffset);
              // A marker emptied by the cleaner still carries its producer's epoch.
              else this.producers.recordMarker(h.producerId, h.producerEpoch, Date.now());
            } else if (h.producerId >= 0n) {
              if ((h.attributes & TRANSACTIONAL_BIT) !== 0) this.noteTxnData(h.producerId, h.baseOffset);
              this.producers.record(
                {
                  producerId: h.producerId,
                  producerEpoch: h.producerEpoch,
                  baseSequence: h.baseSequence,
                  count: h.lastOffsetDelta + 1,
                },
                h.baseOffset,
                Number(h.maxTimestamp),
              );
            }
            next = lastOffset + 1n;
            advanced = true;
          }
          at += size;
        }
      }
      if (!advanced) break;
    }
  }

  private noteTxnData(producerId: bigint, offset: bigint): void {
    if (!this.openTxns.has(producerId)) this.openTxns.set(producerId, offset);
  }

  private applyMarker(producerId: bigint, epoch: number, commit: boolean, markerOffset: bigint): void {
    this.producers.recordMarker(producerId, epoch, Date.now());
    const first = this.openTxns.get(producerId);
    if (first === undefined) return;
    this.openTxns.delete(producerId);
    if (!commit) this.aborted.push({ producerId, firstOffset: first, lastOffset: markerOffset });
  }

  /**
   * The last stable offset: the first offset of the earliest open transaction, else the high watermark; never below
   * the log start offset (DeleteRecords may pass an open transaction's start, and Kafka then clamps it there).
   */
  get lastStableOffset(): bigint {
    let lso = this.log.logEndOffset;
    for (const first of this.openTxns.values()) if (first < lso) lso = first;
    const start = this.log.logStartOffset;
    return lso < start ? start : lso;
  }

  /** Whether a producer has an open transaction in this partition. */
  hasOpenTxn(producerId: bigint): boolean {
    return this.openTxns.has(producerId);
  }

  /**
   * The producers this partition knows (DescribeProducers): epoch, last sequence, last append time, and the first
   * offset of the producer's open transaction here (-1 if none). A producer with an open transaction whose entry
   * was forgotten is still listed (epoch and sequence unknown, -1).
   */
  activeProducers(): {
    producerId: bigint;
    producerEpoch: number;
    lastSequence: number;
    lastTimestampMs: number;
    currentTxnStartOffset: bigint;
  }[] {
    const out = this.producers.describe().map((p) => ({
      producerId: p.producerId,
      producerEpoch: p.epoch,
      lastSequence: p.lastSequence,
      lastTimestampMs: p.lastTimestampMs,
      currentTxnStartOffset: this.openTxns.get(p.producerId) ?? -1n,
    }));
    const known = new Set(out.map((p) => p.producerId));
    for (const [producerId, first] of this.openTxns) {
      if (!known.has(producerId)) {
        out.push({
          producerId,
          producerEpoch: -1,
          lastSequence: -1,
          lastTimestampMs: -1,
          currentTxnStartOffset: first,
        });
      }
    }
    return out;
  }

  /** The producer's current epoch here, if it is known (a marker of an older epoch is refused). */
  producerEpoch(producerId: bigint): number | undefined {
    return this.producers.epochOf(producerId);
  }

  /** Aborted transactions a read_committed fetch of [fromOffset, upToOffset) must know about. */
  abortedTransactions(fromOffset: bigint, upToOffset: bigint): AbortedTxn[] {
    if (this.aborted.length > 0 && this.aborted[0]!.lastOffset < this.log.logStartOffset) {
      const start = this.log.logStartOffset;
      this.aborted = this.aborted.filter((a) => a.lastOffset >= start);
    }
    return this.aborted.filter((a) => a.lastOffset >= fromOffset && a.firstOffset < upToOffset);
  }

  /**
   * The log cleaner is removing these abort markers (their data is gone already): their transactions leave the
   * index, in memory and in the producer snapshot a later start may restore (rewritten atomically, in the partition's
   * order), before the marker leaves the log. A stale entry would make read_committed readers skip the producer's
   * later batches for want of the marker that closes it.
   */
  forgetAborted(markers: { producerId: bigint; markerOffset: bigint }[]): Promise<void> {
    const gone = new Set(markers.map((m) => `${m.producerId}:${m.markerOffset}`));
    this.aborted = this.aborted.filter((a) => !gone.has(`${a.producerId}:${a.lastOffset}`));
    const run = async (): Promise<void> => {
      const path = join(this.dir, SNAPSHOT_FILE);
      let snap: { txns?: { aborted: [string, string, string][] } };
      try {
        const json = decodeChecksummed(await readFile(path, 'utf8'));
        if (json === null) return; // fails its checksum: a start ignores it and rebuilds from the log
        snap = JSON.parse(json);
      } catch {
        return; // no snapshot: a start rebuilds from the log, where the data and then the marker are gone
      }
      if (!snap.txns) return;
      snap.txns.aborted = snap.txns.aborted.filter(([pid, , last]) => !gone.has(`${pid}:${last}`));
      await writeFile(`${path}.tmp`, encodeChecksummed(JSON.stringify(snap)), { flush: true });
      await rename(`${path}.tmp`, path);
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /**
   * Writes a commit or abort marker for a producer (the coordinator's WriteTxnMarkers) and closes its transaction
   * here; resolves with the marker's offset once it is fsync'd.
   */
  writeMarker(producerId: bigint, producerEpoch: number, commit: boolean): Promise<bigint> {
    const run = async (): Promise<bigint> => {
      const marker = [encodeTxnMarker(producerId, producerEpoch, commit)];
      // Finishing a transaction may use the room kept below --log-dir-min-free-bytes.
      const result = await this.log.append(marker, { belowFreeSpaceFloor: true });
      this.applyMarker(producerId, producerEpoch, commit, result.baseOffset);
      return result.baseOffset;
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next.then(async (offset) => {
      await this.log.flush();
      return offset;
    });
  }

  /** Checks idempotence, appends and records producer state, serialized per partition. */
  append(batches: Buffer[], logAppendTimeMs?: bigint): Promise<AppendOutcome> {
    const run = async (): Promise<AppendOutcome> => {
      const headers = batches.map((b) => readBatchHeader(b));
      if (headers.some((h) => (h.attributes & CONTROL_BIT) !== 0)) {
        return {
          kind: 'rejected',
          errorCode: ErrorCode.INVALID_RECORD,
          message: 'clients may not write control batches',
        };
      }
      const identities = headers.map((h) => {
        return {
          producerId: h.producerId,
          producerEpoch: h.producerEpoch,
          baseSequence: h.baseSequence,
          count: h.lastOffsetDelta + 1,
        };
      });
      for (const id of identities) {
        const check = this.producers.check(id);
        if (check.kind === 'duplicate') {
          return { kind: 'duplicate', baseOffset: check.firstOffset, logStartOffset: this.log.logStartOffset };
        }
        if (check.kind === 'error') return { kind: 'rejected', errorCode: check.errorCode, message: check.message };
      }
      const result = await this.log.append(batches, logAppendTimeMs !== undefined ? { logAppendTimeMs } : undefined);
      let offset = result.baseOffset;
      const now = Date.now();
      identities.forEach((id, i) => {
        this.producers.record(id, offset, now);
        if (id.producerId >= 0n && (headers[i]!.attributes & TRANSACTIONAL_BIT) !== 0)
          this.noteTxnData(id.producerId, offset);
        offset += batchOffsetCount(batches[i]!);
      });
      return { kind: 'appended', result };
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Writes the producer snapshot so the next start need not rescan the whole log. */
  async close(): Promise<void> {
    await this.chain;
    await this.log.close();
    // An offline log was cut back to its last fsync: a snapshot of the state in memory would describe more.
    if (this.log.storageFailure) {
      await rm(join(this.dir, SNAPSHOT_FILE), { force: true }).catch(() => undefined);
      return;
    }
    if (this.producers.size > 0 || this.openTxns.size > 0 || this.aborted.length > 0) {
      const txns = {
        open: [...this.openTxns].map(([pid, first]) => [pid.toString(), first.toString()]),
        aborted: this.aborted.map((a) => [a.producerId.toString(), a.firstOffset.toString(), a.lastOffset.toString()]),
      };
      const json = JSON.stringify({
        offset: this.log.logEndOffset.toString(),
        producers: this.producers.toJSON(),
        txns,
      });
      const path = join(this.dir, SNAPSHOT_FILE);
      await writeFile(`${path}.tmp`, encodeChecksummed(json));
      await rename(`${path}.tmp`, path);
    } else {
      await rm(join(this.dir, SNAPSHOT_FILE), { force: true });
    }
  }
}
