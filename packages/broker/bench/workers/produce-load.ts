/**
 * Produce load generator: keeps `inflight` pre-encoded Produce requests (one full RecordBatch each, its partitions in
 * turn) outstanding on each of its connections until the byte or time limit, and reports what the broker
 * acknowledged. A connection may first authenticate with SASL/SCRAM (the cost-of-isolation row).
 */
import { randomBytes } from 'node:crypto';
import { decodeResponse, Produce } from '@samsa/protocol';
import { PipelinedConnection, type PreEncodedRequest, preEncode } from '../pipelined-connection.ts';
import { authenticateScram, type ScramCredentials } from '../scram-client.ts';
import { fromParent, runWorker, tellParent, workerOptions } from '../worker-ipc.ts';
import { encodeFullBatch } from '../workload.ts';

export interface ProduceLoadOptions {
  port: number;
  /** One connection per entry; it sends to every partition of its topics in turn. */
  connections: { topics: string[]; partitions: number; sasl?: ScramCredentials }[];
  batchSizeBytes: number;
  recordValueBytes: number;
  acks: number;
  /** Requests outstanding on each connection. */
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
  const { batch, records: recordsPerBatch } = encodeFullBatch(o.batchSizeBytes, randomBytes(o.recordValueBytes));
  const lanes: { conn: PipelinedConnection; requests: PreEncodedRequest[]; sent: number }[] = [];
  for (const c of o.connections) {
    const conn = await PipelinedConnection.open('127.0.0.1', o.port, (err) => {
      failed ??= err;
      wake?.();
    });
    if (c.sasl) await authenticateScram(conn, c.sasl);
    const requests: PreEncodedRequest[] = [];
    for (const topic of c.topics) {
      for (let p = 0; p < c.partitions; p++) {
        requests.push(
          preEncode(Produce, o.produceVersion, {
            transactionalId: null,
            acks: o.acks,
            timeoutMs: 30_000,
            topicData: [{ name: topic, partitionData: [{ index: p, records: batch }] }],
          }),
        );
      }
    }
    lanes.push({ conn, requests, sent: 0 });
  }
  tellParent({ type: 'ready', batchBytes: batch.length, recordsPerBatch });
  await fromParent('go');

  const cpuStart = process.cpuUsage();
  const startNs = process.hrtime.bigint();
  const deadlineNs = startNs + BigInt(o.durationMs) * 1_000_000n;
  let sentBytes = 0;
  let ackedBytes = 0;
  let ackedRecords = 0;
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
    for (const lane of lanes) {
      while (!stopping && lane.conn.inflight < o.inflight && failed === null) {
        lane.conn.send(lane.requests[lane.sent % lane.requests.length]!, onResponse);
        lane.sent++;
        sentBytes += batch.length;
      }
    }
    if (failed !== null || lanes.every((l) => l.conn.inflight === 0)) wake?.();
  };
  await new Promise<void>((resolve) => {
    wake = resolve;
    pump();
  });
  for (const lane of lanes) lane.conn.close();
  if (failed) throw failed;
  const seconds = Number(endNs - startNs) / 1e9;
  return {
    bytes: ackedBytes,
    records: ackedRecords,
    requests: lanes.reduce((n, l) => n + l.sent, 0),
    seconds,
    errorMessage,
    cpu: process.cpuUsage(cpuStart),
  };
});
