/**
 * Kafka's own perf tools (`kafka-producer-perf-test`, `kafka-consumer-perf-test`, run as their main classes from
 * Kafka's jars): their arguments, and parsers for the summary lines they print.
 */

export const PRODUCER_PERFORMANCE = 'org.apache.kafka.tools.ProducerPerformance';
export const CONSUMER_PERFORMANCE = 'org.apache.kafka.tools.ConsumerPerformance';

/** ProducerPerformance's last line: totals and latency percentiles of every record. */
export interface ProducerPerfSummary {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
}

/** ConsumerPerformance's CSV line under its header. MB here is 2^20 bytes, as the tool prints it. */
export interface ConsumerPerfSummary {
  records: number;
  recordsPerSec: number;
  mebibytes: number;
  mebibytesPerSec: number;
  rebalanceMs: number;
  fetchMs: number;
  fetchRecordsPerSec: number;
}

const PRODUCER_SUMMARY =
  /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$/;

/** The summary of ProducerPerformance's stdout (its last line with percentiles); throws when there is none. */
export function parseProducerPerformance(stdout: string): ProducerPerfSummary {
  const lines = stdout.split('\n').map((l) => l.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = PRODUCER_SUMMARY.exec(lines[i]!);
    if (!m) continue;
    const n = m.slice(1).map(Number);
    return {
      records: n[0]!,
      recordsPerSec: n[1]!,
      mbPerSec: n[2]!,
      avgLatencyMs: n[3]!,
      maxLatencyMs: n[4]!,
      p50Ms: n[5]!,
      p95Ms: n[6]!,
      p99Ms: n[7]!,
      p999Ms: n[8]!,
    };
  }
  throw new Error(`no ProducerPerformance summary line in its output: ${stdout.slice(-500)}`);
}

/** The figures of ConsumerPerformance's stdout (header `start.time, end.time, ...` and one CSV line). */
export function parseConsumerPerformance(stdout: string): ConsumerPerfSummary {
  const lines = stdout.split('\n').map((l) => l.trim());
  const at = lines.findIndex((l) => l.startsWith('start.time,'));
  const values = at >= 0 ? lines[at + 1]?.split(',').map((v) => v.trim()) : undefined;
  if (!values) throw new Error(`no ConsumerPerformance summary in its output: ${stdout.slice(-500)}`);
  const header = lines[at]!.split(',').map((h) => h.trim());
  const field = (name: string) => {
    const i = header.indexOf(name);
    const v = Number(values[i]);
    if (i < 0 || !Number.isFinite(v)) throw new Error(`ConsumerPerformance printed no number for ${name}: ${stdout}`);
    return v;
  };
  return {
    records: field('data.consumed.in.nMsg'),
    recordsPerSec: field('nMsg.sec'),
    mebibytes: field('data.consumed.in.MB'),
    mebibytesPerSec: field('MB.sec'),
    rebalanceMs: field('rebalance.time.ms'),
    fetchMs: field('fetch.time.ms'),
    fetchRecordsPerSec: field('fetch.nMsg.sec'),
  };
}
