/**
 * The matchers on records built in memory: substring (any field, case), RE2 (linear time on a pattern that
 * backtracks catastrophically in JavaScript's engine), JSON field conditions, CEL; bad input names its field.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrowsedMessage } from '@samsa/cluster';
import { compileMatcher, parseJsonPath, SearchInputError, type SearchMatch, searchMatchSchema } from '../src/index.ts';

function record(value: string | null, key: string | null = 'k1', headers: [string, string][] = []): BrowsedMessage {
  return {
    partition: 0,
    offset: 7,
    timestamp: 1_700_000_000_000,
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    headers: headers.map(([k, v]) => [k, Buffer.from(v)]),
  };
}

const matches = (m: unknown, r: BrowsedMessage) => compileMatcher(searchMatchSchema.parse(m) as SearchMatch).matches(r);

test('a substring is looked for in the chosen fields, case-insensitively unless asked', () => {
  const r = record('Hello World', 'order-1', [['trace', 'abc']]);
  assert.equal(matches({ kind: 'contains', text: 'hello' }, r), true);
  assert.equal(matches({ kind: 'contains', text: 'hello', caseSensitive: true }, r), false);
  assert.equal(matches({ kind: 'contains', text: 'order', field: 'value' }, r), false);
  assert.equal(matches({ kind: 'contains', text: 'abc', field: 'headers' }, r), true);
  assert.equal(matches({ kind: 'contains', text: 'x' }, record(null, null)), false);
});

test('RE2 runs a pattern that backtracks catastrophically elsewhere in linear time', () => {
  const r = record(`${'a'.repeat(50_000)}b`);
  assert.equal(matches({ kind: 'regex', pattern: '(a+)+$', field: 'value' }, r), false);
  assert.equal(matches({ kind: 'regex', pattern: '^A+B$', caseSensitive: false }, r), true);
  assert.throws(() => matches({ kind: 'regex', pattern: '(a)\\1' }, r), SearchInputError);
});

test('JSON field conditions compare scalars, numbers as numbers, and test lists', () => {
  const r = record(
    JSON.stringify({ order: { status: 'paid', total: 120, tags: ['vip', 'eu'], items: [{ sku: 'A1' }] } }),
  );
  assert.deepEqual(parseJsonPath('$.order.items[0].sku'), ['order', 'items', '0', 'sku']);
  assert.equal(matches({ kind: 'json', path: '$.order.items[0].sku', op: 'eq', value: 'A1' }, r), true);
  assert.equal(matches({ kind: 'json', path: 'order.total', op: 'gt', value: 100 }, r), true);
  assert.equal(matches({ kind: 'json', path: 'order.total', op: 'lte', value: '99' }, r), false);
  assert.equal(matches({ kind: 'json', path: 'order.tags', op: 'contains', value: 'vip' }, r), true);
  assert.equal(matches({ kind: 'json', path: 'order.missing', op: 'exists' }, r), false);
  assert.equal(matches({ kind: 'json', path: 'order.status', op: 'ne', value: 'paid' }, r), false);
  assert.equal(matches({ kind: 'json', path: 'order', op: 'exists' }, record('not json')), false);
});

test('CEL sees key, value, json, headers and the position; errors count as no match', () => {
  const r = record('{"n": 5}', 'k9', [['src', 'web']]);
  assert.equal(
    matches({ kind: 'cel', expression: 'json.n == 5 && key == "k9" && headers.src == "web" && offset == 7' }, r),
    true,
  );
  const m = compileMatcher({ kind: 'cel', expression: 'headers["absent"] == "x"' });
  assert.equal(m.matches(r), false);
  assert.equal(m.evaluationErrors, 1);
  assert.throws(
    () => compileMatcher({ kind: 'cel', expression: 'value +' }),
    (err: unknown) => err instanceof SearchInputError && err.field === 'match.expression' && /^CEL: /.test(err.message),
  );
});
