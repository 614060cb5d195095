/**
 * The message browser decodes records in the schema registry's wire format, against a real broker with tenancy, a
 * real `samsa schema-registry` process and Postgres: a tenant's app registers and encodes with the Confluent-API npm
 * client, @kafkajs/confluent-schema-registry, unchanged (its tenant key for the registry and for Kafka), and the
 * messages route answers each key and value decoded (Avro, Protobuf with a nested message and with an import, JSON
 * Schema) with its subject, version and id, longs past 2^53 exact. Ids are per tenant, so the same id exists in two
 * tenants: a record of one tenant is only ever decoded with that tenant's schemas, and an id unknown at first
 * decodes once it is registered. The topic page's subjects route names the topic's key and value subjects. Message
 * search shows its matches decoded the same way. With the registry down, the pages still answer, with the reason on
 * each record.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { type RegistryProcess, startRegistry } from '@samsa/test-support/registry-process';
import avro from 'avsc';
import type { Kafka } from 'kafkajs';
import Long from 'long';
import { SUPERUSER } from './broker.ts';
import { call } from './helpers.ts';
import {
  connectedAdmin,
  eventually,
  type Key,
  kafkaAs,
  startTenancyHub,
  type TenancyHub,
  tenantWithKey,
} from './tenancy-hub.ts';

/** 2^53 + 1: a JavaScript number cannot hold it. */
const BIG = '9007199254740993';

let hub: TenancyHub;
let registry: RegistryProcess;
let acmeKey: Key;
let globexKey: Key;

before(async () => {
  hub = await startTenancyHub();
  // The registry knows the same superuser the console signs in to the broker as (as under `samsa start`).
  registry = await startRegistry(hub.h.tdb.url, {
    SAMSA_SUPERUSER_NAME: SUPERUSER.username,
    SAMSA_SUPERUSER_PASSWORD: SUPERUSER.password,
  });
  process.env.SAMSA_SCHEMA_REGISTRY_URL = registry.url;
  acmeKey = await tenantWithKey(hub, 'acme');
  globexKey = await tenantWithKey(hub, 'globex');
});

after(async () => {
  await registry?.stop();
  await hub?.close();
});

/** The app's registry client: its tenant key as basic auth; Avro longs as BigInt so they can pass 2^53. */
function registryClient(key: Key): SchemaRegistry {
  const long = avro.types.LongType.__with({
    fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
    toBuffer: (n: bigint) => {
      const buf = Buffer.alloc(8);
      buf.writeBigInt64LE(n);
      return buf;
    },
    fromJSON: BigInt,
    toJSON: Number,
    isValid: (n: unknown) => typeof n === 'bigint',
    compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
  });
  return new SchemaRegistry(
    { host: registry.url, auth: { username: key.keyId, password: key.secret } },
    { [SchemaType.AVRO]: { registry: { long } } },
  );
}

async function produce(kafka: Kafka, topic: string, messages: { key?: Buffer | null; value: Buffer }[]) {
  const admin = await connectedAdmin(kafka);
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages });
  await producer.disconnect();
}

async function browse(tenant: string, topic: string) {
  const res = await call('/tenants/{tenant}/topics/{topic}/messages', 'GET', { tenant, topic }, { token: hub.admin });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.messages as { key: any; value: any }[];
}

const order = {
  type: 'record',
  name: 'Order',
  namespace: 'acme',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'cents', type: 'long' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};
const orderKey = { type: 'record', name: 'OrderKey', namespace: 'acme', fields: [{ name: 'id', type: 'string' }] };
const payment = `syntax = "proto3";
package acme;

message Payment {
  string id = 1;
  int64 cents = 2;
  Line line = 3;

  message Line {
    string sku = 1;
    uint64 qty = 2;
  }
}
`;
const money = `syntax = "proto3";
package acme;

message Money {
  int64 units = 1;
  string currency = 2;
}
`;
const invoice = `syntax = "proto3";
package acme;
import "money.proto";

message Invoice {
  string id = 1;
  Money total = 2;
}
`;
const item = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Item',
  type: 'object',
  properties: { sku: { type: 'string' }, qty: { type: 'integer' } },
};

test('records written with the Confluent-API client show decoded, with subject, version and id', async () => {
  const sr = registryClient(acmeKey);
  const orders = await sr.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(order) },
    { subject: 'orders-value' },
  );
  const keys = await sr.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(orderKey) },
    { subject: 'orders-key' },
  );
  const payments = await sr.register({ type: SchemaType.PROTOBUF, schema: payment }, { subject: 'payments-value' });
  const items = await sr.register({ type: SchemaType.JSON, schema: JSON.stringify(item) }, { subject: 'items-value' });
  assert.deepEqual([orders.id, keys.id, payments.id, items.id], [1, 2, 3, 4]);

  const kafka = kafkaAs(hub, acmeKey);
  await produce(kafka, 'orders', [
    {
      key: await sr.encode(keys.id, { id: 'o-1' }),
      value: await sr.encode(orders.id, { id: 'o-1', cents: BigInt(BIG), note: 'gift' }),
    },
  ]);
  await produce(kafka, 'payments', [
    // As @kafkajs/confluent-schema-registry writes Protobuf: the message right after the header, no indexes.
    { value: await sr.encode(payments.id, { id: 'p-1', cents: Long.fromString(BIG), line: { sku: 'wheel', qty: 3 } }) },
    // As Confluent's serializers write it: message indexes [0, 0] (zigzag varints: count 2, then 0, 0) select the
    // nested Payment.Line; then its bytes: field 1 (sku) "wheel", field 2 (qty) 3.
    {
      value: Buffer.concat([
        Buffer.from([0, 0, 0, 0, payments.id, 4, 0, 0]),
        Buffer.from([0x0a, 5, ...Buffer.from('wheel'), 0x10, 3]),
      ]),
    },
  ]);
  await produce(kafka, 'items', [{ value: await sr.encode(items.id, { sku: 's-1', qty: 2 }) }]);

  const [o] = await browse('acme', 'orders');
  assert.equal(o?.value.encoding, 'avro');
  assert.deepEqual(
    { subject: o.value.subject, version: o.value.version, schemaId: o.value.schemaId },
    { subject: 'orders-value', version: 1, schemaId: 1 },
  );
  assert.equal(o.value.text, `{\n  "id": "o-1",\n  "cents": ${BIG},\n  "note": "gift"\n}`);
  assert.match(o.value.raw, /^0000000001/, 'the raw bytes, wire header first, in hex');
  assert.equal(o.key.encoding, 'avro');
  assert.deepEqual([o.key.subject, o.key.version, o.key.schemaId], ['orders-key', 1, 2]);
  assert.deepEqual(JSON.parse(o.key.text), { id: 'o-1' });

  const [p, line] = await browse('acme', 'payments');
  assert.equal(p?.value.encoding, 'protobuf');
  assert.deepEqual([p.value.subject, p.value.version, p.value.schemaId], ['payments-value', 1, 3]);
  assert.equal(p.value.message, 'acme.Payment');
  // Protobuf's JSON mapping: 64-bit integers as decimal strings, every digit kept.
  assert.deepEqual(JSON.parse(p.value.text), { id: 'p-1', cents: BIG, line: { sku: 'wheel', qty: '3' } });
  assert.equal(line?.value.encoding, 'protobuf');
  assert.equal(line.value.message, 'acme.Payment.Line');
  assert.deepEqual(JSON.parse(line.value.text), { sku: 'wheel', qty: '3' });

  const [i] = await browse('acme', 'items');
  assert.equal(i?.value.encoding, 'json-schema');
  assert.deepEqual([i.value.subject, i.value.version, i.value.schemaId], ['items-value', 1, 4]);
  assert.deepEqual(JSON.parse(i.value.text), { sku: 's-1', qty: 2 });

  // A Protobuf schema importing another: the console resolves the reference through the registry.
  await sr.register({ type: SchemaType.PROTOBUF, schema: money }, { subject: 'money.proto' });
  const invoices = await sr.register(
    {
      type: SchemaType.PROTOBUF,
      schema: invoice,
      references: [{ name: 'money.proto', subject: 'money.proto', version: 1 }],
    },
    { subject: 'invoices-value' },
  );
  await produce(kafka, 'invoices', [
    { value: await sr.encode(invoices.id, { id: 'i-1', total: { units: Long.fromString(BIG), currency: 'EUR' } }) },
  ]);
  const [inv] = await browse('acme', 'invoices');
  assert.equal(inv?.value.encoding, 'protobuf', JSON.stringify(inv?.value));
  assert.deepEqual([inv.value.subject, inv.value.message], ['invoices-value', 'acme.Invoice']);
  assert.deepEqual(JSON.parse(inv.value.text), { id: 'i-1', total: { units: BIG, currency: 'EUR' } });

  const subjects = await call(
    '/tenants/{tenant}/topics/{topic}/subjects',
    'GET',
    { tenant: 'acme', topic: 'orders' },
    { token: hub.admin },
  );
  assert.equal(subjects.status, 200, JSON.stringify(subjects.body));
  assert.deepEqual(subjects.body, {
    key: { subject: 'orders-key', version: 1, schemaId: 2, schemaType: 'AVRO' },
    value: { subject: 'orders-value', version: 1, schemaId: 1, schemaType: 'AVRO' },
    registryError: null,
  });
  const itemSubjects = await call(
    '/tenants/{tenant}/topics/{topic}/subjects',
    'GET',
    { tenant: 'acme', topic: 'items' },
    { token: hub.admin },
  );
  assert.deepEqual(itemSubjects.body, {
    key: null,
    value: { subject: 'items-value', version: 1, schemaId: 4, schemaType: 'JSON' },
    registryError: null,
  });
});

test("another tenant's records never decode with this tenant's schemas", async () => {
  // globex's id 1 is its own JSON Schema; acme's ids 1 to 4 are acme's.
  const globex = registryClient(globexKey);
  const own = await globex.register(
    { type: SchemaType.JSON, schema: JSON.stringify({ type: 'object', properties: { note: { type: 'string' } } }) },
    { subject: 'copied-value' },
  );
  assert.equal(own.id, 1);
  const acme = registryClient(acmeKey);
  const acmeOrder = await acme.encode(1, { id: 'o-secret', cents: 5n, note: null });
  const acmePayment = await acme.encode(3, { id: 'p-secret', cents: 7, line: null });
  await produce(kafkaAs(hub, globexKey), 'copied', [
    { value: acmeOrder },
    { value: acmePayment },
    { value: await globex.encode(own.id, { note: 'hello' }) },
    // JSON text under id 2, which globex has not registered yet.
    { value: Buffer.concat([Buffer.from([0, 0, 0, 0, 2]), Buffer.from('{"late":true}')]) },
  ]);
  const [withOne, withThree, mine, early] = await browse('globex', 'copied');
  // Id 1 in globex is globex's JSON Schema: acme's Avro bytes are no JSON, so they show as hex with the reason.
  assert.equal(withOne?.value.encoding, 'hex');
  assert.equal(withOne.value.text, acmeOrder.toString('hex'));
  assert.equal(withOne.value.schemaId, 1);
  assert.match(withOne.value.decodeError, /json-schema.*not JSON text/);
  // Id 3 does not exist in globex.
  assert.equal(withThree?.value.encoding, 'hex');
  assert.match(withThree.value.decodeError, /schema id 3 is not in tenant globex's schema registry/);
  for (const r of [withOne, withThree]) assert.doesNotMatch(JSON.stringify(r), /"id": "(o|p)-secret"/);
  assert.equal(mine?.value.encoding, 'json-schema');
  assert.deepEqual([mine.value.subject, mine.value.schemaId], ['copied-value', 1]);
  assert.deepEqual(JSON.parse(mine.value.text), { note: 'hello' });
  assert.match(early?.value.decodeError, /schema id 2 is not in tenant globex's schema registry/);

  // Once globex registers ids 2 and 3, its records decode with them: an unknown id is asked again after a while,
  // not remembered for good; acme's Protobuf bytes under id 3 now meet globex's JSON Schema, never acme's schema.
  const later = await globex.register(
    { type: SchemaType.JSON, schema: JSON.stringify({ type: 'object', title: 'Later' }) },
    { subject: 'later-value' },
  );
  const third = await globex.register(
    { type: SchemaType.JSON, schema: JSON.stringify({ type: 'object', title: 'Third' }) },
    { subject: 'third-value' },
  );
  assert.deepEqual([later.id, third.id], [2, 3]);
  await eventually(
    async () => (await browse('globex', 'copied'))[3]?.value.encoding === 'json-schema',
    'id 2 looked up again',
    30_000,
  );
  const [, nowThree, , nowLate] = await browse('globex', 'copied');
  assert.deepEqual([nowLate?.value.subject, nowLate?.value.schemaId], ['later-value', 2]);
  assert.deepEqual(JSON.parse(nowLate?.value.text), { late: true });
  assert.equal(nowThree?.value.encoding, 'hex');
  assert.match(nowThree.value.decodeError, /schema id 3 \(json-schema\): not JSON text/);

  const none = await call(
    '/tenants/{tenant}/topics/{topic}/subjects',
    'GET',
    { tenant: 'globex', topic: 'copied' },
    { token: hub.admin },
  );
  assert.deepEqual(none.body.key, null);
  assert.deepEqual(none.body.value?.subject, 'copied-value');
  const orders = await call(
    '/tenants/{tenant}/topics/{topic}/subjects',
    'GET',
    { tenant: 'globex', topic: 'orders' },
    { token: hub.admin },
  );
  assert.equal(orders.status, 404, "globex has no topic 'orders': acme's subjects are not shown");
});

test('message search shows its matches decoded', async () => {
  const { apiRoutes } = await import('../src/api/routes.ts');
  const res = await apiRoutes['/tenants/{tenant}/topics/{topic}/search']!.POST!.handler(
    new Request('http://console.test/api/v1/tenants/acme/topics/payments/search', {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ match: { kind: 'contains', text: 'p-1' } }),
    }),
    { params: Promise.resolve({ tenant: 'acme', topic: 'payments' }) },
  );
  assert.equal(res.status, 200, await res.clone().text());
  const events = (await res.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const matches = events.filter((e) => e.type === 'match').map((e) => e.record);
  assert.equal(matches.length, 1, JSON.stringify(events.at(-1)));
  assert.equal(matches[0].value.encoding, 'protobuf');
  assert.deepEqual(JSON.parse(matches[0].value.text).cents, BIG);
});

test('with the registry down, the pages still answer: records show as hex with the reason', async () => {
  await produce(kafkaAs(hub, acmeKey), 'unregistered', [
    { value: Buffer.concat([Buffer.from([0, 0, 0, 0, 99]), Buffer.from('{}')]) },
  ]);
  await registry.stop();
  const [r] = await browse('acme', 'unregistered');
  assert.equal(r?.value.encoding, 'hex');
  assert.match(
    r.value.decodeError,
    /schema id 99 could not be looked up: the schema registry at http:\/\/\S+ did not answer/,
  );
  const subjects = await call(
    '/tenants/{tenant}/topics/{topic}/subjects',
    'GET',
    { tenant: 'acme', topic: 'orders' },
    { token: hub.admin },
  );
  assert.equal(subjects.status, 200);
  assert.deepEqual([subjects.body.key, subjects.body.value], [null, null]);
  assert.match(subjects.body.registryError, /did not answer/);
});
