/**
 * A looping function fails fast: with a real processor host, its real sandbox processes, a real broker process and
 * Postgres, a `while (true) {}` processor given a batch of many records is acted on at its first record. Under the
 * stop policy it is ERRORED with the record's offset and version before any other record of the batch ran; under
 * the DLQ policy each record reaches the DLQ on its own, each sandbox call ending at its record's timeout.
 * A memory bomb in the middle of a batch stops the processor at its own record, not at the first of the batch.
 * The sandboxes are counted through the host's sandbox factory: the tests assert on what was run, and print the
 * measured times.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '@samsa/test-support/eventually';
import { pino } from 'pino';
import type { RecordSandbox, RunningProcessorHost, SandboxFactory } from '../src/host/index.ts';
import { startProcessorHost } from '../src/host/index.ts';
import { SandboxProcessPool } from '../src/sandbox/index.ts';
import {
  collect,
  createProcessor,
  header,
  type Hub,
  produce,
  SUPERUSER,
  startHub,
  TEST_HOST_SETTINGS,
  type TestTenant,
  tenantWithTopics,
} from './host-support.ts';

/** What the sandboxes of one processor (keyed by its first output topic) were given and answered. */
interface Calls {
  /** Records given per call. */
  given: number[];
  /** Results answered per call. */
  answered: number[];
  firstCallAtMs: number | null;
}

let hub: Hub;
let host: RunningProcessorHost;
let acme: TestTenant;
const pool = new SandboxProcessPool();
const calls = new Map<string, Calls>();

/** The real pool's sandboxes, counted. */
const countingFactory: SandboxFactory = async (tenantId, options) => {
  const sandbox = await pool.create(tenantId, options);
  const key = options.outputs[0]!;
  if (!calls.has(key)) calls.set(key, { given: [], answered: [], firstCallAtMs: null });
  const seen = calls.get(key)!;
  const counted: RecordSandbox = {
    async process(records) {
      seen.firstCallAtMs ??= Date.now();
      seen.given.push(records.length);
      const results = await sandbox.process(records);
      seen.answered.push(results.length);
      return results;
    },
    get disposed() {
      return sandbox.disposed;
    },
    cpuTimeMs: () => sandbox.cpuTimeMs(),
    heapBytes: () => sandbox.heapBytes(),
    dispose: () => sandbox.dispose(),
  };
  return counted;
};

const SPIN = 'export default function spin(record, ctx) { ctx.log("spinning on", record.offset); while (true) {} }';
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

before(async () => {
  hub = await startHub();
  acme = await tenantWithTopics(hub, 'acme', {
    'halt-in': 1,
    'halt-out': 1,
    'spin-in': 1,
    'spin-out': 1,
    'spin-dlq': 1,
  });
  // The default CPU limit per call (SAMSA_PROCESSOR_CPU_MS_PER_CALL) and batch size: what production runs.
  host = await startProcessorHost({
    databaseUrl: hub.db.url,
    bootstrap: [hub.broker.bootstrap],
    superuser: SUPERUSER,
    secretsKey: null,
    logger: pino({ level: process.env.HOST_TEST_LOG ?? 'silent' }),
    settings: TEST_HOST_SETTINGS,
    createSandbox: countingFactory,
  });
});

after(async () => {
  await host?.stop();
  pool.close();
  await hub?.close();
});

test('a looping function under the stop policy is ERRORED at its first record, before the rest of its batch ran', async () => {
  const records = 200;
  await produce(
    acme,
    'halt-in',
    Array.from({ length: records }, (_, i) => ({ value: `r${i}` })),
  );
  const id = await createProcessor(hub, acme, {
    name: 'halt',
    input: 'halt-in',
    outputs: ['halt-out'],
    source: SPIN,
    errorPolicy: 'STOP',
  });
  await eventually(
    async () => (await hub.prisma.processor.findUniqueOrThrow({ where: { id } })).status === 'ERRORED',
    'the processor ERRORED',
  );
  const errored = await hub.prisma.processor.findUniqueOrThrow({ where: { id } });
  const lastError = errored.lastError as { kind: string; partition: number; offset: string; version: number };
  assert.deepEqual([lastError.kind, lastError.partition, lastError.offset, lastError.version], ['timeout', 0, '0', 1]);
  assert.match(errored.statusReason ?? '', /^stopped at halt-in\/0@0 \(version 1\): the function ran longer than/);

  const seen = calls.get('halt-out')!;
  assert.ok(seen.given[0]! > 1, `the first call was given a batch of several records (${seen.given})`);
  assert.deepEqual(seen.answered, [1], 'the sandbox ran only the looping record; the rest of the batch never ran');
  const logs = await hub.prisma.processorLog.findMany({ where: { processorId: id, partition: 0 } });
  assert.deepEqual(
    logs.map((l) => [l.offset, l.message.split(':')[0]]).sort(),
    [
      [0n, 'spinning on 0'],
      [0n, 'timeout'],
    ],
    "the record's log line and its error, at its offset",
  );
  console.log(
    `stop policy: ERRORED ${errored.statusAt!.getTime() - seen.firstCallAtMs!} ms after the first call into the ` +
      `sandbox (batch of ${seen.given[0]} records, ${sum(seen.answered)} run)`,
  );
});

test('a looping function under the DLQ policy sends each record to the DLQ as soon as its call ends', async () => {
  const records = 8;
  await produce(
    acme,
    'spin-in',
    Array.from({ length: records }, (_, i) => ({ value: `s${i}` })),
  );
  const dlq = await collect(acme, ['spin-dlq']);
  try {
    const id = await createProcessor(hub, acme, {
      name: 'spin',
      input: 'spin-in',
      outputs: ['spin-out'],
      source: SPIN,
      errorPolicy: 'DLQ',
      dlqTopic: 'spin-dlq',
    });
    await eventually(() => dlq.messages.length > 0, 'a first dead letter');
    const firstSeenAtMs = Date.now();
    await eventually(() => dlq.messages.length >= records, `all ${records} records in the DLQ`);
    assert.deepEqual(
      dlq.messages.map((m) => [m.value?.toString(), header(m, 'samsa-source-offset'), header(m, 'samsa-error-kind')]),
      Array.from({ length: records }, (_, i) => [`s${i}`, String(i), 'timeout']),
    );
    const seen = calls.get('spin-out')!;
    // Each call ended at its first record's timeout; that record was dead-lettered and the rest given again.
    assert.deepEqual(seen.answered, Array(records).fill(1));
    assert.equal(seen.given[0], records, 'the records came in one batch');
    assert.notEqual((await hub.prisma.processor.findUniqueOrThrow({ where: { id } })).status, 'ERRORED');
    console.log(
      `dlq policy: first dead letter read ${firstSeenAtMs - seen.firstCallAtMs!} ms after the first call into the ` +
        `sandbox; ${records} records in ${seen.given.length} calls`,
    );
  } finally {
    await dlq.stop();
  }
});

test('a memory bomb at the second record of a batch stops the processor at that record, not at the first', async () => {
  const bomber = await tenantWithTopics(hub, 'bomber', { 'bomb-in': 1, 'bomb-out': 1 }, { processorMemoryMb: 16 });
  await produce(bomber, 'bomb-in', [{ value: 'fine' }, { value: 'bomb' }, { value: 'later' }]);
  const out = await collect(bomber, ['bomb-out']);
  try {
    const id = await createProcessor(hub, bomber, {
      name: 'bomb',
      input: 'bomb-in',
      outputs: ['bomb-out'],
      errorPolicy: 'STOP',
      source: `export default function (record) {
        if (record.value === 'bomb') { const hoard = []; while (true) hoard.push(new Array(1 << 16).fill(Math.random())); }
        return { value: record.value + '!' };
      }`,
    });
    await eventually(
      async () => (await hub.prisma.processor.findUniqueOrThrow({ where: { id } })).status === 'ERRORED',
      'the processor ERRORED',
    );
    const p = await hub.prisma.processor.findUniqueOrThrow({ where: { id } });
    const lastError = p.lastError as { kind: string; offset: string; message: string };
    // The bomb is stopped by the heap limit, or on a loaded machine by the CPU limit per call first; either way the
    // processor must stop at the bomb's own record (offset 1), not at the first record of the call.
    assert.ok(['memory', 'timeout'].includes(lastError.kind), `${lastError.kind}: ${lastError.message}`);
    assert.equal(lastError.offset, '1', lastError.message);
    await eventually(() => out.messages.length >= 1, "the first record's output");
    assert.deepEqual(
      out.messages.map((m) => m.value?.toString()),
      ['fine!'],
    );
    assert.equal(calls.get('bomb-out')!.given[0], 3, 'the three records came in one batch');
  } finally {
    await out.stop();
  }
});
