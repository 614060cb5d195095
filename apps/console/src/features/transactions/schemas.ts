/**
 * Zod schemas of the transactions API (a tenant's transactional ids, hanging transactions, abort), shared by the
 * route table (and so the OpenAPI document) and the page. No server imports: the page bundles this file.
 */
import { z } from 'zod';

/** Transactional ids described per page: the open ones first, then the most recent finished ones. */
export const TRANSACTIONS_LIST_MAX = 500;
/** Partitions whose producers are checked for open transactions the coordinator does not know (DescribeProducers). */
export const HANGING_CHECK_PARTITIONS_MAX = 1_000;

export const transactionSchema = z.object({
  /** The tenant's slug: only in the platform admin's cross-tenant view (null for ids outside every tenant). */
  tenant: z.string().nullable().optional(),
  /** As the tenant's clients name it (`transactional.id`). */
  transactionalId: z.string(),
  /** Kafka's state: Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort, PrepareEpochFence. */
  state: z.string(),
  /** Whether a transaction is open (Ongoing or being completed). */
  open: z.boolean(),
  producerId: z.number(),
  producerEpoch: z.number(),
  /** The producer's `transaction.timeout.ms`: an open transaction older than this is aborted by the broker. */
  timeoutMs: z.number(),
  /** When its current (or last) transaction began; null when it never began one. */
  startedAtMs: z.number().nullable(),
  /** For an open transaction, how long it has been open. */
  openForMs: z.number().nullable(),
  partitions: z.array(z.object({ topic: z.string(), partition: z.number() })),
  /** Why it is flagged as hanging; empty when it is not. */
  hanging: z.array(z.string()),
});
export type TransactionView = z.infer<typeof transactionSchema>;

/** A partition holding an open transaction (DescribeProducers) that no coordinator lists as open for it. */
export const hangingPartitionSchema = z.object({
  tenant: z.string().nullable().optional(),
  topic: z.string(),
  partition: z.number(),
  producerId: z.number(),
  producerEpoch: z.number(),
  /** First offset of the open transaction in the partition: read_committed consumers cannot read past it. */
  txnStartOffset: z.number(),
  lastTimestampMs: z.number(),
  reason: z.string(),
});
export type HangingPartitionView = z.infer<typeof hangingPartitionSchema>;

export const transactionListSchema = z.object({
  transactions: z.array(transactionSchema),
  /** Transactional ids the broker listed (at most TRANSACTIONS_LIST_MAX of them are described here). */
  total: z.number(),
  hangingPartitions: z.array(hangingPartitionSchema),
  /**
   * Whether partitions were checked for open transactions the coordinator does not know: false when the broker does
   * not support DescribeProducers. `partitionsChecked` counts them (at most HANGING_CHECK_PARTITIONS_MAX).
   */
  producersChecked: z.boolean(),
  partitionsChecked: z.number(),
  checkedAtMs: z.number(),
});
export type TransactionListView = z.infer<typeof transactionListSchema>;

export const abortedTransactionSchema = z.object({
  transactionalId: z.string(),
  /** The state before the abort. */
  previousState: z.string(),
  /** Whether a transaction was open (and so aborted); the producer is fenced either way. */
  aborted: z.boolean(),
  /** The id's producer after the fence: the epoch was bumped, so the old producer gets PRODUCER_FENCED. */
  producerId: z.number(),
  producerEpoch: z.number(),
});
export type AbortedTransactionView = z.infer<typeof abortedTransactionSchema>;
