/** Static checks on every API definition: the registry is well-formed and each field is consistent with its type. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALL_APIS, API_BY_KEY, type Field, parseRange } from '../src/index.ts';

const NULLABLE_TYPES = new Set(['string', 'bytes', 'records']);

function checkFields(where: string, fields: readonly Field[], flexibleFrom: number): void {
  const names = new Set<string>();
  const tags = new Set<number>();
  for (const field of fields) {
    const at = `${where}.${field.name}`;
    assert.match(field.name, /^[a-z][A-Za-z0-9]*$/, `${at}: camelCase name`);
    assert.ok(!names.has(field.name), `${at}: duplicate name`);
    names.add(field.name);
    parseRange(field.versions);
    const type = field.type;
    if (field.nullable !== undefined) {
      parseRange(field.nullable);
      assert.ok(typeof type !== 'string' || NULLABLE_TYPES.has(type), `${at}: ${String(type)} cannot be null`);
    }
    if (field.tag !== undefined) {
      assert.ok(!tags.has(field.tag), `${at}: duplicate tag ${field.tag}`);
      tags.add(field.tag);
      const [lo] = parseRange(field.taggedVersions ?? field.versions);
      assert.ok(lo >= flexibleFrom, `${at}: tagged before the first flexible version`);
    }
    if (field.default !== undefined) {
      const d = field.default;
      if (d === null) assert.ok(field.nullable !== undefined, `${at}: null default on a non-nullable field`);
      else if (type === 'int64') assert.equal(typeof d, 'bigint', `${at}: int64 default must be a bigint`);
      else if (type === 'bool') assert.equal(typeof d, 'boolean', `${at}`);
      else if (type === 'string') assert.equal(typeof d, 'string', `${at}`);
      else if (typeof type === 'string') assert.ok(Number.isInteger(d), `${at}: integer default`);
    }
    if (typeof type === 'object') {
      const inner = 'array' in type ? type.array : type;
      if (typeof inner === 'object' && 'struct' in inner) checkFields(at, inner.struct, flexibleFrom);
    }
  }
}

test('ALL_APIS is sorted by key, with unique keys and names, and API_BY_KEY indexes it', () => {
  const keys = ALL_APIS.map((a) => a.key);
  assert.deepEqual(
    keys,
    [...keys].sort((a, b) => a - b),
  );
  assert.equal(new Set(keys).size, keys.length);
  assert.equal(new Set(ALL_APIS.map((a) => a.name)).size, ALL_APIS.length);
  for (const api of ALL_APIS) assert.equal(API_BY_KEY.get(api.key), api);
});

test('every definition is consistent: names, version ranges, nullability, tags and defaults', () => {
  for (const api of ALL_APIS) {
    const [lo, hi] = parseRange(api.versions);
    assert.ok(lo <= hi && hi < 100, `${api.name}: versions ${api.versions}`);
    const [flexibleFrom] = parseRange(api.flexible);
    checkFields(`${api.name}Request`, api.request, flexibleFrom);
    checkFields(`${api.name}Response`, api.response, flexibleFrom);
  }
});

test('the APIs the broker needs are all defined at the versions we advertise', () => {
  const expected: Record<number, string> = {
    0: '3-11', // Produce: magic-2 record batches only (v0-2 carry magic 0/1 message sets)
    1: '4-17', // Fetch: v0-3 clients read only magic 0/1, which would need down-conversion
    2: '0-10', // ListOffsets
    3: '0-12', // Metadata
    8: '0-9', // OffsetCommit
    9: '0-9', // OffsetFetch
    10: '0-6',
    11: '0-9',
    12: '0-4',
    13: '0-5',
    14: '0-5',
    15: '0-5',
    16: '0-5',
    17: '0-1',
    18: '0-4',
    19: '0-7',
    20: '0-6',
    21: '0-2',
    22: '0-5',
    23: '0-4',
    24: '0-5',
    25: '0-4',
    26: '0-5',
    27: '0-1', // WriteTxnMarkers
    28: '0-4',
    29: '0-3',
    30: '0-3',
    31: '0-3',
    32: '0-4',
    33: '0-2',
    35: '0-4', // DescribeLogDirs
    36: '0-2',
    37: '0-3',
    42: '0-2',
    44: '0-1',
    47: '0',
    48: '0-1',
    49: '0-1',
    50: '0',
    51: '0',
    60: '0-1',
    61: '0',
    65: '0', // DescribeTransactions
    66: '0-1', // ListTransactions
    68: '0-1',
    69: '0',
  };
  assert.deepEqual(Object.fromEntries(ALL_APIS.map((a) => [a.key, a.versions])), expected);
});
