/**
 * Paced producer for the end-to-end latency phase: every millisecond it sends the records that are due at a fixed
 * rate, each carrying its send time (CLOCK_MONOTONIC) in its value. Partitions are used in turn.
 */
import { decodeResponse, encodeBatch, Produce } from '@samsa/protocol';
import { PipelinedConnection, preEncode } from '../pipelined-connection.ts';
import { fromParent, runWorker, tellParent, workerOptions } from '../worker-ipc.ts';
import { LATENCY_SEND_TIME_AT, LATENCY_WARMUP_FLAG_AT, RECORD_VALUE_BYTES } from '../workload.ts';
import { percentiles } from '../percentiles.ts';

export interface LatencyProducerOptions {
  port: number;
  topic: string;
  partitions: number;
  acks: number;
  recordsPerSecond: number;
  warmupMs: number;
  durationMs: number;
  produceVersion: number;
}

const TICK_MS = 1;
const MAX_RECORDS_PER_BATCH = 1000;
const MAX_INFLIGHT_REQUESTS = 512;

interface ProduceResponse {
  responses: { partitionResponses: { errorCode: number }[] }[];
}

runWorker(async () => {
  const o = workerOptions<LatencyProducerOptions>();
  let failed: Error | null = null;
  const conn = await PipelinedConnection.open('127.0.0.1', o.port, (err) => {
    failed ??= err;
  });
  const template = Buffer.alloc(RECORD_VALUE_BYTES, 0x61);
  tellParent({ type: 'ready' });
  await fromParent('go');

  const cpuStart = process.cpuUsage();
  const startNs = process.hrtime.bigint();
  const warmupEndNs = startNs + BigInt(o.warmupMs) * 1_000_000n;
  const endNs = warmupEndNs + BigInt(o.durationMs) * 1_000_000n;
  let sent = 0;
  let acked = 0;
  let errors = 0;
  let requests = 0;
  let skippedTicks = 0;
  const ackLatencyUs: number[] = [];

  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = process.hrtime.bigint();
      if (now >= endNs || failed !== null) {
        clearInterval(timer);
        const waitAcks = setInterval(() => {
          if (conn.inflight === 0 || failed !== null) {
            clearInterval(waitAcks);
            resolve();
          }
        }, 5);
        return;
      }
      const due = Math.floor((Number(now - startNs) / 1e9) * o.recordsPerSecond);
      const n = Math.min(due - sent, MAX_RECORDS_PER_BATCH);
      if (n <= 0) return;
      if (conn.inflight >= MAX_INFLIGHT_REQUESTS) {
        skippedTicks++;
        return;
      }
      const warmup = now < warmupEndNs ? 1 : 0;
      const values: { value: Buffer }[] = [];
      for (let i = 0; i < n; i++) {
        const value = Buffer.from(template);
        value.writeUInt8(warmup, LATENCY_WARMUP_FLAG_AT);
        values.push({ value });
      }
      const sendNs = process.hrtime.bigint();
      for (const v of values) v.value.writeBigInt64BE(sendNs, LATENCY_SEND_TIME_AT);
      const batch = encodeBatch({ records: values });
      const req = preEncode(Produce, o.produceVersion, {
        transactionalId: null,
        acks: o.acks,
        timeoutMs: 30_000,
        topicData: [{ name: o.topic, partitionData: [{ index: requests % o.partitions, records: batch }] }],
      });
      requests++;
      sent += n;
      conn.send(req, (frame) => {
        const body = decodeResponse(Produce, o.produceVersion, frame).body as unknown as ProduceResponse;
        const ok = body.responses.every((t) => t.partitionResponses.every((p) => p.errorCode === 0));
        if (ok) acked += n;
        else errors++;
        if (!warmup) ackLatencyUs.push(Number(process.hrtime.bigint() - sendNs) / 1e3);
      });
    }, TICK_MS);
  });
  conn.close();
  if (failed) throw failed;
  const ack = percentiles(Float64Array.from(ackLatencyUs));
  return { sent, acked, errors, requests, skippedTicks, ackLatencyUs: ack, cpu: process.cpuUsage(cpuStart) };
});
