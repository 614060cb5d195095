/**
 * Self-service with approval in real Chromium against the whole hub (`samsa start`): a tenant member cannot create
 * a topic directly, requests one on the requests page saying why; the tenant admin sees the request with its quota
 * impact and approves it; the topic exists on the broker (a real Kafka client of the tenant lists it) and the member
 * sees the request completed. Through `samsa request` the member asks for an API key, the admin approves, the
 * member makes the key (its secret shown once) and it signs in to the broker; a quota raise shows on the platform
 * admins' pending requests. On the page the member also asks for producer ACLs for a service account (the tenant
 * admin approves, the bindings are listed) and for a quota raise, which waits on the platform admins' list. Screenshots at 1366 px and 768 px go to e2e/test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually } from '@samsa/test-support/eventually';
import { runSamsa } from '@samsa/test-support/samsa-cli';
import { Kafka, logLevel } from 'kafkajs';
import type { Browser, Page } from 'playwright-core';
import { type Hub, launchChromium, SHOTS, startHub } from './hub.ts';

const ADMIN = { email: 'root@example.com', password: 'root-password-1' };
const LEAD = { email: 'lead@acme.example', password: 'lead-password-1' };
const DEV = { email: 'dev@acme.example', password: 'dev-password-1' };
const WIDTHS = [1366, 768];

let hub: Hub;
let browser: Browser;
const pages: Page[] = [];

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  hub = await startHub(ADMIN);
  browser = await launchChromium();
});

after(async () => {
  for (const [i, p] of pages.entries())
    await p.screenshot({ path: join(SHOTS, `requests-last-page-${i}.png`), fullPage: true }).catch(() => {});
  await browser?.close();
  await hub?.stop();
});

/** A call to /api/v1 with a personal API token. */
async function rest(token: string | null, method: string, path: string, body?: unknown) {
  const res = await fetch(`${hub.consoleUrl}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function tokenOf(who: { email: string; password: string }): Promise<string> {
  const res = await rest(null, 'POST', '/auth/token', { ...who, name: 'e2e' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.token;
}

async function signedIn(who: { email: string; password: string }): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: WIDTHS[0]!, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  pages.push(page);
  await page.goto(`${hub.consoleUrl}/login`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return page;
}

async function shots(page: Page, name: string) {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(SHOTS, `requests-${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: WIDTHS[0]!, height: 900 });
}

test('a member requests a topic, the tenant admin approves it, and the topic exists', {
  timeout: 600_000,
}, async () => {
  const root = await tokenOf(ADMIN);
  const tenant = await rest(root, 'POST', '/tenants', {
    slug: 'acme',
    displayName: 'Acme',
    quota: { maxTopics: 3, maxPartitions: 6 },
  });
  assert.equal(tenant.status, 201, JSON.stringify(tenant.body));
  for (const [who, role] of [
    [LEAD, 'TENANT_ADMIN'],
    [DEV, 'TENANT_MEMBER'],
  ] as const) {
    const u = await rest(root, 'POST', '/users', { ...who, memberships: [{ tenant: 'acme', role }] });
    assert.equal(u.status, 201, JSON.stringify(u.body));
  }
  const lead = await tokenOf(LEAD);
  // The tenant's own Kafka client, to see what the broker has.
  await rest(lead, 'POST', '/tenants/acme/service-accounts', { name: 'app' });
  await rest(lead, 'POST', '/tenants/acme/acls', { preset: 'tenant_admin', serviceAccount: 'app' });
  const key = await rest(lead, 'POST', '/tenants/acme/api-keys', { serviceAccount: 'app' });
  assert.equal(key.status, 201, JSON.stringify(key.body));

  // The member: a direct create is refused; the request goes through the page.
  const dev = await signedIn(DEV);
  const direct = await rest(await tokenOf(DEV), 'POST', '/tenants/acme/topics', { name: 'invoices', partitions: 2 });
  assert.equal(direct.status, 403);
  await dev.goto(`${hub.consoleUrl}/t/acme/topics`);
  await dev.getByRole('link', { name: 'Request a topic' }).click();
  await dev.getByRole('heading', { name: 'Requests · acme' }).waitFor();
  const form = dev.getByRole('form', { name: 'New request' });
  await form.getByLabel('Topic name').fill('invoices');
  await form.getByLabel('Partitions').fill('2');
  await form.getByLabel('Why').fill('The billing service publishes invoices');
  await shots(dev, '01-member-form');
  await form.getByRole('button', { name: 'Send request' }).click();
  const mine = dev.getByRole('listitem', { name: 'Topic invoices (2 partitions)' });
  await mine.getByText('pending').waitFor();
  await mine
    .getByText('Waiting for a tenant admin')
    .waitFor()
    .catch(() => {});
  await shots(dev, '02-member-pending');

  // The tenant admin sees who asked, why, and the quota impact, and approves.
  const ops = await signedIn(LEAD);
  await ops.goto(`${hub.consoleUrl}/t/acme/requests`);
  const card = ops.getByRole('listitem', { name: 'Topic invoices (2 partitions)' });
  await card.getByText('The billing service publishes invoices').waitFor();
  const impact = card.getByRole('list', { name: 'Quota impact' });
  await impact.getByText('topics: 0 → 1 of 3').waitFor();
  await impact.getByText('partitions: 0 → 2 of 6').waitFor();
  await shots(ops, '03-admin-pending');
  await card.getByLabel('Comment').fill('Approved for billing');
  await card.getByRole('button', { name: 'Approve' }).click();
  await card.getByText('completed').waitFor();
  await shots(ops, '04-admin-approved');

  // The broker has the topic, as the tenant's Kafka client sees it.
  const kafka = new Kafka({
    brokers: [hub.bootstrap],
    sasl: { mechanism: 'scram-sha-512', username: key.body.keyId, password: key.body.secret },
    retry: { retries: 2, initialRetryTime: 200 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await eventually(async () => {
    await admin.connect().catch(() => {});
    return (await admin.listTopics().catch((): string[] => [])).includes('invoices');
  }, 'the tenant client lists the approved topic');
  const meta = await admin.fetchTopicMetadata({ topics: ['invoices'] });
  assert.equal(meta.topics[0]!.partitions.length, 2);
  await admin.disconnect();

  // The member sees the decision.
  await dev.reload();
  await mine.getByText('completed').waitFor();
  await mine.getByText('Approved by lead@acme.example: “Approved for billing”').waitFor();
  await shots(dev, '05-member-completed');

  // The CLI: the member lists it, asks for an API key, the admin approves, the member makes the key and sees the
  // secret once, and the key signs in to the broker.
  const devToken = await tokenOf(DEV);
  const asDev = (args: string[]) => runSamsa(args, { SAMSA_URL: hub.consoleUrl, SAMSA_TOKEN: devToken });
  const asLead = (args: string[]) => runSamsa(args, { SAMSA_URL: hub.consoleUrl, SAMSA_TOKEN: lead });
  const cli = await asDev(['request', 'list', '--tenant', 'acme', '--json']);
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepEqual(
    JSON.parse(cli.stdout).requests.map((r: { title: string; state: string }) => [r.title, r.state]),
    [['Topic invoices (2 partitions)', 'COMPLETED']],
  );
  const asked = await asDev([
    'request',
    'create',
    '--tenant',
    'acme',
    '--kind',
    'key',
    '--service-account',
    'app',
    '--reason',
    'the invoices consumer',
    '--json',
  ]);
  assert.equal(asked.code, 0, asked.stderr);
  const keyRequest = JSON.parse(asked.stdout).id as string;
  const notYet = await asDev(['request', 'key', '--tenant', 'acme', keyRequest]);
  assert.notEqual(notYet.code, 0);
  assert.match(notYet.stderr, /approved/);
  const approved = await asLead(['request', 'approve', '--tenant', 'acme', keyRequest, '--comment', 'ok']);
  assert.equal(approved.code, 0, approved.stderr);
  assert.match(approved.stdout, /APPROVED/);
  const made = await asDev(['request', 'key', '--tenant', 'acme', keyRequest]);
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stdout, /shown only this once/);
  const keyId = /Key id: +(\S+)/.exec(made.stdout)![1]!;
  const secret = /Secret: +(\S+)/.exec(made.stdout)![1]!;
  const again = await asDev(['request', 'key', '--tenant', 'acme', keyRequest]);
  assert.notEqual(again.code, 0, 'the key is made once');
  const devAdmin = new Kafka({
    brokers: [hub.bootstrap],
    sasl: { mechanism: 'scram-sha-512', username: keyId, password: secret },
    retry: { retries: 2, initialRetryTime: 200 },
    logLevel: logLevel.NOTHING,
  }).admin();
  await eventually(
    async () =>
      (
        await devAdmin.connect().then(
          () => devAdmin.listTopics(),
          (): string[] => [],
        )
      ).includes('invoices'),
    "the requested key signs in and lists the tenant's topics",
  );
  await devAdmin.disconnect();

  // A quota raise waits for the platform admins, who see it among every tenant's pending requests.
  const raise = await asDev([
    'request',
    'create',
    '--tenant',
    'acme',
    '--kind',
    'quota',
    '--max-topics',
    '10',
    '--reason',
    'two more services',
    '--json',
  ]);
  assert.equal(raise.code, 0, raise.stderr);
  const rootPage = await signedIn(ADMIN);
  await rootPage.goto(`${hub.consoleUrl}/admin/requests`);
  const row = rootPage.getByRole('row').filter({ hasText: 'two more services' });
  await row.getByText('Quota raise: max topics → 10').waitFor();
  await row.getByText('platform admins').waitFor();
  await shots(rootPage, '06-platform-pending');

  // The member asks on the page for producer access for a service account; the tenant admin approves it.
  await rest(lead, 'POST', '/tenants/acme/service-accounts', { name: 'billing' });
  await dev.goto(`${hub.consoleUrl}/t/acme/requests`);
  await form.getByLabel('What do you need?').selectOption('ACL');
  await form.getByLabel('Template').selectOption('producer');
  await form.getByLabel('Service account').selectOption('billing');
  await form.getByLabel('Topic').fill('invoices');
  await form.getByLabel('Why').fill('billing publishes the invoices');
  await shots(dev, '07-member-acl-form');
  await form.getByRole('button', { name: 'Send request' }).click();
  const aclTitle = 'ALLOW WRITE on TOPIC invoices for User:billing';
  await dev.getByRole('listitem').filter({ hasText: aclTitle }).getByText('pending').waitFor();
  const before = await rest(lead, 'GET', '/tenants/acme/acls');
  assert.equal(before.status, 200, JSON.stringify(before.body));
  assert.deepEqual(
    before.body.filter((a: { principal: string }) => a.principal === 'User:billing'),
    [],
    'nothing is bound before the approval',
  );
  await ops.reload();
  const aclCard = ops.getByRole('listitem').filter({ hasText: aclTitle });
  await aclCard.getByText('billing publishes the invoices').waitFor();
  await aclCard.getByRole('button', { name: 'Approve' }).click();
  await aclCard.getByText('completed').waitFor();
  const bound = await rest(lead, 'GET', '/tenants/acme/acls');
  assert.equal(bound.status, 200, JSON.stringify(bound.body));
  assert.deepEqual(
    bound.body
      .filter((a: { principal: string }) => a.principal === 'User:billing')
      .map((a: { resourceType: string; resourceName: string; operation: string; permission: string }) =>
        [a.resourceType, a.resourceName, a.operation, a.permission].join(' '),
      )
      .sort(),
    ['CLUSTER kafka-cluster IDEMPOTENT_WRITE ALLOW', 'TOPIC invoices DESCRIBE ALLOW', 'TOPIC invoices WRITE ALLOW'],
  );

  // The member asks on the page for more partitions; it waits for the platform admins, not the tenant admin.
  await form.getByLabel('What do you need?').selectOption('QUOTA');
  await form.getByLabel('max partitions', { exact: true }).fill('12');
  await form.getByLabel('Why').fill('invoices need more partitions');
  await shots(dev, '08-member-quota-form');
  await form.getByRole('button', { name: 'Send request' }).click();
  const quotaCard = dev.getByRole('listitem', { name: 'Quota raise: max partitions → 12' });
  await quotaCard.getByText('Waiting for a platform admin').waitFor();
  await rootPage.reload();
  const quotaRow = rootPage.getByRole('row').filter({ hasText: 'invoices need more partitions' });
  await quotaRow.getByText('Quota raise: max partitions → 12').waitFor();
  await quotaRow.getByText('platform admins').waitFor();
  await shots(rootPage, '09-platform-pending-quota');
});
