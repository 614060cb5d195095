/**
 * Turns a search's match (substring, regular expression, JSON field condition, CEL expression) into a predicate over
 * records. Regular expressions run on RE2 (re2-wasm: linear time, so no pattern can backtrack catastrophically);
 * CEL runs on @marcbachmann/cel-js, an interpreter of a non-Turing-complete language with parse-time size limits:
 * no user code is ever evaluated as JavaScript. A bad pattern or expression is a `SearchInputError` naming the
 * reason, raised before the scan starts.
 */
import { Environment } from '@marcbachmann/cel-js';
import type { BrowsedMessage } from '@samsa/cluster';
import { RE2 } from 're2-wasm';
import type { SearchMatch } from './match.ts';

/** A match that cannot run (a bad pattern, expression or path): `field` names the request field, `message` why. */
export class SearchInputError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

export interface RecordMatcher {
  matches(record: BrowsedMessage): boolean;
  /** Records whose evaluation failed (a CEL runtime error): counted as no match. */
  readonly evaluationErrors: number;
  /** Frees what the matcher holds outside the JS heap (an RE2 program in wasm memory). */
  dispose(): void;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function textOf(buf: Buffer | null): string | null {
  return buf === null ? null : utf8.decode(buf);
}

/** The texts a substring or pattern is tried on. */
function textsOf(record: BrowsedMessage, field: 'any' | 'key' | 'value' | 'headers'): string[] {
  const out: string[] = [];
  if (field === 'any' || field === 'key') {
    const k = textOf(record.key);
    if (k !== null) out.push(k);
  }
  if (field === 'any' || field === 'value') {
    const v = textOf(record.value);
    if (v !== null) out.push(v);
  }
  if (field === 'any' || field === 'headers') {
    for (const [, v] of record.headers) {
      const t = textOf(v);
      if (t !== null) out.push(t);
    }
  }
  return out;
}

function invalid(field: string, message: string): SearchInputError {
  return new SearchInputError(field, message);
}

/** The parsed JSON value of a record, or undefined when it is not JSON. */
function jsonOf(record: BrowsedMessage): unknown {
  const text = textOf(record.value);
  if (text === null) return undefined;
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `$.a.b[0].c`, `a.b.0.c` → ['a', 'b', '0', 'c']. */
export function parseJsonPath(path: string): string[] {
  const body = path.replace(/^\$\.?/, '');
  const segments = body.split(/\.|\[(\d+)\]/).filter((s): s is string => s !== undefined && s !== '');
  if (segments.length === 0 || /[[\]]/.test(segments.join(''))) {
    throw invalid('match.path', `'${path}' is not a field path (write it as $.order.items[0].sku)`);
  }
  return segments;
}

function fieldAt(value: unknown, segments: string[]): unknown {
  let cur = value;
  for (const s of segments) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[s];
  }
  return cur;
}

type Scalar = string | number | boolean | null;

function compare(field: unknown, op: string, wanted: Scalar | undefined): boolean {
  if (op === 'exists') return field !== undefined;
  if (field === undefined) return false;
  if (op === 'contains') {
    if (Array.isArray(field)) return field.some((x) => x === wanted || String(x) === String(wanted));
    return typeof field === 'string' && wanted !== undefined && field.includes(String(wanted));
  }
  const primitive = field === null || typeof field !== 'object';
  // Equality of scalars as text, so `--eq 42` finds 42 and "42" alike.
  const equal = primitive && String(field) === String(wanted);
  if (op === 'eq') return equal;
  if (op === 'ne') return !equal;
  if (!primitive || field === null || wanted === null || wanted === undefined) return false;
  const bothText = typeof field === 'string' && typeof wanted === 'string' && Number.isNaN(Number(wanted));
  const a = bothText ? field : Number(field);
  const b = bothText ? wanted : Number(wanted);
  if (!bothText && (Number.isNaN(a) || Number.isNaN(b))) return false;
  if (op === 'gt') return a > b;
  if (op === 'gte') return a >= b;
  if (op === 'lt') return a < b;
  return a <= b;
}

function fixed(matches: (record: BrowsedMessage) => boolean, dispose = () => {}): RecordMatcher {
  return { matches, evaluationErrors: 0, dispose };
}

const celEnvironment = new Environment({
  unlistedVariablesAreDyn: false,
  limits: { maxAstNodes: 2_000, maxDepth: 50, maxListElements: 1_000, maxMapEntries: 1_000, maxCallArguments: 32 },
})
  .registerVariable('key', 'dyn')
  .registerVariable('value', 'dyn')
  .registerVariable('json', 'dyn')
  .registerVariable('headers', 'map<string, string>')
  .registerVariable('partition', 'int')
  .registerVariable('offset', 'int')
  .registerVariable('timestamp', 'int');

function firstLine(message: string): string {
  return message.split('\n').find((l) => l.trim() !== '') ?? message;
}

function celMatcher(expression: string): RecordMatcher {
  let run: ReturnType<typeof celEnvironment.parse>;
  try {
    run = celEnvironment.parse(expression);
  } catch (err) {
    throw invalid('match.expression', `CEL: ${firstLine((err as Error).message)}`);
  }
  const checked = run.check();
  if (!checked.valid) throw invalid('match.expression', `CEL: ${firstLine(checked.error?.message ?? 'invalid')}`);
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    throw invalid('match.expression', `CEL: the expression must return bool, not ${checked.type}`);
  }
  const needsJson = /\bjson\b/.test(expression);
  let errors = 0;
  return {
    get evaluationErrors() {
      return errors;
    },
    dispose() {},
    matches(record) {
      const headers: Record<string, string> = {};
      for (const [k, v] of record.headers) headers[k] = textOf(v) ?? '';
      try {
        return (
          run({
            key: textOf(record.key),
            value: textOf(record.value),
            json: needsJson ? (jsonOf(record) ?? null) : null,
            headers,
            partition: BigInt(record.partition),
            offset: BigInt(record.offset),
            timestamp: BigInt(record.timestamp),
          }) === true
        );
      } catch {
        errors++;
        return false;
      }
    },
  };
}

export function compileMatcher(match: SearchMatch): RecordMatcher {
  switch (match.kind) {
    case 'contains': {
      if (match.caseSensitive) return fixed((r) => textsOf(r, match.field).some((t) => t.includes(match.text)));
      const needle = match.text.toLowerCase();
      return fixed((r) => textsOf(r, match.field).some((t) => t.toLowerCase().includes(needle)));
    }
    case 'regex': {
      let re: RE2;
      try {
        re = new RE2(match.pattern, match.caseSensitive ? 'u' : 'iu');
      } catch (err) {
        throw invalid('match.pattern', `Invalid regular expression (RE2 syntax): ${(err as Error).message}`);
      }
      // re2-wasm's program lives in wasm memory, which the JS garbage collector does not free.
      const wrapper = (re as unknown as { wrapper?: { delete?: () => void } }).wrapper;
      return fixed(
        (r) => textsOf(r, match.field).some((t) => re.test(t)),
        () => wrapper?.delete?.(),
      );
    }
    case 'json': {
      const segments = parseJsonPath(match.path);
      if (match.op !== 'exists' && match.value === undefined) {
        throw invalid('match.value', `The operator '${match.op}' needs a value`);
      }
      return fixed((r) => {
        const parsed = jsonOf(r);
        return parsed !== undefined && compare(fieldAt(parsed, segments), match.op, match.value);
      });
    }
    case 'cel':
      return celMatcher(match.expression);
  }
}
