import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { compileProcessor, ProcessorCompileError, SandboxProcessPool } from '../src/sandbox/index.ts';
import { inputRecord, outputsOf, TEST_LIMITS, text } from './sandbox-fixtures.ts';

const pool = new SandboxProcessPool();
after(() => pool.close());

const MAP = compileProcessor('export default function process(r) { return { value: r.value + "!" }; }', 'javascript');

test('a sandbox in a child process maps records like an in-process one', async () => {
  const sandbox = await pool.create('tenant-a', { code: MAP.code, outputs: ['out'], env: {}, limits: TEST_LIMITS });
  const results = await sandbox.process([inputRecord('a'), inputRecord(Buffer.from([0xff]))]);
  assert.equal(text(outputsOf(results[0])[0].value), 'a!');
  assert.equal(text(outputsOf(results[0])[0].key), 'k1');
  assert.ok(results[1].ok);
  assert.ok(sandbox.cpuTimeMs() > 0);
  sandbox.dispose();
  await assert.rejects(sandbox.process([inputRecord('b')]), /disposed/);
  // Its last sandbox gone, the tenant's process ends.
  assert.equal(pool.processCount, 0);
});

test('a module that throws while loading is a ProcessorCompileError from the child too', async () => {
  await assert.rejects(
    pool.create('tenant-a', {
      code: 'throw new Error("bad init");\nexport default () => null;',
      outputs: ['out'],
      env: {},
      limits: TEST_LIMITS,
    }),
    (error) => error instanceof ProcessorCompileError && /bad init/.test(error.message) && error.line === 1,
  );
});

test("a Map bomb, which aborts a whole V8 process, ends only its tenant's sandbox process", async () => {
  const bomb = compileProcessor(
    'export default function process() { const m = new Map(); let i = 0; while (true) m.set(i++, { i }); }',
    'javascript',
  );
  const victim = await pool.create('tenant-bomb', {
    code: bomb.code,
    outputs: ['out'],
    env: {},
    limits: { ...TEST_LIMITS, memoryMb: 16, cpuMsPerCall: 30_000 },
  });
  const neighbour = await pool.create('tenant-b', { code: MAP.code, outputs: ['out'], env: {}, limits: TEST_LIMITS });
  const results = await victim.process([inputRecord('x'), inputRecord('y')]);
  assert.deepEqual(
    results.map((r) => (r.ok ? 'ok' : r.error.kind)),
    ['memory'],
    'the answer ends at the fault',
  );
  assert.equal(victim.disposed, true);
  // The other tenant's process, and this one, keep working; the bombed tenant gets a fresh process.
  const [answer] = await neighbour.process([inputRecord('still here')]);
  assert.equal(text(outputsOf(answer)[0].value), 'still here!');
  const again = await pool.create('tenant-bomb', { code: MAP.code, outputs: ['out'], env: {}, limits: TEST_LIMITS });
  const [fresh] = await again.process([inputRecord('back')]);
  assert.equal(text(outputsOf(fresh)[0].value), 'back!');
});
