/**
 * The host side of the sandbox's data boundary: packs a batch of input records into one compact, copyable value
 * (all bytes in one buffer, UTF-8 text decoded natively here), and validates and encodes what the isolate returns
 * into OutputRecords. What comes back is untrusted: every field is checked, nothing is assumed.
 */
import { isUtf8 } from 'node:buffer';
import type { InputRecord, LogLevel, LogLine, OutputRecord, ProcessorErrorInfo, SandboxLimits } from '../types.ts';
import { SOURCE_HEADER } from '../types.ts';

/** Headers the host sets on every output; a function may not set them. */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([SOURCE_HEADER, 'samsa-processor']);

type PackedHeader = [name: string, text: string | null, start: number, length: number];
type PackedRecord = [
  topic: string,
  partition: number,
  offset: number,
  timestampMs: number,
  keyText: string | null,
  keyStart: number,
  keyLength: number,
  valueText: string | null,
  valueStart: number,
  valueLength: number,
  headers: PackedHeader[],
];
export interface PackedBatch {
  bytes: Uint8Array;
  recs: PackedRecord[];
}

export function packBatch(records: readonly InputRecord[]): PackedBatch {
  let totalBytes = 0;
  for (const r of records) {
    totalBytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
    for (const [, v] of r.headers) totalBytes += v.length;
  }
  // A fresh ArrayBuffer: copying a pooled Buffer's view would copy its whole pool into the isolate.
  const bytes = new Uint8Array(totalBytes);
  let at = 0;
  const put = (b: Buffer | null): [string | null, number, number] => {
    if (b === null) return [null, 0, -1];
    bytes.set(b, at);
    at += b.length;
    return [isUtf8(b) ? b.toString('utf8') : null, at - b.length, b.length];
  };
  const recs = records.map((r): PackedRecord => {
    const [keyText, keyStart, keyLength] = put(r.key);
    const [valueText, valueStart, valueLength] = put(r.value);
    const headers = r.headers.map(([name, v]): PackedHeader => [name, ...put(v)]);
    return [
      r.topic,
      r.partition,
      Number(r.offset),
      r.timestampMs,
      keyText,
      keyStart,
      keyLength,
      valueText,
      valueStart,
      valueLength,
      headers,
    ];
  });
  return { bytes, recs };
}

export type RawLog = [level: unknown, message: unknown, atMs: unknown];

/** One record's result as the isolate returned it (untrusted shape). */
export type RawResult = [ok: unknown, payload: unknown, logs: unknown, droppedLogs: unknown, elapsedMs: unknown];

export interface DecodedResult {
  ok: boolean;
  outputs: OutputRecord[];
  error?: ProcessorErrorInfo;
  logs: LogLine[];
  elapsedMs: number;
}

const LEVELS: ReadonlySet<string> = new Set(['info', 'warn', 'error']);

export function decodeLogs(raw: unknown, droppedLogs: unknown, limits: SandboxLimits): LogLine[] {
  const lines: LogLine[] = [];
  if (Array.isArray(raw)) {
    for (const entry of raw.slice(0, limits.maxLogLinesPerCall)) {
      if (!Array.isArray(entry)) continue;
      const [level, message, atMs] = entry as RawLog;
      lines.push({
        level: typeof level === 'string' && LEVELS.has(level) ? (level as LogLevel) : 'info',
        message: String(message).slice(0, limits.maxLogLineChars + 1),
        atMs: typeof atMs === 'number' ? atMs : Date.now(),
      });
    }
  }
  const dropped = typeof droppedLogs === 'number' && droppedLogs > 0 ? droppedLogs : 0;
  if (dropped > 0) {
    lines.push({
      level: 'warn',
      message: `${dropped} more log lines dropped (limit ${limits.maxLogLinesPerCall} per call)`,
      atMs: Date.now(),
    });
  }
  return lines;
}

class BadOutput extends Error {}

export function decodeResult(
  raw: unknown,
  input: InputRecord,
  outputs: readonly string[],
  limits: SandboxLimits,
): DecodedResult {
  if (!Array.isArray(raw)) {
    return failed({ kind: 'thrown', message: 'the sandbox returned a malformed result' }, [], 0);
  }
  const [ok, payload, rawLogs, droppedLogs, elapsed] = raw as RawResult;
  const logs = decodeLogs(rawLogs, droppedLogs, limits);
  const elapsedMs = typeof elapsed === 'number' && elapsed >= 0 ? elapsed : 0;
  if (ok !== 1) return failed(decodeError(payload), logs, elapsedMs);
  try {
    if (!Array.isArray(payload)) throw new BadOutput('the sandbox returned malformed outputs');
    if (payload.length > limits.maxOutputsPerRecord) {
      throw new BadOutput(`${payload.length} outputs for one record, over the limit of ${limits.maxOutputsPerRecord}`);
    }
    const encoded = payload.map((o, index) => decodeOutput(o, index, input, outputs, limits));
    return { ok: true, outputs: encoded, logs, elapsedMs };
  } catch (error) {
    if (!(error instanceof BadOutput)) throw error;
    return failed({ kind: 'bad-output', message: error.message }, logs, elapsedMs);
  }
}

function failed(error: ProcessorErrorInfo, logs: LogLine[], elapsedMs: number): DecodedResult {
  return { ok: false, outputs: [], error, logs, elapsedMs };
}

const ERROR_KINDS: ReadonlySet<string> = new Set(['thrown', 'bad-output']);

function decodeError(payload: unknown): ProcessorErrorInfo {
  if (!Array.isArray(payload)) return { kind: 'thrown', message: 'the function failed' };
  const [kind, message, stack] = payload as unknown[];
  return {
    kind: typeof kind === 'string' && ERROR_KINDS.has(kind) ? (kind as 'thrown' | 'bad-output') : 'thrown',
    message: String(message),
    ...(typeof stack === 'string' ? { stack } : {}),
  };
}

function toBuffer(value: unknown, what: string): Buffer | null {
  if (value === null) return null;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  // Uint8Arrays arrive as fresh copies from the isolate: wrapping them shares nothing with user code.
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new BadOutput(`${what} must be a string, bytes or null`);
}

function decodeOutput(
  raw: unknown,
  index: number,
  input: InputRecord,
  outputs: readonly string[],
  limits: SandboxLimits,
): OutputRecord {
  const where = `output ${index}`;
  if (!Array.isArray(raw) || raw.length !== 4) throw new BadOutput(`${where} is malformed`);
  const [rawTopic, rawKey, rawValue, rawHeaders] = raw as unknown[];
  const topic = rawTopic === undefined ? outputs[0] : rawTopic;
  if (typeof topic !== 'string' || !outputs.includes(topic)) {
    throw new BadOutput(
      `${where} goes to topic "${String(topic)}", which is not a declared output (declared: ${outputs.join(', ')})`,
    );
  }
  const key = rawKey === undefined ? input.key : toBuffer(rawKey, `${where} key`);
  const value = toBuffer(rawValue, `${where} value`);
  if (!Array.isArray(rawHeaders)) throw new BadOutput(`${where} headers are malformed`);
  const headers: Array<[string, Buffer]> = [];
  let sizeBytes = (key?.length ?? 0) + (value?.length ?? 0);
  for (const pair of rawHeaders) {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string') throw new BadOutput(`${where} headers are malformed`);
    const name = pair[0];
    if (RESERVED_HEADERS.has(name)) throw new BadOutput(`${where} sets header "${name}", which the hub sets itself`);
    const headerValue = toBuffer(pair[1], `${where} header "${name}"`) ?? Buffer.alloc(0);
    sizeBytes += Buffer.byteLength(name) + headerValue.length;
    headers.push([name, headerValue]);
  }
  if (sizeBytes > limits.maxOutputBytes) {
    throw new BadOutput(
      `${where} is ${sizeBytes} bytes (key + value + headers), over the limit of ${limits.maxOutputBytes} bytes`,
    );
  }
  return { topic, key, value, headers };
}
