/**
 * The processor contract shared by the sandbox, the host, the console (test runs) and the CLI.
 *
 * A tenant writes `export default function process(record, ctx)`; `record` is a ProcessorRecordView (inside the
 * sandbox), the function returns null (drop), one ProcessorOutput or a list of them. Keys are kept by default.
 */

/** A record as read from the input topic (host side, before it enters the sandbox). */
export interface InputRecord {
  /** Tenant-local topic name. */
  topic: string;
  partition: number;
  offset: bigint;
  timestampMs: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer]>;
  /** Set by the host when the key / value is in the schema registry's wire format: decoded, or why not. */
  keyDecoding?: SchemaDecoding;
  valueDecoding?: SchemaDecoding;
}

/** The registered schema a key or value was written with, as the function sees it (`record.valueSchema`). */
export interface RecordSchema {
  /** The subject of the version that holds the schema (`<topic>-value` / `-key` when it is one of them); null
   * when no live version holds it. */
  subject: string | null;
  version: number | null;
  /** The schema id in the processor's tenant's registry. */
  id: number;
  type: 'AVRO' | 'PROTOBUF' | 'JSON';
}

/** A key or value in the wire format (magic byte 0 + schema id): the decoded value, or why it was not decoded. */
export type SchemaDecoding = { ok: true; data: unknown; schema: RecordSchema } | { ok: false; error: string };

/** What the function asked for with `valueSchema: { subject, version? }`: the host encodes `data` with it. */
export interface SchemaEncodeRequest {
  subject: string;
  /** 'latest' when the function gave no version. */
  version: number | 'latest';
  data: unknown;
}

/** An output the function asked for, validated and encoded by the sandbox (host side). */
export interface OutputRecord {
  /** One of the version's declared output topics (tenant-local). */
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer]>;
  /** Set when the function asked for the key / value to be encoded with a subject's schema: `key` / `value` are
   * null until the host encodes them (see host/schema-codec.ts). */
  keyEncode?: SchemaEncodeRequest;
  valueEncode?: SchemaEncodeRequest;
}

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogLine {
  level: LogLevel;
  message: string;
  atMs: number;
}

export interface ProcessorErrorInfo {
  /** `thrown` (the function threw), `timeout` (CPU limit per call), `memory` (memory limit: the sandbox is gone),
   * `bad-output` (undeclared topic, oversized record, a value that cannot be encoded, or does not fit the schema
   * it asked for), `compile` (bad module). */
  kind: 'thrown' | 'timeout' | 'memory' | 'bad-output' | 'compile';
  message: string;
  stack?: string;
}

/** What one input record produced. */
export type RecordResult =
  | { ok: true; outputs: OutputRecord[]; logs: LogLine[]; durationMs: number }
  | { ok: false; error: ProcessorErrorInfo; logs: LogLine[]; durationMs: number };

/**
 * What one sandbox call answers: one RecordResult per record, in input order, up to and including the first record
 * whose call faulted with `timeout` or `memory`. A fault ends the call at once, so that the caller acts on it (retry,
 * dead-letter, skip or stop) within the CPU limit of one call rather than after the whole batch: the records after
 * it were not run and have no result (`results.length < records.length`; run them again, or not). `thrown` and
 * `bad-output` errors do not end a call.
 */
export type BatchResults = RecordResult[];

/** Where to start reading at a deploy. `committed`: keep the group's committed offsets. */
export type StartPosition =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'timestamp'; timestampMs: number }
  | { kind: 'offset'; offset: number }
  | { kind: 'committed' };

export type Delivery = 'at-least-once' | 'exactly-once';
export type ErrorPolicy = 'dlq' | 'skip' | 'stop';

/** Limits of one sandbox; the host takes them from the tenant's quota, the console's test run from its settings. */
export interface SandboxLimits {
  /** Hard heap limit of the isolate, MiB. */
  memoryMb: number;
  /** CPU (wall) time one call into the sandbox may take, ms (a batch shares it; the record running when it runs out
   * gets it whole, alone); beyond it the call is stopped with `timeout`. */
  cpuMsPerCall: number;
  /** Outputs one input record may produce. */
  maxOutputsPerRecord: number;
  /** Largest encoded output (key + value + headers), bytes. */
  maxOutputBytes: number;
  /** ctx.log lines kept per call; more are counted and dropped. */
  maxLogLinesPerCall: number;
  /** Longest ctx.log line kept, characters. */
  maxLogLineChars: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = {
  memoryMb: 64,
  cpuMsPerCall: 300,
  maxOutputsPerRecord: 100,
  maxOutputBytes: 1_048_576,
  maxLogLinesPerCall: 20,
  maxLogLineChars: 2_000,
};

/** Header every output carries: where it came from, `<processorId>/<version>/<inputPartition>/<inputOffset>/<index>`. */
export const SOURCE_HEADER = 'samsa-source';

/** The processor's consumer group, tenant-local. */
export function processorGroupId(processorName: string): string {
  return `samsa-processor.${processorName}`;
}

/** The default dead-letter topic, tenant-local. */
export function defaultDlqTopic(processorName: string): string {
  return `${processorName}-dlq`;
}

/** Defined once beside the namespace rule: the broker checks it in the processor's authorization id. */
export { PROCESSOR_NAME_PATTERN } from '@samsa/cluster/namespace';
