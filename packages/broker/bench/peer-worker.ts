/**
 * What the peer load generators (Redis Streams, NATS JetStream; the librdkafka one is Python) share: their options,
 * a throughput loop that keeps batches in flight until a deadline, the paced latency producer and the latency
 * consumer's bookkeeping. Each worker supplies only how it sends a batch and how it reads.
 */
import { percentiles } from './percentiles.ts';
import { fromParent } from './worker-ipc.ts';
import { LATENCY_SEND_TIME_AT, LATENCY_WARMUP_FLAG_AT } from './workload.ts';

export type PeerMode = 'produce' | 'consume' | 'latency-producer' | 'latency-consumer';

export interface PeerWorkerOptions {
  mode: PeerMode;
  /** How to reach the server and what to use there: e.g. { url } for Redis and NATS, { bootstrap, acks } for Kafka. */
  target: Record<string, string | number>;
  /** The stream, or the Kafka topic. */
  topic: string;
  partitions: number;
  recordValueBytes: number;
  /** Records per batch (Redis pipeline, NATS publishes awaited together, Kafka batch.size in bytes for librdkafka). */
  recordsPerBatch: number;
  batchSizeBytes: number;
  inflight: number;
  durationMs: number;
  maxBytes: number;
  /** consume: stop once this many records are read. */
  expectedRecords: number;
  recordsPerSecond: number;
  warmupMs: number;
  maxWaitMs: number;
  drainTimeoutMs: number;
  /** latency-consumer: room for this many samples. */
  maxRecords: number;
}

export interface ThroughputResult {
  [key: string]: unknown;
  records: number;
  bytes: number;
  seconds: number;
  cpu: NodeJS.CpuUsage;
}

/**
 * Keeps `inflight` batches outstanding, partitions in turn, until the time or byte limit; `sendBatch` resolves with
 * the records the server acknowledged. Counts payload bytes (record values) only.
 */
export async function keepBatchesInFlight(
  o: PeerWorkerOptions,
  sendBatch: (partition: number) => Promise<number>,
): Promise<ThroughputResult> {
  const cpuStart = process.cpuUsage();
  const startNs = process.hrtime.bigint();
  const deadlineNs = startNs + BigInt(o.durationMs) * 1_000_000n;
  const maxRecords = Math.floor(o.maxBytes / o.recordValueBytes);
  let sentRecords = 0;
  let records = 0;
  let batches = 0;
  let endNs = startNs;
  const lane = async () => {
    while (sentRecords < maxRecords && process.hrtime.bigint() < deadlineNs) {
      sentRecords += o.recordsPerBatch;
      // Not `records += await ...`: that reads `records` before the await and loses the other lanes' counts.
      const acked = await sendBatch(batches++ % o.partitions);
      records += acked;
      endNs = process.hrtime.bigint();
    }
  };
  await Promise.all(Array.from({ length: o.inflight }, lane));
  const seconds = Number(endNs - startNs) / 1e9;
  return { records, bytes: records * o.recordValueBytes, seconds, cpu: process.cpuUsage(cpuStart) };
}

/**
 * Every TICK_MS, sends the records due at a fixed rate as one batch, each value carrying its send time
 * (CLOCK_MONOTONIC) and a warm-up flag, as the Kafka latency producer does; `send` resolves true when acknowledged.
 */
export async function sendPaced(
  o: Pick<PeerWorkerOptions, 'partitions' | 'recordValueBytes' | 'recordsPerSecond' | 'warmupMs' | 'durationMs'>,
  send: (partition: number, values: Buffer[]) => Promise<boolean>,
): Promise<Record<string, unknown>> {
  const TICK_MS = 1;
  const MAX_RECORDS_PER_BATCH = 1000;
  const MAX_INFLIGHT_BATCHES = 512;
  const template = Buffer.alloc(o.recordValueBytes, 0x61);
  const cpuStart = process.cpuUsage();
  const startNs = process.hrtime.bigint();
  const warmupEndNs = startNs + BigInt(o.warmupMs) * 1_000_000n;
  const endNs = warmupEndNs + BigInt(o.durationMs) * 1_000_000n;
  let sent = 0;
  let acked = 0;
  let errors = 0;
  let inflight = 0;
  let batches = 0;
  let skippedTicks = 0;
  const ackLatencyUs: number[] = [];
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = process.hrtime.bigint();
      if (now >= endNs) {
        clearInterval(timer);
        const waitAcks = setInterval(() => {
          if (inflight === 0) {
            clearInterval(waitAcks);
            resolve();
          }
        }, 5);
        return;
      }
      const n = Math.min(Math.floor((Number(now - startNs) / 1e9) * o.recordsPerSecond) - sent, MAX_RECORDS_PER_BATCH);
      if (n <= 0) return;
      if (inflight >= MAX_INFLIGHT_BATCHES) {
        skippedTicks++;
        return;
      }
      const warmup = now < warmupEndNs ? 1 : 0;
      const sendNs = process.hrtime.bigint();
      const values: Buffer[] = [];
      for (let i = 0; i < n; i++) {
        const value = Buffer.from(template);
        value.writeBigInt64BE(sendNs, LATENCY_SEND_TIME_AT);
        value.writeUInt8(warmup, LATENCY_WARMUP_FLAG_AT);
        values.push(value);
      }
      sent += n;
      inflight++;
      send(batches++ % o.partitions, values).then(
        (ok) => {
          inflight--;
          if (ok) acked += n;
          else errors++;
          if (!warmup) ackLatencyUs.push(Number(process.hrtime.bigint() - sendNs) / 1e3);
        },
        () => {
          inflight--;
          errors++;
        },
      );
    }, TICK_MS);
  });
  return {
    sent,
    acked,
    errors,
    skippedTicks,
    ackLatencyUs: percentiles(Float64Array.from(ackLatencyUs)),
    cpu: process.cpuUsage(cpuStart),
  };
}

/**
 * Times a consume phase: `read` calls `count(n)` as records arrive and returns once `done()` says every record
 * produced is read or the time is up. Counts payload bytes (record values) only.
 */
export async function timedRead(
  o: PeerWorkerOptions,
  read: (count: (records: number) => void, done: () => boolean) => Promise<void>,
): Promise<ThroughputResult> {
  const cpuStart = process.cpuUsage();
  const startNs = process.hrtime.bigint();
  const deadline = Date.now() + o.durationMs;
  let records = 0;
  let endNs = startNs;
  await read(
    (n) => {
      records += n;
      endNs = process.hrtime.bigint();
    },
    () => records >= o.expectedRecords || Date.now() >= deadline,
  );
  const seconds = Number(endNs - startNs) / 1e9;
  return { records, bytes: records * o.recordValueBytes, seconds, cpu: process.cpuUsage(cpuStart) };
}

/** The latency consumer's side: records now - send time for each measured record, until every record sent is in. */
export class LatencyRecorder {
  private readonly latencyUs: Float64Array;
  private measured = 0;
  received = 0;
  private expected = Number.POSITIVE_INFINITY;
  private drainDeadline = Number.POSITIVE_INFINITY;
  private readonly cpuStart = process.cpuUsage();

  constructor(o: PeerWorkerOptions) {
    this.latencyUs = new Float64Array(o.maxRecords);
    fromParent('expect').then((msg) => {
      this.expected = msg.records as number;
      this.drainDeadline = Date.now() + o.drainTimeoutMs;
    });
  }

  /** One record read at `nowNs`. */
  record(value: Buffer, nowNs: bigint): void {
    this.received++;
    if (value.readUInt8(LATENCY_WARMUP_FLAG_AT) === 0 && this.measured < this.latencyUs.length) {
      this.latencyUs[this.measured++] = Number(nowNs - value.readBigInt64BE(LATENCY_SEND_TIME_AT)) / 1e3;
    }
  }

  get done(): boolean {
    return this.received >= this.expected || Date.now() >= this.drainDeadline;
  }

  result(): Record<string, unknown> {
    return {
      received: this.received,
      latencyUs: percentiles(this.latencyUs.subarray(0, this.measured)),
      cpu: process.cpuUsage(this.cpuStart),
    };
  }
}
