/**
 * Partition: one topic-partition's log plus its idempotent-producer state. Appends go through here so the sequence
 * check, the append and the state update happen as one step per partition, in arrival order.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { batchOffsetCount, batchSizeAt, readBatchHeader } from '@samsa/protocol';
import type { PartitionLog } from '../log/partition-log.ts';
import type { AppendResult } from '../log/types.ts';
import { ProducerState } from '../producers/producer-state.ts';

const SNAPSHOT_FILE = 'producer-state.json';
/** How much log one rebuild read takes at a time. */
const REBUILD_READ_BYTES = 16 * 1024 * 1024;

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
    try {
      const snap = JSON.parse(await readFile(join(dir, SNAPSHOT_FILE), 'utf8'));
      const at = BigInt(snap.offset);
      if (at >= log.logStartOffset && at <= log.logEndOffset) {
        producers = ProducerState.fromJSON(snap.producers);
        from = at;
      }
    } catch {
      // no snapshot: rebuild from the whole log
    }
    const p = new Partition(topic, index, dir, log, producers);
    await p.rebuildFrom(from);
    return p;
  }

  private async rebuildFrom(offset: bigint): Promise<void> {
    let next = offset;
    while (next < this.log.logEndOffset) {
      const read = await this.log.read(next, REBUILD_READ_BYTES, { minOneBatch: true });
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
            if (h.producerId >= 0n) {
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

  /** Checks idempotence, appends and records producer state, serialized per partition. */
  append(batches: Buffer[], logAppendTimeMs?: bigint): Promise<AppendOutcome> {
    const run = async (): Promise<AppendOutcome> => {
      const identities = batches.map((b) => {
        const h = readBatchHeader(b);
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
    if (this.producers.size > 0) {
      await writeFile(
        join(this.dir, SNAPSHOT_FILE),
        JSON.stringify({ offset: this.log.logEndOffset.toString(), producers: this.producers.toJSON() }),
      );
    } else {
      await rm(join(this.dir, SNAPSHOT_FILE), { force: true });
    }
  }
}
