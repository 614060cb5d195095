/**
 * The sandbox's side of schema registry records, in a real isolate (and through a sandbox process): what the host
 * decoded reaches the function as record.valueDecoded / valueSchema (or valueSchemaError beside the raw bytes),
 * and an output that asks for keySchema / valueSchema leaves the sandbox as plain data with its subject and
 * version for the host to encode; what cannot be encoded with a schema is a bad-output of its record.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileProcessor, SandboxProcessPool, testRun } from '../src/sandbox/index.ts';
import type { InputRecord, RecordSchema } from '../src/types.ts';
import { inputRecord, outputsOf, runOnce, TEST_LIMITS, text } from './sandbox-fixtures.ts';

const ORDER_SCHEMA: RecordSchema = { subject: 'orders-value', version: 2, id: 7, type: 'AVRO' };

function decodedRecord(): InputRecord {
  return {
    ...inputRecord(Buffer.from([0, 0, 0, 0, 7, 2, 0x41])),
    valueDecoding: {
      ok: true,
      data: { id: 'o-1', cents: 1250, tags: ['a'], raw: Buffer.from([1, 2]) },
      schema: ORDER_SCHEMA,
    },
    keyDecoding: { ok: false, error: 'schema id 9 is not registered' },
  };
}

const SHOW = `export default function process(record) {
  return { value: JSON.stringify({
    decoded: record.valueDecoded, schema: record.valueSchema, frozen: Object.isFrozen(record.valueSchema ?? {}),
    keyError: record.keySchemaError, keyDecoded: record.keyDecoded, bytes: record.valueBytes.length,
    rawIsBytes: record.valueDecoded ? record.valueDecoded.raw instanceof Uint8Array : null,
  }) };
}`;

test('decoded values reach the function beside the raw bytes; a record without them has none', async () => {
  const [decoded, plain] = await runOnce(SHOW, [decodedRecord(), inputRecord('{"id":"o-2"}')]);
  assert.deepEqual(JSON.parse(text(outputsOf(decoded!)[0]!.value)!), {
    decoded: { id: 'o-1', cents: 1250, tags: ['a'], raw: { 0: 1, 1: 2 } },
    schema: ORDER_SCHEMA,
    frozen: true,
    keyError: 'schema id 9 is not registered',
    bytes: 7,
    rawIsBytes: true,
  });
  assert.deepEqual(JSON.parse(text(outputsOf(plain!)[0]!.value)!), { bytes: 12, frozen: false, rawIsBytes: null });
});

test('an output with valueSchema / keySchema leaves the sandbox as data with its subject and version', async () => {
  const [result] = await runOnce(
    `export default function process(record) {
      const o = record.valueDecoded;
      return [
        { value: { ...o, euros: o.cents / 100, note: undefined }, valueSchema: { subject: 'enriched-value' },
          key: { id: o.id }, keySchema: { subject: 'enriched-key', version: 3 } },
        { value: o, valueSchema: record.valueSchema },
      ];
    }`,
    [decodedRecord()],
  );
  const [enriched, same] = outputsOf(result!);
  assert.equal(enriched!.value, null, 'encoded by the host, not here');
  assert.deepEqual(enriched!.valueEncode, {
    subject: 'enriched-value',
    version: 'latest',
    data: { id: 'o-1', cents: 1250, tags: ['a'], raw: new Uint8Array([1, 2]), euros: 12.5 },
  });
  assert.deepEqual(enriched!.keyEncode, { subject: 'enriched-key', version: 3, data: { id: 'o-1' } });
  assert.equal(same!.valueEncode!.subject, 'orders-value', "the record's own schema can be passed back");
  assert.equal(same!.valueEncode!.version, 2);
  assert.equal(text(same!.key), 'k1', 'a key without keySchema is kept as before');
});

test('what cannot be encoded with a schema is a bad-output of its record, with what to do', async () => {
  const cases: Array<[string, RegExp]> = [
    ['{ value: { a: 1 }, valueSchema: { version: 1 } }', /valueSchema must be \{ subject, version\? \}/],
    ["{ value: { a: 1 }, valueSchema: { subject: 's', version: 0 } }", /version must be a version number or "latest"/],
    ["{ value: null, valueSchema: { subject: 's' } }", /has a valueSchema but a null value/],
    [
      "{ value: { at: new Date() }, valueSchema: { subject: 's' } }",
      /value\.at cannot be encoded with a schema: a Date/,
    ],
    [
      "{ value: { f() {} }, valueSchema: { subject: 's' } }",
      /value\.f cannot be encoded with a schema: it is a function/,
    ],
    ["{ value: 'v', keySchema: { subject: 's' } }", /has a keySchema but no key/],
    ["{ value: 'v', valueSubject: 's' }", /unknown field "valueSubject" \(allowed: .*valueSchema\)/],
  ];
  const results = await runOnce(
    `const outputs = [${cases.map(([o]) => `() => (${o})`).join(', ')}];
     export default function process(record) { return outputs[record.offset](); }`,
    cases.map((_, i) => inputRecord('x', { offset: i })),
  );
  results.forEach((r, i) => {
    assert.equal(r.ok, false, cases[i]![0]);
    if (r.ok) return;
    assert.equal(r.error.kind, 'bad-output');
    assert.match(r.error.message, cases[i]![1]);
  });
});

test('decoded values and schema outputs cross to a sandbox process and back', async () => {
  const pool = new SandboxProcessPool();
  try {
    const sandbox = await pool.create('acme', {
      code: compileProcessor(
        `export default function process(record) {
          return { value: { ...record.valueDecoded, seen: record.valueSchema.subject }, valueSchema: { subject: 'out-value' } };
        }`,
        'javascript',
      ).code,
      outputs: ['out'],
      env: {},
      limits: TEST_LIMITS,
    });
    const [result] = await sandbox.process([decodedRecord()]);
    const [out] = outputsOf(result!);
    assert.deepEqual(out!.valueEncode, {
      subject: 'out-value',
      version: 'latest',
      data: { id: 'o-1', cents: 1250, tags: ['a'], raw: new Uint8Array([1, 2]), seen: 'orders-value' },
    });
    sandbox.dispose();
  } finally {
    pool.close();
  }
});

test('a test run shows an output to be encoded as its data in JSON, with the subject it names', async () => {
  const { code } = compileProcessor(
    `export default function process(record) {
      return { value: { id: record.value, n: 1 }, valueSchema: { subject: 'enriched-value', version: 2 } };
    }`,
    'javascript',
  );
  const run = await testRun({ code, outputs: ['out'], env: {} }, [inputRecord('o-1')]);
  const [out] = run.results[0]!.outputs;
  assert.deepEqual(out!.value, { encoding: 'text', data: '{"id":"o-1","n":1}' });
  assert.deepEqual(out!.valueSchema, { subject: 'enriched-value', version: 2 });
  assert.equal(out!.keySchema, undefined);
});
