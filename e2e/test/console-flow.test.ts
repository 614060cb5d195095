/**
 * The control-plane flow in real Chromium against the whole hub started by `samsa start`: a platform admin creates
 * a tenant with quotas and its admin; the tenant admin creates a topic, an API key and a producer ACL; a real Kafka
 * client produces with that key; the console shows the messages and the topic's counts and size; an over-quota topic
 * shows a clear error; a lowered produce quota throttles the producer and the console shows it; a member of another
 * tenant cannot see the topic. Screenshots of each main page go to e2e/test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type Hub, shot, SHOTS, signIn, startHub } from './hub.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };
const TENANT_ADMIN = { email: 'ops@acme.example', password: 'acme-password-1' };
const OTHER_MEMBER = { email: 'bob@globex.example', password: 'globex-password-1' };

let hub: Hub;
let browser: Browser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  hub = await startHub(ADMIN);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

after(async () => {
  // On failure, the last state of every page is the best clue.
  for (const [i, p] of pages.entries())
    await p.screenshot({ path: join(SHOTS, `last-page-${i}.png`), fullPage: true }).catch(() => {});
  await browser?.close();
  await hub?.stop();
});

const pages: Page[] = [];

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  pages.push(page);
  return page;
}

test('admin, tenant admin, a real producer and another tenant: the console flow', { timeout: 300_000 }, async () => {
  // Platform admin: create two tenants (with quotas) and their users.
  const admin = await newPage();
  await admin.goto(`${hub.consoleUrl}/login`);
  await shot(admin, '01-sign-in');
  await admin.getByLabel('Password').fill('wrong-password');
  await admin.getByLabel('Email').fill(ADMIN.email);
  await admin.getByRole('button', { name: 'Sign in' }).click();
  await admin.getByRole('alert').filter({ hasText: 'Wrong email or password' }).waitFor();
  await signIn(admin, hub.consoleUrl, ADMIN);
  // A platform admin lands on the hub overview; tenants are one click away.
  await admin.getByRole('heading', { name: 'Hub overview' }).waitFor();
  await admin.goto(`${hub.consoleUrl}/admin/tenants`);
  await admin.getByRole('heading', { name: 'Tenants' }).waitFor();
  for (const t of [
    { slug: 'acme', name: 'Acme Corp', maxTopics: '1', maxPartitions: '4' },
    { slug: 'globex', name: 'Globex', maxTopics: '', maxPartitions: '' },
  ]) {
    await admin.getByRole('button', { name: 'New tenant' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByLabel('Slug').fill(t.slug);
    await dialog.getByLabel('Display name').fill(t.name);
    await dialog.getByLabel('max topics').fill(t.maxTopics);
    await dialog.getByLabel('max partitions').fill(t.maxPartitions);
    await dialog.getByLabel('storage bytes').fill('1073741824');
    if (t.slug === 'acme') await shot(admin, '02-create-tenant');
    await dialog.getByRole('button', { name: 'Create tenant' }).click();
    await admin.getByRole('link', { name: t.name }).waitFor();
  }
  await shot(admin, '03-tenants');
  await admin.goto(`${hub.consoleUrl}/admin/users`);
  for (const [who, tenant, role] of [
    [TENANT_ADMIN, 'acme', 'TENANT_ADMIN'],
    [OTHER_MEMBER, 'globex', 'TENANT_MEMBER'],
  ] as const) {
    await admin.getByLabel('Email').fill(who.email);
    await admin.getByLabel('Initial password').fill(who.password);
    await admin.getByRole('main').getByLabel('Tenant', { exact: true }).selectOption(tenant);
    await admin.getByLabel('Role in tenant').selectOption(role);
    await admin.getByRole('button', { name: 'Create user' }).click();
    await admin.getByRole('cell', { name: who.email }).waitFor();
  }
  await shot(admin, '04-users');

  // Tenant admin: create a topic and an API key.
  const ops = await newPage();
  await signIn(ops, hub.consoleUrl, TENANT_ADMIN);
  // A member lands on their tenant's home.
  await ops.waitForURL(/\/t\/acme$/);
  await ops.goto(`${hub.consoleUrl}/t/acme/topics`);
  await ops.getByText('No topics yet').waitFor();
  await ops.getByRole('button', { name: 'New topic' }).click();
  let dialog = ops.getByRole('dialog');
  await dialog.getByLabel('Name').fill('orders');
  await dialog.getByLabel('Partitions').fill('2');
  await dialog.getByLabel('Description').fill('Order events');
  await dialog.getByRole('button', { name: 'Create topic' }).click();
  await ops.getByRole('link', { name: 'orders' }).waitFor();

  await ops.getByRole('link', { name: 'API keys' }).click();
  await ops.getByRole('heading', { name: 'API keys · acme' }).waitFor();
  await ops.getByLabel('Service account').fill('orders-app');
  await ops.getByRole('button', { name: 'Create API key' }).click();
  const secret = (await ops.getByTestId('new-key-secret').textContent()) ?? '';
  const keyId = (await ops.getByTestId('new-key-id').textContent()) ?? '';
  assert.ok(secret.length > 30 && keyId.startsWith('SK'));
  await ops.getByText('KafkaJS', { exact: true }).click();
  await shot(ops, '05-api-key-created');
  await ops.getByRole('button', { name: 'I have copied it' }).click();
  await ops.getByRole('cell', { name: keyId }).waitFor();
  assert.equal(await ops.getByText(secret).count(), 0, 'the secret is not shown again');
  await shot(ops, '06-api-keys');

  // Let the key's service account produce to the topic (the broker denies by default).
  await ops.getByRole('link', { name: 'ACLs' }).click();
  await ops.getByRole('heading', { name: 'ACLs · acme' }).waitFor();
  await ops.getByLabel('Service account').selectOption('orders-app');
  await ops.getByLabel('Topic').fill('orders');
  await ops.getByRole('button', { name: 'Add' }).click();
  await ops.getByRole('cell', { name: 'WRITE', exact: true }).waitFor();
  await shot(ops, '07-acls');

  // A real Kafka client produces with the tenant's API key (SASL/SCRAM-SHA-512). It names the topic `orders`:
  // the broker puts it in the tenant's namespace. The broker follows the control plane's changes within about a
  // second, so the first attempts may be refused while it catches up.
  const producer = new Producer({
    clientId: 'e2e',
    bootstrapBrokers: [hub.bootstrap],
    serializers: stringSerializers,
    autocreateTopics: false,
    retries: 0,
    sasl: { mechanism: 'SCRAM-SHA-512', username: keyId, password: secret },
  });
  try {
    const deadline_ms = Date.now() + 15_000;
    for (;;) {
      try {
        await producer.send({
          acks: -1,
          messages: [
            { topic: 'orders', partition: 0, key: 'o-1', value: JSON.stringify({ order: 1, total: 9.5 }) },
            { topic: 'orders', partition: 0, key: 'o-2', value: 'plain text order' },
            { topic: 'orders', partition: 0, key: 'o-3', value: JSON.stringify({ order: 3, total: 12 }) },
          ],
        });
        break;
      } catch (err) {
        if (Date.now() > deadline_ms) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await producer.close();
  }

  // The console shows the messages and the topic's counts.
  await ops.getByRole('link', { name: 'Topics' }).click();
  await ops.getByRole('heading', { name: 'Topics · acme' }).waitFor();
  await ops.getByTestId('messages-orders').filter({ hasText: '3' }).waitFor();
  // Its size on disk comes from the broker (DescribeLogDirs): three small records take more than nothing.
  await ops
    .getByTestId('size-orders')
    .filter({ hasText: /^([1-9]\d* B|\d+\.\d KiB)$/ })
    .waitFor();
  await shot(ops, '08-topics');
  await ops.getByRole('link', { name: 'orders' }).click();
  await ops.getByTestId('topic-messages').filter({ hasText: '3' }).waitFor();
  await ops
    .getByTestId('topic-size')
    .filter({ hasText: /^([1-9]\d* B|\d+\.\d KiB)$/ })
    .waitFor();
  await ops.getByTestId('message-value').filter({ hasText: '"total": 9.5' }).waitFor();
  await ops.getByTestId('message-value').filter({ hasText: 'plain text order' }).waitFor();
  await shot(ops, '09-topic-detail');

  // Produce from the UI too.
  await ops.getByLabel('Value').fill('from the console');
  await ops.getByRole('button', { name: 'Produce' }).click();
  await ops.getByText('Written to partition').waitFor();

  // Over quota: max topics is 1 (the broker refuses it; the console shows the broker's message).
  await ops.getByRole('link', { name: 'Topics' }).click();
  await ops.getByRole('heading', { name: 'Topics · acme' }).waitFor();
  await ops.getByRole('button', { name: 'New topic' }).click();
  dialog = ops.getByRole('dialog');
  await dialog.getByLabel('Name').fill('payments');
  await dialog.getByRole('button', { name: 'Create topic' }).click();
  await dialog.getByText("topic quota exceeded: tenant 'acme' may have 1 topics and has 1").first().waitFor();
  await shot(ops, '10-over-quota');

  // The platform admin lowers acme's produce quota; a producer with the tenant's key keeps writing and is slowed
  // down (throttle_time_ms, Kafka's way), and the tenant's topics page says so.
  await admin.goto(`${hub.consoleUrl}/admin/tenants/acme`);
  await admin.getByLabel('produce bytes/s').fill('20000');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  const busy = new Producer({
    clientId: 'e2e-busy',
    bootstrapBrokers: [hub.bootstrap],
    serializers: stringSerializers,
    autocreateTopics: false,
    sasl: { mechanism: 'SCRAM-SHA-512', username: keyId, password: secret },
  });
  let producing = true;
  let sent = 0;
  const load = (async () => {
    const value = 'x'.repeat(10_000);
    const deadlineMs = Date.now() + 60_000;
    while (producing && Date.now() < deadlineMs) {
      await busy.send({ messages: Array.from({ length: 4 }, () => ({ topic: 'orders', partition: 1, value })) });
      sent += 4;
    }
  })();
  try {
    await ops.goto(`${hub.consoleUrl}/t/acme/topics`);
    await ops.getByTestId('tenant-throttled').waitFor({ timeout: 45_000 });
    await ops.getByTestId('traffic-produce').filter({ hasText: 'of 19.5 KiB/s' }).waitFor();
    await shot(ops, '11-throttled');
  } finally {
    producing = false;
    await load;
    await busy.close();
  }
  assert.ok(sent > 0, 'the throttled producer still made progress');

  // A member of another tenant cannot see it.
  const bob = await newPage();
  await signIn(bob, hub.consoleUrl, OTHER_MEMBER);
  await bob.waitForURL(/\/t\/globex$/);
  await bob.goto(`${hub.consoleUrl}/t/globex/topics`);
  await bob.getByText('No topics yet').waitFor();
  await bob.goto(`${hub.consoleUrl}/t/acme/topics`);
  await bob.getByRole('alert').filter({ hasText: "No tenant 'acme'" }).waitFor();
  assert.equal(await bob.getByText('orders').count(), 0);
  const apiStatus = await bob.evaluate(async () => (await fetch('/api/v1/tenants/acme/topics/orders/messages')).status);
  assert.equal(apiStatus, 404);
  await shot(bob, '12-other-tenant-denied');

  // The tenant admin invites a teammate: the link is shown once; the teammate opens it and chooses a password.
  await ops.goto(`${hub.consoleUrl}/t/acme/members`);
  await ops.getByRole('heading', { name: 'Members · acme' }).waitFor();
  await ops.getByRole('main').getByLabel('Email').fill('teammate@acme.example');
  await ops.getByRole('button', { name: 'Invite' }).click();
  const inviteUrl = (await ops.getByTestId('invite-url').textContent()) ?? '';
  assert.match(inviteUrl, /\/invite\/[\w-]{43}$/);
  await shot(ops, '13-invitation-link');
  await ops.keyboard.press('Escape');
  await ops.getByRole('cell', { name: 'teammate@acme.example' }).waitFor();
  const teammate = await newPage();
  await teammate.goto(inviteUrl);
  await teammate.getByRole('heading', { name: 'Join Acme Corp' }).waitFor();
  await teammate.getByLabel('Password').fill('teammate-password-1');
  await teammate.getByRole('button', { name: 'Accept invitation' }).click();
  await teammate.waitForURL(/\/t\/acme$/);
  await teammate.goto(`${hub.consoleUrl}/t/acme/topics`);
  await teammate.getByRole('link', { name: 'orders' }).waitFor();

  // The audit log recorded it all.
  await admin.goto(`${hub.consoleUrl}/admin/audit`);
  await admin.getByText('topic.create').first().waitFor();
  await admin.getByText('apiKey.create').first().waitFor();
  await shot(admin, '14-audit-log');

  // Tablet width: the main pages fit the viewport (wide tables scroll inside their own box, not the page).
  await ops.setViewportSize({ width: 768, height: 1024 });
  for (const [path, ready] of [
    ['/t/acme/topics', 'Topics · acme'],
    ['/t/acme/topics/orders', 'orders'],
    ['/t/acme/groups', 'Consumer groups · acme'],
    ['/t/acme/keys', 'API keys · acme'],
  ] as const) {
    await ops.goto(`${hub.consoleUrl}${path}`);
    await ops.getByRole('heading', { name: ready }).first().waitFor();
    const overflow = Number(await ops.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    assert.ok(overflow <= 0, `${path} fits 768 px (overflows by ${overflow} px)`);
    await shot(ops, `15-tablet${path.replaceAll('/', '-')}`);
  }
});
