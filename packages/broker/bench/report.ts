/**
 * The benchmark's results as data (written to bench-results/latest.json) and as the printed table. Every row names
 * its system, so rows for peers (Redis Streams, NATS JetStream, a librdkafka client) can sit beside Samsa's.
 */
import type { HostileResult } from './hostile.ts';
import type { KafkaComparison } from './kafka.ts';
import type { SearchBenchResult } from './search.ts';
import type { TransactionsBench } from './transactions.ts';
import type { Machine } from './machine.ts';
import type { Percentiles } from './percentiles.ts';

export interface ThroughputRow {
  system: string;
  name: string;
  kind: 'produce' | 'fetch';
  acks?: number;
  /** Rows of the Samsa vs Apache Kafka table (system 'samsa' or 'kafka'), printed only there. */
  versus?: 'kafka';
  /** The two rows of the cost-of-isolation comparison: the same load without auth and with tenancy on. */
  isolation?: 'no-auth' | 'tenants';
  /** Bytes of each record's value. */
  recordValueBytes?: number;
  /** Set on the rows of the side-by-side table: the client that ran the load, and what an acknowledgement meant. */
  client?: string;
  durability?: string;
  /** The batch size limit (Kafka's batch.size); `batchBytes` is the actual encoded batch. */
  batchSizeBytes?: number;
  batchBytes?: number;
  /** MB = 10^6 bytes of RecordBatch bytes (headers included) for Samsa's own load generators; of record values for
   * the peers and librdkafka, whose framing differs. The side-by-side table uses records/s x value size for all. */
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
  /** Rows of the Samsa vs Apache Kafka table, printed only there. */
  versus?: 'kafka';
  client?: string;
  durability?: string;
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
  /** How each system of the side-by-side table ran: server, version, configuration read from it, how it was found. */
  systems: { system: string; description: string }[];
  /** Lines of the side-by-side table that could not be measured (a durability the server does not offer). */
  unavailable: { system: string; client: string; durability: string }[];
  notes: string[];
  /** The hostile phase: printed when it runs (see hostile.ts). */
  hostile?: HostileResult;
  /** The search phase: printed when it runs (see search.ts). */
  search?: SearchBenchResult;
  /** The Samsa vs Apache Kafka phase (see kafka.ts). */
  kafka?: KafkaComparison;
  /** The transactions phase: transactional produce beside Kafka, and the log cleaner (see transactions.ts). */
  transactions?: TransactionsBench;
  /** The processors phase: figures and the printed table of @samsa/processors' bench (see processors.ts). */
  processors?: { table: string } & Record<string, unknown>;
  /** The scale-out phase: figures and the printed table of @samsa/gateway's bench. */
  scaleOut?: { table: string } & Record<string, unknown>;
}

/** The name each system's rows show in the side-by-side table (with the row's client). */
const SYSTEM_NAMES: Record<string, string> = {
  samsa: 'Samsa',
  'samsa-librdkafka': 'Samsa',
  'redis-streams': 'Redis Streams',
  'nats-jetstream': 'NATS JetStream',
};

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

type Column = [title: string, width: number, align: 'left' | 'right'];

/** Prints a table's header and returns the function that prints its lines. */
function printHeader(cols: Column[]): (cells: string[]) => void {
  const line = (cells: string[]) =>
    out(
      cells
        .map((c, i) => pad(c, cols[i]![1], cols[i]![2]))
        .join(' ')
        .trimEnd(),
    );
  line(cols.map((c) => c[0]));
  line(cols.map((c) => '-'.repeat(c[1])));
  return line;
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
  if (r.loopbackMBps === null && r.throughput.every((row) => row.versus)) return;
  const cols: Column[] = [
    ['phase', 33, 'left'],
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
  out();
  const line = printHeader(cols);
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
  for (const t of r.throughput.filter((row) => row.system === 'samsa' && !row.versus)) {
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
  const rows = r.latency.filter((row) => row.system === 'samsa' && !row.versus);
  if (rows.length === 0) return;
  out();
  const cols: Column[] = [
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
  const line = printHeader(cols);
  for (const l of rows) {
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

/**
 * The side-by-side table: one line per system, client and durability, from every row that names its durability.
 * MB/s here is records/s x record value size, the same measure for every system.
 */
export function printComparisonTable(r: BenchResults, smallRecordBytes: number, largeRecordBytes: number): void {
  type Line = { label: string; durability: string; throughput: ThroughputRow[]; latency?: LatencyRow };
  const lines = new Map<string, Line>();
  const lineOf = (system: string, client: string | undefined, durability: string) => {
    const key = `${system}|${client}|${durability}`;
    let l = lines.get(key);
    if (!l) {
      const name = SYSTEM_NAMES[system] ?? system;
      l = { label: client ? `${name}, ${client}` : name, durability, throughput: [] };
      lines.set(key, l);
    }
    return l;
  };
  for (const t of r.throughput) if (t.durability) lineOf(t.system, t.client, t.durability).throughput.push(t);
  for (const l of r.latency) if (l.durability) lineOf(l.system, l.client, l.durability).latency = l;
  if (lines.size === 0 && r.unavailable.length === 0) return;
  const cols: Column[] = [
    ['system, client', 50, 'left'],
    ['durability', 32, 'left'],
    [`produce ${sizeName(largeRecordBytes)} rec/s`, 17, 'right'],
    ['MB/s', 6, 'right'],
    [`${sizeName(smallRecordBytes)} rec/s`, 11, 'right'],
    ['MB/s', 6, 'right'],
    [`consume ${sizeName(largeRecordBytes)} rec/s`, 17, 'right'],
    ['MB/s', 6, 'right'],
    [`${sizeName(smallRecordBytes)} rec/s`, 11, 'right'],
    ['MB/s', 6, 'right'],
    ['e2e p50', 9, 'right'],
    ['e2e p99', 9, 'right'],
    ['server cores', 12, 'right'],
    ['at 5k/s', 7, 'right'],
  ];
  out();
  const line = printHeader(cols);
  for (const l of lines.values()) {
    const find = (kind: ThroughputRow['kind'], bytes: number) =>
      l.throughput.find((t) => t.kind === kind && t.recordValueBytes === bytes);
    const rate = (t: ThroughputRow | undefined) =>
      t ? [num(t.recordsPerSec), num((t.recordsPerSec * t.recordValueBytes!) / 1e6)] : ['-', '-'];
    const produceLarge = find('produce', largeRecordBytes);
    line([
      l.label,
      l.durability,
      ...rate(produceLarge),
      ...rate(find('produce', smallRecordBytes)),
      ...rate(find('fetch', largeRecordBytes)),
      ...rate(find('fetch', smallRecordBytes)),
      l.latency ? ms(l.latency.e2eUs.p50) : '-',
      l.latency ? ms(l.latency.e2eUs.p99) : '-',
      num(produceLarge?.brokerCores, 2),
      num(l.latency?.brokerCores, 2),
    ]);
  }
  for (const u of r.unavailable) {
    line([`${SYSTEM_NAMES[u.system] ?? u.system}, ${u.client}`, u.durability, ...cols.slice(2).map(() => '-')]);
  }
  out(
    `MB/s = records/s x record value size (10^6 bytes). server cores: the server process's CPU while producing ` +
      `${sizeName(largeRecordBytes)} records, and at 5,000 records/s.`,
  );
  for (const s of r.systems) out(`${SYSTEM_NAMES[s.system] ?? s.system}: ${s.description}`);
}

function sizeName(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

/** The cost of isolation: throughput and broker CPU per GB with tenancy on, as ratios of the same load without. */
export function printIsolation(r: BenchResults): void {
  const plain = r.throughput.find((t) => t.isolation === 'no-auth');
  const tenants = r.throughput.find((t) => t.isolation === 'tenants');
  if (!plain || !tenants) return;
  const cpu =
    plain.brokerCpuSecondsPerGB && tenants.brokerCpuSecondsPerGB
      ? `, broker CPU per GB ${(tenants.brokerCpuSecondsPerGB / plain.brokerCpuSecondsPerGB).toFixed(2)}x`
      : '';
  out();
  out(
    `cost of isolation: with SASL/SCRAM-SHA-512, ACL checks and quotas (${tenants.name}) the produce throughput is ` +
      `${(tenants.mbPerSec / plain.mbPerSec).toFixed(2)}x of the same load without auth${cpu}`,
  );
}

export function printProcessors(results: BenchResults): void {
  if (results.processors) process.stdout.write(results.processors.table);
}
