/**
 * Processors through the schema registry, on the whole hub started by `samsa start` (broker, registry, console,
 * processor host) in real Chromium: a producer using the Confluent-API npm client writes Avro orders; in the
 * console a tenant admin test-runs a function that enriches the decoded order into another subject's schema (the
 * panel shows the decoded input, the subject the output will be encoded with, and the order that does not fit that
 * schema as an error), deploys it, and a consumer decodes the processor's outputs with the same client.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { type Consumer, Kafka, logLevel, type Producer } from 'kafkajs';
import type { Browser, Page } from 'playwright-core';
import { apiToken, type Hub, launchChromium, restAs, shot, SHOTS, signIn, startHub, until } from './hub.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };
const WAIT_MS = 90_000;

const SOURCE = `export default function process(record) {
  const order = record.valueDecoded;
  return { value: { id: order.id, region: order.region, euros: order.cents / 100 }, valueSchema: { subject: 'enriched-value' } };
}`;

let hub: Hub;
let browser: Browser;
let page: Page | undefined;
let token: string;

const rest = restAs(
  () => hub.consoleUrl,
  () => token,
);

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  hub = await startHub(ADMIN, { SAMSA_PROCESSORS_POLL_MS: '300', SAMSA_PROCESSORS_STATUS_INTERVAL_MS: '500' });
  browser = await launchChromium();
  token = await apiToken(hub, ADMIN, 'e2e-processor-schemas');
});

after(async () => {
  if (hub) writeFileSync(join(SHOTS, 'processor-schemas-hub.log'), hub.output());
  await page?.screenshot({ path: join(SHOTS, 'processor-schemas-last-page.png'), fullPage: true }).catch(() => {});
  await browser?.close();
  await hub?.stop();
});

test('Avro in, enriched Avro out: test-run and deploy a processor through the registry', {
  timeout: 600_000,
}, async () => {
  await rest('/tenants', { method: 'POST', body: { slug: 'acme', displayName: 'Acme' } });
  await rest('/tenants/acme/topics', { method: 'POST', body: { name: 'orders', partitions: 1 } });
  await rest('/tenants/acme/topics', { method: 'POST', body: { name: 'enriched', partitions: 1 } });
  const key = await rest('/tenants/acme/api-keys', { method: 'POST', body: { serviceAccount: 'e2e-app' } });
  await rest('/tenants/acme/acls', { method: 'POST', body: { preset: 'tenant_admin', serviceAccount: 'e2e-app' } });

  const sr = new SchemaRegistry({ host: hub.registryUrl, auth: { username: key.keyId, password: key.secret } });
  const field = (name: string, type: unknown) => ({ name, type });
  const { id: orderId } = await sr.register(
    {
      type: SchemaType.AVRO,
      schema: JSON.stringify({
        type: 'record',
        name: 'Order',
        namespace: 'acme',
        fields: [field('id', 'string'), field('cents', 'long'), field('region', 'string')],
      }),
    },
    { subject: 'orders-value' },
  );
  await sr.register(
    {
      type: SchemaType.AVRO,
      schema: JSON.stringify({
        type: 'record',
        name: 'Enriched',
        namespace: 'acme',
        fields: [
          field('id', 'string'),
          field('region', { type: 'enum', name: 'Region', symbols: ['EU', 'US'] }),
          field('euros', 'double'),
        ],
      }),
    },
    { subject: 'enriched-value' },
  );

  const kafka = new Kafka({
    clientId: 'e2e-processor-schemas',
    brokers: [hub.bootstrap],
    sasl: { mechanism: 'scram-sha-512', username: key.keyId, password: key.secret },
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
  const producer: Producer = kafka.producer();
  await until('the producer to connect with the new key', () => producer.connect());
  await producer.send({
    topic: 'orders',
    acks: -1,
    messages: [
      { key: 'o-1', value: await sr.encode(orderId, { id: 'o-1', cents: 1250, region: 'EU' }) },
      { key: 'o-2', value: await sr.encode(orderId, { id: 'o-2', cents: 99, region: 'MARS' }) },
    ],
  });
  await producer.disconnect();

  const outputs: unknown[] = [];
  const consumer: Consumer = kafka.consumer({ groupId: 'e2e-enriched-check', maxWaitTimeInMs: 200 });
  await until('the consumer to connect', () => consumer.connect());
  await consumer.subscribe({ topic: 'enriched', fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void outputs.push(await sr.decode(message.value!)) });

  try {
    page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    page.setDefaultTimeout(WAIT_MS);
    await signIn(page, hub.consoleUrl, ADMIN);
    await page.goto(`${hub.consoleUrl}/t/acme/processors/new`);
    await page.getByRole('heading', { name: 'New processor · acme' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('enrich');
    await page.getByLabel('Input topic').selectOption('orders');
    await page.getByRole('checkbox', { name: 'enriched' }).check();
    await page.getByLabel('Function').fill(SOURCE);

    // The test run decodes the real records as the host will, and checks the output against its schema.
    await page.getByLabel('How many (the newest)').fill('2');
    await page.getByRole('button', { name: 'Run test' }).click();
    await page
      .getByTestId('test-run-summary')
      .filter({ hasText: '2 records run: 1 to enriched, 0 dropped, 1 error' })
      .waitFor();
    const decoded = page.getByTestId('test-run-input-schema');
    assert.match(
      (await decoded.first().textContent()) ?? '',
      /value decoded with orders-value, version 1 \(AVRO, id \d+\)/,
    );
    assert.match((await decoded.first().textContent()) ?? '', /"cents":1250/);
    const output = (await page.getByTestId('test-run-output').first().textContent()) ?? '';
    assert.match(output, /encoded with enriched-value, version latest, when it runs/);
    assert.match(output, /"euros":12\.5/);
    assert.match(
      (await page.getByTestId('test-run-error').first().textContent()) ?? '',
      /region: "MARS" is not a valid acme\.Region \(one of EU, US\)/,
    );
    await shot(page, 'processor-schemas-test-run');

    // Deployed: the processor host (started by samsa start with the registry's URL) writes the enriched order.
    await page.getByRole('button', { name: 'Deploy processor' }).click();
    await page.waitForURL(/\/t\/acme\/processors\/enrich$/);
    await until('the enriched order at a consumer', () => outputs.length >= 1);
    assert.deepEqual({ ...(outputs[0] as object) }, { id: 'o-1', region: 'EU', euros: 12.5 });
  } finally {
    await consumer.disconnect();
  }
});
