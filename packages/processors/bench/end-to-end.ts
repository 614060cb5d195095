/**
 * End-to-end latency of a transform: a producer paced by a 1 ms timer appends records at a fixed rate to the input
 * topic, each keyed by its send time (process.hrtime, monotonic); a transform that keeps keys (the pipe, or a
 * processor) writes the outputs; a consumer of the output topic records now - send time. Percentiles in µs over
 * the measured window, after a warm-up.
 */
import { Consumer, type MessageToProduce, Producer } from '@platformatic/kafka';
import { jsonValue } from './workload.ts';

export interface EndToEndLatency {
  recordsPerSec: number;
  sent: number;
  received: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

/** Records produced by one paced send at most: bounds a catch-up burst after a stall. */
const MAX_RECORDS_PER_TICK = 1_000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function measureEndToEnd(
  bootstrap: string,
  options: { inputTopic: string; outputTopic: string; recordsPerSec: number; warmupMs: number; durationMs: number },
): Promise<EndToEndLatency> {
  const consumer = new Consumer({
    groupId: `${options.outputTopic}-latency`,
    clientId: 'bench-e2e-out',
    bootstrapBrokers: [bootstrap],
  });
  const stream = await consumer.consume({
    topics: [options.outputTopic],
    mode: 'earliest',
    autocommit: false,
    maxWaitTime: 100,
  });
  const latenciesUs: number[] = [];
  let measureFromNs = 0n;
  let received = 0;
  const reading = (async () => {
    for await (const message of stream) {
      const sentNs = BigInt(message.key.toString());
      if (sentNs < measureFromNs) continue;
      received++;
      latenciesUs.push(Number(process.hrtime.bigint() - sentNs) / 1000);
    }
  })();
  const producer = new Producer({ clientId: 'bench-e2e-in', bootstrapBrokers: [bootstrap], acks: 1 });
  const value = Buffer.from(jsonValue(0));
  let sent = 0;
  let measuredSent = 0;
  try {
    const startNs = process.hrtime.bigint();
    measureFromNs = startNs + BigInt(options.warmupMs) * 1_000_000n;
    const endNs = measureFromNs + BigInt(options.durationMs) * 1_000_000n;
    while (process.hrtime.bigint() < endNs) {
      const elapsedMs = Number(process.hrtime.bigint() - startNs) / 1e6;
      const due = Math.min(MAX_RECORDS_PER_TICK, Math.floor((elapsedMs * options.recordsPerSec) / 1000) - sent);
      if (due > 0) {
        const messages: MessageToProduce<Buffer, Buffer, Buffer, Buffer>[] = [];
        for (let i = 0; i < due; i++) {
          const now = process.hrtime.bigint();
          messages.push({ topic: options.inputTopic, key: Buffer.from(now.toString()), value });
          if (now >= measureFromNs) measuredSent++;
        }
        sent += due;
        await producer.send({ messages });
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    // Let the last outputs arrive.
    const drainUntil = Date.now() + 2_000;
    while (received < measuredSent && Date.now() < drainUntil) await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    await stream.close();
    await reading.catch(() => undefined);
    await consumer.close();
    await producer.close();
  }
  const sorted = latenciesUs.sort((a, b) => a - b);
  return {
    recordsPerSec: options.recordsPerSec,
    sent: measuredSent,
    received,
    p50Us: percentile(sorted, 50),
    p99Us: percentile(sorted, 99),
    maxUs: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
  };
}
