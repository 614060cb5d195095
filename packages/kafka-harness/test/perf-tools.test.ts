/**
 * The bench's parsers for Kafka's perf tools, on output captured from Kafka 4.1.1's ProducerPerformance and
 * ConsumerPerformance (progress lines, log lines and the summary, as they print them).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConsumerPerformance, parseProducerPerformance } from '../src/perf-tools.ts';

const PRODUCER_OUTPUT = `3781 records sent, 756.2 records/sec (0.74 MB/sec), 1211.0 ms avg latency, 2519.0 ms max latency.
52353 records sent, 10466.4 records/sec (10.22 MB/sec), 3354.0 ms avg latency, 4375.0 ms max latency.
123669 records sent, 24733.8 records/sec (24.15 MB/sec), 1209.8 ms avg latency, 1996.0 ms max latency.
200000 records sent, 12540.8 records/sec (12.25 MB/sec), 1861.69 ms avg latency, 4375.00 ms max latency, 1351 ms 50th, 4260 ms 95th, 4331 ms 99th, 4369 ms 99.9th.
`;

const CONSUMER_OUTPUT = `start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
2026-12-07 02:56:03:271, 2026-12-07 02:56:08:074, 195.3125, 40.6647, 200000, 41640.6413, 2301, 2502, 78.0625, 79936.0512
`;

test('ProducerPerformance: the final summary line, not the progress lines before it', () => {
  assert.deepEqual(parseProducerPerformance(PRODUCER_OUTPUT), {
    records: 200000,
    recordsPerSec: 12540.8,
    mbPerSec: 12.25,
    avgLatencyMs: 1861.69,
    maxLatencyMs: 4375,
    p50Ms: 1351,
    p95Ms: 4260,
    p99Ms: 4331,
    p999Ms: 4369,
  });
});

test('ProducerPerformance without a summary (the tool died early) is an error naming the tool', () => {
  const progressOnly = PRODUCER_OUTPUT.split('\n').slice(0, 3).join('\n');
  assert.throws(() => parseProducerPerformance(progressOnly), /no ProducerPerformance summary line/);
});

test('ConsumerPerformance: the figures under its header, by column name', () => {
  assert.deepEqual(parseConsumerPerformance(CONSUMER_OUTPUT), {
    records: 200000,
    recordsPerSec: 41640.6413,
    mebibytes: 195.3125,
    mebibytesPerSec: 40.6647,
    rebalanceMs: 2301,
    fetchMs: 2502,
    fetchRecordsPerSec: 79936.0512,
  });
  assert.throws(() => parseConsumerPerformance('WARN something went wrong\n'), /no ConsumerPerformance summary/);
  assert.throws(
    () => parseConsumerPerformance(CONSUMER_OUTPUT.replace('200000', 'NaN')),
    /no number for data.consumed.in.nMsg/,
  );
});
