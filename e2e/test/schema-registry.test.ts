/**
 * The schema registry as `samsa start` runs it: a tenant and its API keys made through the console's REST API sign in
 * to the registry with basic auth; the tenant-admin key registers an Avro schema (again: the same id), a breaking
 * change is refused with Confluent's 409, a member key reads but cannot write, and another tenant sees nothing.
 * Then an app writes Avro and Protobuf records with the Confluent-API npm client (@kafkajs/confluent-schema-registry)
 * and KafkaJS, both with the tenant's key, and real Chromium shows them decoded in the message browser (the format,
 * subject, version and id on a badge; a toggle to the raw bytes) and the topic page names its subjects.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import Long from 'long';
import type { Browser } from 'playwright-core';
import { apiToken, type Hub, launchChromium, registryAs, restAs, SHOTS, shot, signIn, startHub } from './hub.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };

let hub: Hub;
let token: string;
let browser: Browser | undefined;
/** The acme key with the tenant_admin preset (made by the first test). */
let appKey: { keyId: string; secret: string };
const rest = restAs(
  () => hub.consoleUrl,
  () => token,
);

before(async () => {
  hub = await startHub(ADMIN);
  token = await apiToken(hub, ADMIN, 'e2e-registry');
});

after(async () => {
  await browser?.close();
  await hub?.stop();
});

const order = (fields: unknown[]) => JSON.stringify({ type: 'record', name: 'Order', fields });

test('keys made in the console use the registry started by samsa start', { timeout: 120_000 }, async () => {
  await rest('/tenants', { method: 'POST', body: { slug: 'acme', displayName: 'Acme' } });
  await rest('/tenants', { method: 'POST', body: { slug: 'globex', displayName: 'Globex' } });
  const adminKey = await rest('/tenants/acme/api-keys', { method: 'POST', body: { serviceAccount: 'app' } });
  appKey = adminKey;
  await rest('/tenants/acme/acls', { method: 'POST', body: { preset: 'tenant_admin', serviceAccount: 'app' } });
  const memberKey = await rest('/tenants/acme/api-keys', { method: 'POST', body: { serviceAccount: 'reader' } });
  const otherKey = await rest('/tenants/globex/api-keys', { method: 'POST', body: { serviceAccount: 'app' } });

  const acme = registryAs(hub, adminKey);
  const v1 = order([{ name: 'id', type: 'string' }]);
  const first = await acme('POST', '/subjects/orders-value/versions', { schema: v1 });
  assert.deepEqual(first, { status: 200, body: { id: 1 } });
  assert.deepEqual((await acme('POST', '/subjects/orders-value/versions', { schema: v1 })).body, { id: 1 });
  const breaking = await acme('POST', '/subjects/orders-value/versions', {
    schema: order([
      { name: 'id', type: 'string' },
      { name: 'total', type: 'long' },
    ]),
  });
  assert.equal(breaking.status, 409);
  assert.equal(breaking.body.error_code, 409);

  const reader = registryAs(hub, memberKey);
  assert.deepEqual((await reader('GET', '/subjects/orders-value/versions/latest')).body.schema, v1);
  assert.equal((await reader('POST', '/subjects/orders-value/versions', { schema: v1 })).status, 403);

  const globex = registryAs(hub, otherKey);
  assert.deepEqual((await globex('GET', '/subjects')).body, []);
  assert.equal((await globex('GET', '/schemas/ids/1')).body.error_code, 40403);
});

/** 2^53 + 1: a JavaScript number cannot hold it. */
const BIG = '9007199254740993';

/** Retries `run` until it resolves: the broker learns a new key within about a second. */
async function retried<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (attempt >= 50) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

test('the message browser shows Avro and Protobuf records decoded, and the topic page its subjects', {
  timeout: 180_000,
}, async () => {
  mkdirSync(SHOTS, { recursive: true });
  await rest('/tenants/acme/topics', { method: 'POST', body: { name: 'shipments' } });
  await rest('/tenants/acme/topics', { method: 'POST', body: { name: 'payments' } });
  const sr = new SchemaRegistry({ host: hub.registryUrl, auth: { username: appKey.keyId, password: appKey.secret } });
  const shipment = await sr.register(
    {
      type: SchemaType.AVRO,
      schema: JSON.stringify({
        type: 'record',
        name: 'Shipment',
        namespace: 'acme',
        fields: [
          { name: 'id', type: 'string' },
          { name: 'grams', type: 'long' },
        ],
      }),
    },
    { subject: 'shipments-value' },
  );
  const payment = await sr.register(
    {
      type: SchemaType.PROTOBUF,
      schema: `syntax = "proto3";
package acme;

message Payment {
  string id = 1;
  int64 cents = 2;
  Line line = 3;

  message Line {
    string sku = 1;
  }
}
`,
    },
    { subject: 'payments-value' },
  );
  const kafka = new Kafka({
    clientId: 'e2e-registry',
    brokers: [hub.bootstrap],
    sasl: { mechanism: 'scram-sha-512', username: appKey.keyId, password: appKey.secret },
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
  const producer = kafka.producer();
  await retried(() => producer.connect());
  const shipmentValue = await sr.encode(shipment.id, { id: 's-1', grams: 1250 });
  // Sent again while the key's ACLs reach the broker (about a second): a refused send wrote nothing.
  await retried(() => producer.send({ topic: 'shipments', messages: [{ key: 's-1', value: shipmentValue }] }));
  await producer.send({
    topic: 'payments',
    messages: [
      { value: await sr.encode(payment.id, { id: 'p-1', cents: Long.fromString(BIG), line: { sku: 'wheel' } }) },
    ],
  });
  await producer.disconnect();

  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await signIn(page, hub.consoleUrl, ADMIN);

  await page.goto(`${hub.consoleUrl}/t/acme/topics/shipments`);
  const valueSubject = page.getByTestId('topic-subject-value');
  await valueSubject.getByRole('link', { name: 'shipments-value' }).waitFor();
  assert.match((await valueSubject.textContent()) ?? '', /shipments-value\s+v1 · Avro · id \d+/);
  assert.equal(
    await valueSubject.getByRole('link', { name: 'shipments-value' }).getAttribute('href'),
    '/t/acme/schemas/shipments-value',
  );
  assert.match((await page.getByTestId('topic-subject-key').textContent()) ?? '', /none registered \(shipments-key\)/);
  const value = page.getByTestId('message-value').first();
  await value.getByTestId('schema-badge').filter({ hasText: 'Avro · shipments-value v1' }).waitFor();
  assert.equal(await value.getByTestId('schema-badge').textContent(), `Avro · shipments-value v1 · id ${shipment.id}`);
  assert.deepEqual(JSON.parse((await value.locator('pre').textContent()) ?? ''), { id: 's-1', grams: 1250 });
  await shot(page, 'schema-decoded-avro');
  await value.getByRole('button', { name: 'Show raw bytes' }).click();
  assert.match(
    (await value.locator('pre').textContent()) ?? '',
    new RegExp(`^hex\\s*00${shipment.id.toString(16).padStart(8, '0')}`),
  );
  await value.getByRole('button', { name: 'Show decoded' }).click();
  await value.locator('pre').filter({ hasText: '"grams": 1250' }).waitFor();

  await page.goto(`${hub.consoleUrl}/t/acme/topics/payments`);
  const paymentValue = page.getByTestId('message-value').first();
  await paymentValue.getByTestId('schema-badge').filter({ hasText: 'Protobuf · payments-value v1' }).waitFor();
  assert.deepEqual(JSON.parse((await paymentValue.locator('pre').textContent()) ?? ''), {
    id: 'p-1',
    cents: BIG,
    line: { sku: 'wheel' },
  });
  await page.getByTestId('topic-subject-value').getByRole('link', { name: 'payments-value' }).waitFor();
  await shot(page, 'schema-decoded-protobuf');
});
