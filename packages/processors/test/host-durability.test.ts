/**
 * Delivery across crashes: a processor host run as its own process is killed with SIGKILL several times while it
 * works through the input, and separately the broker is. A checker reads every output's source header
 * (`<processor>/<version>/<partition>/<offset>/<index>`) and compares it with the input offsets: at-least-once loses
 * none; exactly-once loses none and writes none twice.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '@samsa/test-support/eventually';
import {
  collect,
  createProcessor,
  header,
  type HostProcess,
  type Hub,
  hostProcess,
  produce,
  startHub,
  type TestTenant,
  tenantWithTopics,
} from './host-support.ts';

const PARTITIONS = 3;
const RECORDS_PER_ROUND = 600;
/** Every third record gives two outputs (indexes 0 and 1); the loop makes a record take a little CPU time. */
const SOURCE = `export default function (r) {
  let x = 0; for (let i = 0; i < 300000; i++) x += i;
  const n = Number(r.value);
  return n % 3 === 0 ? [{ value: r.value }, { value: r.value + '-b' }] : { value: r.value };
}`;

let hub: Hub;
let acme: TestTenant;
let host: HostProcess | null = null;
let reader: Awaited<ReturnType<typeof collect>>;
let produced = 0;
let hostCount = 0;

before(async () => {
  hub = await startHub();
  acme = await tenantWithTopics(
    hub,
    'acme',
    { in: PARTITIONS, 'alo-out': 2, 'eos-out': 2, 'fence-in': 1, 'fence-out': 1 },
    { processorCpuMsPerSec: 60_000 },
  );
  await createProcessor(hub, acme, { name: 'alo', input: 'in', outputs: ['alo-out'], source: SOURCE });
  await createProcessor(hub, acme, {
    name: 'eos',
    input: 'in',
    outputs: ['eos-out'],
    source: SOURCE,
    delivery: 'EXACTLY_ONCE',
  });
  reader = await collect(acme, ['alo-out', 'eos-out', 'fence-out']);
  host = await hostProcess(hub, `host-${hostCount++}`);
});
after(async () => {
  await reader?.stop();
  await host?.kill9();
  await hub?.close();
});

async function produceRound(): Promise<void> {
  const values = Array.from({ length: RECORDS_PER_ROUND }, (_, i) => produced + i);
  for (let i = 0; i < values.length; i += 100)
    await produce(
      acme,
      'in',
      values.slice(i, i + 100).map((v) => ({ key: `k${v}`, value: String(v), partition: v % PARTITIONS })),
    );
  produced += RECORDS_PER_ROUND;
}

/** Outputs expected per input record: two for every third value. */
const expectedOutputs = (records: number) =>
  Array.from({ length: records }, (_, v) => (v % 3 === 0 ? 2 : 1)).reduce((a, b) => a + b, 0);

/** Outputs of a topic per source (`partition/offset/index`), with how often each was written. */
function outputsBySource(topic: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of reader.messages) {
    if (m.topic !== topic) continue;
    const [, , partition, offset, index] = header(m, 'samsa-source')!.split('/');
    const key = `${partition}/${offset}/${index}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function check(topic: string, exactlyOnce: boolean): void {
  const counts = outputsBySource(topic);
  if (process.env.HOST_TEST_DEBUG)
    console.error(topic, 'written twice or more:', [...counts.values()].filter((n) => n > 1).length);
  assert.equal(counts.size, expectedOutputs(produced), `${topic}: every input record's outputs are there`);
  // Every input (partition, offset) has its outputs: the values say which records they came from.
  const values = new Set(reader.messages.filter((m) => m.topic === topic).map((m) => m.value!.toString()));
  for (let v = 0; v < produced; v++) {
    assert.ok(values.has(String(v)), `${topic}: output of record ${v}`);
    if (v % 3 === 0) assert.ok(values.has(`${v}-b`), `${topic}: second output of record ${v}`);
  }
  if (exactlyOnce) {
    const twice = [...counts].filter(([, n]) => n > 1);
    assert.deepEqual(twice, [], `${topic}: no output written twice`);
  }
}

const eosCount = () => reader.messages.filter((m) => m.topic === 'eos-out').length;

test('kill -9 of the host mid-stream, three times: at-least-once loses nothing, exactly-once duplicates nothing', async () => {
  await produceRound();
  const total = expectedOutputs(produced);
  for (const fraction of [0.2, 0.5, 0.8]) {
    await eventually(() => eosCount() >= total * fraction, `${fraction * 100}% of the outputs`);
    await host!.kill9();
    host = await hostProcess(hub, `host-${hostCount++}`);
  }
  await eventually(
    () => outputsBySource('eos-out').size === total && outputsBySource('alo-out').size === total,
    'all outputs after the kills',
    60_000,
  );
  check('alo-out', false);
  check('eos-out', true);
});

test('kill -9 of the broker mid-stream: at-least-once loses nothing, exactly-once duplicates nothing', async () => {
  const before = expectedOutputs(produced);
  await produceRound();
  const total = expectedOutputs(produced);
  await eventually(() => eosCount() >= before + (total - before) * 0.3, 'progress on the new records');
  await hub.killAndRestartBroker();
  await eventually(
    () => outputsBySource('eos-out').size === total && outputsBySource('alo-out').size === total,
    'all outputs after the broker restart',
    60_000,
  );
  check('alo-out', false);
  check('eos-out', true);
});

test('an exactly-once task skips the outputs a crashed host wrote but did not commit', async () => {
  const id = await createProcessor(hub, acme, {
    name: 'fence',
    input: 'fence-in',
    outputs: ['fence-out'],
    source: `export default function (r) { return { value: 'out-' + r.value }; }`,
    delivery: 'EXACTLY_ONCE',
  });
  const fenceOut = () => reader.messages.filter((m) => m.topic === 'fence-out');
  await produce(
    acme,
    'fence-in',
    Array.from({ length: 10 }, (_, i) => ({ value: String(i) })),
  );
  await eventually(() => fenceOut().length === 10, 'the first ten outputs');
  await hub.prisma.processor.update({ where: { id }, data: { desiredState: 'PAUSED' } });
  await eventually(async () => {
    const p = await hub.prisma.processor.findUniqueOrThrow({ where: { id }, include: { instances: true } });
    return p.status === 'PAUSED' && p.instances.length === 0;
  }, 'PAUSED');
  // What a host killed between its produce and its commit leaves behind: outputs of offsets 10..14, not committed.
  await produce(
    acme,
    'fence-in',
    Array.from({ length: 10 }, (_, i) => ({ value: String(10 + i) })),
  );
  await produce(
    acme,
    'fence-out',
    Array.from({ length: 5 }, (_, i) => ({
      value: `crashed-${10 + i}`,
      headers: { 'samsa-source': `${id}/1/0/${10 + i}/0` },
    })),
  );
  await hub.prisma.processor.update({ where: { id }, data: { desiredState: 'RUNNING' } });
  await eventually(() => fenceOut().length === 20, 'the outputs of offsets 15..19');
  assert.deepEqual(
    fenceOut().map((m) => m.value!.toString()),
    [
      ...Array.from({ length: 10 }, (_, i) => `out-${i}`),
      ...Array.from({ length: 5 }, (_, i) => `crashed-${10 + i}`),
      ...Array.from({ length: 5 }, (_, i) => `out-${15 + i}`),
    ],
    'offsets 10..14 were not written again',
  );
});
