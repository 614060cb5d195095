/**
 * Consumer lag in real Chromium against the whole hub started by `samsa start` (its console hosts the lag
 * collector, sampling every 500 ms here): a real KafkaJS consumer group, authenticated with a tenant's API key,
 * keeps up, falls behind while its handler is held and catches up once released. The groups list and group page show it,
 * and the page's lag chart data (its data-total-lag attribute, the REST history it draws) rises from 0 to the
 * backlog and falls back to 0. Then the group is left empty and a tenant admin resets its offsets from the page,
 * with the preview's new lag, and finds the reset in the audit log. Screenshots go to e2e/test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Consumer, Kafka, logLevel, type Producer } from 'kafkajs';
import type { Browser, Page } from 'playwright-core';
import { apiToken, type Hub, launchChromium, restAs, SHOTS, startHub } from './hub.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };
const PARTITIONS = 3;
const BACKLOG = 60;

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
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (last) process.stderr.write(`waiting for ${what}: ${(last as Error).message}\n`);
    last = undefined;
    await sleep(300);
  }
}

const totalLags = async () =>
  ((await rest('/tenants/acme/groups/billing/lag?window=15m')).total as { lag: number }[]).map((p) => p.lag);

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  hub = await startHub(ADMIN, { SAMSA_LAG_INTERVAL_MS: '500' });
  browser = await launchChromium();
  token = await apiToken(hub, ADMIN, 'e2e-lag');
});

after(async () => {
  await page?.screenshot({ path: join(SHOTS, 'lag-last-page.png'), fullPage: true }).catch(() => {});
  await browser?.close();
  await hub?.stop();
});

test('a KafkaJS group falls behind and catches up: the group page charts it; an admin resets it', {
  timeout: 400_000,
}, async () => {
  await rest('/tenants', { method: 'POST', body: { slug: 'acme', displayName: 'Acme' } });
  await rest('/tenants/acme/topics', { method: 'POST', body: { name: 'orders', partitions: PARTITIONS } });
  const key = await rest('/tenants/acme/api-keys', { method: 'POST', body: { serviceAccount: 'billing-app' } });
  await rest('/tenants/acme/acls', { method: 'POST', body: { preset: 'tenant_admin', serviceAccount: 'billing-app' } });

  // The tenant's client says `orders` and `billing`; the broker keeps them as acme.orders and acme.billing.
  const kafka = new Kafka({
    clientId: 'e2e-lag',
    brokers: [hub.bootstrap],
    sasl: { mechanism: 'scram-sha-512', username: key.keyId, password: key.secret },
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
  const producer: Producer = kafka.producer();
  // The broker follows the control plane within about a second: the new key may be refused at first.
  await until('the producer to connect with the new key', async () => {
    await producer.connect();
    return true;
  });
  let seq = 0;
  const produce = (n: number) =>
    producer.send({
      topic: 'orders',
      acks: -1,
      messages: Array.from({ length: n }, () => ({ partition: seq % PARTITIONS, value: `order-${seq++}` })),
    });
  await produce(9);

  // While `gate` is closed the consumer holds the first message it fetched, committing nothing: it falls behind
  // without leaving the group (a long session timeout keeps it a member meanwhile).
  let openGate: () => void = () => {};
  let gate: Promise<void> = Promise.resolve();
  const consumer: Consumer = kafka.consumer({
    groupId: 'billing',
    sessionTimeout: 300_000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 200,
  });
  await until('the consumer to connect', async () => {
    await consumer.connect();
    return true;
  });
  await consumer.subscribe({ topic: 'orders', fromBeginning: true });
  let consumed = 0;
  await consumer.run({
    autoCommitThreshold: 1,
    eachMessage: async () => {
      await gate;
      consumed++;
    },
  });
  try {
    // Keeping up: every partition committed, lag 0, and a chart bucket that is all 0.
    await until('the group to be caught up', async () => {
      const g = await rest('/tenants/acme/groups/billing');
      return g.partitions.length === PARTITIONS && g.totalLag === 0 && g.members.length === 1 ? g : undefined;
    });
    // A 0 in a finished chart bucket (one before the last): later samples cannot raise it.
    await until('a finished 0 bucket in the lag history', async () =>
      (await totalLags()).slice(0, -1).includes(0) ? true : undefined,
    );

    // Falling behind: the gate closes, then the backlog is produced.
    gate = new Promise((r) => {
      openGate = r;
    });
    await produce(BACKLOG);
    await until(`the history to show the backlog of ${BACKLOG}`, async () =>
      (await totalLags()).includes(BACKLOG) ? true : undefined,
    );

    // The browser: the list shows the group behind; the group page charts the rise.
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    page = await context.newPage();
    page.setDefaultTimeout(60_000);
    await page.goto(`${hub.consoleUrl}/login`);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto(`${hub.consoleUrl}/t/acme/groups`);
    const row = page.getByTestId('group-row-billing');
    await row
      .getByTestId('total-lag')
      .filter({ hasText: String(BACKLOG) })
      .waitFor();
    await page.screenshot({ path: join(SHOTS, 'lag-01-groups-behind.png'), fullPage: true });
    await row.getByRole('link', { name: 'billing' }).click();
    await page.getByRole('heading', { name: 'Consumer group billing' }).waitFor();
    await page.getByRole('button', { name: '15m' }).click();
    const chart = page.getByTestId('lag-chart');
    /** The total-lag series the 15 m chart draws (its data-total-lag attribute). */
    const drawn = async (): Promise<number[]> => {
      if ((await chart.getAttribute('data-window')) !== '15m') return [];
      return ((await chart.getAttribute('data-total-lag')) ?? '').split(',').filter(Boolean).map(Number);
    };
    /**
     * Waits for `predicate` over the drawn series; on timeout says what was drawn. Polled from the test, not with
     * waitForFunction: the console's CSP (no 'unsafe-eval') rightly refuses the string it would evaluate in the page.
     */
    const waitForChart = async (predicate: (l: number[]) => boolean, timeoutMs = 30_000): Promise<number[]> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const l = await drawn().catch(() => []);
        if (predicate(l)) return l;
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for the chart; chart draws [${l}], REST says [${await totalLags()}]`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    await waitForChart((l) => l.includes(BACKLOG));
    assert.equal(await chart.getAttribute('data-window'), '15m');
    assert.ok((await page.locator('[data-testid="lag-chart"] .recharts-area').count()) > 0, 'areas are drawn');
    await page.screenshot({ path: join(SHOTS, 'lag-02-group-behind.png'), fullPage: true });

    // Catching up: the gate opens; the chart falls back to 0 after the peak.
    openGate();
    const lags = await waitForChart(
      (l) => l.indexOf(BACKLOG) > 0 && l.at(-1) === 0 && l.slice(0, l.indexOf(BACKLOG)).includes(0),
    );
    const peak = lags.indexOf(BACKLOG);
    assert.ok(lags.slice(0, peak).includes(0), `0 before the peak: ${lags}`);
    assert.equal(Math.max(...lags), BACKLOG, `${lags}`);
    assert.equal(lags.at(-1), 0, `${lags}`);
    assert.deepEqual(await totalLags().then((api) => api.includes(BACKLOG) && api.at(-1) === 0), true);
    await page.getByTestId('group-total-lag').filter({ hasText: /^0$/ }).waitFor();
    assert.ok(consumed >= 9 + BACKLOG, `consumed ${consumed}`); // at least once
    await page.getByRole('button', { name: 'per partition' }).click();
    await page.getByRole('button', { name: 'small multiples' }).click();
    assert.equal(await page.getByTestId('lag-multiple').count(), PARTITIONS);
    await page.getByRole('button', { name: 'stacked' }).click();
    await page.screenshot({ path: join(SHOTS, 'lag-03-group-caught-up.png'), fullPage: true });
  } finally {
    openGate();
    await consumer.disconnect();
    await producer.disconnect();
  }

  // The group is empty now: reset it to the earliest offsets from the page, with the preview's new lag.
  assert.ok(page);
  await page.getByRole('cell', { name: 'unassigned' }).first().waitFor();
  await page.getByRole('button', { name: 'Reset offsets…' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Reset to').selectOption('earliest');
  await dialog.getByRole('button', { name: 'Preview' }).click();
  await dialog.getByText(`New total lag: ${9 + BACKLOG}`).waitFor();
  assert.equal(await dialog.getByTestId('reset-row').count(), PARTITIONS);
  await dialog.getByLabel('Type billing to confirm').fill('billing');
  await page.screenshot({ path: join(SHOTS, 'lag-04-reset-preview.png'), fullPage: true });
  await dialog.getByRole('button', { name: 'Reset offsets' }).click();
  await dialog.getByText(`Offsets reset on ${PARTITIONS} partition(s)`).waitFor();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await page
    .getByTestId('group-total-lag')
    .filter({ hasText: String(9 + BACKLOG) })
    .waitFor();
  const audit = await rest('/tenants/acme/audit');
  assert.ok(audit.some((e: any) => e.action === 'consumer_group.reset_offsets' && e.targetId === 'billing'));

  // Platform admins see the group across tenants, and the Prometheus text has it.
  await page.goto(`${hub.consoleUrl}/admin/groups`);
  await page.getByTestId('group-row-acme.billing').waitFor();
  await page.screenshot({ path: join(SHOTS, 'lag-05-all-groups.png'), fullPage: true });
  const metrics = await fetch(`${hub.consoleUrl}/api/v1/metrics/lag`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.match(await metrics.text(), /samsa_consumergroup_total_lag\{group="acme\.billing",tenant="[0-9a-f-]+"\} \d+/);
});
