/**
 * Overview pages in real Chromium against the whole hub started by `samsa start` (the broker reports traffic every
 * 500 ms here): the platform admin's home shows a tenant's traffic rising while a real KafkaJS producer runs (the
 * throughput chart's data, drawn from the traffic history, goes from zero to above zero, and the tenant tops the
 * "top tenants by traffic" list); clicking the tenant opens its home, with quota bars and its topics; the topic
 * page charts the topic. Screenshots of the new pages at 1366 px and 768 px go to e2e/test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { Browser, Page } from 'playwright-core';
import { apiToken, type Hub, launchChromium, restAs, SHOTS, startHub } from './hub.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };
const WIDTHS = [1366, 768];

let hub: Hub;
let browser: Browser;
let page: Page | undefined;
let token: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const rest = restAs(
  () => hub.consoleUrl,
  () => token,
);

/** Polls until `check` returns a value (not undefined); the test's own timeout bounds the wait. */
async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      process.stderr.write(`waiting for ${what}: ${(err as Error).message}\n`);
    }
    await sleep(300);
  }
}

/** The produce series the throughput chart draws (bytes per second per bucket). */
async function producePoints(p: Page): Promise<number[]> {
  const series = (await p.getByTestId('chart-throughput').getAttribute('data-series')) ?? '';
  return series
    .split(';')[0]!
    .split(',')
    .filter((s) => s !== '')
    .map(Number);
}

async function shots(p: Page, name: string) {
  for (const width of WIDTHS) {
    await p.setViewportSize({ width, height: 1000 });
    await p.getByTestId('chart-throughput').waitFor();
    await p.screenshot({ path: join(SHOTS, `overview-${name}-${width}.png`), fullPage: true });
  }
  await p.setViewportSize({ width: WIDTHS[0]!, height: 1000 });
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  hub = await startHub(ADMIN, { SAMSA_TRAFFIC_REPORT_INTERVAL_MS: '500' });
  browser = await launchChromium();
  token = await apiToken(hub, ADMIN, 'e2e-overview');
});

after(async () => {
  await page?.screenshot({ path: join(SHOTS, 'overview-last-page.png'), fullPage: true }).catch(() => {});
  await browser?.close();
  await hub?.stop();
});

test("the overview shows a tenant's traffic rising while a real producer runs; the tenant's home and topic chart it", {
  timeout: 400_000,
}, async () => {
  await rest('/tenants', {
    method: 'POST',
    body: { slug: 'acme', displayName: 'Acme', quota: { maxTopics: 5, storageBytes: 1_073_741_824 } },
  });
  await rest('/tenants/acme/topics', { method: 'POST', body: { name: 'orders', partitions: 2 } });
  const key = await rest('/tenants/acme/api-keys', { method: 'POST', body: { serviceAccount: 'shop' } });
  await rest('/tenants/acme/acls', { method: 'POST', body: { preset: 'tenant_admin', serviceAccount: 'shop' } });

  const context = await browser.newContext({ viewport: { width: WIDTHS[0]!, height: 1000 } });
  page = await context.newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(`${hub.consoleUrl}/login`);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // A platform admin's home is the hub overview.
  await page.getByRole('heading', { name: 'Hub overview' }).waitFor();
  await page.getByTestId('health-broker').and(page.locator('[data-status="ok"]')).waitFor();
  // The broker's own /healthz (wired by samsa start): its disk's free space against the floor.
  assert.match(
    (await page.getByTestId('broker-disk').textContent()) ?? '',
    /Disk: [\d.]+ [KMGT]?i?B free \(writes refused below/,
  );
  await page.getByTestId('health-database').and(page.locator('[data-status="ok"]')).waitFor();
  await page.getByRole('button', { name: '15m' }).click();
  await page.locator('[data-testid="chart-throughput"][data-window="15m"]').waitFor();
  assert.ok(
    (await producePoints(page)).every((v) => v === 0),
    'no produce traffic before the producer starts',
  );

  const kafka = new Kafka({
    clientId: 'e2e-overview',
    brokers: [hub.bootstrap],
    sasl: { mechanism: 'scram-sha-512', username: key.keyId, password: key.secret },
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
  const producer: Producer = kafka.producer();
  await until('the producer to connect with the new key', async () => {
    await producer.connect();
    return true;
  });
  let running = true;
  let sent = 0;
  const value = 'v'.repeat(500);
  const loop = (async () => {
    while (running) {
      await producer.send({ topic: 'orders', messages: Array.from({ length: 20 }, () => ({ value })) });
      sent += 20;
      await sleep(100);
    }
  })();
  try {
    // The chart the page draws rises: zero before the producer, above zero while it runs.
    const points = await until('the overview chart to show produce traffic', async () => {
      const p = await producePoints(page!);
      return p.some((v) => v > 0) ? p : undefined;
    });
    const firstBusy = points.findIndex((v) => v > 0);
    assert.ok(firstBusy > 0 && points.slice(0, firstBusy).every((v) => v === 0), `rising: ${points.join(',')}`);
    const top = page.getByTestId('top-tenants-traffic').locator('tr[data-name="acme"]');
    await top.waitFor();
    await page.getByTestId('top-topics-traffic').locator('tr[data-name="acme/orders"]').waitFor();
    await shots(page, 'hub');

    // Clicking the tenant opens its home (not its settings).
    await top.getByRole('link', { name: 'acme' }).click();
    await page.waitForURL(/\/t\/acme$/);
    await page.getByRole('heading', { name: 'Acme' }).waitFor();
    await page.getByTestId('tenant-topics-traffic').locator('tr[data-name="orders"]').waitFor();
    const topics = page.getByTestId('quota-maxTopics');
    assert.equal(await topics.getAttribute('data-used'), '1');
    assert.equal(await topics.getAttribute('data-limit'), '5');
    await until('the tenant chart to show produce traffic', async () =>
      (await producePoints(page!)).some((v) => v > 0) ? true : undefined,
    );
    await shots(page, 'tenant');

    await page.getByTestId('tenant-topics-traffic').getByRole('link', { name: 'orders' }).click();
    await page.waitForURL(/\/t\/acme\/topics\/orders$/);
    await until('the topic chart to show produce traffic', async () =>
      (await producePoints(page!)).some((v) => v > 0) ? true : undefined,
    );
    await shots(page, 'topic');
  } finally {
    running = false;
    await loop;
    await producer.disconnect();
  }
  assert.ok(sent > 0);
});
