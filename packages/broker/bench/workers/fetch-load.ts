/**
 * Fetch load generator: reads partitions from offset 0 to their high watermark, one connection per partition and
 * one large Fetch in flight on each (a consumer cannot pipeline fetches of one partition: the next offset comes from
 * the previous answer). Reports whole-batch bytes and records read within the time limit.
 */
import {
  BATCH_HEADER_BYTES,
  batchLastOffset,
  batchRecordCount,
  batchSizeAt,
  decodeResponse,
  Fetch,
} from '@samsa/protocol';
import { PipelinedConnection, preEncode } from '../pipelined-connection.ts';
import { fromParent, runWorker, tellParent, workerOptions } from '../worker-ipc.ts';

export interface FetchLoadOptions {
  port: number;
  topic: string;
  topicId: string;
  partitions: number;
  maxBytesPerRequest: number;
  durationMs: number;
  fetchVersion: number;
}

interface FetchPartition {
  partitionIndex: number;
  errorCode: number;
  highWatermark: bigint;
  records: Buffer | null;
}

interface FetchResponse {
  errorCode: number;
  responses: { partitions: FetchPartition[] }[];
}

runWorker(async () => {
  const o = workerOptions<FetchLoadOptions>();
  let failed: Error | null = null;
  const conns: PipelinedConnection[] = [];
  for (let p = 0; p < o.partitions; p++) {
    conns.push(
      await PipelinedConnection.open('127.0.0.1', o.port, (err) => {
        failed ??= err;
      }),
    );
  }
  tellParent({ type: 'ready' });
  await fromParent('go');

  const cpuStart = process.cpuUsage();
  const startNs = process.hrtime.bigint();
  const deadlineNs = startNs + BigInt(o.durationMs) * 1_000_000n;
  let bytes = 0;
  let records = 0;
  let requests = 0;
  let complete = 0;

  /** Counts the whole batches of one Fetch answer and returns the next offset (the frame is only valid here). */
  const consume = (partition: number, offset: bigint, frame: Buffer) => {
    const body = decodeResponse(Fetch, o.fetchVersion, frame).body as unknown as FetchResponse;
    requests++;
    const p = body.responses[0]?.partitions[0];
    if (body.errorCode !== 0 || !p || p.errorCode !== 0) {
      throw new Error(`fetch of partition ${partition} at ${offset}: error ${body.errorCode}/${p?.errorCode}`);
    }
    const recs = p.records;
    // Count whole batches only; a trailing partial batch is fetched again from its start.
    let at = 0;
    let next = offset;
    while (recs && recs.length - at >= BATCH_HEADER_BYTES) {
      const size = batchSizeAt(recs, at);
      if (at + size > recs.length) break;
      next = batchLastOffset(recs, at) + 1n;
      records += batchRecordCount(recs, at);
      bytes += size;
      at += size;
    }
    if (next < p.highWatermark && at === 0) {
      throw new Error(`fetch of partition ${partition} at ${offset} returned no whole batch`);
    }
    return { next, done: next >= p.highWatermark };
  };

  const readPartition = async (partition: number, conn: PipelinedConnection) => {
    let offset = 0n;
    while (process.hrtime.bigint() < deadlineNs && failed === null) {
      const req = preEncode(Fetch, o.fetchVersion, {
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: o.maxBytesPerRequest,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic: o.topic,
            topicId: o.topicId,
            partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: o.maxBytesPerRequest }],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      });
      const r = await new Promise<{ next: bigint; done: boolean }>((resolve, reject) => {
        conn.send(
          req,
          (frame) => {
            try {
              resolve(consume(partition, offset, frame));
            } catch (err) {
              reject(err);
            }
          },
          reject,
        );
      });
      offset = r.next;
      if (r.done) {
        complete++;
        return;
      }
    }
  };
  await Promise.all(conns.map((conn, p) => readPartition(p, conn)));
  const seconds = Number(process.hrtime.bigint() - startNs) / 1e9;
  for (const c of conns) c.close();
  if (failed) throw failed;
  return { bytes, records, requests, seconds, partitionsComplete: complete, cpu: process.cpuUsage(cpuStart) };
});
