/**
 * Consumer for the end-to-end latency phase: long-polls Fetch (min_bytes 1) over every partition and records, for
 * each record sent after the warm-up, now minus the send time in its value. Stops once it has every record the
 * producer reports sent, or a deadline after that report.
 */
import {
  BATCH_HEADER_BYTES,
  batchLastOffset,
  batchSizeAt,
  decodeRecords,
  decodeResponse,
  Fetch,
} from '@samsa/protocol';
import { PipelinedConnection, preEncode } from '../pipelined-connection.ts';
import { percentiles } from '../percentiles.ts';
import { fromParent, runWorker, tellParent, workerOptions } from '../worker-ipc.ts';
import { LATENCY_SEND_TIME_AT, LATENCY_WARMUP_FLAG_AT } from '../workload.ts';

export interface LatencyConsumerOptions {
  port: number;
  topic: string;
  topicId: string;
  partitions: number;
  fetchVersion: number;
  maxWaitMs: number;
  maxRecords: number;
  drainTimeoutMs: number;
}

interface FetchResponse {
  errorCode: number;
  responses: { partitions: { partitionIndex: number; errorCode: number; records: Buffer | null }[] }[];
}

runWorker(async () => {
  const o = workerOptions<LatencyConsumerOptions>();
  let failed: Error | null = null;
  const conn = await PipelinedConnection.open('127.0.0.1', o.port, (err) => {
    failed ??= err;
  });
  const offsets: bigint[] = Array.from({ length: o.partitions }, () => 0n);
  const latencyUs = new Float64Array(o.maxRecords);
  let measured = 0;
  let received = 0;
  let expected = Number.POSITIVE_INFINITY;
  let drainDeadline = Number.POSITIVE_INFINITY;
  let fetches = 0;
  fromParent('expect').then((msg) => {
    expected = msg.records as number;
    drainDeadline = Date.now() + o.drainTimeoutMs;
  });
  tellParent({ type: 'ready' });
  await fromParent('go');
  const cpuStart = process.cpuUsage();

  while (received < expected && Date.now() < drainDeadline && failed === null) {
    const body = await new Promise<FetchResponse>((resolve, reject) => {
      const req = preEncode(Fetch, o.fetchVersion, {
        maxWaitMs: o.maxWaitMs,
        minBytes: 1,
        maxBytes: 8 * 1024 * 1024,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic: o.topic,
            topicId: o.topicId,
            partitions: offsets.map((fetchOffset, partition) => ({
              partition,
              fetchOffset,
              partitionMaxBytes: 1024 * 1024,
            })),
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      });
      conn.send(
        req,
        (frame) => {
          try {
            // A copy: the frame is only valid during this call, the records are read after the await.
            resolve(decodeResponse(Fetch, o.fetchVersion, Buffer.from(frame)).body as unknown as FetchResponse);
          } catch (err) {
            reject(err);
          }
        },
        reject,
      );
    });
    const nowNs = process.hrtime.bigint();
    fetches++;
    if (body.errorCode !== 0) throw new Error(`fetch error ${body.errorCode}`);
    for (const p of body.responses[0]?.partitions ?? []) {
      if (p.errorCode !== 0) throw new Error(`fetch error ${p.errorCode} on partition ${p.partitionIndex}`);
      const recs = p.records;
      let at = 0;
      while (recs && recs.length - at >= BATCH_HEADER_BYTES) {
        const size = batchSizeAt(recs, at);
        if (at + size > recs.length) break;
        const batch = recs.subarray(at, at + size);
        for (const r of decodeRecords(batch)) {
          if (r.offset < offsets[p.partitionIndex]!) continue;
          received++;
          const value = r.value!;
          if (value.readUInt8(LATENCY_WARMUP_FLAG_AT) === 0 && measured < latencyUs.length) {
            latencyUs[measured++] = Number(nowNs - value.readBigInt64BE(LATENCY_SEND_TIME_AT)) / 1e3;
          }
        }
        offsets[p.partitionIndex] = batchLastOffset(batch) + 1n;
        at += size;
      }
    }
  }
  conn.close();
  if (failed) throw failed;
  return {
    received,
    measured,
    fetches,
    latencyUs: percentiles(latencyUs.subarray(0, measured)),
    cpu: process.cpuUsage(cpuStart),
  };
});
