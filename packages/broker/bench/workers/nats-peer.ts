/**
 * NATS JetStream load generator (nats.js): the bench's workload through JetStream publishes to a file-storage stream,
 * subject `<topic>.<partition>` per partition. Publishes are asynchronous, as Go's PublishAsync does it: each is a
 * core publish with a reply subject, and the server's PubAcks arrive on one subscription (js.publish() awaits a
 * request per record and costs the client ten times more). A batch's worth of publishes is acknowledged together,
 * and `inflight` batches are outstanding. Consume and the latency consumer read the stream with an ordered consumer.
 */
import { randomBytes } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { connect, createInbox } from '@nats-io/transport-node';
import { keepBatchesInFlight, LatencyRecorder, type PeerWorkerOptions, sendPaced, timedRead } from '../peer-worker.ts';
import { fromParent, runWorker, tellParent, workerOptions } from '../worker-ipc.ts';

const CONSUME_MAX_MESSAGES = 10_000;

runWorker(async () => {
  const o = workerOptions<PeerWorkerOptions>();
  const nc = await connect({ servers: String(o.target.url) });
  const js = jetstream(nc, { timeout: 30_000 });
  const subjects = Array.from({ length: o.partitions }, (_, p) => `${o.topic}.${p}`);
  /** Outstanding batches by id: records still to be acknowledged, records stored, and who waits for them. */
  const batches = new Map<number, { pending: number; stored: number; resolve: (stored: number) => void }>();
  const inbox = createInbox();
  let nextBatch = 0;
  nc.subscribe(`${inbox}.*`, {
    callback: (err, msg) => {
      const b = batches.get(Number(msg.subject.slice(inbox.length + 1)));
      if (err || !b) return;
      // A PubAck is {"stream":..,"seq":..}; a failure is {"error":{..}}.
      if (!msg.string().includes('"error"')) b.stored++;
      if (--b.pending === 0) {
        batches.delete(Number(msg.subject.slice(inbox.length + 1)));
        b.resolve(b.stored);
      }
    },
  });
  const publishAll = (p: number, values: Buffer[]) =>
    new Promise<number>((resolve) => {
      const id = nextBatch++;
      batches.set(id, { pending: values.length, stored: 0, resolve });
      for (const v of values) nc.publish(subjects[p]!, v, { reply: `${inbox}.${id}` });
    });
  /** Reads the stream from its start, calling `onMessage` with each value and the receive time, until `done`. */
  const readStream = async (onMessage: (value: Uint8Array, nowNs: bigint) => void, done: () => boolean) => {
    const consumer = await js.consumers.get(o.topic);
    await new Promise<void>((resolve, reject) => {
      consumer
        .consume({
          max_messages: CONSUME_MAX_MESSAGES,
          expires: Math.max(1000, o.maxWaitMs),
          callback: (m) => {
            onMessage(m.data, process.hrtime.bigint());
            if (done()) resolve();
          },
        })
        .then((messages) => {
          const poll = setInterval(() => {
            if (!done()) return;
            clearInterval(poll);
            messages.stop();
            resolve();
          }, 50);
          messages.closed().then(() => clearInterval(poll));
        }, reject);
    });
  };
  try {
    if (o.mode === 'produce') {
      const values = Array.from({ length: o.recordsPerBatch }, () => randomBytes(o.recordValueBytes));
      tellParent({ type: 'ready' });
      await fromParent('go');
      return await keepBatchesInFlight(o, (p) => publishAll(p, values));
    }
    if (o.mode === 'consume') {
      tellParent({ type: 'ready' });
      await fromParent('go');
      return await timedRead(o, (count, done) => readStream(() => count(1), done));
    }
    if (o.mode === 'latency-producer') {
      tellParent({ type: 'ready' });
      await fromParent('go');
      return await sendPaced(o, async (p, values) => (await publishAll(p, values)) === values.length);
    }
    tellParent({ type: 'ready' });
    await fromParent('go');
    const recorder = new LatencyRecorder(o);
    await readStream(
      (value, nowNs) => recorder.record(Buffer.from(value.buffer, value.byteOffset, value.byteLength), nowNs),
      () => recorder.done,
    );
    return recorder.result();
  } finally {
    await nc.close();
  }
});
