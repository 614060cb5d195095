/**
 * A Java client of Confluent's API from Maven Central (Spring Cloud Stream's ConfluentSchemaRegistryClient; Confluent's
 * own jars are not served here) against a real `samsa schema-registry` process with a tenant's key as basic auth, and
 * the same program against Apicurio Registry's Confluent-compatible API: registration (twice: same id and version),
 * a second version, fetch by subject and version, a missing version, a breaking change refused under BACKWARD. Both
 * must give the client the same answers (ids relative to the first). Then the same client with the Kafka Java client
 * through a real broker: register, write a record in Confluent's wire format, read it back and decode it by the id it
 * carries, and the npm client decodes the same record. Skipped with the reason when Java, Maven, Kafka's jars or
 * Apicurio are missing.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import {
  type ApicurioRegistry,
  apicurioSkipReason,
  REGISTRY_CLIENT_VERSION,
  registryClientClasspath,
  startApicurio,
} from '@samsa/kafka-harness/apicurio';
import { kafkaClasspath, kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { compileJava, runJava } from '@samsa/kafka-harness/java';
import type { TestKey } from '@samsa/test-support/tenants';
import { createTopics, type RegistryHub, startRegistryHub, tenantKafka } from './support/hub.ts';

const skip = apicurioSkipReason() ?? kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

let hub: RegistryHub;
let apicurio: ApicurioRegistry;
let key: TestKey;
let classpath: string;

before(async () => {
  if (skip) return;
  const programs = Promise.all([registryClientClasspath(), kafkaClasspath()]).then(([client, kafka]) =>
    compileJava(join(import.meta.dirname, 'java-registry-client'), `${client}:${kafka}`),
  );
  [hub, apicurio, classpath] = await Promise.all([startRegistryHub(), startApicurio(), programs]);
  key = await hub.fixtures.adminKey(await hub.fixtures.tenant('acme'), 'acme-admin');
});

after(async () => {
  await Promise.all([hub?.close(), apicurio?.stop()]);
});

const record = (fields: unknown[]) => JSON.stringify({ type: 'record', name: 'Order', namespace: 'acme', fields });
const V1 = record([{ name: 'id', type: 'string' }]);
const V2 = record([
  { name: 'id', type: 'string' },
  { name: 'amount', type: 'int', default: 0 },
]);
const BREAKING = record([{ name: 'id', type: 'int' }]);

/** The program's lines, with ids numbered by first appearance. */
async function clientRun(url: string, user: string, password: string): Promise<unknown[]> {
  const r = await runJava('RegistryClientRun', [url, user, password, 'orders-value', V1, V2, BREAKING], {
    classpath,
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 0, r.stderr);
  const ids = new Map<number, number>();
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const entry = JSON.parse(line);
      if (typeof entry.id === 'number') {
        if (!ids.has(entry.id)) ids.set(entry.id, ids.size + 1);
        entry.id = `id#${ids.get(entry.id)}`;
      }
      return entry;
    });
}

test(`Spring Cloud Stream's ConfluentSchemaRegistryClient ${REGISTRY_CLIENT_VERSION} gets the same answers from Samsa and Apicurio`, {
  skip,
}, async () => {
  // Apicurio starts with no compatibility rule; Samsa with BACKWARD. Both at BACKWARD, as Confluent's default.
  const res = await fetch(`${apicurio.ccompatUrl}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility: 'BACKWARD' }),
  });
  assert.equal(res.status, 200);

  const samsa = await clientRun(hub.registry.url, key.keyId, key.secret);
  const theirs = await clientRun(apicurio.ccompatUrl, '-', '-');
  assert.deepEqual(samsa, [
    { step: 'register v1', id: 'id#1', subject: 'orders-value', version: 1 },
    { step: 'register v1 again', id: 'id#1', subject: 'orders-value', version: 1 },
    { step: 'register v2', id: 'id#2', subject: 'orders-value', version: 2 },
    { step: 'fetch version 1', schema: JSON.parse(V1) },
    { step: 'fetch version 2', schema: JSON.parse(V2) },
    { step: 'fetch version 9', error: 'SchemaNotFoundException' },
    { step: 'register a breaking change', error: 'RuntimeException', status: 409 },
  ]);
  assert.deepEqual(theirs, samsa);
});

test('the Java client registers, the Kafka Java client writes and reads the record through Samsa, and both decode it', {
  skip,
}, async () => {
  await createTopics(tenantKafka(hub, key), ['payments']);
  const schema = JSON.stringify({
    type: 'record',
    name: 'Payment',
    namespace: 'acme',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'cents', type: 'long' },
    ],
  });
  const r = await runJava(
    'AvroRoundTrip',
    [hub.broker.bootstrap, key.keyId, key.secret, hub.registry.url, 'payments', schema],
    { classpath, timeoutMs: 90_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  const [registered, decoded] = r.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.equal(registered.step, 'registered');
  assert.equal(registered.version, 1);
  assert.deepEqual(decoded, { step: 'decoded', magic: 0, id: registered.id, value: { id: 'o-1', cents: 1250 } });

  // The record the Java client wrote decodes with the npm client too, against the same registry and key.
  const consumer = tenantKafka(hub, key).consumer({ groupId: 'payments-reader' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'payments', fromBeginning: true });
  const value = await new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no record read from payments in 60 s')), 60_000);
    consumer
      .run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve(message.value as Buffer);
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  const sr = new SchemaRegistry({ host: hub.registry.url, auth: { username: key.keyId, password: key.secret } });
  // avsc decodes to an instance of a Payment class: compare its fields.
  assert.deepEqual({ ...(await sr.decode(value)) }, { id: 'o-1', cents: 1250 });
});
