/**
 * Several hosts share the work: the processor's group spreads the input partitions over two hosts (each reports
 * its own instance row), and an exactly-once processor writes every output once across the rebalance when the
 * second host joins. Metric samples are written for the console's charts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '@samsa/test-support/eventually';
import type { RunningProcessorHost } from '../src/host/index.ts';
import {
  collect,
  createProcessor,
  header,
  type Hub,
  hostFor,
  produce,
  startHub,
  type TestTenant,
  tenantWithTopics,
} from './host-support.ts';

let hub: Hub;
let acme: TestTenant;
const hosts: RunningProcessorHost[] = [];

before(async () => {
  hub = await startHub();
  acme = await tenantWithTopics(hub, 'acme', { in: 4, out: 2 });
});
after(async () => {
  for (const h of hosts) await h.stop();
  await hub?.close();
});

const batch = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: String(from + i), partition: (from + i) % 4 }));

test('two hosts split the partitions; exactly-once holds across the rebalance', async () => {
  hosts.push(await hostFor(hub, { hostId: 'host-a' }));
  const id = await createProcessor(hub, acme, {
    name: 'spread',
    input: 'in',
    outputs: ['out'],
    delivery: 'EXACTLY_ONCE',
    source: `export default function (r) { return { value: 'out-' + r.value }; }`,
  });
  const out = await collect(acme, ['out']);
  try {
    await produce(acme, 'in', batch(0, 200));
    await eventually(() => out.messages.length >= 50, 'host-a at work');
    hosts.push(await hostFor(hub, { hostId: 'host-b' }));
    await produce(acme, 'in', batch(200, 200));
    await eventually(async () => {
      const instances = await hub.prisma.processorInstance.findMany({ where: { processorId: id } });
      const parts = instances.flatMap((i) => i.partitions).sort();
      return instances.length === 2 && instances.every((i) => i.partitions.length > 0) && parts.join() === '0,1,2,3';
    }, 'both hosts with their share of the partitions');
    await produce(acme, 'in', batch(400, 100));
    await eventually(() => new Set(out.messages.map((m) => m.value!.toString())).size === 500, 'every output');
    const sources = out.messages.map((m) => header(m, 'samsa-source')!.split('/').slice(2).join('/'));
    assert.equal(new Set(sources).size, sources.length, 'no output written twice');
    assert.equal(out.messages.length, 500);
  } finally {
    await out.stop();
  }
  await eventually(async () => {
    const samples = await hub.prisma.processorMetricSample.findMany({ where: { processorId: id } });
    return samples.length > 0 && samples.every((x) => x.lagSeconds !== null && x.cpuMsPerSec >= 0);
  }, 'metric samples with the lag in seconds');
});
