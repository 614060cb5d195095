/**
 * wire-format.ts against an independent implementation: @kafkajs/confluent-schema-registry, the Confluent-API npm
 * client, with a tenant's key and a real registry process. What the client encodes decodes here, and what is
 * encoded here the client decodes, for Avro, JSON Schema and Protobuf (whose bytes without message indexes are read
 * as the first message); Confluent's message indexes pick a Protobuf file's second message; a value that does not
 * fit and bytes that do not decode say why.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { type RegistryProcess, startRegistry } from '@samsa/test-support/registry-process';
import { TenantFixtures, type TestKey } from '@samsa/test-support/tenants';
import { decode, encode, WireFormatError, type WireSchema } from '../src/wire-format.ts';

let db: TestDatabase;
let fixtures: TenantFixtures;
let registry: RegistryProcess;
let key: TestKey;
let sr: SchemaRegistry;

before(async () => {
  db = await createTestDatabase();
  fixtures = new TenantFixtures(db.url);
  registry = await startRegistry(db.url);
  key = await fixtures.adminKey(await fixtures.tenant('acme'), 'acme-app');
  sr = new SchemaRegistry({ host: registry.url, auth: { username: key.keyId, password: key.secret } });
});

after(async () => {
  await registry?.stop();
  await fixtures?.close();
  await db?.drop();
});

/** The registry's answer for `id`, as a WireSchema (no references here). */
async function lookupById(id: number): Promise<WireSchema | null> {
  const res = await fetch(`${registry.url}/schemas/ids/${id}`, {
    headers: { authorization: `Basic ${Buffer.from(`${key.keyId}:${key.secret}`).toString('base64')}` },
  });
  if (res.status === 404) return null;
  const body = (await res.json()) as { schema: string; schemaType?: WireSchema['schemaType'] };
  return { id, schemaType: body.schemaType ?? 'AVRO', schema: body.schema, references: [] };
}

async function schemaOf(id: number): Promise<WireSchema> {
  const s = await lookupById(id);
  assert.ok(s, `schema ${id}`);
  return s;
}

test('Avro: the client’s bytes decode here, these bytes decode with the client; misfits and bad bytes say why', async () => {
  const schema = {
    type: 'record',
    name: 'Order',
    namespace: 'acme',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'cents', type: 'long' },
      { name: 'note', type: ['null', 'string'], default: null },
      { name: 'raw', type: 'bytes' },
    ],
  };
  const { id } = await sr.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject: 'o-value' });
  const order = { id: 'o-1', cents: 1250, note: 'rush', raw: Buffer.from([1, 2, 3]) };
  const decoded = await decode(await sr.encode(id, order), lookupById);
  assert.equal(decoded.schema.id, id);
  assert.deepEqual({ ...(decoded.data as object) }, order);
  const ours = encode({ id: 'o-2', cents: 7, note: null, raw: new Uint8Array([9]) }, await schemaOf(id));
  assert.deepEqual({ ...(await sr.decode(ours)) }, { id: 'o-2', cents: 7, note: null, raw: Buffer.from([9]) });

  assert.throws(
    () => encode({ id: 'o-3', cents: 'many', raw: Buffer.alloc(0) }, decoded.schema),
    (err: Error) =>
      err instanceof WireFormatError &&
      /^the value does not fit the Avro schema: cents: "many" is not a valid long$/.test(err.message),
  );
  await assert.rejects(decode(Buffer.from([0, 0, 0, 0, 99, 1]), lookupById), /^Error: schema id 99 is not registered$/);
  await assert.rejects(
    decode(ours.subarray(0, 8), lookupById),
    /^Error: the bytes do not decode with schema \d+ \(AVRO\): truncated buffer$/,
  );
  await assert.rejects(decode(Buffer.from('{"id":1}'), lookupById), /not in the schema registry wire format/);
});

test('JSON Schema: both ways, validated on encode', async () => {
  const schema = {
    type: 'object',
    properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } },
    required: ['sku', 'qty'],
  };
  const { id } = await sr.register({ type: SchemaType.JSON, schema: JSON.stringify(schema) }, { subject: 'i-value' });
  assert.deepEqual((await decode(await sr.encode(id, { sku: 'a', qty: 2 }), lookupById)).data, { sku: 'a', qty: 2 });
  const items = await schemaOf(id);
  assert.deepEqual(await sr.decode(encode({ sku: 'b', qty: 3 }, items)), { sku: 'b', qty: 3 });
  assert.throws(() => encode({ sku: 'c', qty: 0 }, items), /does not fit the JSON schema: \/qty must be >= 1/);
});

test('Protobuf: indexes [0] the client reads; Confluent’s index list picks the second message', async () => {
  const proto = `syntax = "proto3";
package shop;
message Payment { string id = 1; int64 cents = 2; }
message Refund { string payment_id = 1; bool full = 2; }`;
  const { id } = await sr.register({ type: SchemaType.PROTOBUF, schema: proto }, { subject: 'p-value' });
  const schema = await schemaOf(id);
  const ours = encode({ id: 'p-1', cents: '1250' }, schema);
  assert.deepEqual(ours.subarray(5, 6), Buffer.of(0), 'message indexes [0] as one 0 byte');
  const read = (await sr.decode(ours)) as { id: string; cents: { toString(): string } };
  assert.equal(read.id, 'p-1');
  assert.equal(read.cents.toString(), '1250');
  assert.deepEqual((await decode(ours, lookupById)).data, { id: 'p-1', cents: '1250' });
  // The client itself writes no indexes: its bytes are read as the first message, as wire.ts reads them.
  assert.deepEqual((await decode(await sr.encode(id, { id: 'p-3', cents: 7 }), lookupById)).data, {
    id: 'p-3',
    cents: '7',
  });

  // The client writes the second message's payload (without indexes; its protobufjs camel-cases field names);
  // Confluent's serializers put the indexes [1] before it.
  const refunds = new SchemaRegistry(
    { host: registry.url, auth: { username: key.keyId, password: key.secret } },
    { [SchemaType.PROTOBUF]: { messageName: 'Refund' } },
  );
  const payload = (await refunds.encode(id, { paymentId: 'p-1', full: true })).subarray(5);
  const indexed = Buffer.concat([Buffer.of(0, 0, 0, 0, id), Buffer.of(2, 2), payload]);
  assert.deepEqual((await decode(indexed, lookupById)).data, { payment_id: 'p-1', full: true });
  assert.throws(() => encode({ id: 'p-2', amount: 1 }, schema), /Payment has no field amount/);
});
