/**
 * A processor's life as the console drives it, against a real broker process and Postgres: the stop policy marks it
 * ERRORED at the record (and a fixed version continues from it), a redeploy from a timestamp replays history, a
 * rollback deploys an older version, pause and resume keep offsets, and a DLQ re-drive sends dead letters through
 * the current version.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '@samsa/test-support/eventually';
import type { RunningProcessorHost } from '../src/host/index.ts';
import {
  addVersion,
  collect,
  createProcessor,
  deploy,
  header,
  type Hub,
  hostFor,
  produce,
  startHub,
  type TestTenant,
  tenantWithTopics,
} from './host-support.ts';

let hub: Hub;
let host: RunningProcessorHost;
let acme: TestTenant;

before(async () => {
  hub = await startHub();
  acme = await tenantWithTopics(hub, 'acme', {
    'strict-in': 1,
    'strict-out': 1,
    'tag-in': 1,
    'tag-out': 1,
    'pp-in': 1,
    'pp-out': 1,
    'fix-in': 1,
    'fix-out': 1,
    'fix-dlq': 1,
  });
  host = await hostFor(hub);
});
after(async () => {
  await host?.stop();
  await hub?.close();
});

const values = (messages: Array<{ value: Buffer | null }>) => messages.map((m) => m.value!.toString());

test('the stop policy stops the processor at the record with the error; a fixed version continues from it', async () => {
  const def = {
    name: 'strict',
    input: 'strict-in',
    outputs: ['strict-out'],
    errorPolicy: 'STOP' as const,
    source: `export default function (r) { if (r.value === 'bad') throw new Error('bad record'); return { value: r.value + '!' }; }`,
  };
  const id = await createProcessor(hub, acme, def);
  await produce(
    acme,
    'strict-in',
    ['a', 'b', 'bad', 'c'].map((value) => ({ value })),
  );
  const out = await collect(acme, ['strict-out']);
  try {
    await eventually(
      async () => (await hub.prisma.processor.findUniqueOrThrow({ where: { id } })).status === 'ERRORED',
      'ERRORED',
    );
    const p = await hub.prisma.processor.findUniqueOrThrow({ where: { id } });
    const lastError = p.lastError as Record<string, unknown>;
    assert.equal(lastError.offset, '2');
    assert.equal(lastError.partition, 0);
    assert.equal(lastError.version, 1);
    assert.equal(lastError.topic, 'strict-in');
    assert.match(String(lastError.message), /bad record/);
    assert.match(String(lastError.stack), /bad record/);
    assert.match(p.statusReason!, /strict-in\/0@2/);
    await eventually(() => out.messages.length === 2, 'the outputs before the bad record');
    assert.deepEqual(values(out.messages), ['a!', 'b!']);

    // Resume (what POST /resume writes): it runs again from the bad record, which fails again.
    await eventually(() => Date.now() > p.statusAt!.getTime() + 1_000, 'a moment after the failure', 5_000);
    await hub.prisma.processor.update({ where: { id }, data: { desiredState: 'RUNNING' } });
    await eventually(async () => {
      const again = await hub.prisma.processor.findUniqueOrThrow({ where: { id } });
      const e = again.lastError as Record<string, unknown>;
      return again.status === 'ERRORED' && e.at !== lastError.at && e.offset === '2';
    }, 'the resumed processor to stop at the same record again');
    assert.equal(out.messages.length, 2);

    await addVersion(hub, id, { ...def, source: `export default function (r) { return { value: r.value + '!' }; }` });
    await eventually(() => out.messages.length === 4, 'the fixed version continues at the bad record');
    assert.deepEqual(values(out.messages), ['a!', 'b!', 'bad!', 'c!']);
    assert.equal(header(out.messages[2]!, 'samsa-source')!.split('/')[1], '2', 'written by version 2');
    await eventually(
      async () => (await hub.prisma.processor.findUniqueOrThrow({ where: { id } })).status === 'RUNNING',
      'RUNNING',
    );
  } finally {
    await out.stop();
  }
});

test('a redeploy from a timestamp replays from there; a rollback deploys the older version', async () => {
  const def = {
    name: 'tag',
    input: 'tag-in',
    outputs: ['tag-out'],
    source: `export default function (r) { return { value: 'v1:' + r.value }; }`,
  };
  const id = await createProcessor(hub, acme, def);
  const out = await collect(acme, ['tag-out']);
  try {
    await produce(acme, 'tag-in', [{ value: 'r1' }, { value: 'r2' }]);
    await eventually(() => out.messages.length === 2, 'version 1 outputs');
    const since = Date.now() + 1;
    await eventually(() => Date.now() > since, 'the clock to pass the replay point', 1_000);
    await produce(acme, 'tag-in', [{ value: 'r3' }]);
    await eventually(() => out.messages.length === 3, 'r3');

    await addVersion(
      hub,
      id,
      { ...def, source: `export default function (r) { return { value: 'v2:' + r.value }; }` },
      'UPDATE',
      {
        kind: 'timestamp',
        timestampMs: since,
      },
    );
    await eventually(() => out.messages.length === 4, 'the replay of r3 through version 2');
    assert.equal(values(out.messages)[3], 'v2:r3');

    const rollback = await deploy(hub, id, 1, { kind: 'offset', offset: 0 }, 'ROLLBACK');
    await eventually(() => out.messages.length === 7, 'the replay from offset 0 through version 1');
    assert.deepEqual(values(out.messages).slice(4), ['v1:r1', 'v1:r2', 'v1:r3']);
    const d = await hub.prisma.processorDeployment.findUniqueOrThrow({ where: { id: rollback } });
    assert.ok(d.appliedAt, 'the deployment is marked applied');
  } finally {
    await out.stop();
  }
});

test('pause and resume keep offsets', async () => {
  const id = await createProcessor(hub, acme, {
    name: 'pp',
    input: 'pp-in',
    outputs: ['pp-out'],
    source: `export default function (r) { return { value: r.value }; }`,
  });
  const out = await collect(acme, ['pp-out']);
  try {
    await produce(acme, 'pp-in', [{ value: 'before' }]);
    await eventually(() => out.messages.length === 1, 'the first output');
    await hub.prisma.processor.update({ where: { id }, data: { desiredState: 'PAUSED' } });
    await eventually(async () => {
      const p = await hub.prisma.processor.findUniqueOrThrow({ where: { id }, include: { instances: true } });
      return p.status === 'PAUSED' && p.instances.length === 0;
    }, 'PAUSED, its tasks stopped');
    await produce(acme, 'pp-in', [{ value: 'while-paused-1' }, { value: 'while-paused-2' }]);
    await hub.prisma.processor.update({ where: { id }, data: { desiredState: 'RUNNING' } });
    await eventually(() => out.messages.length === 3, 'the records written while paused');
    assert.deepEqual(values(out.messages), ['before', 'while-paused-1', 'while-paused-2'], 'nothing processed twice');
  } finally {
    await out.stop();
  }
});

test('a DLQ re-drive sends the dead letters through the current version', async () => {
  const def = {
    name: 'fix',
    input: 'fix-in',
    outputs: ['fix-out'],
    dlqTopic: 'fix-dlq',
    source: `export default function (r) { if (r.value.startsWith('bad')) throw new Error('cannot'); return { value: r.value }; }`,
  };
  const id = await createProcessor(hub, acme, def);
  const out = await collect(acme, ['fix-out', 'fix-dlq']);
  try {
    await produce(acme, 'fix-in', [{ value: 'ok1' }, { value: 'bad1', headers: { trace: 't1' } }, { value: 'bad2' }]);
    await eventually(() => out.messages.length === 3, 'one output, two dead letters');
    await addVersion(hub, id, {
      ...def,
      source: `export default function (r) { return { value: 'fixed:' + r.value, headers: { trace: r.headers.trace ?? '' } }; }`,
    });
    await eventually(
      async () => (await hub.prisma.processorDeployment.count({ where: { processorId: id, appliedAt: null } })) === 0,
      'version 2 applied',
    );
    const redrive = await hub.prisma.processorRedrive.create({
      data: { processorId: id, byEmail: 'test@example.com' },
    });
    await eventually(
      async () =>
        (await hub.prisma.processorRedrive.findUniqueOrThrow({ where: { id: redrive.id } })).finishedAt !== null,
      'the re-drive to finish',
    );
    const done = await hub.prisma.processorRedrive.findUniqueOrThrow({ where: { id: redrive.id } });
    assert.equal(done.error, null);
    const progress = done.progress as Record<string, unknown>;
    assert.deepEqual([progress.read, progress.written, progress.failedAgain], [2, 2, 0]);
    await eventually(() => out.messages.filter((m) => m.topic === 'fix-out').length === 3, 'the re-driven outputs');
    const fixed = out.messages.filter((m) => m.topic === 'fix-out').slice(1);
    assert.deepEqual(values(fixed), ['fixed:bad1', 'fixed:bad2']);
    assert.equal(header(fixed[0]!, 'trace'), 't1', "the function saw the record's original headers");
    assert.match(
      header(fixed[0]!, 'samsa-source')!,
      new RegExp(`^${id}/2/0/1/0$`),
      'lineage names the original offset',
    );
  } finally {
    await out.stop();
  }
});
