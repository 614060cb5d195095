/**
 * One tenant's bad code never hurts another: with a real broker process, a real Postgres and a processor host run
 * as `samsa processors`, tenant `attacker` deploys `while (true) {}` and a memory bomb while tenant `steady`'s
 * processor transforms a steady input. Steady's outputs keep arriving (its throughput before and during the attack
 * is printed), the attacker's processors end ERRORED or write DLQ records naming the error and the offset, and the
 * broker keeps serving a third tenant's client. Then a tenant over its CPU budget is THROTTLED with a reason while
 * steady's processor keeps RUNNING.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '@samsa/test-support/eventually';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import {
  collect,
  createProcessor,
  produce,
  type Hub,
  header,
  type ProcessorDef,
  startHub,
  type TestTenant,
} from './host-support.ts';
import { type HostProcess, startHostProcess } from './isolation-fixtures.ts';

let hub: Hub;
let host: HostProcess;
let steady: TestTenant;
let producer: Producer;
let reader: Awaited<ReturnType<typeof collect>>;
let sent = 0;
/** Every client a test opens, closed in after() even when the test failed half-way. */
const cleanups: Array<() => Promise<unknown>> = [];
let feeding: NodeJS.Timeout | null = null;

const UPPER = `export default function upper(record) { return { value: String(record.value).toUpperCase() }; }`;
const SPIN = 'export default function spin() { while (true) {} }';
const BOMB = `export default function bomb() {
  const hoard = [];
  while (true) hoard.push(new Array(1 << 16).fill(Math.random()));
}`;
/** A Map that grows without end aborts the whole V8 process: it must take down only its tenant's sandbox process. */
const MAP_BOMB =
  'export default function mapBomb() { const m = new Map(); let i = 0; while (true) m.set(i++, { i }); }';
const BURN = `export default function burn(record) {
  let x = 0;
  for (let i = 0; i < 2_000_000; i++) x += i % 7;
  return { value: String(x) };
}`;

before(async () => {
  hub = await startHub();
  steady = await tenantWith('steady', {}, ['in', 'out']);
  await createProcessor(hub, steady, { name: 'upper', input: 'in', outputs: ['out'], source: UPPER });
  // A generous time per call, so that the memory bomb meets its memory limit first even on a loaded machine.
  host = startHostProcess(hub, { SAMSA_PROCESSOR_CPU_MS_PER_CALL: '2000' });
  reader = await collect(steady, ['out']);
  producer = steady.kafka.producer();
  await producer.connect();
  // A steady input: one record every 20 ms, for as long as the tests run.
  feeding = setInterval(() => {
    sent++;
    producer.send({ topic: 'in', messages: [{ value: `record ${sent}` }] }).catch(() => {});
  }, 20);
});

after(async () => {
  if (feeding) clearInterval(feeding);
  for (const close of cleanups) await close().catch(() => {});
  await reader?.stop().catch(() => {});
  await producer?.disconnect().catch(() => {});
  await host?.kill();
  await hub?.close();
});

/**
 * A tenant with quotas, an admin key, and topics of one partition. The broker learns the key and its admin binding
 * over NOTIFY, not necessarily at once or together: creating the topics is retried until both are known.
 */
async function tenantWith(slug: string, quota: Record<string, number>, topics: string[]): Promise<TestTenant> {
  const id = await hub.fx.tenant(slug, quota);
  const key = await hub.fx.key(id, `${slug}-admin`);
  await hub.fx.admin(id, `${slug}-admin`);
  const kafka = new Kafka({
    clientId: `isolation-${slug}`,
    brokers: [hub.broker.bootstrap],
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'plain', username: key.keyId, password: key.secret },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  await eventually(async () => {
    try {
      await admin.connect();
      await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1 })) });
      return true;
    } catch {
      return false;
    }
  }, `tenant ${slug}'s topics`);
  await admin.disconnect();
  return { id, slug, key, kafka };
}

/** The topics of processors' inputs, outputs and DLQs. */
function topicsOf(defs: ProcessorDef[]): string[] {
  return defs.flatMap((d) => [d.input, ...d.outputs, ...(d.dlqTopic ? [d.dlqTopic] : [])]);
}

async function status(id: string) {
  return hub.prisma.processor.findUniqueOrThrow({ where: { id } });
}

/** Waits until `count` more of steady's outputs arrived; their rate per second over that wait. */
async function steadyRate(count: number, during: string): Promise<number> {
  const from = reader.messages.length;
  const startMs = Date.now();
  await eventually(() => reader.messages.length >= from + count, `${count} of steady's outputs ${during}`, 60_000);
  return (count * 1_000) / Math.max(1, Date.now() - startMs);
}

const SPIN_DEF: ProcessorDef = {
  name: 'spin',
  input: 'spin-in',
  outputs: ['spin-out'],
  source: SPIN,
  errorPolicy: 'DLQ',
  dlqTopic: 'spin-dlq',
};
const HALT_DEF: ProcessorDef = {
  name: 'halt',
  input: 'halt-in',
  outputs: ['halt-out'],
  source: SPIN,
  errorPolicy: 'STOP',
};
const MAP_BOMB_DEF: ProcessorDef = {
  name: 'map-bomb',
  input: 'map-bomb-in',
  outputs: ['map-bomb-out'],
  source: MAP_BOMB,
  errorPolicy: 'STOP',
};
const BOMB_DEF: ProcessorDef = {
  name: 'bomb',
  input: 'bomb-in',
  outputs: ['bomb-out'],
  source: BOMB,
  errorPolicy: 'STOP',
};

test("an infinite loop and a memory bomb in one tenant do not stop another tenant's processor", async () => {
  // Measure at the steady state: once the outputs have caught up with what was written while the host started.
  await eventually(() => reader.messages.length > 0, "steady's first output", 60_000);
  const written = sent;
  await eventually(() => reader.messages.length >= written, 'steady caught up with its input', 60_000);
  const before = await steadyRate(50, 'before the attack');

  // A CPU budget that does not hold the attacker back: the attack runs at full speed.
  const attacker = await tenantWith(
    'attacker',
    { processorMemoryMb: 16, processorCpuMsPerSec: 60_000 },
    topicsOf([SPIN_DEF, HALT_DEF, BOMB_DEF]),
  );
  // Two records each, in one batch: the first record's fault ends its sandbox call, and is acted on at once.
  const inputs = [{ value: 'attack 0' }, { value: 'attack 1' }];
  for (const topic of ['spin-in', 'halt-in', 'bomb-in']) await produce(attacker, topic, inputs);
  // spin: every record times out and goes to its DLQ, and the processor keeps going; halt: the same loop with the
  // stop policy; bomb: a heap past its 16 MiB limit, stop policy.
  const spin = await createProcessor(hub, attacker, SPIN_DEF);
  const halt = await createProcessor(hub, attacker, HALT_DEF);
  const bomb = await createProcessor(hub, attacker, BOMB_DEF);
  const dlq = await collect(attacker, ['spin-dlq']);
  cleanups.push(dlq.stop);
  // Another tenant's Map bomb, which no isolate can contain: its sandbox process dies.
  const crasher = await tenantWith('crasher', { processorMemoryMb: 16 }, topicsOf([MAP_BOMB_DEF]));
  await produce(crasher, 'map-bomb-in', inputs);
  const mapBomb = await createProcessor(hub, crasher, MAP_BOMB_DEF);

  // The attack is under way once the host has applied the three deployments (it then runs their first records).
  await eventually(
    async () =>
      (await hub.prisma.processorDeployment.count({
        where: { processorId: { in: [spin, halt, bomb, mapBomb] }, appliedAt: { not: null } },
      })) === 4,
    "the attacker's processors running",
    60_000,
  );
  const attack = { startMs: Date.now(), steadyOutputsAtStart: reader.messages.length };
  assert.ok(dlq.messages.length < 2 && (await status(halt)).status !== 'ERRORED', 'the attack is still under way');

  // The broker keeps serving a third tenant's client through the attack.
  const bystander = await tenantWith('bystander', {}, ['notes']);
  await produce(bystander, 'notes', [{ value: 'still here' }]);
  const notes = await collect(bystander, ['notes']);
  cleanups.push(notes.stop);
  await eventually(() => notes.messages.length === 1, "the bystander's message read back", 60_000);

  // ... and it is over once every attacking record has failed.
  await eventually(() => dlq.messages.length >= 2, "spin's two records in its DLQ", 60_000);
  for (const id of [halt, bomb, mapBomb]) {
    await eventually(async () => (await status(id)).status === 'ERRORED', 'the processor ERRORED', 60_000);
  }
  const attackMs = Date.now() - attack.startMs;
  const steadyDuringAttack = reader.messages.length - attack.steadyOutputsAtStart;
  const during = (steadyDuringAttack * 1_000) / Math.max(1, attackMs);
  console.log(
    `steady's outputs: ${before.toFixed(1)}/s before the attack, ${during.toFixed(1)}/s during it ` +
      `(${steadyDuringAttack} outputs in the ${attackMs} ms until the attacker's processors had failed)`,
  );
  assert.ok(steadyDuringAttack > 0, "steady's outputs kept arriving during the attack");
  await steadyRate(50, 'after the attack');

  // The loop's records are in its DLQ, each naming the error and where it came from.
  assert.deepEqual(
    dlq.messages
      .slice(0, 2)
      .map((m) => [m.value?.toString(), header(m, 'samsa-source-topic'), header(m, 'samsa-source-offset')]),
    [0, 1].map((i) => [`attack ${i}`, 'spin-in', String(i)]),
  );
  for (const m of dlq.messages) assert.equal(header(m, 'samsa-error-kind'), 'timeout', header(m, 'samsa-error'));
  assert.notEqual((await status(spin)).status, 'ERRORED', 'the DLQ policy keeps the loop processor going');

  for (const [id, def, kind] of [
    [halt, HALT_DEF, 'timeout'],
    [bomb, BOMB_DEF, 'memory'],
    [mapBomb, MAP_BOMB_DEF, 'memory'],
  ] as const) {
    const p = await status(id);
    assert.equal(p.status, 'ERRORED', `it stays ERRORED: ${JSON.stringify(p)}`);
    const lastError = p.lastError as {
      kind: string;
      message: string;
      partition: number;
      offset: string;
      version: number;
    };
    assert.equal(lastError.kind, kind, lastError.message);
    assert.deepEqual(
      [lastError.partition, lastError.offset, lastError.version],
      [0, '0', 1],
      'stopped at the first record',
    );
    assert.ok(p.statusReason?.startsWith(`stopped at ${def.input}/0@0 (version 1)`), JSON.stringify(p));
  }
  assert.match((await status(bomb)).statusReason ?? '', /memory limit of 16 MiB/);
});

test("a tenant over its CPU budget is THROTTLED with a reason; another tenant's processor keeps running", async () => {
  const burnDef: ProcessorDef = { name: 'burn', input: 'burn-in', outputs: ['burn-out'], source: BURN };
  const greedy = await tenantWith('greedy', { processorCpuMsPerSec: 20 }, topicsOf([burnDef]));
  const burn = await createProcessor(hub, greedy, burnDef);
  // A steady input too, each record a few ms of CPU: far more than 20 ms a second.
  const greedyProducer = greedy.kafka.producer();
  await greedyProducer.connect();
  cleanups.push(() => greedyProducer.disconnect());
  let burnSent = 0;
  const feedingBurn = setInterval(() => {
    const messages = Array.from({ length: 10 }, () => ({ value: `burn ${burnSent++}` }));
    greedyProducer.send({ topic: 'burn-in', messages }).catch(() => {});
  }, 100);
  try {
    await eventually(async () => (await status(burn)).status === 'THROTTLED', 'burn THROTTLED', 60_000);
    const throttled = await status(burn);
    assert.match(throttled.statusReason ?? '', /over the tenant's CPU budget \(20 ms\/s on this host\)/);
    console.log(`greedy's processor: ${throttled.status} (${throttled.statusReason})`);

    // Meanwhile steady's processor is neither throttled nor held back: its outputs keep arriving.
    await steadyRate(50, 'while greedy is throttled');
    const upper = await hub.prisma.processor.findFirstOrThrow({ where: { name: 'upper' } });
    assert.equal(upper.status, 'RUNNING');
    assert.equal((await status(burn)).status, 'THROTTLED', 'greedy is still held back');
  } finally {
    clearInterval(feedingBurn);
    await greedyProducer.disconnect();
  }
});
