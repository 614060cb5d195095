/**
 * The host side of the sandbox's data boundary: packs a batch of input records into one compact, copyable value
 * (all bytes in one buffer, UTF-8 text decoded natively here), and validates and encodes what the isolate returns
 * into OutputRecords. What comes back is untrusted: every field is checked, nothing is assumed.
 */
import { isUtf8 } from 'node:buffer';
import type {
  InputRecord,
  LogLevel,
  LogLine,
  OutputRecord,
  ProcessorErrorInfo,
  SandboxLimits,
  SchemaDecoding,
  SchemaEncodeRequest,
} from '../types.ts';
import { SOURCE_HEADER } from '../types.ts';
import { META_STRIDE, OUT_STRIDE } from './runtime-source.ts';

/** Headers the host sets on every output; a function may not set them. */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([SOURCE_HEADER, 'samsa-processor']);

/**
 * A batch as it enters the isolate. `meta` holds META_STRIDE numbers per record: topic index, partition, offset,
 * timestampMs, key start, key length, value start, value length (-1: null), first header, header count. `texts`
 * holds the key's and the value's text per record (null when absent or not UTF-8); headers are flat as well.
 */
export interface PackedBatch {
  bytes: Uint8Array;
  meta: Float64Array;
  texts: Array<string | null>;
  topics: string[];
  hNames: string[];
  hTexts: Array<string | null>;
  /** Start and length in `bytes` per header. */
  hMeta: Float64Array;
  /** Per record the key's and the value's SchemaDecoding (null: not in the wire format); null when no record has
   * one. */
  decodings: Array<SchemaDecoding | null> | null;
}

/**
 * What the isolate returns for a batch (untrusted until checked): per record a status (0 ok, 1 thrown,
 * 2 bad-output), an output count and elapsed ms; outputs flat, OUT_STRIDE entries each (topic|undefined,
 * key|undefined = keep the input key, value, headers|undefined, keySchema|undefined, valueSchema|undefined: with a
 * schema, the key or value is plain data for the host to encode); errors flat (message, stack); logs flat (record index, level,
 * message, atMs); dropped log counts flat (record index, count).
 */
export interface RawBatchResult {
  status: unknown[];
  counts: unknown[];
  outs: unknown[];
  errs: unknown[];
  elapsed: unknown[];
  logs: unknown[];
  dropped: unknown[];
}

export function packBatch(records: readonly InputRecord[]): PackedBatch {
  let totalBytes = 0;
  let headerCount = 0;
  for (const r of records) {
    totalBytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
    for (const [, v] of r.headers) totalBytes += v.length;
    headerCount += r.headers.length;
  }
  // A fresh ArrayBuffer: copying a pooled Buffer's view would copy its whole pool into the isolate.
  const bytes = new Uint8Array(totalBytes);
  const meta = new Float64Array(records.length * META_STRIDE);
  const texts: Array<string | null> = new Array(records.length * 2);
  const topics: string[] = [];
  const hNames: string[] = new Array(headerCount);
  const hTexts: Array<string | null> = new Array(headerCount);
  const hMeta = new Float64Array(headerCount * 2);
  const decodings = records.some((r) => r.keyDecoding || r.valueDecoding)
    ? records.flatMap((r) => [r.keyDecoding ?? null, r.valueDecoding ?? null])
    : null;
  let at = 0;
  let h = 0;
  /** Copies `b` into `bytes`, stores start and length at meta-like `target[index]`; returns its text or null. */
  const put = (b: Buffer | null, target: Float64Array, index: number): string | null => {
    if (b === null) {
      target[index + 1] = -1;
      return null;
    }
    bytes.set(b, at);
    target[index] = at;
    target[index + 1] = b.length;
    at += b.length;
    return isUtf8(b) ? b.toString('utf8') : null;
  };
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const m = i * META_STRIDE;
    let topicIndex = topics.indexOf(r.topic);
    if (topicIndex < 0) topicIndex = topics.push(r.topic) - 1;
    meta[m] = topicIndex;
    meta[m + 1] = r.partition;
    meta[m + 2] = Number(r.offset);
    meta[m + 3] = r.timestampMs;
    texts[2 * i] = put(r.key, meta, m + 4);
    texts[2 * i + 1] = put(r.value, meta, m + 6);
    meta[m + 8] = h;
    meta[m + 9] = r.headers.length;
    for (const [name, v] of r.headers) {
      hNames[h] = name;
      hTexts[h] = put(v, hMeta, 2 * h);
      h++;
    }
  }
  return { bytes, meta, texts, topics, hNames, hTexts, hMeta, decodings };
}

export interface DecodedResult {
  ok: boolean;
  outputs: OutputRecord[];
  error?: ProcessorErrorInfo;
  logs: LogLine[];
  elapsedMs: number;
}

const LEVELS: ReadonlySet<string> = new Set(['info', 'warn', 'error']);

function decodeLogLine(level: unknown, message: unknown, atMs: unknown, limits: SandboxLimits): LogLine {
  return {
    level: typeof level === 'string' && LEVELS.has(level) ? (level as LogLevel) : 'info',
    message: String(message).slice(0, limits.maxLogLineChars + 1),
    atMs: typeof atMs === 'number' ? atMs : Date.now(),
  };
}

function droppedLine(dropped: number, limits: SandboxLimits): LogLine {
  return {
    level: 'warn',
    message: `${dropped} more log lines dropped (limit ${limits.maxLogLinesPerCall} per call)`,
    atMs: Date.now(),
  };
}

/** The logs of record `index` from a raw batch result: what the record that was stopped by a timeout wrote. */
export function logsOf(raw: RawBatchResult | null, index: number, limits: SandboxLimits): LogLine[] {
  if (!isRawBatchResult(raw)) return [];
  const lines: LogLine[] = [];
  for (let l = 0; l + 3 < raw.logs.length; l += 4) {
    if (raw.logs[l] === index && lines.length < limits.maxLogLinesPerCall) {
      lines.push(decodeLogLine(raw.logs[l + 1], raw.logs[l + 2], raw.logs[l + 3], limits));
    }
  }
  for (let d = 0; d + 1 < raw.dropped.length; d += 2) {
    if (raw.dropped[d] === index && typeof raw.dropped[d + 1] === 'number') {
      lines.push(droppedLine(raw.dropped[d + 1] as number, limits));
    }
  }
  return lines;
}

export function isRawBatchResult(raw: unknown): raw is RawBatchResult {
  if (raw === null || typeof raw !== 'object') return false;
  const r = raw as Record<string, unknown>;
  return ['status', 'counts', 'outs', 'errs', 'elapsed', 'logs', 'dropped'].every((k) => Array.isArray(r[k]));
}

class BadOutput extends Error {}

/** Checks and decodes the results of the first `raw.status.length` records of `batch`. */
export function decodeBatch(
  raw: unknown,
  batch: readonly InputRecord[],
  outputs: readonly string[],
  limits: SandboxLimits,
): DecodedResult[] {
  if (!isRawBatchResult(raw)) {
    return batch.map(() => failed({ kind: 'thrown', message: 'the sandbox returned a malformed result' }, [], 0));
  }
  const done = Math.min(raw.status.length, batch.length);
  const results: DecodedResult[] = new Array(done);
  let o = 0;
  let e = 0;
  let l = 0;
  let d = 0;
  for (let i = 0; i < done; i++) {
    const logs: LogLine[] = [];
    for (; l + 3 < raw.logs.length && raw.logs[l] === i; l += 4) {
      if (logs.length < limits.maxLogLinesPerCall) {
        logs.push(decodeLogLine(raw.logs[l + 1], raw.logs[l + 2], raw.logs[l + 3], limits));
      }
    }
    for (; d + 1 < raw.dropped.length && raw.dropped[d] === i; d += 2) {
      if (typeof raw.dropped[d + 1] === 'number') logs.push(droppedLine(raw.dropped[d + 1] as number, limits));
    }
    const elapsed = raw.elapsed[i];
    const elapsedMs = typeof elapsed === 'number' && elapsed >= 0 ? elapsed : 0;
    const status = raw.status[i];
    const count = raw.counts[i];
    if (status !== 0) {
      const kind = status === 2 ? 'bad-output' : 'thrown';
      const stack = raw.errs[e + 1];
      results[i] = failed(
        { kind, message: String(raw.errs[e]), ...(typeof stack === 'string' ? { stack } : {}) },
        logs,
        elapsedMs,
      );
      e += 2;
      continue;
    }
    const n = typeof count === 'number' && Number.isInteger(count) && count >= 0 ? count : -1;
    try {
      if (n < 0 || o + OUT_STRIDE * n > raw.outs.length) throw new BadOutput('the sandbox returned malformed outputs');
      if (n > limits.maxOutputsPerRecord) {
        throw new BadOutput(`${n} outputs for one record, over the limit of ${limits.maxOutputsPerRecord}`);
      }
      const encoded: OutputRecord[] = new Array(n);
      for (let k = 0; k < n; k++) {
        const at = o + OUT_STRIDE * k;
        encoded[k] = decodeOutput(raw.outs, at, k, batch[i], outputs, limits);
      }
      results[i] = { ok: true, outputs: encoded, logs, elapsedMs };
    } catch (error) {
      if (!(error instanceof BadOutput)) throw error;
      results[i] = failed({ kind: 'bad-output', message: error.message }, logs, elapsedMs);
    }
    o += OUT_STRIDE * Math.max(n, 0);
  }
  return results;
}

function failed(error: ProcessorErrorInfo, logs: LogLine[], elapsedMs: number): DecodedResult {
  return { ok: false, outputs: [], error, logs, elapsedMs };
}

function toBuffer(value: unknown, what: string): Buffer | null {
  if (value === null) return null;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  // Uint8Arrays arrive as fresh copies from the isolate: wrapping them shares nothing with user code.
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new BadOutput(`${what} must be a string, bytes or null`);
}

function decodeOutput(
  outs: unknown[],
  at: number,
  index: number,
  input: InputRecord,
  outputs: readonly string[],
  limits: SandboxLimits,
): OutputRecord {
  const where = `output ${index}`;
  const rawTopic = outs[at];
  const rawKey = outs[at + 1];
  const rawHeaders = outs[at + 3];
  const topic = rawTopic === undefined ? outputs[0] : rawTopic;
  if (typeof topic !== 'string' || (rawTopic !== undefined && !outputs.includes(topic))) {
    throw new BadOutput(
      `${where} goes to topic "${String(topic)}", which is not a declared output (declared: ${outputs.join(', ')})`,
    );
  }
  const keyEncode = encodeRequest(outs[at + 4], rawKey, `${where} key`);
  const valueEncode = encodeRequest(outs[at + 5], outs[at + 2], `${where} value`);
  const key = keyEncode ? null : rawKey === undefined ? input.key : toBuffer(rawKey, `${where} key`);
  const value = valueEncode ? null : toBuffer(outs[at + 2], `${where} value`);
  if (rawHeaders !== undefined && !Array.isArray(rawHeaders)) throw new BadOutput(`${where} headers are malformed`);
  const headers: Array<[string, Buffer]> = [];
  for (const pair of rawHeaders ?? []) {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string') throw new BadOutput(`${where} headers are malformed`);
    const name = pair[0];
    if (RESERVED_HEADERS.has(name)) throw new BadOutput(`${where} sets header "${name}", which the hub sets itself`);
    const headerValue = toBuffer(pair[1], `${where} header "${name}"`) ?? Buffer.alloc(0);
    headers.push([name, headerValue]);
  }
  const output: OutputRecord = {
    topic,
    key,
    value,
    headers,
    ...(keyEncode ? { keyEncode } : {}),
    ...(valueEncode ? { valueEncode } : {}),
  };
  // An output still to be encoded with a schema is checked again once it is (host/schema-codec.ts).
  const problem = outputSizeProblem(output, index, limits);
  if (problem) throw new BadOutput(problem);
  return output;
}

/** A key's or value's `{ subject, version }` (untrusted, from the isolate) with its data, or undefined. */
function encodeRequest(ref: unknown, data: unknown, what: string): SchemaEncodeRequest | undefined {
  if (ref === undefined) return undefined;
  const r = ref as { subject?: unknown; version?: unknown } | null;
  if (r === null || typeof r !== 'object' || typeof r.subject !== 'string' || r.subject === '') {
    throw new BadOutput(`${what} schema must be { subject, version? }`);
  }
  const version = r.version;
  if (version !== 'latest' && !(typeof version === 'number' && Number.isSafeInteger(version) && version >= 1)) {
    throw new BadOutput(`${what} schema version must be a version number or "latest"`);
  }
  if (data === undefined || data === null) throw new BadOutput(`${what} has a schema but no data`);
  return { subject: r.subject, version, data };
}

/** Why an output is over `maxOutputBytes` (key + value + headers), or null when it is not. */
export function outputSizeProblem(output: OutputRecord, index: number, limits: SandboxLimits): string | null {
  let sizeBytes = (output.key?.length ?? 0) + (output.value?.length ?? 0);
  for (const [name, value] of output.headers) sizeBytes += Buffer.byteLength(name) + value.length;
  return sizeBytes > limits.maxOutputBytes
    ? `output ${index} is ${sizeBytes} bytes (key + value + headers), over the limit of ${limits.maxOutputBytes} bytes`
    : null;
}
