/**
 * The code that runs inside each isolate beside the user's module: it builds the `record` and `ctx` the function
 * sees, calls the function for every record of a batch (one call into the isolate per batch), catches per-record
 * errors, captures ctx.log/console lines within their limits, and turns returned outputs into plain strings and
 * bytes. It is kept as text (not a function's toString) so bundlers cannot rewrite it.
 *
 * Nothing here is trusted by the host: user code shares this isolate and could tamper with it, so the host
 * validates every result again (topics, types, sizes). This code only makes results convenient and compact.
 *
 * Batch in:  { bytes: Uint8Array, recs: [topic, partition, offset, timestampMs, keyText|null, keyStart, keyLen,
 *             valueText|null, valueStart, valueLen, [[name, text|null, start, len]]][] } (len -1: null)
 * Result out: per record [ok 1|0, outputs | [kind, message, stack], logs [[level, message, atMs]], droppedLogs,
 *             elapsedMs]; an output is [topic|undefined, key|undefined (keep the input key), value, headers].
 */
export const RUNTIME_FILENAME = 'samsa-runtime.js';

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

  let processorFn = null;
  let logs = null;
  let droppedLogs = 0;
  let results = [];

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
    if (logs === null) return;
    if (logs.length >= limits.maxLogLinesPerCall) {
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
    logs.push([level, message, DateNow()]);
  }

  const log = (...args) => write('info', args);
  const warn = (...args) => write('warn', args);
  const error = (...args) => write('error', args);
  globalThis.console = ObjectFreeze({ log, info: log, debug: log, trace: log, warn, error });

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

  function makeRecord(bytes, r) {
    const keyBytes = slice(bytes, r[5], r[6]);
    const valueBytes = slice(bytes, r[8], r[9]);
    const headers = ObjectCreate(null);
    const headerList = [];
    for (const h of r[10]) {
      const b = slice(bytes, h[2], h[3]);
      const v = h[1] !== null ? h[1] : b;
      headers[h[0]] = v;
      headerList.push([h[0], v]);
    }
    return {
      topic: r[0],
      partition: r[1],
      offset: r[2],
      timestamp: r[3],
      key: keyBytes === null ? null : r[4] !== null ? r[4] : keyBytes,
      value: valueBytes === null ? null : r[7] !== null ? r[7] : valueBytes,
      keyBytes,
      valueBytes,
      headers,
      headerList,
    };
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

  function encodeOutput(o, index) {
    const where = 'output ' + index;
    if (o === null || typeof o !== 'object' || ArrayIsArray(o) || isView(o)) {
      throw bad(where + ' must be an object { topic?, key?, value, headers? }, got ' + describe(o));
    }
    for (const field in o) {
      if (field !== 'topic' && field !== 'key' && field !== 'value' && field !== 'headers') {
        throw bad(where + ' has an unknown field "' + field + '" (allowed: topic, key, value, headers)');
      }
    }
    if (o.value === undefined) throw bad(where + ' has no value: return { value } (null for a tombstone)');
    if (o.topic !== undefined && typeof o.topic !== 'string') throw bad(where + ' topic must be a string');
    return [
      o.topic,
      o.key === undefined ? undefined : encodeData(o.key, where + ' key'),
      encodeData(o.value, where + ' value'),
      encodeHeaders(o.headers, where),
    ];
  }

  function encodeResult(result) {
    if (result === null || result === undefined) return [];
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
    const outputs = [];
    for (let i = 0; i < list.length; i++) outputs.push(encodeOutput(list[i], i));
    return outputs;
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
    const bytes = batch.bytes;
    const recs = batch.recs;
    results = [];
    for (let i = 0; i < recs.length; i++) {
      logs = [];
      droppedLogs = 0;
      const startedAt = DateNow();
      let result;
      try {
        result = [1, encodeResult(processorFn(makeRecord(bytes, recs[i]), ctx))];
      } catch (e) {
        result = [0, failure(e)];
      }
      result.push(logs, droppedLogs, DateNow() - startedAt);
      logs = null;
      results.push(result);
    }
    const done = results;
    results = [];
    return done;
  }

  /** After a timeout: the records finished so far, and the logs of the one that was stopped. */
  function take() {
    const done = [results, logs === null ? [] : logs, droppedLogs];
    results = [];
    logs = null;
    return done;
  }

  function setProcessor(fn) {
    if (typeof fn !== 'function') throw new TypeError('the default export is not a function');
    processorFn = fn;
  }

  return { run, take, setProcessor };
})`;
