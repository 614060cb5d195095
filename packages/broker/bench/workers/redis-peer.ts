/**
 * Redis Streams load generator (ioredis): the bench's workload through XADD and XREAD, one stream key per partition
 * (`<topic>:<partition>`), one entry per record with a single field `v`. Produce sends a batch's worth of XADDs as one
 * pipeline and keeps `inflight` pipelines outstanding; consume reads every stream from the start with XREAD COUNT, one
 * connection per stream; the latency consumer blocks in XREAD on all streams.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { keepBatchesInFlight, LatencyRecorder, type PeerWorkerOptions, sendPaced, timedRead } from '../peer-worker.ts';
import { fromParent, runWorker, tellParent, workerOptions } from '../worker-ipc.ts';

const READ_COUNT = 10_000;
const FIELD = 'v';

type StreamEntries = [Buffer, [Buffer, Buffer[]][]][] | null;

const streamKey = (o: PeerWorkerOptions, partition: number) => `${o.topic}:${partition}`;

function connect(o: PeerWorkerOptions): Redis {
  return new Redis(String(o.target.url), { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: true });
}

async function xaddPipeline(redis: Redis, key: string, values: Buffer[]): Promise<number> {
  const pipeline = redis.pipeline();
  for (const v of values) pipeline.xadd(key, '*', FIELD, v);
  const replies = (await pipeline.exec()) ?? [];
  return replies.filter(([err]) => err === null).length;
}

runWorker(async () => {
  const o = workerOptions<PeerWorkerOptions>();
  const keys = Array.from({ length: o.partitions }, (_, p) => streamKey(o, p));
  const connections = Array.from({ length: o.mode === 'consume' ? o.partitions : 1 }, () => connect(o));
  await Promise.all(connections.map((c) => c.connect()));
  const redis = connections[0]!;
  try {
    if (o.mode === 'produce') {
      const values = Array.from({ length: o.recordsPerBatch }, () => randomBytes(o.recordValueBytes));
      tellParent({ type: 'ready' });
      await fromParent('go');
      return await keepBatchesInFlight(o, (p) => xaddPipeline(redis, keys[p]!, values));
    }
    if (o.mode === 'consume') {
      tellParent({ type: 'ready' });
      await fromParent('go');
      return await timedRead(o, (count, done) =>
        Promise.all(
          connections.map(async (c, p) => {
            let lastId = '0';
            while (!done()) {
              const r = (await c.xreadBuffer('COUNT', READ_COUNT, 'STREAMS', keys[p]!, lastId)) as StreamEntries;
              const entries = r?.[0]?.[1] ?? [];
              if (entries.length === 0) return;
              count(entries.length);
              lastId = entries[entries.length - 1]![0].toString();
            }
          }),
        ).then(() => {}),
      );
    }
    if (o.mode === 'latency-producer') {
      tellParent({ type: 'ready' });
      await fromParent('go');
      return await sendPaced(o, async (p, values) => (await xaddPipeline(redis, keys[p]!, values)) === values.length);
    }
    tellParent({ type: 'ready' });
    await fromParent('go');
    const recorder = new LatencyRecorder(o);
    const lastIds = keys.map(() => '0');
    while (!recorder.done) {
      const r = (await redis.xreadBuffer(
        'COUNT',
        READ_COUNT,
        'BLOCK',
        o.maxWaitMs,
        'STREAMS',
        ...keys,
        ...lastIds,
      )) as StreamEntries;
      const nowNs = process.hrtime.bigint();
      for (const [key, entries] of r ?? []) {
        const p = keys.indexOf(key.toString());
        for (const [, fields] of entries) recorder.record(fields[1]!, nowNs);
        if (entries.length > 0) lastIds[p] = entries[entries.length - 1]![0].toString();
      }
    }
    return recorder.result();
  } finally {
    for (const c of connections) c.disconnect();
  }
});
