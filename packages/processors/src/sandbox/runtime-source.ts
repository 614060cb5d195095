/**
 * The code that runs inside each isolate beside the user's module: it builds the `record` and `ctx` the function
 * sees, calls the function for every record of a batch (one call into the isolate per batch), catches per-record
 * errors, captures ctx.log/console lines within their limits, and turns returned outputs into plain strings and
 * bytes. It is kept as text (not a function's toString) so bundlers cannot rewrite it.
 *
 * Nothing here is trusted by the host: user code shares this isolate and could tamper with it, so the host
 * validates every result again (topics, types, sizes). This code only makes results convenient and compact.
 *
 * The batch goes in and the results come out as flat arrays of primitives and one byte buffer (see
 * batch-codec.ts): copying a few long arrays between isolates costs far less than thousands of small objects.
 */
export const RUNTIME_FILENAME = 'samsa-runtime.js';

/** Numbers per record in PackedBatch.meta. */
export const META_STRIDE = 10;

/** Entries per output in RawBatchResult.outs: topic, key, value, headers, keySchema, valueSchema. */
export const OUT_STRIDE = 6;

/** Deepest nesting of a value to be encoded with a registry schema. */
export const MAX_DATA_DEPTH = 64;

export const RUNTIME_SOURCE = String.raw`(function install(config) {
  'use strict';
  const limits = config.limits;
  const ObjectFreeze = Object.freeze;
  const ObjectCreate = Object.create;
  const ArrayIsArray = Array.isArray;
  const JSONStringify = JSON.stringify;
  const DateNow = Date.now;
  const StringCtor = String;
  const U8 = Uint8Array;
  const AB = ArrayBuffer;
  const isView = ArrayBuffer.isView;
  const BAD_OUTPUT = Symbol('bad-output');
  const META_STRIDE = ${META_STRIDE};
  const MAX_DATA_DEPTH = ${MAX_DATA_DEPTH};

  let processorFn = null;
  /** The results being built by run(), null outside a call. */
  let out = null;
  let current = 0;
  let logCount = 0;
  let droppedLogs = 0;

  function describe(value) {
    if (value === null) return 'null';
    if (ArrayIsArray(value)) return 'an array';
    if (isView(value)) return 'bytes';
    return 'a ' + typeof value;
  }

  function format(arg) {
    try {
      if (typeof arg === 'string') return arg;
      if (arg instanceof Error) return StringCtor(arg.stack || arg.name + ': ' + arg.message);
      if (arg === undefined) return 'undefined';
      if (typeof arg === 'bigint') return arg + 'n';
      if (typeof arg === 'function') return '[Function ' + (arg.name || 'anonymous') + ']';
      if (typeof arg === 'symbol') return arg.toString();
      if (arg instanceof U8) return '<' + arg.length + ' bytes>';
      const text = JSONStringify(arg, (k, v) => (typeof v === 'bigint' ? v + 'n' : v));
      return text === undefined ? StringCtor(arg) : text;
    } catch {
      return '[unprintable ' + typeof arg + ']';
    }
  }

  function write(level, args) {
    if (out === null) return;
    if (logCount >= limits.maxLogLinesPerCall) {
      droppedLogs++;
      return;
    }
    let message = '';
    for (let i = 0; i < args.length; i++) {
      if (i > 0) message += ' ';
      message += format(args[i]);
      if (message.length > limits.maxLogLineChars) break;
    }
    if (message.length > limits.maxLogLineChars) message = message.slice(0, limits.maxLogLineChars) + '…';
    logCount++;
    out.logs.push(current, level, message, DateNow());
  }

  const log = (...args) => write('info', args);
  const warn = (...args) => write('warn', args);
  const error = (...args) => write('error', args);
  globalThis.console = ObjectFreeze({ log, info: log, debug: log, trace: log, warn, error });
  // Not needed by a transform, and outside what the isolate's memory limit and timeout reliably cover: Wasm memory,
  // shared memory and blocking waits.
  delete globalThis.WebAssembly;
  delete globalThis.SharedArrayBuffer;
  delete globalThis.Atomics;

  const env = ObjectCreate(null);
  for (const name of Object.keys(config.env)) env[name] = config.env[name];
  const ctx = ObjectFreeze({
    log,
    warn,
    error,
    env: ObjectFreeze(env),
    processor: ObjectFreeze({ name: config.processor.name, version: config.processor.version }),
  });

  function slice(bytes, start, length) {
    return length < 0 ? null : bytes.slice(start, start + length);
  }

  /**
   * The record the function sees. keyBytes and valueBytes are copied out of the batch buffer on first use only:
   * most functions read the text, and a copy per record is most of the cost of a small record.
   */
  class ProcessorRecord {
    constructor(b, i) {
      const m = i * META_STRIDE;
      const meta = b.meta;
      this.topic = b.topics[meta[m]];
      this.partition = meta[m + 1];
      this.offset = meta[m + 2];
      this.timestamp = meta[m + 3];
      const keyText = b.texts[2 * i];
      const valueText = b.texts[2 * i + 1];
      this.key = meta[m + 5] < 0 ? null : keyText !== null ? keyText : slice(b.bytes, meta[m + 4], meta[m + 5]);
      this.value = meta[m + 7] < 0 ? null : valueText !== null ? valueText : slice(b.bytes, meta[m + 6], meta[m + 7]);
      const headers = ObjectCreate(null);
      const headerList = [];
      const headerEnd = meta[m + 8] + meta[m + 9];
      for (let h = meta[m + 8]; h < headerEnd; h++) {
        const name = b.hNames[h];
        const text = b.hTexts[h];
        const v = text !== null ? text : slice(b.bytes, b.hMeta[2 * h], b.hMeta[2 * h + 1]);
        headers[name] = v;
        headerList.push([name, v]);
      }
      this.headers = headers;
      this.headerList = headerList;
      // Keys and values in the schema registry's wire format, decoded by the host (or why not): set only then.
      if (b.decodings !== null) {
        const k = b.decodings[2 * i];
        const v = b.decodings[2 * i + 1];
        if (k !== null) {
          if (k.ok) {
            this.keyDecoded = k.data;
            this.keySchema = ObjectFreeze(k.schema);
          } else this.keySchemaError = k.error;
        }
        if (v !== null) {
          if (v.ok) {
            this.valueDecoded = v.data;
            this.valueSchema = ObjectFreeze(v.schema);
          } else this.valueSchemaError = v.error;
        }
      }
      this.#batch = b;
      this.#m = m;
    }
    #batch;
    #m;
    #keyBytes;
    #valueBytes;
    get keyBytes() {
      if (this.#keyBytes === undefined) {
        this.#keyBytes = slice(this.#batch.bytes, this.#batch.meta[this.#m + 4], this.#batch.meta[this.#m + 5]);
      }
      return this.#keyBytes;
    }
    get valueBytes() {
      if (this.#valueBytes === undefined) {
        this.#valueBytes = slice(this.#batch.bytes, this.#batch.meta[this.#m + 6], this.#batch.meta[this.#m + 7]);
      }
      return this.#valueBytes;
    }
  }

  function bad(message) {
    const e = new Error(message);
    e[BAD_OUTPUT] = true;
    return e;
  }

  function ownBytes(v) {
    if (v instanceof U8) return v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? v : v.slice();
    if (v instanceof AB) return new U8(v.slice(0));
    return new U8(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  }

  function encodeData(v, what) {
    if (v === null) return null;
    if (typeof v === 'string') return v;
    if (v instanceof AB || isView(v)) return ownBytes(v);
    let text;
    try {
      text = JSONStringify(v);
    } catch (e) {
      throw bad(what + ' cannot be encoded as JSON: ' + format(e && e.message));
    }
    if (text === undefined) throw bad(what + ' cannot be encoded: it is ' + describe(v));
    if (text.length > limits.maxOutputBytes) throw bad(what + ' is over the limit of ' + limits.maxOutputBytes + ' bytes');
    return text;
  }

  /** A value to be encoded with a registry schema by the host: a copy of its plain data (objects, arrays, strings,
   * numbers, booleans, null, bytes). */
  function plainData(v, what, depth) {
    if (depth > MAX_DATA_DEPTH) throw bad(what + ' is nested deeper than ' + MAX_DATA_DEPTH + ' levels');
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    if (typeof v === 'bigint') return v;
    if (typeof v !== 'object') throw bad(what + ' cannot be encoded with a schema: it is ' + describe(v));
    if (v instanceof AB || isView(v)) return ownBytes(v);
    if (ArrayIsArray(v)) {
      const list = [];
      for (let i = 0; i < v.length; i++) list.push(plainData(v[i], what + '[' + i + ']', depth + 1));
      return list;
    }
    if (v instanceof Date || v instanceof Map || v instanceof Set) {
      throw bad(what + ' cannot be encoded with a schema: a ' + v.constructor.name + ' (give plain objects, strings, numbers)');
    }
    const copy = {};
    for (const k of Object.keys(v)) {
      if (v[k] !== undefined) copy[k] = plainData(v[k], what + '.' + k, depth + 1);
    }
    return copy;
  }

  /** \`{ subject, version? }\` (a record's own keySchema/valueSchema may be passed back): the host encodes with it. */
  function schemaRef(s, what) {
    if (s === null || typeof s !== 'object' || typeof s.subject !== 'string' || s.subject === '') {
      throw bad(what + ' must be { subject, version? } naming a subject of the schema registry');
    }
    const version = s.version === undefined || s.version === null ? 'latest' : s.version;
    if (version !== 'latest' && !(typeof version === 'number' && version >= 1 && version % 1 === 0)) {
      throw bad(what + ' version must be a version number or "latest"');
    }
    return { subject: s.subject, version };
  }

  function encodeHeaders(h, where) {
    if (h === undefined || h === null) return [];
    const pairs = [];
    const entries = ArrayIsArray(h) ? h : Object.entries(h);
    for (const entry of entries) {
      if (!ArrayIsArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') {
        throw bad(where + ' headers must be an object name → string or bytes');
      }
      const v = entry[1];
      if (typeof v === 'string') pairs.push([entry[0], v]);
      else if (typeof v === 'number' || typeof v === 'boolean') pairs.push([entry[0], StringCtor(v)]);
      else if (v instanceof AB || isView(v)) pairs.push([entry[0], ownBytes(v)]);
      else throw bad(where + ' header "' + entry[0] + '" must be a string or bytes, got ' + describe(v));
    }
    return pairs;
  }

  function encodeOutput(o, index, outs) {
    const where = 'output ' + index;
    if (o === null || typeof o !== 'object' || ArrayIsArray(o) || isView(o)) {
      throw bad(where + ' must be an object { topic?, key?, value, headers?, keySchema?, valueSchema? }, got ' + describe(o));
    }
    for (const field in o) {
      if (
        field !== 'topic' &&
        field !== 'key' &&
        field !== 'value' &&
        field !== 'headers' &&
        field !== 'keySchema' &&
        field !== 'valueSchema'
      ) {
        throw bad(
          where + ' has an unknown field "' + field + '" (allowed: topic, key, value, headers, keySchema, valueSchema)',
        );
      }
    }
    if (o.value === undefined) throw bad(where + ' has no value: return { value } (null for a tombstone)');
    if (o.topic !== undefined && typeof o.topic !== 'string') throw bad(where + ' topic must be a string');
    const keySchema = o.keySchema === undefined || o.keySchema === null ? undefined : schemaRef(o.keySchema, where + ' keySchema');
    const valueSchema =
      o.valueSchema === undefined || o.valueSchema === null ? undefined : schemaRef(o.valueSchema, where + ' valueSchema');
    if (keySchema !== undefined && (o.key === undefined || o.key === null)) throw bad(where + ' has a keySchema but no key');
    if (valueSchema !== undefined && o.value === null) throw bad(where + ' has a valueSchema but a null value');
    const key =
      o.key === undefined
        ? undefined
        : keySchema !== undefined
          ? plainData(o.key, where + ' key', 0)
          : encodeData(o.key, where + ' key');
    const value = valueSchema !== undefined ? plainData(o.value, where + ' value', 0) : encodeData(o.value, where + ' value');
    const headers = o.headers === undefined || o.headers === null ? undefined : encodeHeaders(o.headers, where);
    outs.push(o.topic, key, value, headers, keySchema, valueSchema);
  }

  /** Appends the outputs to \`outs\` (OUT_STRIDE entries each); returns how many. */
  function encodeResult(result, outs) {
    if (result === null || result === undefined) return 0;
    if (typeof result.then === 'function') {
      // Mark the promise handled: an unhandled rejection would fail the whole call, not only this record.
      try {
        result.then(undefined, () => undefined);
      } catch {}
      throw bad('the function returned a Promise: processors run synchronously, remove async/await');
    }
    const list = ArrayIsArray(result) ? result : [result];
    if (list.length > limits.maxOutputsPerRecord) {
      throw bad(list.length + ' outputs for one record, over the limit of ' + limits.maxOutputsPerRecord);
    }
    for (let i = 0; i < list.length; i++) encodeOutput(list[i], i, outs);
    return list.length;
  }

  function cleanStack(stack) {
    if (typeof stack !== 'string') return undefined;
    return stack
      .split('\n')
      .filter((line) => !line.includes('${RUNTIME_FILENAME}') && !line.includes('<isolated-vm boundary>'))
      .join('\n');
  }

  function failure(e) {
    try {
      if (e instanceof Error) {
        const kind = e[BAD_OUTPUT] === true ? 'bad-output' : 'thrown';
        return [kind, StringCtor(e.message), kind === 'thrown' ? cleanStack(e.stack) : undefined];
      }
      return ['thrown', 'the function threw a value that is not an Error: ' + format(e), undefined];
    } catch {
      return ['thrown', 'the function threw a value that cannot be read', undefined];
    }
  }

  function run(batch) {
    const count = batch.meta.length / META_STRIDE;
    out = { status: [], counts: [], outs: [], errs: [], elapsed: [], logs: [], dropped: [] };
    for (let i = 0; i < count; i++) {
      current = i;
      logCount = 0;
      droppedLogs = 0;
      const startedAt = DateNow();
      const outsBefore = out.outs.length;
      try {
        const n = encodeResult(processorFn(new ProcessorRecord(batch, i), ctx), out.outs);
        out.status.push(0);
        out.counts.push(n);
      } catch (e) {
        out.outs.length = outsBefore;
        const f = failure(e);
        out.status.push(f[0] === 'bad-output' ? 2 : 1);
        out.counts.push(0);
        out.errs.push(f[1], f[2]);
      }
      if (droppedLogs > 0) out.dropped.push(i, droppedLogs);
      out.elapsed.push(DateNow() - startedAt);
    }
    const done = out;
    out = null;
    return done;
  }

  /** After a timeout: the results so far; logs of the record that was stopped carry its index. */
  function take() {
    const done = out;
    if (done !== null && droppedLogs > 0) done.dropped.push(current, droppedLogs);
    out = null;
    return done;
  }

  function setProcessor(fn) {
    if (typeof fn !== 'function') throw new TypeError('the default export is not a function');
    processorFn = fn;
  }

  return { run, take, setProcessor };
})`;
