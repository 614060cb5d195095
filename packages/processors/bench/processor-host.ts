/**
 * Where the processor host's rows plug in: its throughput on the same 1 KiB JSON map with 1 and 6 input
 * partitions (records/s, beside the @platformatic/kafka pipe of kafka-pipe.ts), and the end-to-end p99 from input
 * append to output visible at 5,000 records/s.
 *
 * The host (`startProcessorHost` in src/host) is not on main yet, so this returns null and the report says so.
 * To add the rows: start a tenancy-on broker and a fresh database (as the host's tests do), create a tenant with
 * the input and output topics and a processor whose version runs MAP_SOURCE from workload.ts, fill the input as
 * kafka-pipe.ts does, call startProcessorHost({ databaseUrl, bootstrap, superuser, secretsKey }), and time until
 * the output topic holds every record (its high watermarks); for the latency, run measureEndToEnd (end-to-end.ts)
 * on a fresh input and output topic with the host running, as run.ts does for the pipe.
 */
import type { BrokerProcess } from '@samsa/test-support/broker-process';
import type { EndToEndLatency } from './end-to-end.ts';

export interface ProcessorHostRows {
  throughput: Array<{ partitions: number; records: number; seconds: number; recordsPerSec: number }>;
  /** From the input's append to the output being readable, at LATENCY_RECORDS_PER_SECOND (workload.ts). */
  endToEnd: EndToEndLatency | null;
}

export async function measureProcessorHost(
  _broker: BrokerProcess,
  _phaseMs: number,
): Promise<ProcessorHostRows | null> {
  return null;
}
