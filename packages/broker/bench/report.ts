/**
 * The benchmark's results as data (written to bench-results/latest.json) and as the printed table. Every row names
 * its system, so rows for peers (Redis Streams, NATS JetStream, a librdkafka client) can sit beside Samsa's.
 */
import type { Machine } from './machine.ts';
import type { Percentiles } from './percentiles.ts';

export interface ThroughputRow {
  system: string;
  name: string;
  kind: 'produce' | 'fetch';
  acks?: number;
  /** The batch size limit (Kafka's batch.size); `batchBytes` is the actual encoded batch. */
  batchSizeBytes?: number;
  batchBytes?: number;
  /** MB = 10^6 bytes of RecordBatch bytes (headers included), acknowledged or read. */
  mbPerSec: number;
  recordsPerSec: number;
  bytes: number;
  records: number;
  seconds: number;
  ratioToLoopback: number | null;
  /** GB = 10^9 bytes. */
  brokerCpuSecondsPerGB: number | null;
  /** Broker CPU seconds per wall second during the phase (1.0 = one core busy). */
  brokerCores: number;
  /** The same by thread: 'main' (the event loop), 'libuv-worker' (file I/O), V8 helpers (GC, compilation). */
  brokerThreadCores: Record<string, number>;
  loadGeneratorCores: number;
  /** Cores busy on the machine outside the broker and the load generator: noise from other processes. */
  otherCores: number;
}

export interface LatencyRow {
  system: string;
  acks: number;
  recordsPerSecond: number;
  sent: number;
  received: number;
  /** Microseconds from the producer's send to the consumer's receipt. */
  e2eUs: Percentiles;
  /** Microseconds from sending a Produce request to its response. */
  produceAckUs: Percentiles;
  producerErrors: number;
  brokerCores: number;
  otherCores: number;
}

export interface BenchResults {
  startedAt: string;
  commit: string;
  machine: Machine;
  /** 1-minute load average when the run began: other work on the machine skews every figure. */
  loadAverageAtStart: number;
  workload: Record<string, number>;
  loopbackMBps: number | null;
  /** CPU cores the loopback's receiving process used: what reading the bytes alone costs a client. */
  loopbackSinkCores: number | null;
  /** The slowest and fastest 250 ms windows of the loopback phase. */
  loopbackWindowMBps: { min: number; max: number } | null;
  throughput: ThroughputRow[];
  latency: LatencyRow[];
  notes: string[];
}

const out = (line = '') => process.stdout.write(`${line}\n`);

function pad(s: string, width: number, align: 'left' | 'right' = 'right'): string {
  return align === 'left' ? s.padEnd(width) : s.padStart(width);
}

function num(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ms(us: number): string {
  if (!Number.isFinite(us)) return '-';
  return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
}

export function printMachine(r: BenchResults): void {
  const m = r.machine;
  out(`Samsa benchmark — ${r.startedAt} — commit ${r.commit}`);
  out(`machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, Linux ${m.kernel}, Node ${m.node}`);
  out(
    `broker data dir under ${m.tmpdir}; broker and load generators share these ${m.cores} cores; ` +
      `load average at start ${r.loadAverageAtStart.toFixed(2)}`,
  );
  const w = r.workload;
  out(
    `workload: ${w.recordValueBytes} B incompressible records, ${w.partitions} partitions, ` +
      `${w.produceInflightRequests} produce requests in flight on one connection, ` +
      `phases of ${w.phaseSeconds} s (produce also stops at ${num(w.produceMaxBytes! / 2 ** 30)} GiB)`,
  );
  out();
}

export function printThroughputTable(r: BenchResults): void {
  if (r.loopbackMBps === null && r.throughput.length === 0) return;
  const cols: [string, number, 'left' | 'right'][] = [
    ['phase', 26, 'left'],
    ['MB/s', 8, 'right'],
    ['records/s', 11, 'right'],
    ['x loopback', 11, 'right'],
    ['broker CPU s/GB', 16, 'right'],
    ['broker cores', 13, 'right'],
    ['main thread', 12, 'right'],
    ['loadgen cores', 14, 'right'],
    ['other cores', 12, 'right'],
    ['data', 10, 'right'],
  ];
  const line = (cells: string[]) =>
    out(
      cells
        .map((c, i) => pad(c, cols[i]![1], cols[i]![2]))
        .join(' ')
        .trimEnd(),
    );
  out();
  line(cols.map((c) => c[0]));
  line(cols.map((c) => '-'.repeat(c[1])));
  if (r.loopbackMBps !== null) {
    line([
      'TCP loopback, 2 processes',
      num(r.loopbackMBps),
      '-',
      '1.00x',
      '-',
      '-',
      '-',
      num(r.loopbackSinkCores, 2),
      '-',
    ]);
  }
  for (const t of r.throughput) {
    line([
      t.name,
      num(t.mbPerSec),
      num(t.recordsPerSec),
      t.ratioToLoopback === null ? '-' : `${t.ratioToLoopback.toFixed(2)}x`,
      num(t.brokerCpuSecondsPerGB, 2),
      num(t.brokerCores, 2),
      num(t.brokerThreadCores.main, 2),
      num(t.loadGeneratorCores, 2),
      num(t.otherCores, 2),
      `${num(t.bytes / 1e6)} MB`,
    ]);
  }
}

export function printLatencyTable(r: BenchResults): void {
  if (r.latency.length === 0) return;
  out();
  const cols: [string, number, 'left' | 'right'][] = [
    ['end-to-end latency', 26, 'left'],
    ['p50', 10, 'right'],
    ['p99', 10, 'right'],
    ['p999', 10, 'right'],
    ['max', 10, 'right'],
    ['records', 9, 'right'],
    ['produce ack p50', 16, 'right'],
    ['ack p99', 10, 'right'],
    ['broker cores', 13, 'right'],
    ['other cores', 12, 'right'],
  ];
  const line = (cells: string[]) =>
    out(
      cells
        .map((c, i) => pad(c, cols[i]![1], cols[i]![2]))
        .join(' ')
        .trimEnd(),
    );
  line(cols.map((c) => c[0]));
  line(cols.map((c) => '-'.repeat(c[1])));
  for (const l of r.latency) {
    line([
      `acks=${l.acks === -1 ? 'all' : l.acks} @ ${num(l.recordsPerSecond)} rec/s`,
      ms(l.e2eUs.p50),
      ms(l.e2eUs.p99),
      ms(l.e2eUs.p999),
      ms(l.e2eUs.max),
      num(l.e2eUs.count),
      ms(l.produceAckUs.p50),
      ms(l.produceAckUs.p99),
      num(l.brokerCores, 2),
      num(l.otherCores, 2),
    ]);
  }
}
