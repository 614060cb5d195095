import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileProcessor, ProcessorCompileError, ProcessorSandbox } from '../src/sandbox/index.ts';
import { inputRecord, outputsOf, runOnce, TEST_LIMITS, text } from './sandbox-fixtures.ts';

function compileError(source: string, language: 'javascript' | 'typescript'): ProcessorCompileError {
  try {
    compileProcessor(source, language);
  } catch (error) {
    assert.ok(error instanceof ProcessorCompileError, `expected ProcessorCompileError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a compile error');
}

test('TypeScript with types runs; stack lines stay those of the TypeScript source', async () => {
  const source = `interface Order { qty: number; price: number }
type Out = { value: Order & { total: number } };
export default function process(record: { value: string }, ctx: unknown): Out {
  const order = JSON.parse(record.value) as Order;
  if (order.qty < 0) throw new Error('negative');
  return { value: { ...order, total: order.qty * order.price } };
}`;
  const { code } = compileProcessor(source, 'typescript');
  assert.doesNotMatch(code, /interface|: number/);
  const sandbox = await ProcessorSandbox.create({ code, outputs: ['out'], env: {}, limits: TEST_LIMITS });
  try {
    const [ok, failed] = await sandbox.process([
      inputRecord('{"qty":2,"price":3}'),
      inputRecord('{"qty":-1,"price":3}'),
    ]);
    assert.deepEqual(JSON.parse(text(outputsOf(ok)[0].value)!), { qty: 2, price: 3, total: 6 });
    assert.ok(!failed.ok);
    assert.match(failed.error.stack ?? '', /processor\.js:5:28/);
  } finally {
    sandbox.dispose();
  }
});

test('a syntax error gives line and column, in TypeScript and in JavaScript', () => {
  const ts = compileError('export default function process(r: number) {\n  const x: = 1;\n}', 'typescript');
  assert.deepEqual([ts.line, ts.column], [2, 12]);
  assert.match(ts.message, /^syntax error: .*\(line 2, column 12\)$/);
  const js = compileError('export default function process(r) {\n  return r +;\n}', 'javascript');
  assert.deepEqual([js.line, js.column], [2, 13]);
  assert.match(js.message, /^syntax error: Unexpected token ';' \(line 2, column 13\)$/);
});

test('a module without a default-exported function is refused', () => {
  assert.match(compileError('export function process() {}', 'javascript').message, /must export a default function/);
  assert.match(compileError('export default 42', 'javascript').message, /must export a default function/);
  assert.match(compileError('  ', 'javascript').message, /the source is empty/);
});

test('imports are refused with a clear error', () => {
  const error = compileError(
    'import fs from "node:fs";\nexport default function process() { return null; }',
    'javascript',
  );
  assert.equal(error.message, 'imports are not available in processors (the module imports "node:fs")');
});

test('nothing from the host is inside: no process, require, timers, fetch, or dynamic import', async () => {
  const [result, dynamicImport] = await runOnce(
    `export default function process(record) {
       if (record.value === 'import') return import('node:fs').then(() => ({ value: 'escaped' }));
       const names = ['process', 'require', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'fetch',
                      'Buffer', 'TextDecoder', 'module', 'global', 'XMLHttpRequest', 'WebSocket', 'WebAssembly',
                      'SharedArrayBuffer', 'Atomics'];
       return { value: JSON.stringify(names.map((n) => n + ':' + typeof globalThis[n])) };
     }`,
    [inputRecord('probe'), inputRecord('import')],
  );
  assert.deepEqual(JSON.parse(text(outputsOf(result)[0].value)!), [
    'process:undefined',
    'require:undefined',
    'setTimeout:undefined',
    'setInterval:undefined',
    'setImmediate:undefined',
    'queueMicrotask:undefined',
    'fetch:undefined',
    'Buffer:undefined',
    'TextDecoder:undefined',
    'module:undefined',
    'global:undefined',
    'XMLHttpRequest:undefined',
    'WebSocket:undefined',
    'WebAssembly:undefined',
    'SharedArrayBuffer:undefined',
    'Atomics:undefined',
  ]);
  assert.ok(!dynamicImport.ok);
  assert.equal(dynamicImport.error.kind, 'bad-output');
});
