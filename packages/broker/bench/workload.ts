/**
 * The benchmark workload, described once: record and batch sizes, phase bounds and topic names, plus the
 * pre-encoding of the RecordBatches the load generators send. Peers (issue 4) run the same workload from here.
 */
import { randomBytes } from 'node:crypto';
import { encodeBatch } from '@samsa/protocol';

export const RECORD_VALUE_BYTES = 1024;
/** The small-record shape of the side-by-side table with the peers. */
export const SMALL_RECORD_VALUE_BYTES = 100;
/** Batch sizes follow Kafka's batch.size: a batch holds as many records as fit within this many bytes. */
export const BATCH_SIZES_BYTES = [64 * 1024, 1024 * 1024] as const;
export const PARTITIONS = 4;
export const PRODUCE_INFLIGHT_REQUESTS = 16;
/** Produce phases stop at whichever comes first: this many bytes or the phase's time limit. */
export const PRODUCE_MAX_BYTES = 4 * 1024 * 1024 * 1024;
export const FETCH_MAX_BYTES_PER_REQUEST = 16 * 1024 * 1024;
export const LATENCY_RECORDS_PER_SECOND = 5000;
/** Bytes 0-7 of a latency record's value: its send time (process.hrtime.bigint(), CLOCK_MONOTONIC, machine-wide). */
export const LATENCY_SEND_TIME_AT = 0;
/** Byte 8: 1 for records sent during the warm-up, which the consumer does not count. */
export const LATENCY_WARMUP_FLAG_AT = 8;

/** A batch whose records are all the same incompressible value, as big as fits in `batchSizeBytes`. */
export function encodeFullBatch(batchSizeBytes: number, value: Buffer = randomBytes(RECORD_VALUE_BYTES)) {
  let count = Math.max(1, Math.floor(batchSizeBytes / (value.length + 16)));
  for (;;) {
    const batch = encodeBatch({ records: Array.from({ length: count + 1 }, () => ({ value })) });
    if (batch.length > batchSizeBytes) break;
    count++;
  }
  for (;;) {
    const batch = encodeBatch({ records: Array.from({ length: count }, () => ({ value })) });
    if (batch.length <= batchSizeBytes || count === 1) return { batch, records: count };
    count--;
  }
}

export function sizeLabel(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024}KiB`;
  return `${bytes}B`;
}
