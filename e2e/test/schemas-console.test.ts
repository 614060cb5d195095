/**
 * The console's Schemas pages in real Chromium against the whole hub started by `samsa start` (its own schema
 * registry): a tenant admin registers v1 of a new subject, sees Check refuse an incompatible v2 with the reason before
 * anything is saved (Register stays disabled), registers a compatible v2 and sees the two versions side by side with
 * the added field marked; the subject page is also reached by the `/tenants/<t>/schemas/<subject>` address; a
 * member sees the versions and the diff but nothing that changes them.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { apiToken, type Hub, launchChromium, restAs, SHOTS, shot, signIn, startHub } from './hub.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };

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
  hub = await startHub(ADMIN);
  browser = await launchChromium();
  token = await apiToken(hub, ADMIN, 'e2e-schemas');
});
after(async () => {
  await page?.screenshot({ path: `${SHOTS}/schemas-last-page.png`, fullPage: true }).catch(() => {});
  await browser?.close();
  await hub?.stop();
});

const avro = (fields: object[]) => JSON.stringify({ type: 'record', name: 'Order', fields }, null, 2);

test('register v1, Check refuses an incompatible v2 with the reason, register a compatible v2 and see the diff', {
  timeout: 300_000,
}, async () => {
  await rest('/tenants', { method: 'POST', body: { slug: 'shop', displayName: 'Shop' } });
  await rest('/tenants/shop/topics', { method: 'POST', body: { name: 'orders', partitions: 1 } });
  page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
  page.setDefaultTimeout(60_000);
  const p = page;
  const pageErrors: string[] = [];
  p.on('pageerror', (err) => pageErrors.push(`${p.url()}: ${err.message}`));
  await signIn(p, hub.consoleUrl, ADMIN);

  await p.goto(`${hub.consoleUrl}/t/shop`);
  await p.getByRole('navigation').getByRole('link', { name: 'Schemas' }).click();
  await p.getByRole('heading', { name: 'Schemas · shop', level: 1 }).waitFor();
  await p.getByText('No subjects yet').waitFor();

  await p.getByRole('button', { name: 'Register a new subject' }).click();
  const create = p.getByRole('form', { name: 'Register a new subject' });
  await create.getByLabel('Subject').fill('orders-value');
  await create.getByLabel('Schema').fill(avro([{ name: 'id', type: 'string' }]));
  const registerNew = create.getByRole('button', { name: 'Register' });
  assert.equal(await registerNew.isDisabled(), true, 'Register waits for a passed check');
  await create.getByRole('button', { name: 'Check' }).click();
  await create.getByRole('status').filter({ hasText: 'Compatible with no earlier version' }).waitFor();
  await registerNew.click();

  await p.waitForURL(/\/t\/shop\/schemas\/orders-value$/);
  await p.getByRole('heading', { name: 'Subject · orders-value', level: 1 }).waitFor();
  await p.getByRole('link', { name: 'orders (value)' }).waitFor();
  await p.getByLabel('Compatibility level').waitFor();

  const form = p.getByRole('form', { name: 'Register a new version of orders-value' });
  const schema = form.getByLabel('Schema');
  const register = form.getByRole('button', { name: 'Register' });
  await schema.fill(
    avro([
      { name: 'id', type: 'string' },
      { name: 'amount', type: 'int' },
    ]),
  );
  await form.getByRole('button', { name: 'Check' }).click();
  const refusal = form.getByRole('alert').filter({ hasText: 'Incompatible with version 1 under BACKWARD' });
  await refusal.waitFor();
  assert.match((await refusal.textContent()) ?? '', /amount/, 'the reason names the field');
  assert.equal(await register.isDisabled(), true, 'an incompatible schema cannot be registered');
  await shot(p, 'schemas-check-refused');
  const versions = await rest('/tenants/shop/schemas/orders-value');
  assert.equal(versions.versions.length, 1, 'nothing was saved');

  await schema.fill(
    avro([
      { name: 'id', type: 'string' },
      { name: 'amount', type: 'int', default: 0 },
    ]),
  );
  assert.equal(await register.isDisabled(), true, 'an edit asks for a new check');
  await form.getByRole('button', { name: 'Check' }).click();
  await form.getByRole('status').filter({ hasText: 'Compatible with version 1 under BACKWARD' }).waitFor();
  await register.click();
  await p.getByRole('status').filter({ hasText: 'Registered version 2' }).waitFor();

  const diff = p.getByRole('table', { name: /Version 1 beside version 2/ });
  await diff.waitFor();
  assert.match((await diff.locator('caption').textContent()) ?? '', /changed line/);
  const added = diff.locator('ins');
  await added.filter({ hasText: '"amount"' }).first().waitFor();
  assert.equal(await diff.locator('del').filter({ hasText: '"amount"' }).count(), 0, 'v1 has no amount');
  await shot(p, 'schemas-diff');

  // The address the topic page links to.
  await p.goto(`${hub.consoleUrl}/tenants/shop/schemas/orders-value`);
  await p.waitForURL(/\/t\/shop\/schemas\/orders-value$/);
  await p.getByRole('heading', { name: 'Subject · orders-value', level: 1 }).waitFor();

  await p.goto(`${hub.consoleUrl}/t/shop/schemas`);
  const row = p.getByRole('row').filter({ has: p.getByRole('link', { name: 'orders-value' }) });
  await row.waitFor();
  assert.deepEqual(
    (await row.getByRole('cell').allTextContents()).map((c) => c.trim()),
    ['orders-value', '2', '2', 'AVRO', 'BACKWARD (tenant)', 'orders (value)'],
  );

  // A member reads and compares, and is offered nothing that changes the subject.
  const MEMBER = { email: 'dev@shop.example', password: 'member-password-1' };
  await rest('/users', {
    method: 'POST',
    body: { ...MEMBER, memberships: [{ tenant: 'shop', role: 'TENANT_MEMBER' }] },
  });
  const m = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
  m.on('pageerror', (err) => pageErrors.push(`${m.url()}: ${err.message}`));
  await signIn(m, hub.consoleUrl, MEMBER);
  await m.goto(`${hub.consoleUrl}/t/shop/schemas/orders-value`);
  await m.getByRole('table', { name: /Version 1 beside version 2/ }).waitFor();
  await m.getByText('Compatibility level: BACKWARD (the tenant level)').waitFor();
  for (const name of ['Delete subject', 'Delete', 'Register', 'Check'])
    assert.equal(await m.getByRole('button', { name, exact: true }).count(), 0, `no ${name} button for a member`);
  assert.equal(await m.getByLabel('Compatibility level').count(), 0, 'no level select for a member');
  assert.deepEqual(pageErrors, [], 'no page crashed');
});
