/**
 * Message search in real Chromium against the whole hub started by `samsa start`: a real KafkaJS producer, signed in
 * with a tenant's API key, writes 100,000 records; the search page finds the one record holding a value among them,
 * showing its progress per partition and the match, whose permalink opens the message browser at that record; a
 * search with a small records budget says the budget ended it and where. Screenshots at 1366 px and 768 px go to
 * e2e/test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { Browser, Page } from 'playwright-core';
import { apiToken, type Hub, launchChromium, restAs, SHOTS, startHub } from './hub.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };
const RECORDS = 100_000;
const PARTITIONS = 3;
const NEEDLE_AT = 73_519;

let hub: Hub;
let browser: Browser;
let page: Page | undefined;
let token: string;

const rest = restAs(
  () => hub.consoleUrl,
  () => token,
);

/** Retries `run` until it resolves: the broker learns a new key and its ACLs within about a second. */
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

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  hub = await startHub(ADMIN);
  browser = await launchChromium();
  token = await apiToken(hub, ADMIN, 'e2e-search');
});

after(async () => {
  await page?.screenshot({ path: join(SHOTS, 'search-last-page.png'), fullPage: true }).catch(() => {});
  await browser?.close();
  await hub?.stop();
});

test('search 100,000 records for one value: progress, the match, its permalink, and a budget that ends a search', {
  timeout: 400_000,
}, async () => {
  await rest('/tenants', { method: 'POST', body: { slug: 'acme', displayName: 'Acme' } });
  await rest('/tenants/acme/topics', { method: 'POST', body: { name: 'clicks', partitions: PARTITIONS } });
  const key = await rest('/tenants/acme/api-keys', { method: 'POST', body: { serviceAccount: 'web' } });
  await rest('/tenants/acme/acls', { method: 'POST', body: { preset: 'tenant_admin', serviceAccount: 'web' } });
  const kafka = new Kafka({
    clientId: 'e2e-search',
    brokers: [hub.bootstrap],
    sasl: { mechanism: 'scram-sha-512', username: key.keyId, password: key.secret },
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
  const producer = kafka.producer();
  await retried(() => producer.connect());
  for (let start = 0; start < RECORDS; start += 5_000) {
    const send = () =>
      producer.send({
        topic: 'clicks',
        acks: -1,
        messages: Array.from({ length: 5_000 }, (_, j) => {
          const i = start + j;
          const user = i === NEEDLE_AT ? 'vip-needle-7' : `user-${i % 977}`;
          return { partition: i % PARTITIONS, key: `k-${i}`, value: JSON.stringify({ i, user, page: `/p/${i % 50}` }) };
        }),
      });
    // The key's ACL reaches the broker about a second after it is made, like the key itself: a refused first batch
    // wrote nothing and is sent again.
    await (start === 0 ? retried(send) : send());
  }
  await producer.disconnect();

  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(`${hub.consoleUrl}/login`);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));

  // From the topic page to its search.
  await page.goto(`${hub.consoleUrl}/t/acme/topics/clicks`);
  await page.getByRole('link', { name: 'Search messages' }).click();
  await page.getByRole('heading', { name: 'Search clicks' }).waitFor();
  await page.getByLabel('Text').fill('VIP-NEEDLE');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const end = page.getByTestId('search-end');
  await end.filter({ hasText: 'Scanned the whole range: 100000 records scanned, 1 matched' }).waitFor();
  await page.getByTestId('search-progress').filter({ hasText: '100,000 records scanned, 1 matched' }).waitFor();
  // Every partition's position reached its end.
  for (let p = 0; p < PARTITIONS; p++) {
    const n = RECORDS / PARTITIONS;
    const count = p < RECORDS % PARTITIONS ? Math.ceil(n) : Math.floor(n);
    await page.getByText(`Partition ${p}`).waitFor();
    await page.getByText(`${count}/${count}`, { exact: true }).first().waitFor();
  }
  const match = page.getByTestId('search-match');
  assert.equal(await match.count(), 1);
  assert.match((await match.textContent()) ?? '', /vip-needle-7/);
  await page.screenshot({ path: join(SHOTS, 'search-01-found-1366.png'), fullPage: true });

  // The permalink opens the message browser at that record.
  const offset = Math.floor(NEEDLE_AT / PARTITIONS);
  await match.getByRole('link', { name: String(offset) }).click();
  await page.waitForURL((u) => u.searchParams.get('offset') === String(offset));
  const current = page.locator('tr[aria-current="true"]');
  await current.filter({ hasText: 'vip-needle-7' }).waitFor();
  assert.equal(new URL(page.url()).searchParams.get('partition'), String(NEEDLE_AT % PARTITIONS));

  // A small records budget ends the scan, and the page says so and where it stopped, at 768 px.
  await page.setViewportSize({ width: 768, height: 1000 });
  await page.goto(`${hub.consoleUrl}/t/acme/topics/clicks/search`);
  await page.getByLabel('Text').fill('vip-needle');
  await page.getByLabel('Records to scan at most').fill('1000');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await end.filter({ hasText: 'The scan budget of 1000 records ended the search' }).waitFor();
  assert.match((await end.textContent()) ?? '', /It stopped at partition 0 at offset \d+ \(of 33334\)/);
  await page.getByRole('button', { name: 'Continue from where it stopped' }).waitFor();
  assert.equal(await page.getByTestId('search-match').count(), 0);
  await page.screenshot({ path: join(SHOTS, 'search-02-budget-768.png'), fullPage: true });

  // A bad pattern is refused with the reason.
  await page.getByLabel('Match', { exact: true }).selectOption('regex');
  await page.getByLabel('Pattern').fill('user-(1');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'Invalid regular expression' }).first().waitFor();
});
