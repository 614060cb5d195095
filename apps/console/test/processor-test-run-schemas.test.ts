/**
 * A processor test run through the schema registry, all parts real: the console's route against a broker with
 * tenancy and a `samsa schema-registry` process (SAMSA_SCHEMA_REGISTRY_URL, as samsa start sets it). The newest
 * records of a topic, Avro in the wire format, are decoded as the processor host decodes them; an output that asks
 * for a subject's schema is shown as its data, and one that does not fit that schema is the record's error, as it
 * will be when the processor runs.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RegistryProcess, startRegistry } from '@samsa/test-support/registry-process';
import { SUPERUSER } from './broker.ts';
import { call } from './helpers.ts';
import { connectedAdmin, type Key, kafkaAs, startTenancyHub, type TenancyHub, tenantWithKey } from './tenancy-hub.ts';

let hub: TenancyHub;
let registry: RegistryProcess;
let key: Key;

before(async () => {
  hub = await startTenancyHub();
  registry = await startRegistry(hub.h.tdb.url, { SAMSA_SUPERUSER_PASSWORD: SUPERUSER.password });
  process.env.SAMSA_SCHEMA_REGISTRY_URL = registry.url;
  key = await tenantWithKey(hub, 'acme');
  const admin = await connectedAdmin(kafkaAs(hub, key));
  await admin.createTopics({ topics: [{ topic: 'orders' }, { topic: 'enriched' }], waitForLeaders: true });
  await admin.disconnect();
});
after(async () => {
  await registry?.stop();
  await hub?.close();
});

/** Registers `schema` under `subject` with the tenant's key, as a producer's serializer would; returns its id. */
async function register(subject: string, schema: object): Promise<number> {
  const res = await fetch(`${registry.url}/subjects/${subject}/versions`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${key.keyId}:${key.secret}`).toString('base64')}`,
      'content-type': 'application/vnd.schemaregistry.v1+json',
    },
    body: JSON.stringify({ schema: JSON.stringify(schema) }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { id: number }).id;
}

/** An Order { id, region } in Avro binary (each string: its zigzag length, then UTF-8) behind the wire header. */
function avroOrder(schemaId: number, id: string, region: string): Buffer {
  const str = (s: string) => Buffer.concat([Buffer.of(Buffer.byteLength(s) * 2), Buffer.from(s)]);
  const header = Buffer.alloc(5);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, str(id), str(region)]);
}

test('a test run decodes registry records as the host will, and a misfit for the output schema is the record’s error', async () => {
  const orderId = await register('orders-value', {
    type: 'record',
    name: 'Order',
    namespace: 'acme',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'region', type: 'string' },
    ],
  });
  await register('enriched-value', {
    type: 'record',
    name: 'Enriched',
    namespace: 'acme',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'region', type: { type: 'enum', name: 'Region', symbols: ['EU', 'US'] } },
    ],
  });
  const producer = kafkaAs(hub, key).producer();
  await producer.connect();
  await producer.send({
    topic: 'orders',
    messages: [{ value: avroOrder(orderId, 'o-1', 'EU') }, { value: avroOrder(orderId, 'o-2', 'MARS') }],
  });
  await producer.disconnect();

  const run = await call(
    '/tenants/{tenant}/processors/{name}/test-run',
    'POST',
    { tenant: 'acme', name: 'enrich' },
    {
      token: hub.admin,
      body: {
        input: 'orders',
        outputs: ['enriched'],
        source: `export default function process(record) {
          return { value: { ...record.valueDecoded }, valueSchema: { subject: 'enriched-value' } };
        }`,
        lastN: 2,
      },
    },
  );
  assert.equal(run.status, 200, JSON.stringify(run.body));
  const [fits, misfit] = run.body.results;
  const orderSchema = { subject: 'orders-value', version: 1, id: orderId, type: 'AVRO' };
  assert.deepEqual(fits.input.valueDecoding, {
    schema: orderSchema,
    data: { encoding: 'text', data: '{"id":"o-1","region":"EU"}' },
  });
  assert.deepEqual(fits.outputs, [
    {
      topic: 'enriched',
      key: null,
      value: { encoding: 'text', data: '{"id":"o-1","region":"EU"}' },
      headers: [],
      valueSchema: { subject: 'enriched-value', version: 'latest' },
    },
  ]);
  assert.equal(misfit.input.valueDecoding.schema.id, orderId);
  assert.equal(misfit.error.kind, 'bad-output');
  assert.match(
    misfit.error.message,
    /^output 0 value: the value does not fit the Avro schema: region: "MARS" is not a valid acme\.Region \(one of EU, US\)/,
  );
  assert.deepEqual(run.body.summary, { records: 2, outputsByTopic: { enriched: 1 }, dropped: 0, errors: 1 });
});
