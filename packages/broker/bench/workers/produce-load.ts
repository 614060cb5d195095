/**
 * Produce load generator: keeps `inflight` pre-encoded Produce requests (one full RecordBatch each, partitions in
 * turn) outstanding on one connection until the byte or time limit, and reports what the broker acknowledged.
 */
import { randomBytes } from 'node:crypto';
import { decodeResponse, Produce } from '@samsa/protocol';
import { PipelinedConnection, type PreEncodedRequest, preEncode } from '../pipelined-connection.ts';
import { fromParent, runWorker, tellParent, workerOptions } from '../worker-ipc.ts';
import { encodeFullBatch } from '../workload.ts';

export interface ProduceLoadOptions {
  port: number;
  topic: string;
  partitions: number;
  batchSizeBytes: number;
  recordValueBytes: number;
  acks: number;
  inflight: number;
  maxBytes: number;
  durationMs: number;
  produceVersion: number;
}

interface ProduceResponse {
  responses: { partitionResponses: { index: number; errorCode: number; errorMessage: string | null }[] }[];
}

runWorker(async () => {
  const o = workerOptions<ProduceLoadOptions>();
  let failed: Error | null = null;
  let wake: (() => void) | null = null;
  const conn = await PipelinedConnection.open('127.0.0.1', o.port, (err) => {
    failed = err;
    wake?.();
  });
  const { batch, records: recordsPerBatch } = encodeFullBatch(o.batchSizeBytes, randomBytes(o.recordValueBytes));
  const requests: PreEncodedRequest[] = [];
  for (let p = 0; p < o.partitions; p++) {
    requests.push(
      preEncode(Produce, o.produceVersion, {
        transactionalId: null,
        acks: o.acks,
        timeoutMs: 30_000,
        topicData: [{ name: o.topic, partitionData: [{ index: p, records: batch }] }],
      }),
    );
  }
  tellParent({ type: 'ready', batchBytes: batch.length, recordsPerBatch });
  await fromParent('go');

  const cpuStart = process.cpuUsage();
  const startNs = process.hrtime.bigint();
  const deadlineNs = startNs + BigInt(o.durationMs) * 1_000_000n;
  let sentBytes = 0;
  let ackedBytes = 0;
  let ackedRecords = 0;
  let requestsSent = 0;
  let endNs = startNs;
  let stopping = false;
  let errorMessage: string | null = null;

  const onResponse = (frame: Buffer) => {
    const body = decodeResponse(Produce, o.produceVersion, frame).body as unknown as ProduceResponse;
    for (const t of body.responses) {
      for (const p of t.partitionResponses) {
        if (p.errorCode !== 0) {
          errorMessage ??= `partition ${p.index}: error ${p.errorCode} ${p.errorMessage ?? ''}`.trim();
          stopping = true;
        }
      }
    }
    if (errorMessage === null) {
      ackedBytes += batch.length;
      ackedRecords += recordsPerBatch;
    }
    endNs = process.hrtime.bigint();
    pump();
  };
  const pump = () => {
    if (!stopping && (sentBytes >= o.maxBytes || process.hrtime.bigint() >= deadlineNs)) stopping = true;
    while (!stopping && conn.inflight < o.inflight && failed === null) {
      conn.send(requests[requestsSent % requests.length]!, onResponse);
      requestsSent++;
      sentBytes += batch.length;
    }
    if (conn.inflight === 0 || failed !== null) wake?.();
  };
  await new Promise<void>((resolve) => {
    wake = resolve;
    pump();
  });
  conn.close();
  if (failed) throw failed;
  const seconds = Number(endNs - startNs) / 1e9;
  return {
    bytes: ackedBytes,
    records: ackedRecords,
    requests: requestsSent,
    seconds,
    errorMessage,
    cpu: process.cpuUsage(cpuStart),
  };
});
