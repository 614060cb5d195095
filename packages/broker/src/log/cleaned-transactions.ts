/**
 * What the log cleaner knows of transactions while it walks a partition's batches in offset order (Kafka's
 * CleanedTransactionMetadata): which transactional batches belong to an aborted transaction (discarded), and
 * whether a commit or abort marker still has data of its transaction before it in this walk (kept) or is alone
 * (may go, after delete.retention.ms). Aborted transactions come from the partition's aborted index.
 */

/** An aborted transaction of the partition: its data lies in [firstOffset, lastOffset), the marker at lastOffset. */
export interface AbortedRange {
  producerId: bigint;
  firstOffset: bigint;
  lastOffset: bigint;
}

/** What the cleaner needs of a partition's transactions. */
export interface CleanerTxnView {
  /** The last stable offset: the cleaner never touches a segment that reaches it. */
  readonly lastStableOffset: bigint;
  abortedTransactions(fromOffset: bigint, upToOffset: bigint): AbortedRange[];
  /**
   * The markers of these aborted transactions are about to leave the log (their data went first): they leave the
   * aborted index (durably) first, as Kafka's cleaner drops them from the cleaned segment's transaction index, so a
   * read_committed reader does not take the producer's later batches for aborted ones.
   */
  forgetAborted(markers: { producerId: bigint; markerOffset: bigint }[]): Promise<void>;
}

export type MarkerType = 'commit' | 'abort' | 'other' | 'empty';

export class CleanedTransactions {
  private readonly aborted: AbortedRange[];
  private nextAborted = 0;
  /** Producers in an aborted transaction at this point of the walk, and whether a batch of it was seen. */
  private readonly ongoingAborted = new Map<bigint, { batchSeen: boolean }>();
  /** Producers in a committed transaction of which a batch was seen. */
  private readonly ongoingCommitted = new Set<bigint>();

  constructor(aborted: AbortedRange[]) {
    this.aborted = [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
  }

  private consumeAbortedUpTo(offset: bigint): void {
    while (this.nextAborted < this.aborted.length && this.aborted[this.nextAborted]!.firstOffset <= offset) {
      const a = this.aborted[this.nextAborted++]!;
      if (!this.ongoingAborted.has(a.producerId)) this.ongoingAborted.set(a.producerId, { batchSeen: false });
    }
  }

  /** A data batch: true when it belongs to an aborted transaction (its records may all go). */
  onDataBatch(transactional: boolean, producerId: bigint, lastOffset: bigint): boolean {
    this.consumeAbortedUpTo(lastOffset);
    if (!transactional) return false;
    const aborted = this.ongoingAborted.get(producerId);
    if (aborted) {
      aborted.batchSeen = true;
      return true;
    }
    this.ongoingCommitted.add(producerId);
    return false;
  }

  /** A control batch: true when no batch of its transaction was seen before it, so the marker may go. */
  onControlBatch(type: MarkerType, producerId: bigint, lastOffset: bigint): boolean {
    this.consumeAbortedUpTo(lastOffset);
    if (type === 'empty') return true; // already emptied by an earlier clean
    if (type === 'abort') {
      const aborted = this.ongoingAborted.get(producerId);
      this.ongoingAborted.delete(producerId);
      return !aborted?.batchSeen;
    }
    if (type === 'commit') return !this.ongoingCommitted.delete(producerId);
    return false;
  }
}
