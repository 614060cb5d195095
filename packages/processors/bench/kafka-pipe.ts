/**
 * The baseline the processor host is compared with: a consume→transform→produce pipe as a team would write it
 * with @platformatic/kafka in one Node process, against a real `samsa broker` process. A consumer group reads the
 * input topic from the earliest offset, each record goes through the same 1 KiB JSON map, the outputs are sent in
 * batches (idempotent producer, acks=all) and the input offsets are committed after each batch is acknowledged
 * (at-least-once). The input is written before the clock starts.
 */
import { performance } from 'node:perf_hooks';
import { Admin, Consumer, type MessageToProduce, Producer } from '@platformatic/kafka';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { BATCH_RECORDS, jsonValue, mapPlain } from './workload.ts';

export interface PipeThroughput {
  partitions: number;
  records: number;
  seconds: number;
  recordsPerSec: number;
  /** The pipe stopped at its time limit before reading everything. */
  timedOut: boolean;
}

/** Records written per produce request while filling the input topic. */
const FILL_BATCH_RECORDS = 1_000;
/** Records of input per second of phase: enough that a pipe never runs dry within its phase. */
const INPUT_RECORDS_PER_PHASE_SECOND = 8_000;
const MAX_INPUT_RECORDS = 200_000;
const MIN_INPUT_RECORDS = 10_000;
/** The pipe stops after this many phases' worth of time, whatever it has read. */
const PIPE_TIME_LIMIT_PHASES = 4;

export async function withBenchBroker<T>(run: (broker: BrokerProcess) => Promise<T>): Promise<T> {
  const broker = await startBroker({ args: ['--group-initial-rebalance-delay-ms', '0'] });
  try {
    return await run(broker);
  } finally {
    await broker.cleanup();
  }
}

/** Creates `topic` and `<topic>-out` with `partitions` partitions each. */
export async function createPipeTopics(bootstrap: string, topic: string, partitions: number): Promise<void> {
  const admin = new Admin({ clientId: 'bench-admin', bootstrapBrokers: [bootstrap] });
  try {
    await admin.createTopics({ topics: [topic, `${topic}-out`], partitions, replicas: 1 });
  } finally {
    await admin.close();
  }
}

/** Creates `topic` and `<topic>-out` and writes `records` 1 KiB JSON records round-robin over the partitions. */
export async function fillInput(bootstrap: string, topic: string, partitions: number, records: number): Promise<void> {
  await createPipeTopics(bootstrap, topic, partitions);
  const producer = new Producer({ clientId: 'bench-fill', bootstrapBrokers: [bootstrap], acks: 1 });
  try {
    for (let start = 0; start < records; start += FILL_BATCH_RECORDS) {
      const messages: MessageToProduce<Buffer, Buffer, Buffer, Buffer>[] = [];
      for (let i = start; i < Math.min(records, start + FILL_BATCH_RECORDS); i++) {
        messages.push({
          topic,
          partition: i % partitions,
          key: Buffer.from(`key-${i % 1000}`),
          value: Buffer.from(jsonValue(i)),
        });
      }
      await producer.send({ messages });
    }
  } finally {
    await producer.close();
  }
}

export interface RunningPipe {
  /** Records transformed, sent and acknowledged so far. */
  processed(): number;
  /** Resolves when the pipe has stopped (after stop(), or when `untilRecords` were processed). */
  done: Promise<void>;
  /** When the first input record arrived (performance.now()), 0 before. */
  startedAt(): number;
  stop(): Promise<void>;
}

/**
 * Starts the pipe: input topic → the map → `<input>-out`. Outputs are sent when 500 are pending or the consumer
 * has nothing more buffered, then the input offsets are committed.
 */
export async function startKafkaPipe(
  bootstrap: string,
  topic: string,
  untilRecords = Number.POSITIVE_INFINITY,
): Promise<RunningPipe> {
  const producer = new Producer({
    clientId: 'bench-pipe-out',
    bootstrapBrokers: [bootstrap],
    idempotent: true,
    acks: -1,
  });
  const consumer = new Consumer({ groupId: `${topic}-pipe`, clientId: 'bench-pipe-in', bootstrapBrokers: [bootstrap] });
  const stream = await consumer.consume({
    topics: [topic],
    mode: 'earliest',
    autocommit: false,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
  });
  let processed = 0;
  let startedAt = 0;
  let stopping = false;
  let pending: MessageToProduce<Buffer, Buffer, Buffer, Buffer>[] = [];
  const toCommit = new Map<number, { offset: bigint; leaderEpoch: number }>();
  const flush = async () => {
    if (pending.length === 0) return;
    await producer.send({ messages: pending });
    processed += pending.length;
    pending = [];
    await consumer.commit({
      offsets: [...toCommit].map(([partition, { offset, leaderEpoch }]) => ({ topic, partition, offset, leaderEpoch })),
    });
    toCommit.clear();
  };
  const loop = async () => {
    try {
      for await (const message of stream) {
        if (startedAt === 0) startedAt = performance.now();
        pending.push({
          topic: `${topic}-out`,
          key: message.key,
          value: Buffer.from(mapPlain(message.value.toString('utf8'))),
        });
        toCommit.set(message.partition, { offset: message.offset + 1n, leaderEpoch: message.leaderEpoch });
        if (
          pending.length >= BATCH_RECORDS ||
          stream.readableLength === 0 ||
          processed + pending.length >= untilRecords
        ) {
          await flush();
        }
        if (processed >= untilRecords || stopping) break;
      }
      await flush();
    } finally {
      await stream.close();
      await consumer.close();
      await producer.close();
    }
  };
  const done = loop();
  return {
    processed: () => processed,
    startedAt: () => startedAt,
    done,
    async stop() {
      stopping = true;
      await stream.close().catch(() => undefined);
      await done;
    },
  };
}

/** Input records for a throughput phase of `phaseMs`: enough that the transform never runs dry within it. */
export function inputRecordsFor(phaseMs: number): number {
  return Math.max(
    MIN_INPUT_RECORDS,
    Math.min(MAX_INPUT_RECORDS, Math.round((INPUT_RECORDS_PER_PHASE_SECOND * phaseMs) / 1000)),
  );
}

export async function measureKafkaPipe(
  broker: BrokerProcess,
  partitions: number,
  phaseMs: number,
): Promise<PipeThroughput> {
  const topic = `bench-pipe-${partitions}p`;
  const records = inputRecordsFor(phaseMs);
  await fillInput(broker.bootstrap, topic, partitions, records);
  const pipe = await startKafkaPipe(broker.bootstrap, topic, records);
  let timedOut = false;
  // Whatever happens (a stalled group, a slow machine), the pipe stops at its time limit.
  const limit = setTimeout(() => {
    timedOut = true;
    pipe.stop().catch(() => undefined);
  }, PIPE_TIME_LIMIT_PHASES * phaseMs);
  try {
    await pipe.done;
  } finally {
    clearTimeout(limit);
  }
  const seconds = (performance.now() - pipe.startedAt()) / 1000;
  return { partitions, records: pipe.processed(), seconds, recordsPerSec: pipe.processed() / seconds, timedOut };
}
