import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_TEST_RUN_RECORDS, testRun } from '../src/sandbox/index.ts';
import { inputRecord, outputsOf, runOnce, sandboxFor, text } from './sandbox-fixtures.ts';
import { compileProcessor } from '../src/sandbox/index.ts';

test('a map turns each value into a new one, keeping the key and the order', async () => {
  const results = await runOnce(
    'export default function process(record) { return { value: record.value.toUpperCase() }; }',
    [inputRecord('a', { offset: 0 }), inputRecord('b', { offset: 1, key: 'k2' })],
  );
  assert.deepEqual(
    results.map((r) => outputsOf(r).map((o) => [o.topic, text(o.key), text(o.value)])),
    [[['out', 'k1', 'A']], [['out', 'k2', 'B']]],
  );
});

test('returning null or undefined drops the record', async () => {
  const results = await runOnce(
    'export default function process(record) { if (record.value === "keep") return { value: "kept" }; return record.value === "skip" ? null : undefined; }',
    [inputRecord('skip'), inputRecord('keep'), inputRecord('other')],
  );
  assert.deepEqual(
    results.map((r) => outputsOf(r).length),
    [0, 1, 0],
  );
});

test('a list of outputs goes to two declared topics; topic defaults to the first', async () => {
  const [result] = await runOnce(
    `export default function process(record) {
       return [{ value: 'all' }, { topic: 'big-orders', value: 'big', key: 'override' }, { topic: 'all-orders', value: null }];
     }`,
    [inputRecord('x')],
    { outputs: ['all-orders', 'big-orders'] },
  );
  assert.deepEqual(
    outputsOf(result).map((o) => [o.topic, text(o.key), text(o.value)]),
    [
      ['all-orders', 'k1', 'all'],
      ['big-orders', 'override', 'big'],
      ['all-orders', 'k1', null],
    ],
  );
});

test('an object value becomes JSON text; a null key stays null', async () => {
  const [result] = await runOnce(
    'export default function process(record) { const o = JSON.parse(record.value); return { value: { ...o, total: o.qty * o.price } }; }',
    [inputRecord('{"qty":2,"price":5}', { key: null })],
  );
  const [out] = outputsOf(result);
  assert.equal(out.key, null);
  assert.deepEqual(JSON.parse(text(out.value)!), { qty: 2, price: 5, total: 10 });
});

test('bytes in and out: a non-UTF-8 value arrives as Uint8Array, bytes returned arrive unchanged', async () => {
  const binary = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
  const [result] = await runOnce(
    `export default function process(record) {
       const reversed = Uint8Array.from(record.valueBytes).reverse();
       return { value: reversed, headers: { type: typeof record.value === 'string' ? 'text' : record.value instanceof Uint8Array ? 'bytes' : 'other' } };
     }`,
    [inputRecord(binary)],
  );
  const [out] = outputsOf(result);
  assert.deepEqual([...out.value!], [0x41, 0x00, 0xfe, 0xff]);
  assert.deepEqual(
    out.headers.map(([n, v]) => [n, v.toString()]),
    [['type', 'bytes']],
  );
});

test('headers in (object, last wins, full list) and out (text and bytes)', async () => {
  const [result] = await runOnce(
    `export default function process(record) {
       return { value: JSON.stringify({ h: record.headers.trace, list: record.headerList.map(([n, v]) => n + '=' + v) }),
                headers: { seen: 'yes', raw: new Uint8Array([1, 2]) } };
     }`,
    [
      inputRecord('v', {
        headers: [
          ['trace', 'a'],
          ['trace', 'b'],
          ['other', 'c'],
        ],
      }),
    ],
  );
  const [out] = outputsOf(result);
  assert.deepEqual(JSON.parse(text(out.value)!), { h: 'b', list: ['trace=a', 'trace=b', 'other=c'] });
  assert.deepEqual(
    out.headers.map(([n, v]) => [n, [...v]]),
    [
      ['seen', [...Buffer.from('yes')]],
      ['raw', [1, 2]],
    ],
  );
});

test('the record carries topic, partition, offset and timestamp', async () => {
  const [result] = await runOnce(
    'export default function process(r) { return { value: [r.topic, r.partition, r.offset, r.timestamp, r.value, r.valueBytes.length, r.keyBytes[0]].join("/") }; }',
    [inputRecord('é', { offset: 41 })],
  );
  assert.equal(text(outputsOf(result)[0].value), 'orders/2/41/1700000000000/é/2/107');
});

test('ctx.log, console.log and ctx.warn are captured per record, bounded in lines and length', async () => {
  const results = await runOnce(
    `export default function process(record, ctx) {
       if (record.value === 'many') { for (let i = 0; i < 50; i++) ctx.log('line', i); return null; }
       if (record.value === 'long') { ctx.log('x'.repeat(10000)); return null; }
       console.log('from console', { n: 1 });
       ctx.warn('careful');
       return null;
     }`,
    [inputRecord('plain'), inputRecord('many'), inputRecord('long')],
    { limits: { maxLogLinesPerCall: 5, maxLogLineChars: 100 } },
  );
  assert.deepEqual(
    results[0].logs.map((l) => [l.level, l.message]),
    [
      ['info', 'from console {"n":1}'],
      ['warn', 'careful'],
    ],
  );
  assert.deepEqual(
    results[1].logs.map((l) => l.message),
    ['line 0', 'line 1', 'line 2', 'line 3', 'line 4', '45 more log lines dropped (limit 5 per call)'],
  );
  assert.equal(results[2].logs[0].message, `${'x'.repeat(100)}…`);
});

test('ctx.env holds the values and secrets by name; ctx.processor names the version', async () => {
  const [result] = await runOnce(
    'export default function process(record, ctx) { return { value: ctx.env.REGION + ":" + ctx.env.API_TOKEN + ":" + ctx.processor.name + "@" + ctx.processor.version }; }',
    [inputRecord('v')],
    { env: { REGION: 'eu', API_TOKEN: 's3cret' } },
  );
  assert.equal(text(outputsOf(result)[0].value), 'eu:s3cret:orders-map@3');
});

test('a thrown error fails only its record, with message and a stack pointing at the user code line', async () => {
  const results = await runOnce(
    `export default function process(record) {
  if (record.value === 'bad') {
    throw new Error('no price for ' + record.key);
  }
  return { value: 'ok' };
}`,
    [inputRecord('good'), inputRecord('bad'), inputRecord('good')],
  );
  assert.equal(results[0].ok && results[2].ok, true);
  const failed = results[1];
  assert.equal(failed.ok, false);
  if (failed.ok) return;
  assert.equal(failed.error.kind, 'thrown');
  assert.equal(failed.error.message, 'no price for k1');
  assert.match(failed.error.stack ?? '', /at process \(processor\.js:3:11\)/);
  assert.doesNotMatch(failed.error.stack ?? '', /samsa-runtime/);
});

test('testRun reports outputs per topic, drops, errors and logs per record', async () => {
  const { code } = compileProcessor(
    `export default function process(record, ctx) {
       ctx.log('seen', record.offset);
       if (record.value === 'drop') return null;
       if (record.value === 'fail') throw new Error('bad record');
       return [{ value: record.value }, { topic: 'audit', value: 'audit:' + record.value }];
     }`,
    'javascript',
  );
  const result = await testRun({ code, outputs: ['main', 'audit'], env: {} }, [
    inputRecord('a', { offset: 10 }),
    inputRecord('drop', { offset: 11 }),
    inputRecord('fail', { offset: 12 }),
    inputRecord(Buffer.from([0xc3, 0x28]), { offset: 13 }),
  ]);
  assert.deepEqual(result.summary, { records: 4, outputsByTopic: { main: 2, audit: 2 }, dropped: 1, errors: 1 });
  assert.deepEqual(result.results[0].input.value, { encoding: 'text', data: 'a' });
  assert.equal(result.results[0].input.offset, '10');
  assert.deepEqual(result.results[3].input.value, { encoding: 'base64', data: 'wyg=' });
  assert.deepEqual(
    result.results[0].outputs.map((o) => [o.topic, o.value]),
    [
      ['main', { encoding: 'text', data: 'a' }],
      ['audit', { encoding: 'text', data: 'audit:a' }],
    ],
  );
  assert.equal(result.results[1].dropped, true);
  assert.equal(result.results[2].error?.message, 'bad record');
  assert.deepEqual(
    result.results.map((r) => r.logs.map((l) => l.message)),
    [['seen 10'], ['seen 11'], ['seen 12'], ['seen 13']],
  );
});

test('a sandbox keeps module state across calls and answers several batches', async () => {
  const sandbox = await sandboxFor(
    'let seen = 0; export default function process() { seen++; return { value: String(seen) }; }',
  );
  try {
    const first = await sandbox.process([inputRecord('a'), inputRecord('b')]);
    const second = await sandbox.process([inputRecord('c')]);
    assert.deepEqual(
      [...first, ...second].map((r) => text(outputsOf(r)[0].value)),
      ['1', '2', '3'],
    );
    assert.ok(sandbox.cpuTimeMs() > 0);
    assert.ok(sandbox.heapBytes() > 0);
  } finally {
    sandbox.dispose();
  }
  assert.equal(sandbox.disposed, true);
  await assert.rejects(sandbox.process([inputRecord('d')]), /disposed/);
});

test('testRun refuses more records than it takes', async () => {
  const { code } = compileProcessor('export default function process() { return null; }', 'javascript');
  const records = Array.from({ length: MAX_TEST_RUN_RECORDS + 1 }, () => inputRecord('v'));
  await assert.rejects(testRun({ code, outputs: ['out'], env: {} }, records), /at most 1000 records/);
});
