import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileProcessor, ProcessorCompileError, ProcessorSandbox, testRun } from '../src/sandbox/index.ts';
import { inputRecord, outputsOf, runOnce, sandboxFor, TEST_LIMITS, text } from './sandbox-fixtures.ts';

test('while (true) {} is stopped by the CPU limit per call; the call ends at it, the rest run in the next call', async () => {
  const sandbox = await sandboxFor(
    `export default function process(record, ctx) {
       if (record.value === 'spin') { ctx.log('about to spin'); while (true) {} }
       return { value: record.value + '!' };
     }`,
    { limits: { cpuMsPerCall: 300 } },
  );
  try {
    const results = await sandbox.process([inputRecord('a'), inputRecord('spin'), inputRecord('b'), inputRecord('c')]);
    assert.deepEqual(
      results.map((r) => (r.ok ? text(r.outputs[0].value) : r.error.kind)),
      ['a!', 'timeout'],
      'the answer ends at the fault: the records after it were not run',
    );
    const stopped = results[1];
    assert.ok(!stopped.ok);
    assert.match(stopped.error.message, /longer than 300 ms/);
    assert.deepEqual(
      stopped.logs.map((l) => l.message),
      ['about to spin'],
    );
    assert.equal(sandbox.disposed, false);
    const rest = await sandbox.process([inputRecord('b'), inputRecord('c')]);
    assert.deepEqual(
      rest.map((r) => text(outputsOf(r)[0].value)),
      ['b!', 'c!'],
    );
  } finally {
    sandbox.dispose();
  }
});

test('a test run still gives every record its own result when one of them loops', async () => {
  const { code } = compileProcessor(
    `export default function process(record) {
       if (record.value === 'spin') while (true) {}
       return { value: record.value + '!' };
     }`,
    'javascript',
  );
  const run = await testRun({ code, outputs: ['out'], env: {}, limits: { cpuMsPerCall: 200 } }, [
    inputRecord('a'),
    inputRecord('spin'),
    inputRecord('b'),
    inputRecord('spin'),
    inputRecord('c'),
  ]);
  assert.deepEqual(
    run.results.map((r) => r.error?.kind ?? r.outputs[0]?.value?.data),
    ['a!', 'timeout', 'b!', 'timeout', 'c!'],
  );
  assert.equal(run.summary.errors, 2);
});

test('a memory bomb is stopped by the memory limit: its record gets `memory`, the sandbox is disposed, the host lives', async () => {
  const sandbox = await sandboxFor(
    `const hoard = [];
     export default function process(record) {
       if (record.value === 'bomb') { while (true) hoard.push(new Array(100000).fill(1.5)); }
       return { value: 'fine' };
     }`,
    { limits: { memoryMb: 16, cpuMsPerCall: 20_000 } },
  );
  const results = await sandbox.process([inputRecord('bomb'), inputRecord('later')]);
  assert.deepEqual(
    results.map((r) => (r.ok ? 'ok' : r.error.kind)),
    ['memory'],
    'the answer ends at the fault',
  );
  assert.ok(!results[0].ok);
  assert.match(results[0].error.message, /memory limit of 16 MiB/);
  assert.equal(sandbox.disposed, true);
  const again = await sandbox.process([inputRecord('more')]);
  assert.equal(again[0].ok ? 'ok' : again[0].error.kind, 'memory');
  // The host process and other sandboxes keep working.
  const other = await runOnce('export default function process(r) { return { value: r.value }; }', [inputRecord('x')]);
  assert.equal(text(outputsOf(other[0])[0].value), 'x');
});

test('an output to an undeclared topic is a bad-output error naming the topic and the declared ones', async () => {
  const [result] = await runOnce(
    'export default function process(r) { return [{ value: "a" }, { topic: "payments", value: "b" }]; }',
    [inputRecord('v')],
    { outputs: ['orders-clean', 'orders-audit'] },
  );
  assert.ok(!result.ok);
  assert.equal(result.error.kind, 'bad-output');
  assert.equal(
    result.error.message,
    'output 1 goes to topic "payments", which is not a declared output (declared: orders-clean, orders-audit)',
  );
});

test('an oversized output, too many outputs and unencodable values are bad-output errors', async () => {
  const results = await runOnce(
    `export default function process(r) {
       if (r.value === 'big') return { value: 'x'.repeat(2000) };
       if (r.value === 'bigbytes') return { value: new Uint8Array(1500), headers: { h: 'y' } };
       if (r.value === 'many') return [{ value: 1 }, { value: 2 }, { value: 3 }, { value: 4 }];
       if (r.value === 'circular') { const o = {}; o.self = o; return { value: o }; }
       if (r.value === 'function') return { value: () => 1 };
       if (r.value === 'novalue') return { key: 'k' };
       if (r.value === 'typo') return { value: 'v', topc: 'x' };
       if (r.value === 'reserved') return { value: 'v', headers: { 'samsa-source': 'forged' } };
       if (r.value === 'async') return Promise.resolve({ value: 'v' });
       return { value: 'fits' };
     }`,
    ['big', 'bigbytes', 'many', 'circular', 'function', 'novalue', 'typo', 'reserved', 'async', 'ok'].map((v) =>
      inputRecord(v),
    ),
    { limits: { maxOutputBytes: 1_000, maxOutputsPerRecord: 3 } },
  );
  const messages = results.map((r) => (r.ok ? 'ok' : `${r.error.kind}: ${r.error.message}`));
  assert.deepEqual(messages, [
    'bad-output: output 0 is 2002 bytes (key + value + headers), over the limit of 1000 bytes',
    'bad-output: output 0 is 1504 bytes (key + value + headers), over the limit of 1000 bytes',
    'bad-output: 4 outputs for one record, over the limit of 3',
    messages[3].startsWith('bad-output: output 0 value cannot be encoded as JSON: ') ? messages[3] : 'circular',
    'bad-output: output 0 value cannot be encoded: it is a function',
    'bad-output: output 0 has no value: return { value } (null for a tombstone)',
    'bad-output: output 0 has an unknown field "topc" (allowed: topic, key, value, headers, keySchema, valueSchema)',
    'bad-output: output 0 sets header "samsa-source", which the hub sets itself',
    'bad-output: the function returned a Promise: processors run synchronously, remove async/await',
    'ok',
  ]);
});

test('two sandboxes: while one spins, the other keeps answering', async () => {
  const spinning = await sandboxFor('export default function process() { while (true) {} }', {
    limits: { cpuMsPerCall: 60_000 },
  });
  const healthy = await sandboxFor('export default function process(r) { return { value: r.value + "!" }; }');
  try {
    let spinSettled = false;
    const spin = spinning.process([inputRecord('x')]).finally(() => {
      spinSettled = true;
    });
    for (let round = 0; round < 20; round++) {
      const [answer] = await healthy.process([inputRecord(`r${round}`)]);
      assert.equal(text(outputsOf(answer)[0].value), `r${round}!`);
    }
    // Twenty answers arrived while the other isolate was still inside its 60 s call: it blocks neither the
    // event loop nor other isolates.
    assert.equal(spinSettled, false);
    spinning.dispose();
    await assert.rejects(spin);
  } finally {
    spinning.dispose();
    healthy.dispose();
  }
});

test('an unhandled promise rejection fails only the record that made it', async () => {
  const results = await runOnce(
    `export default function process(r) {
       if (r.value === 'reject') Promise.reject(new Error('forgotten'));
       return { value: r.value };
     }`,
    [inputRecord('a'), inputRecord('reject'), inputRecord('b')],
  );
  assert.deepEqual(
    results.map((r) => (r.ok ? text(r.outputs[0].value) : `${r.error.kind}: ${r.error.message}`)),
    ['a', 'thrown: forgotten', 'b'],
  );
});

test('a batch that outlasts the per-call budget only because it is long still succeeds record by record', async () => {
  const results = await runOnce(
    `export default function process(r) {
       const until = Date.now() + 30;
       while (Date.now() < until) {}
       return { value: r.value };
     }`,
    Array.from({ length: 12 }, (_, i) => inputRecord(`r${i}`, { offset: i })),
    { limits: { cpuMsPerCall: 300 } },
  );
  assert.deepEqual(
    results.map((r) => (r.ok ? text(r.outputs[0].value) : r.error.kind)),
    Array.from({ length: 12 }, (_, i) => `r${i}`),
  );
});

test('top-level code that never ends is stopped at load with a clear error', async () => {
  await assert.rejects(
    ProcessorSandbox.create({
      code: 'while (true) {}\nexport default function process() { return null; }',
      outputs: ['out'],
      env: {},
      limits: { ...TEST_LIMITS, cpuMsPerCall: 500 },
    }),
    (error) =>
      error instanceof ProcessorCompileError && error.message === "the module's top-level code ran longer than 500 ms",
  );
});
