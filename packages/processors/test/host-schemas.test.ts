/**
 * Processors through the schema registry, all parts real: a broker process, a `samsa schema-registry` process and
 * Postgres; the user's producer and consumer encode and decode with the Confluent-API npm client
 * (@kafkajs/confluent-schema-registry) and the tenant's API key. The processor reads the decoded Avro order,
 * enriches it and asks for it to be written with another subject's Avro schema (and its key with a third); the
 * consumer decodes the outputs with the same client. An output that does not fit its schema goes to the DLQ with
 * the reason, as does one for a subject the tenant does not have; a record written with another tenant's schema id is not decoded with that tenant's schema; a plain
 * JSON record is given raw as before. A registry that does not answer holds the records back (the processor's
 * status says why) rather than passing them on undecoded or to the DLQ.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { eventually } from '@samsa/test-support/eventually';
import { type RegistryProcess, startRegistry } from '@samsa/test-support/registry-process';
import type { RunningProcessorHost } from '../src/host/index.ts';
import {
  collect,
  createProcessor,
  header,
  type Hub,
  hostFor,
  produce,
  SUPERUSER,
  startHub,
  tenantWithTopics,
  type TestTenant,
} from './host-support.ts';

let hub: Hub;
let registry: RegistryProcess;
let host: RunningProcessorHost;
let acme: TestTenant;
let globex: TestTenant;

before(async () => {
  hub = await startHub();
  registry = await startRegistry(hub.db.url, { SAMSA_SUPERUSER_PASSWORD: SUPERUSER.password });
  acme = await tenantWithTopics(hub, 'acme', {
    orders: 1,
    enriched: 1,
    undecoded: 1,
    'enrich-dlq': 1,
    payments: 1,
    relayed: 1,
  });
  globex = await tenantWithTopics(hub, 'globex', { orders: 1 });
  host = await hostFor(hub, { schemaRegistryUrl: registry.url });
});
after(async () => {
  await host?.stop();
  await registry?.stop();
  await hub?.close();
});

function registryClient(tenant: TestTenant): SchemaRegistry {
  return new SchemaRegistry({
    host: registry.url,
    auth: { username: tenant.key.keyId, password: tenant.key.secret },
  });
}

const ORDER = {
  type: 'record',
  name: 'Order',
  namespace: 'acme',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'cents', type: 'long' },
    { name: 'region', type: 'string' },
  ],
};

const ENRICHED = {
  type: 'record',
  name: 'EnrichedOrder',
  namespace: 'acme',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'cents', type: 'long' },
    { name: 'region', type: { type: 'enum', name: 'Region', symbols: ['EU', 'US'] } },
    { name: 'euros', type: 'double' },
    { name: 'readWith', type: 'string' },
  ],
};

const ENRICHED_KEY = {
  type: 'record',
  name: 'OrderKey',
  namespace: 'acme',
  fields: [{ name: 'id', type: 'string' }],
};

const SOURCE = `
export default function process(record) {
  if (record.valueDecoded === undefined) {
    return {
      topic: 'undecoded',
      value: { error: record.valueSchemaError ?? null, bytes: record.valueBytes.length },
    };
  }
  const order = record.valueDecoded;
  const s = record.valueSchema;
  return {
    topic: 'enriched',
    key: { id: order.id },
    keySchema: { subject: 'enriched-key' },
    value: {
      id: order.id,
      cents: order.cents,
      region: order.region,
      euros: order.cents / 100,
      readWith: s.subject + '/' + s.version + '/' + s.id + '/' + s.type,
    },
    // A subject the tenant never registered: the record fails like any bad output.
    valueSchema: { subject: order.region === 'LOST' ? 'lost-value' : 'enriched-value' },
  };
}`;

test('a processor reads decoded Avro, writes enriched Avro with another subject; misfits go to the DLQ; other tenants’ ids are not used', async () => {
  const sr = registryClient(acme);
  const { id: orderId } = await sr.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(ORDER) },
    { subject: 'orders-value' },
  );
  await sr.register({ type: SchemaType.AVRO, schema: JSON.stringify(ENRICHED) }, { subject: 'enriched-value' });
  await sr.register({ type: SchemaType.AVRO, schema: JSON.stringify(ENRICHED_KEY) }, { subject: 'enriched-key' });
  // globex's registry: three schemas, so its id 4 is one acme does not have (ids are per tenant).
  const globexSr = registryClient(globex);
  for (const name of ['A', 'B', 'C', 'D']) {
    await globexSr.register(
      { type: SchemaType.AVRO, schema: JSON.stringify({ type: 'record', name, fields: [{ name: 'x', type: 'int' }] }) },
      { subject: `${name}-value` },
    );
  }
  const globexOnlyId = await globexSr.getLatestSchemaId('D-value');
  assert.ok(globexOnlyId > 3, `globex's id ${globexOnlyId} is past acme's three`);

  await createProcessor(hub, acme, {
    name: 'enrich',
    input: 'orders',
    outputs: ['enriched', 'undecoded'],
    dlqTopic: 'enrich-dlq',
    errorPolicy: 'DLQ',
    source: SOURCE,
  });
  const orders = [
    { id: 'o-1', cents: 1250, region: 'EU' },
    { id: 'o-2', cents: 99, region: 'US' },
    { id: 'o-3', cents: 500, region: 'MARS' },
    { id: 'o-4', cents: 1, region: 'LOST' },
  ];
  const fromGlobex = await globexSr.encode(globexOnlyId, { x: 7 });
  await produce(acme, 'orders', [
    ...(await Promise.all(orders.map(async (o) => ({ key: o.id, value: await sr.encode(orderId, o) })))),
    { key: 'globex', value: fromGlobex },
    { key: 'plain', value: JSON.stringify({ id: 'o-4' }) },
  ]);

  const out = await collect(acme, ['enriched', 'undecoded', 'enrich-dlq']);
  try {
    const on = (topic: string) => out.messages.filter((m) => m.topic === topic);
    await eventually(
      () => on('enriched').length === 2 && on('undecoded').length === 2 && on('enrich-dlq').length === 2,
      'the enriched orders, the undecoded records and the misfit in the DLQ',
    );

    // The consumer decodes the outputs with the same npm client: enriched, in the subject's schema.
    const enriched = await Promise.all(
      on('enriched').map(async (m) => ({ key: await sr.decode(m.key!), value: await sr.decode(m.value!) })),
    );
    assert.deepEqual(
      enriched.map((e) => ({ key: e.key.id, ...e.value })),
      [
        { key: 'o-1', id: 'o-1', cents: 1250, region: 'EU', euros: 12.5, readWith: `orders-value/1/${orderId}/AVRO` },
        { key: 'o-2', id: 'o-2', cents: 99, region: 'US', euros: 0.99, readWith: `orders-value/1/${orderId}/AVRO` },
      ],
    );
    const enrichedId = await sr.getLatestSchemaId('enriched-value');
    assert.equal(on('enriched')[0]!.value!.readUInt32BE(1), enrichedId, 'written with the subject’s latest id');

    // The order that does not fit the enriched schema (region MARS) is in the DLQ, as it came, with the reason.
    const dead = on('enrich-dlq')[0]!;
    assert.equal(header(dead, 'samsa-error-kind'), 'bad-output');
    assert.match(
      header(dead, 'samsa-error')!,
      /^output 0 value: the value does not fit the Avro schema: region: "MARS" is not a valid acme.Region \(one of EU, US\) \("enriched-value" version 1, id \d+\)$/,
    );
    assert.deepEqual({ ...(await sr.decode(dead.value!)) }, orders[2]);
    const lost = on('enrich-dlq')[1]!;
    assert.equal(
      header(lost, 'samsa-error'),
      `output 0 value: subject "lost-value" is not in the tenant's schema registry (register it first)`,
    );

    // globex's schema id is not looked up outside globex: the record is given raw, with the reason.
    const undecoded = Object.fromEntries(
      on('undecoded').map((m) => [m.key!.toString(), JSON.parse(m.value!.toString())]),
    );
    assert.deepEqual(undecoded.globex, {
      error: `schema id ${globexOnlyId} is not registered`,
      bytes: fromGlobex.length,
    });
    // Not in the wire format: raw as before, no error.
    assert.deepEqual(undecoded.plain, { error: null, bytes: JSON.stringify({ id: 'o-4' }).length });
  } finally {
    await out.stop();
  }
});

test('a registry that does not answer holds the records back, with the reason; they go through once it answers', async () => {
  await host.stop();
  // Nothing listens on port 1: every call to this registry fails at once.
  host = await hostFor(hub, { schemaRegistryUrl: 'http://127.0.0.1:1' });
  const sr = registryClient(acme);
  const processorId = await createProcessor(hub, acme, {
    name: 'relay',
    input: 'payments',
    outputs: ['relayed'],
    source: 'export default function process(record) { return { value: { decoded: record.valueDecoded ?? null } }; }',
  });
  await produce(acme, 'payments', [
    { value: await sr.encode(await sr.getLatestSchemaId('orders-value'), { id: 'o-9', cents: 5, region: 'EU' }) },
  ]);
  const out = await collect(acme, ['relayed']);
  try {
    await eventually(async () => {
      const p = await hub.prisma.processor.findUniqueOrThrow({ where: { id: processorId } });
      return /^restarting in \d+ s after an error: the schema registry at http:\/\/127\.0\.0\.1:1 did not answer/.test(
        p.statusReason ?? '',
      );
    }, 'the processor to say the registry does not answer');
    assert.equal(out.messages.length, 0, 'nothing written undecoded');

    await host.stop();
    host = await hostFor(hub, { schemaRegistryUrl: registry.url });
    await eventually(() => out.messages.length === 1, 'the held record, once the registry answers');
    assert.deepEqual(JSON.parse(out.messages[0]!.value!.toString()), {
      decoded: { id: 'o-9', cents: 5, region: 'EU' },
    });
  } finally {
    await out.stop();
  }
});
