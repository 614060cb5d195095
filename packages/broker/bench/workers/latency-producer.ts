/**
 * Paced producer for the end-to-end latency phase: every millisecond it sends the records that are due at a fixed
 * rate as one Produce request, each carrying its send time (CLOCK_MONOTONIC) in its value (the pacing is shared with
 * the peers' producers: sendPaced). Partitions are used in turn.
 */
import { decodeResponse, encodeBatch, Produce } from '@samsa/protocol';
import { sendPaced } from '../peer-worker.ts';
import { PipelinedConnection, preEncode } from '../pipelined-connection.ts';
import { fromParent, runWorker, tellParent, workerOptions } from '../worker-ipc.ts';
import { RECORD_VALUE_BYTES } from '../workload.ts';

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

interface ProduceResponse {
  responses: { partitionResponses: { errorCode: number }[] }[];
}

runWorker(async () => {
  const o = workerOptions<LatencyProducerOptions>();
  let failed: Error | null = null;
  const conn = await PipelinedConnection.open('127.0.0.1', o.port, (err) => {
    failed ??= err;
  });
  tellParent({ type: 'ready' });
  await fromParent('go');
  let requests = 0;
  const result = await sendPaced(
    { ...o, recordValueBytes: RECORD_VALUE_BYTES },
    (partition, values) =>
      new Promise<boolean>((resolve, reject) => {
        const req = preEncode(Produce, o.produceVersion, {
          transactionalId: null,
          acks: o.acks,
          timeoutMs: 30_000,
          topicData: [
            {
              name: o.topic,
              partitionData: [
                { index: partition, records: encodeBatch({ records: values.map((value) => ({ value })) }) },
              ],
            },
          ],
        });
        requests++;
        conn.send(
          req,
          (frame) => {
            const body = decodeResponse(Produce, o.produceVersion, frame).body as unknown as ProduceResponse;
            resolve(body.responses.every((t) => t.partitionResponses.every((p) => p.errorCode === 0)));
          },
          reject,
        );
      }),
  );
  conn.close();
  if (failed) throw failed;
  return { ...result, requests };
});
