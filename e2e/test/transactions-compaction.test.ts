/**
 * Issue 14's console pages in real Chromium. The Transactions page against the whole hub started by `samsa start`: a real KafkaJS
 * transactional producer, signed in with a tenant's API key, leaves a transaction open; the tenant's page lists it
 * (state, producer, partition, timeout), a tenant admin aborts it from the page after typing its id in the dialog,
 * and the old producer's commit is then refused (fenced). The topic form creates a compacted topic (cleanup policy
 * compact, and compact,delete); after a KafkaJS producer overwrites its keys, the broker's cleaner compacts it (small
 * segments and a short cleaner backoff here) and the topic page shows the dirty ratio and the last clean.
 * Screenshots at 1366 and 768 px go to e2e/test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { overwriteKeysOfCompactedTopic } from '@samsa/test-support/compaction-workload';
import type { Browser, Page } from 'playwright-core';
import { apiToken, type Hub, launchChromium, restAs, SHOTS, shot, signIn, startHub } from './hub.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };

let hub: Hub;
let browser: Browser;
let page: Page | undefined;
let token: string;
let producer: Producer | undefined;
let key: { keyId: string; secret: string } | undefined;

async function signedInPage(): Promise<Page> {
  const p = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await signIn(p, hub.consoleUrl, ADMIN);
  return p;
}

/** Tenant acme with a key of the tenant-admin preset (made by the first test, or here when it did not run). */
async function tenantWithKey() {
  const tenants: { slug: string }[] = await rest('/tenants');
  if (!tenants.some((t) => t.slug === 'acme'))
    await rest('/tenants', { method: 'POST', body: { slug: 'acme', displayName: 'Acme' } });
  const made = await rest('/tenants/acme/api-keys', { method: 'POST', body: { serviceAccount: 'compaction-app' } });
  await rest('/tenants/acme/acls', {
    method: 'POST',
    body: { preset: 'tenant_admin', serviceAccount: 'compaction-app' },
  });
  return made;
}

function tenantKafka() {
  return new Kafka({
    clientId: 'e2e-issue-14',
    brokers: [hub.bootstrap],
    sasl: { mechanism: 'scram-sha-512', username: key!.keyId, password: key!.secret },
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 200 },
  });
}

const rest = restAs(
  () => hub.consoleUrl,
  () => token,
);

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  hub = await startHub(ADMIN, {
    SAMSA_TOPIC_MIN_SEGMENT_BYTES: '1024',
    SAMSA_LOG_CLEANER_BACKOFF_MS: '200',
    SAMSA_TRAFFIC_REPORT_INTERVAL_MS: '500',
  });
  browser = await launchChromium();
  token = await apiToken(hub, ADMIN, 'e2e-transactions');
});

after(async () => {
  await producer?.disconnect().catch(() => undefined);
  await browser?.close();
  await hub?.stop();
});

test('an open KafkaJS transaction is listed on the Transactions page and aborted from it', {
  timeout: 400_000,
}, async () => {
  await rest('/tenants', { method: 'POST', body: { slug: 'acme', displayName: 'Acme' } });
  await rest('/tenants/acme/topics', { method: 'POST', body: { name: 'orders', partitions: 2 } });
  // The key makes its service account; the ACLs follow (the client retries until the broker has them).
  key = await rest('/tenants/acme/api-keys', { method: 'POST', body: { serviceAccount: 'payments-app' } });
  await rest('/tenants/acme/acls', {
    method: 'POST',
    body: { preset: 'tenant_admin', serviceAccount: 'payments-app' },
  });
  producer = tenantKafka().producer({ transactionalId: 'payments', maxInFlightRequests: 1, idempotent: true });
  await producer.connect();
  const txn = await producer.transaction();
  await txn.send({ topic: 'orders', messages: [{ partition: 1, key: 'k', value: 'in-txn' }] });

  page = await signedInPage();
  await page.goto(`${hub.consoleUrl}/t/acme`);
  // The tenant's nav entry (a platform admin also has the cross-tenant one).
  await page.getByRole('navigation', { name: 'Main' }).locator('a[href="/t/acme/transactions"]').click();
  await page.waitForURL(/\/t\/acme\/transactions$/);
  const row = page.getByRole('row').filter({ hasText: 'payments' });
  await row.getByText('Ongoing').waitFor();
  const text = (await row.textContent()) ?? '';
  assert.match(text, /orders-1/, 'the partition of the open transaction');
  assert.match(text, /1 min/, "KafkaJS's default transaction.timeout.ms, 60 s");
  await shot(page, 'transactions-1366');
  await page.setViewportSize({ width: 768, height: 1024 });
  const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
  assert.ok(overflow <= 0, `the page fits 768 px (overflows by ${overflow} px)`);
  await shot(page, 'transactions-768');
  await page.setViewportSize({ width: 1366, height: 900 });

  await row.getByRole('button', { name: 'Abort' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('Admin.fenceProducers').waitFor();
  await dialog.getByLabel(/Type payments to confirm/).fill('payments');
  await shot(page, 'transactions-abort-dialog');
  await dialog.getByRole('button', { name: 'Abort transaction' }).click();
  await page.getByRole('status').filter({ hasText: 'Aborted the open transaction of payments' }).waitFor();
  await page.getByRole('row').filter({ hasText: 'payments' }).getByText('Empty').waitFor();
  // The fence initialised the id with Kafka's fenceProducers timeout, 1 ms.
  await page.getByRole('row').filter({ hasText: 'payments' }).getByText('1 ms').waitFor();
  await shot(page, 'transactions-aborted');

  // The old producer is fenced: its commit is refused.
  await assert.rejects(txn.commit());
  const listed = await rest('/tenants/acme/transactions');
  const t = listed.transactions.find((x: { transactionalId: string }) => x.transactionalId === 'payments');
  assert.equal(t.open, false);
  const audit = JSON.stringify(await rest('/tenants/acme/audit'));
  assert.match(audit, /transaction\.abort/);
});

for (const policy of ['compact', 'compact,delete'] as const) {
  test(`a topic created from the form with cleanup policy ${policy} shows its dirty ratio and last clean`, {
    timeout: 180_000,
  }, async () => {
    page ??= await signedInPage();
    key ??= await tenantWithKey();
    const name = policy === 'compact' ? 'prices' : 'sessions';
    await page.goto(`${hub.consoleUrl}/t/acme/topics`);
    await page.getByRole('button', { name: 'New topic' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel('Cleanup policy').selectOption(policy);
    await dialog.getByRole('button', { name: 'Create topic' }).click();
    await page.getByRole('link', { name }).waitFor();
    const detail = await rest(`/tenants/acme/topics/${name}`);
    assert.equal(detail.configs['cleanup.policy'], policy);

    // Small segments and a low ratio (as the tenant, over Kafka) so the cleaner has sealed segments to compact.
    await overwriteKeysOfCompactedTopic(tenantKafka(), name, policy);

    await page.goto(`${hub.consoleUrl}/t/acme/topics/${name}`);
    await page.getByRole('heading', { name: 'Compaction' }).waitFor();
    // The page polls; reload until the broker's report of the clean is there.
    for (let i = 0; ; i++) {
      const last = (await page.getByTestId('compaction-last-clean').textContent()) ?? '';
      if (last !== 'none yet' && last !== '') break;
      assert.ok(i < 60, 'the topic page shows a clean within 60 s');
      await new Promise((r) => setTimeout(r, 1_000));
      await page.reload();
      await page.getByRole('heading', { name: 'Compaction' }).waitFor();
    }
    const bytes = (await page.getByTestId('compaction-bytes').textContent()) ?? '';
    assert.match(bytes, /B → .*B/, 'bytes before and after the clean');
    const ratio = Number((await page.getByTestId('compaction-dirty-ratio').textContent()) ?? 'NaN');
    assert.ok(ratio >= 0 && ratio <= 1, `dirty ratio ${ratio}`);
    await page.getByText('cleaned at 0.01').waitFor();
    const suffix = policy === 'compact' ? 'compact' : 'compact-delete';
    await shot(page, `topic-compaction-${suffix}-1366`);
    await page.setViewportSize({ width: 768, height: 1024 });
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    assert.ok(overflow <= 0, `the topic page fits 768 px (overflows by ${overflow} px)`);
    await shot(page, `topic-compaction-${suffix}-768`);
    await page.setViewportSize({ width: 1366, height: 900 });
  });
}
