/**
 * The processors section of `pnpm bench` (the broker's bench runner calls this script for `--only processors`):
 * the sandbox alone against the same function as plain JS, a consume→transform→produce pipe written with
 * @platformatic/kafka against a real broker with 1 and 6 partitions, and the processor host's rows when it is
 * there. Prints a table and asserts nothing; with --json FILE it writes the figures and the table there instead.
 *
 *   node bench/run.ts [--seconds 10] [--json FILE]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type EndToEndLatency, measureEndToEnd } from './end-to-end.ts';
import {
  createPipeTopics,
  measureKafkaPipe,
  type PipeThroughput,
  startKafkaPipe,
  withBenchBroker,
} from './kafka-pipe.ts';
import { measureProcessorHost, type ProcessorHostRows } from './processor-host.ts';
import { measureSandboxThroughput, type SandboxThroughput } from './sandbox-throughput.ts';
import { LATENCY_RECORDS_PER_SECOND, RECORD_VALUE_BYTES } from './workload.ts';

interface ProcessorsBenchResults {
  recordValueBytes: number;
  sandbox: SandboxThroughput;
  pipe: PipeThroughput[];
  pipeEndToEnd: EndToEndLatency;
  host: ProcessorHostRows | null;
  notes: string[];
  /** The printed table, for the broker's bench runner to print beside its own tables. */
  table: string;
}

const PIPE_PARTITIONS = [1, 6];

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function processorsTable(r: Omit<ProcessorsBenchResults, 'table'>): string {
  let out = '';
  const write = (s: string) => {
    out += s;
  };
  const rows: Array<[string, string, string]> = [
    [
      'sandbox, batches of 500 (isolated-vm)',
      fmt(r.sandbox.sandboxRecordsPerSec),
      `${r.sandbox.ratio.toFixed(2)}x plain JS`,
    ],
    [
      'sandbox in a child process (per tenant)',
      fmt(r.sandbox.processSandboxRecordsPerSec),
      `${r.sandbox.processRatio.toFixed(2)}x plain JS`,
    ],
    ['same function, plain JS in the process', fmt(r.sandbox.plainRecordsPerSec), '1.00x'],
  ];
  for (const p of r.pipe) {
    rows.push([
      `@platformatic/kafka pipe, ${p.partitions} partition${p.partitions > 1 ? 's' : ''}`,
      fmt(p.recordsPerSec),
      p.timedOut ? 'stopped at its time limit' : '',
    ]);
  }
  for (const h of r.host?.throughput ?? []) {
    const pipe = r.pipe.find((p) => p.partitions === h.partitions);
    rows.push([
      `processor host, ${h.partitions} partition${h.partitions > 1 ? 's' : ''}`,
      fmt(h.recordsPerSec),
      pipe ? `${(h.recordsPerSec / pipe.recordsPerSec).toFixed(2)}x the pipe` : '',
    ]);
  }
  write(`\nProcessors (${r.recordValueBytes} B JSON map: parse, add a field, stringify)\n`);
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max('records/s'.length, ...rows.map((x) => x[1].length));
  write(`  ${'row'.padEnd(w0)}  ${'records/s'.padStart(w1)}  ratio\n`);
  for (const [name, rate, ratio] of rows) write(`  ${name.padEnd(w0)}  ${rate.padStart(w1)}  ${ratio}\n`);
  const latency = (name: string, l: EndToEndLatency) =>
    write(
      `  ${name} end-to-end at ${fmt(l.recordsPerSec)} records/s: p50 ${(l.p50Us / 1000).toFixed(1)} ms, p99 ${(l.p99Us / 1000).toFixed(1)} ms (${fmt(l.received)} of ${fmt(l.sent)} received)\n`,
    );
  latency('@platformatic/kafka pipe', r.pipeEndToEnd);
  if (r.host?.endToEnd) latency('processor host', r.host.endToEnd);
  for (const n of r.notes) write(`  note: ${n}\n`);
  return out;
}

async function main(): Promise<void> {
  const { values: flags } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: { seconds: { type: 'string', default: '10' }, json: { type: 'string' } },
  });
  const phaseMs = Math.round(Number(flags.seconds) * 1000);
  if (!(phaseMs >= 500 && phaseMs <= 120_000)) throw new Error('--seconds: 0.5 to 120');
  process.stdout.write('  running processors: sandbox against plain JS ...\n');
  const sandbox = await measureSandboxThroughput(phaseMs);
  const { pipe, pipeEndToEnd, host } = await withBenchBroker(async (broker) => {
    const pipe: PipeThroughput[] = [];
    for (const partitions of PIPE_PARTITIONS) {
      process.stdout.write(`  running processors: @platformatic/kafka pipe, ${partitions} partition(s) ...\n`);
      pipe.push(await measureKafkaPipe(broker, partitions, phaseMs));
    }
    process.stdout.write(
      `  running processors: @platformatic/kafka pipe end-to-end at ${LATENCY_RECORDS_PER_SECOND} records/s ...\n`,
    );
    await createPipeTopics(broker.bootstrap, 'bench-e2e', 1);
    const running = await startKafkaPipe(broker.bootstrap, 'bench-e2e');
    let pipeEndToEnd: EndToEndLatency;
    try {
      pipeEndToEnd = await measureEndToEnd(broker.bootstrap, {
        inputTopic: 'bench-e2e',
        outputTopic: 'bench-e2e-out',
        recordsPerSec: LATENCY_RECORDS_PER_SECOND,
        warmupMs: 1_000,
        durationMs: phaseMs,
      });
    } finally {
      await running.stop();
    }
    return { pipe, pipeEndToEnd, host: await measureProcessorHost(broker, phaseMs) };
  });
  const measured = {
    recordValueBytes: RECORD_VALUE_BYTES,
    sandbox,
    pipe,
    pipeEndToEnd,
    host,
    notes: host === null ? ['processor host rows: not measured yet (see bench/processor-host.ts)'] : [],
  };
  const results: ProcessorsBenchResults = { ...measured, table: processorsTable(measured) };
  if (flags.json) writeFileSync(flags.json, `${JSON.stringify(results, null, 2)}\n`);
  else process.stdout.write(results.table);
}

main().catch((err) => {
  process.stderr.write(`processors bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
