/**
 * Subject ACLs end to end (`samsa start`): a platform admin adds a SUBJECT binding on the console's ACLs page in real
 * Chromium (template "Raw binding", resource type SUBJECT, a prefix, READ) and the list shows it; the schema
 * registry started with the hub then holds the reader's API key to it (within the auth cache's 5 s): it lists and
 * reads only the subjects under the prefix and gets Confluent's 40301 for the others, which it read before.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { eventually } from '@samsa/test-support/eventually';
import type { Browser } from 'playwright-core';
import { apiToken, type Hub, launchChromium, registryAs, restAs, SHOTS, shot, signIn, startHub } from './hub.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };

let hub: Hub;
let browser: Browser;
let token: string;
const rest = restAs(
  () => hub.consoleUrl,
  () => token,
);

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  hub = await startHub(ADMIN);
  token = await apiToken(hub, ADMIN, 'e2e-subject-acls');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await hub?.stop();
});

const record = (name: string) => JSON.stringify({ type: 'record', name, fields: [{ name: 'id', type: 'string' }] });

test('a SUBJECT binding added on the ACLs page decides what a key reads in the registry', {
  timeout: 180_000,
}, async () => {
  await rest('/tenants', { method: 'POST', body: { slug: 'acme', displayName: 'Acme' } });
  const adminKey = await rest('/tenants/acme/api-keys', { method: 'POST', body: { serviceAccount: 'app' } });
  await rest('/tenants/acme/acls', { method: 'POST', body: { preset: 'tenant_admin', serviceAccount: 'app' } });
  const readerKey = await rest('/tenants/acme/api-keys', { method: 'POST', body: { serviceAccount: 'reader' } });
  const app = registryAs(hub, adminKey);
  const reader = registryAs(hub, readerKey);
  for (const [subject, name] of [
    ['orders-value', 'Order'],
    ['payments-value', 'Payment'],
  ]) {
    assert.equal((await app('POST', `/subjects/${subject}/versions`, { schema: record(name as string) })).status, 200);
  }
  assert.deepEqual((await reader('GET', '/subjects')).body, ['orders-value', 'payments-value'], 'read-all before');

  const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
  page.setDefaultTimeout(30_000);
  await signIn(page, hub.consoleUrl, ADMIN);
  await page.goto(`${hub.consoleUrl}/t/acme/acls`);
  await page.getByRole('heading', { name: 'ACLs · acme' }).waitFor();
  await page.getByLabel('Template').selectOption('raw');
  await page.getByLabel('Service account').selectOption('reader');
  await page.getByLabel('Resource type').selectOption('SUBJECT');
  const operations = await page.getByLabel('Operation').locator('option').allTextContents();
  assert.deepEqual(operations, ['ALL', 'READ', 'WRITE', 'DELETE', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS']);
  await page.getByText('The schema registry enforces SUBJECT bindings').waitFor();
  await page.getByLabel('Pattern').selectOption('PREFIXED');
  await page.getByLabel('Subject').fill('orders-');
  await page.getByLabel('Operation').selectOption('READ');
  await page.getByRole('button', { name: 'Add' }).click();
  const row = page.getByRole('row').filter({ hasText: 'User:reader' });
  await row.getByText('subject').waitFor();
  assert.match((await row.textContent()) ?? '', /subject\s*orders-\s*prefix\s*READ\s*allow/);
  await shot(page, 'subject-acls-page');

  await eventually(
    async () => JSON.stringify((await reader('GET', '/subjects')).body) === JSON.stringify(['orders-value']),
    'the registry to list only the subjects the binding allows',
  );
  assert.equal((await reader('GET', '/subjects/orders-value/versions/1')).status, 200);
  const refused = await reader('GET', '/subjects/payments-value/versions/1');
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error_code, 40301);
  assert.equal((await app('GET', '/subjects/payments-value/versions/1')).status, 200, 'the tenant admin still reads');
});
