/**
 * The processor host against a real broker process and a real Postgres: real KafkaJS producers write the input,
 * real consumers read the outputs. A map, a filter, a router to two outputs and an error sent to the dead-letter
 * topic, each with its lineage headers; the status, instance row and captured log the console shows.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { eventually } from '@samsa/test-support/eventually';
import type { RunningProcessorHost } from '../src/host/index.ts';
import {
  collect,
  createProcessor,
  grantProcessor,
  header,
  type Hub,
  hostFor,
  produce,
  startHub,
  tenantWithTopics,
  type TestTenant,
} from './host-support.ts';

let hub: Hub;
let host: RunningProcessorHost;
let acme: TestTenant;
const SECRETS_KEY = randomBytes(32);

before(async () => {
  hub = await startHub();
  acme = await tenantWithTopics(hub, 'acme', {
    orders: 2,
    upper: 1,
    big: 1,
    eu: 1,
    us: 1,
    parsed: 1,
    'parse-dlq': 1,
    'env-out': 1,
    'acl-out': 1,
  });
  host = await hostFor(hub, { secretsKey: SECRETS_KEY });
});
after(async () => {
  await host?.stop();
  await hub?.close();
});

test('a map, a filter and a router write their outputs with lineage headers; a bad record goes to the DLQ', async () => {
  const upperId = await createProcessor(hub, acme, {
    name: 'upper',
    input: 'orders',
    outputs: ['upper'],
    source: `export default function (record, ctx) { ctx.log('saw', record.offset); return { value: String(record.value).toUpperCase() }; }`,
  });
  await createProcessor(hub, acme, {
    name: 'big-only',
    input: 'orders',
    outputs: ['big'],
    source: `export default function (record) { const o = JSON.parse(record.value); return o.amount >= 100 ? { value: o } : null; }`,
  });
  await createProcessor(hub, acme, {
    name: 'router',
    input: 'orders',
    outputs: ['eu', 'us'],
    source: `export default function (record) { const o = JSON.parse(record.value); return { topic: o.region, value: record.value, headers: { region: o.region } }; }`,
  });
  await createProcessor(hub, acme, {
    name: 'parse',
    input: 'orders',
    outputs: ['parsed'],
    dlqTopic: 'parse-dlq',
    errorPolicy: 'DLQ',
    retries: 2,
    source: `export default function (record) { const o = JSON.parse(record.value); if (o.amount < 0) throw new Error('negative amount ' + o.amount); return { value: { id: o.id } }; }`,
  });
  const orders = [
    { id: 1, region: 'eu', amount: 50 },
    { id: 2, region: 'us', amount: 150 },
    { id: 3, region: 'eu', amount: -5 },
    { id: 4, region: 'us', amount: 500 },
  ];
  await produce(
    acme,
    'orders',
    orders.map((o) => ({ key: `k${o.id}`, value: JSON.stringify(o) })),
  );
  const out = await collect(acme, ['upper', 'big', 'eu', 'us', 'parsed', 'parse-dlq']);
  try {
    const on = (topic: string) => out.messages.filter((m) => m.topic === topic);
    await eventually(
      () =>
        on('upper').length === 4 &&
        on('big').length === 2 &&
        on('eu').length + on('us').length === 4 &&
        on('parsed').length === 3 &&
        on('parse-dlq').length === 1,
      'every processor output',
    );
    // map: keys kept, values transformed, lineage header names the processor, version, input partition and offset
    for (const m of on('upper')) {
      const order = orders.find((o) => `k${o.id}` === m.key!.toString())!;
      assert.equal(m.value!.toString(), JSON.stringify(order).toUpperCase());
      assert.equal(header(m, 'samsa-processor'), 'upper');
      assert.match(header(m, 'samsa-source')!, new RegExp(`^${upperId}/1/\\d+/\\d+/0$`));
    }
    // filter
    assert.deepEqual(
      on('big')
        .map((m) => JSON.parse(m.value!.toString()).amount)
        .sort((a, b) => a - b),
      [150, 500],
    );
    // router
    assert.deepEqual(
      on('eu')
        .map((m) => m.key!.toString())
        .sort(),
      ['k1', 'k3'],
    );
    assert.deepEqual(
      on('us').map((m) => header(m, 'region')),
      ['us', 'us'],
    );
    // dlq: the original record with why and where it failed
    const dead = on('parse-dlq')[0]!;
    assert.equal(dead.key!.toString(), 'k3');
    assert.equal(dead.value!.toString(), JSON.stringify(orders[2]));
    assert.match(header(dead, 'samsa-error')!, /negative amount -5/);
    assert.equal(header(dead, 'samsa-error-kind'), 'thrown');
    assert.equal(header(dead, 'samsa-source-topic'), 'orders');
    assert.equal(header(dead, 'samsa-processor-version'), '1');
    assert.ok(header(dead, 'samsa-source-offset') !== undefined);
  } finally {
    await out.stop();
  }

  // What the console reads: status, this host's instance with its counters, the captured log.
  await eventually(async () => {
    const p = await hub.prisma.processor.findUniqueOrThrow({ where: { id: upperId }, include: { instances: true } });
    const stats = p.instances[0]?.stats as { inRecords?: number; outRecords?: number } | undefined;
    return p.status === 'RUNNING' && stats?.inRecords === 4 && stats.outRecords === 4;
  }, 'the instance row with the counters');
  await eventually(async () => {
    const logs = await hub.prisma.processorLog.findMany({
      where: { processorId: upperId, message: { startsWith: 'saw' } },
    });
    return logs.length === 4 && logs.every((l) => l.version === 1 && l.offset !== null && l.partition !== null);
  }, 'ctx.log lines with version, partition and offset');
  const parse = await hub.prisma.processor.findFirstOrThrow({ where: { name: 'parse' } });
  await eventually(async () => {
    const errors = await hub.prisma.processorLog.findMany({ where: { processorId: parse.id, level: 'ERROR' } });
    return errors.length === 3 && errors.every((e) => /negative amount/.test(e.message));
  }, 'the first try and two retries logged as errors');
});

test('env values and opened secrets reach ctx.env; a secret that does not open makes the processor ERRORED', async () => {
  const env = { name: 'env', input: 'orders', outputs: ['env-out'] };
  await createProcessor(hub, acme, {
    ...env,
    source: `export default function (r, ctx) { return { value: ctx.env.GREETING + ':' + ctx.env.TOKEN }; }`,
    env: { GREETING: 'hello' },
    secrets: { TOKEN: 's3cret' },
    secretsKey: SECRETS_KEY,
  });
  const broken = await createProcessor(hub, acme, {
    ...env,
    name: 'env-broken',
    source: `export default function (r) { return null; }`,
    secrets: { TOKEN: 'x' },
    secretsKey: randomBytes(32),
  });
  const out = await collect(acme, ['env-out']);
  try {
    await eventually(() => out.messages.length >= 1, 'an output');
    assert.equal(out.messages[0]!.value!.toString(), 'hello:s3cret');
  } finally {
    await out.stop();
  }
  await eventually(async () => {
    const p = await hub.prisma.processor.findUniqueOrThrow({ where: { id: broken } });
    return p.status === 'ERRORED' && /secret TOKEN does not open/.test(p.statusReason ?? '');
  }, 'the broken secret reported');
});

test('a processor the broker refuses (no ACLs) shows why it is not running, and runs once it is granted', async () => {
  const def = {
    name: 'no-acls',
    input: 'orders',
    outputs: ['acl-out'],
    source: `export default function (r) { return { value: r.value }; }`,
  };
  const id = await createProcessor(hub, acme, { ...def, withoutAcls: true });
  await eventually(async () => {
    const p = await hub.prisma.processor.findUniqueOrThrow({ where: { id } });
    return p.status === 'PENDING' && /deployment not applied yet: .*(authoriz|AUTHORIZ)/i.test(p.statusReason ?? '');
  }, 'the refusal on the processor');
  await grantProcessor(hub, acme, def);
  const out = await collect(acme, ['acl-out']);
  try {
    await produce(acme, 'orders', [{ key: 'granted', value: 'after-the-grant' }]);
    await eventually(
      () => out.messages.some((m) => m.value?.toString() === 'after-the-grant'),
      'its output once granted',
    );
  } finally {
    await out.stop();
  }
});
