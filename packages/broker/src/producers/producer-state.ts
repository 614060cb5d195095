/**
 * ProducerState: per-partition idempotence bookkeeping. For each producer id it keeps the epoch and the last five
 * batches (sequence range -> offsets), so a retried batch is answered with its original offset instead of being
 * appended twice, a gap is refused with OUT_OF_ORDER_SEQUENCE_NUMBER and an older epoch with INVALID_PRODUCER_EPOCH.
 */
import { strict as assert } from 'node:assert';
import { ErrorCode } from '@samsa/protocol';

/** Kafka keeps the metadata of the last 5 batches per producer (max.in.flight.requests.per.connection <= 5). */
export const BATCHES_REMEMBERED_PER_PRODUCER = 5;
/** Bound on producers tracked per partition; the least recently used are forgotten past it. */
export const MAX_PRODUCERS_PER_PARTITION = 10_000;

export interface BatchIdentity {
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  /** Number of records (lastOffsetDelta + 1). */
  count: number;
}

interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: bigint;
  lastOffset: bigint;
}

interface ProducerEntry {
  epoch: number;
  batches: BatchMetadata[];
  lastTimestampMs: number;
}

export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; firstOffset: bigint }
  | { kind: 'error'; errorCode: number; message: string };

function lastSeqOf(b: BatchIdentity): number {
  // Sequences wrap around at Int32.MAX_VALUE.
  return (b.baseSequence + b.count - 1) % 2 ** 31;
}

export class ProducerState {
  private readonly producers = new Map<bigint, ProducerEntry>();

  get size(): number {
    return this.producers.size;
  }

  /** Decides what to do with a batch (does not change state). Non-idempotent batches (producerId < 0) append. */
  check(b: BatchIdentity): SequenceCheck {
    if (b.producerId < 0n) return { kind: 'append' };
    const entry = this.producers.get(b.producerId);
    if (!entry) return { kind: 'append' };
    if (b.producerEpoch < entry.epoch) {
      return {
        kind: 'error',
        errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
        message: `producer ${b.producerId} epoch ${b.producerEpoch} is older than the current epoch ${entry.epoch}`,
      };
    }
    if (b.producerEpoch > entry.epoch) {
      if (b.baseSequence !== 0) {
        return {
          kind: 'error',
          errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          message: `a new epoch ${b.producerEpoch} must start at sequence 0, got ${b.baseSequence}`,
        };
      }
      return { kind: 'append' };
    }
    const last = lastSeqOf(b);
    const dup = entry.batches.find((x) => x.firstSeq === b.baseSequence && x.lastSeq === last);
    if (dup) return { kind: 'duplicate', firstOffset: dup.firstOffset };
    const newest = entry.batches[entry.batches.length - 1];
    if (newest) {
      const expected = (newest.lastSeq + 1) % 2 ** 31;
      if (b.baseSequence !== expected) {
        return {
          kind: 'error',
          errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          message: `producer ${b.producerId}: expected sequence ${expected}, got ${b.baseSequence}`,
        };
      }
    }
    return { kind: 'append' };
  }

  /**
   * A transaction marker written by the coordinator at `epoch`: a newer epoch replaces the producer's entry (its
   * sequences restart at 0), so batches of an older epoch (a fenced zombie) are refused from now on.
   */
  recordMarker(producerId: bigint, epoch: number, nowMs: number): void {
    const entry = this.producers.get(producerId);
    if (entry && epoch <= entry.epoch) return;
    this.producers.delete(producerId);
    this.producers.set(producerId, { epoch, batches: [], lastTimestampMs: nowMs });
  }

  /** Records an appended batch. */
  record(b: BatchIdentity, firstOffset: bigint, nowMs: number): void {
    if (b.producerId < 0n) return;
    let entry = this.producers.get(b.producerId);
    if (!entry || b.producerEpoch > entry.epoch) {
      entry = { epoch: b.producerEpoch, batches: [], lastTimestampMs: nowMs };
    }
    this.producers.delete(b.producerId);
    this.producers.set(b.producerId, entry);
    const meta: BatchMetadata = {
      firstSeq: b.baseSequence,
      lastSeq: lastSeqOf(b),
      firstOffset,
      lastOffset: firstOffset + BigInt(b.count - 1),
    };
    const prev = entry.batches[entry.batches.length - 1];
    if (prev) assert.ok(meta.firstOffset > prev.lastOffset, 'offsets of a producer only go up');
    entry.batches.push(meta);
    if (entry.batches.length > BATCHES_REMEMBERED_PER_PRODUCER) entry.batches.shift();
    entry.lastTimestampMs = nowMs;
    if (this.producers.size > MAX_PRODUCERS_PER_PARTITION) {
      const oldest = this.producers.keys().next().value!;
      this.producers.delete(oldest);
    }
  }

  /** The producers known here, for DescribeProducers: epoch, last sequence (-1 if none) and last append time. */
  describe(): { producerId: bigint; epoch: number; lastSequence: number; lastTimestampMs: number }[] {
    return [...this.producers].map(([producerId, e]) => ({
      producerId,
      epoch: e.epoch,
      lastSequence: e.batches.at(-1)?.lastSeq ?? -1,
      lastTimestampMs: e.lastTimestampMs,
    }));
  }

  /** The producer's current epoch here, if it is known. */
  epochOf(producerId: bigint): number | undefined {
    return this.producers.get(producerId)?.epoch;
  }

  toJSON(): unknown {
    return [...this.producers].map(([pid, e]) => ({
      pid: pid.toString(),
      epoch: e.epoch,
      ts: e.lastTimestampMs,
      batches: e.batches.map((b) => [b.firstSeq, b.lastSeq, b.firstOffset.toString(), b.lastOffset.toString()]),
    }));
  }

  static fromJSON(data: unknown): ProducerState {
    const s = new ProducerState();
    for (const p of data as { pid: string; epoch: number; ts: number; batches: [number, number, string, string][] }[]) {
      s.producers.set(BigInt(p.pid), {
        epoch: p.epoch,
        lastTimestampMs: p.ts,
        batches: p.batches.map(([firstSeq, lastSeq, f, l]) => ({
          firstSeq,
          lastSeq,
          firstOffset: BigInt(f),
          lastOffset: BigInt(l),
        })),
      });
    }
    return s;
  }
}
