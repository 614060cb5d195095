/**
 * The Confluent-compatible npm client, @kafkajs/confluent-schema-registry, unchanged, against a real registry
 * process with a tenant's API key (basic auth), and KafkaJS producing and consuming the encoded records through a
 * real broker with the same key: Avro, Protobuf and JSON Schema each register, encode (magic byte + schema id),
 * travel through a topic and decode. A breaking change is refused with the client's own error, before anything
 * reaches the topic; another tenant's key cannot decode the records.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { TestKey } from '@samsa/test-support/tenants';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { createTopics, type RegistryHub, startRegistryHub, tenantKafka } from './support/hub.ts';

let hub: RegistryHub;
let key: TestKey;
let otherKey: TestKey;
let kafka: Kafka;

before(async () => {
  hub = await startRegistryHub();
  key = await hub.fixtures.adminKey(await hub.fixtures.tenant('acme'), 'acme-app');
  otherKey = await hub.fixtures.adminKey(await hub.fixtures.tenant('globex'), 'globex-app');
  kafka = tenantKafka(hub, key);
  await createTopics(kafka, ['orders', 'payments', 'items']);
});

after(async () => {
  await hub?.close();
});

function registryClient(k: TestKey): SchemaRegistry {
  return new SchemaRegistry({ host: hub.registry.url, auth: { username: k.keyId, password: k.secret } });
}

/** Produces `values` to `topic`, then reads them back from the start with a fresh group. */
async function roundTrip(topic: string, values: Buffer[]): Promise<KafkaMessage[]> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value) => ({ value })) });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `${topic}-reader` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: KafkaMessage[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${values.length} records read`)), 60_000);
    consumer
      .run({
        eachMessage: async ({ message }) => {
          got.push(message);
          if (got.length === values.length) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return got;
}

test('Avro: register, encode, produce, consume, decode; a breaking change is refused', async () => {
  const sr = registryClient(key);
  const schema = {
    type: 'record',
    name: 'Order',
    namespace: 'acme',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'cents', type: 'long' },
    ],
  };
  const { id } = await sr.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
    { subject: 'orders-value' },
  );
  assert.equal(id, 1);
  assert.equal(await sr.getLatestSchemaId('orders-value'), id);
  assert.equal(await sr.getRegistryId('orders-value', 1), id);
  const orders = [
    { id: 'o-1', cents: 1250 },
    { id: 'o-2', cents: 99 },
  ];
  const encoded = await Promise.all(orders.map((o) => sr.encode(id, o)));
  assert.equal(encoded[0]?.[0], 0, 'magic byte');
  assert.equal(encoded[0]?.readInt32BE(1), id, 'schema id in the wire header');
  const read = await roundTrip('orders', encoded);
  // A fresh client decodes by the id in each record, fetching the schema from the registry.
  const reader = registryClient(key);
  const decoded = await Promise.all(read.map((m) => reader.decode(m.value as Buffer)));
  assert.deepEqual(
    decoded.map((d) => ({ ...d, cents: Number(d.cents) })),
    orders,
  );

  const breaking = { ...schema, fields: [...schema.fields, { name: 'customer', type: 'string' }] };
  await assert.rejects(
    sr.register({ type: SchemaType.AVRO, schema: JSON.stringify(breaking) }, { subject: 'orders-value' }),
    (err: Error & { status?: number }) => {
      assert.equal(err.status, 409);
      assert.match(err.message, /incompatible/);
      return true;
    },
  );
  const evolved = { ...schema, fields: [...schema.fields, { name: 'customer', type: 'string', default: '' }] };
  const v2 = await sr.register({ type: SchemaType.AVRO, schema: JSON.stringify(evolved) }, { subject: 'orders-value' });
  assert.equal(v2.id, 2);

  // Another tenant's client cannot resolve acme's schema id.
  await assert.rejects(registryClient(otherKey).decode(encoded[0] as Buffer), /not found|40403|404/i);
});

test('Protobuf: register, encode, produce, consume, decode', async () => {
  const sr = registryClient(key);
  const proto = `syntax = "proto3";
package acme;
message Payment {
  string id = 1;
  int64 cents = 2;
  string currency = 3;
}
`;
  const { id } = await sr.register({ type: SchemaType.PROTOBUF, schema: proto }, { subject: 'payments-value' });
  const payments = [
    { id: 'p-1', cents: 500, currency: 'EUR' },
    { id: 'p-2', cents: 75, currency: 'USD' },
  ];
  const encoded = await Promise.all(payments.map((p) => sr.encode(id, p)));
  const read = await roundTrip('payments', encoded);
  const decoded = await Promise.all(read.map((m) => registryClient(key).decode(m.value as Buffer)));
  assert.deepEqual(
    decoded.map((d) => ({ id: d.id, cents: Number(d.cents), currency: d.currency })),
    payments,
  );
  const breaking = proto.replace('int64 cents = 2;', 'string cents = 2;');
  await assert.rejects(
    sr.register({ type: SchemaType.PROTOBUF, schema: breaking }, { subject: 'payments-value' }),
    (err: Error & { status?: number }) => err.status === 409,
  );
});

test('JSON Schema: register, encode (validated), produce, consume, decode', async () => {
  const sr = registryClient(key);
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Item',
    type: 'object',
    properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 0 } },
    required: ['sku', 'qty'],
    additionalProperties: false,
  };
  const { id } = await sr.register(
    { type: SchemaType.JSON, schema: JSON.stringify(schema) },
    { subject: 'items-value' },
  );
  const items = [
    { sku: 'A-1', qty: 3 },
    { sku: 'B-2', qty: 0 },
  ];
  const encoded = await Promise.all(items.map((i) => sr.encode(id, i)));
  await assert.rejects(sr.encode(id, { sku: 'C', qty: -1 }), 'the client validates against the registered schema');
  const read = await roundTrip('items', encoded);
  const decoded = await Promise.all(read.map((m) => registryClient(key).decode(m.value as Buffer)));
  assert.deepEqual(decoded, items);
  const breaking = { ...schema, properties: { ...schema.properties, qty: { type: 'string' } } };
  await assert.rejects(
    sr.register({ type: SchemaType.JSON, schema: JSON.stringify(breaking) }, { subject: 'items-value' }),
    (err: Error & { status?: number }) => err.status === 409,
  );
});
