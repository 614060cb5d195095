/**
 * Console polish in real Chromium against the whole hub started by `samsa start`: axe-core finds no serious or
 * critical accessibility violation on any page (admin and tenant pages, signed out and in, light and dark theme);
 * every page fits 768 px without horizontal scrolling; the Ctrl-K palette finds a topic and opens it with the
 * keyboard; the dark theme is remembered. Screenshots of the palette and dark theme at 1366 and 768 px go to
 * e2e/test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { Browser, Page } from 'playwright-core';
import { apiToken, type Hub, launchChromium, restAs, SHOTS, startHub } from './hub.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };
const WIDTHS = [1366, 768];
/** Longest wait for a page to take its narrow layout after the viewport shrinks. */
const RESIZE_SETTLE_MS = 5_000;
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let hub: Hub;
let browser: Browser;
let page: Page | undefined;
let token: string;

const rest = restAs(
  () => hub.consoleUrl,
  () => token,
);

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's serious and critical WCAG 2 A/AA violations on the page as it is now. */
async function seriousViolations(p: Page): Promise<string[]> {
  // Page code is given as text: this package's TypeScript has no DOM types.
  if (!(await p.evaluate<boolean>("'axe' in window"))) await p.addScriptTag({ content: AXE_SOURCE });
  const violations = await p.evaluate<Violation[]>(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } }).then((r) => r.violations)",
  );
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** How far the page is wider than the viewport (0 when it fits). */
async function overflowPx(p: Page): Promise<number> {
  return p.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

async function checkPage(p: Page, path: string, ready: () => Promise<unknown>, problems: string[], label = path) {
  await p.setViewportSize({ width: WIDTHS[0]!, height: 900 });
  await p.goto(`${hub.consoleUrl}${path}`);
  try {
    await ready();
  } catch (err) {
    await p.screenshot({ path: join(SHOTS, `accessibility-not-ready-${label.replace(/\W+/g, '_')}.png`) });
    const text = await p.evaluate<string>('document.body.innerText').catch(() => '');
    throw new Error(
      `${label} did not show: ${(err as Error).message}\npage: ${text}\nhub: ${hub.output().slice(-3000)}`,
    );
  }
  // Let queries that started with the page settle, so axe sees the page as a user does.
  await p.waitForLoadState('networkidle').catch(() => {});
  for (const v of await seriousViolations(p)) problems.push(`${label}: ${v}`);
  await p.setViewportSize({ width: 768, height: 900 });
  // Charts take their new width from a ResizeObserver a moment after the resize: wait for the page to settle.
  let over = await overflowPx(p);
  for (const deadline = Date.now() + RESIZE_SETTLE_MS; over > 0 && Date.now() < deadline; over = await overflowPx(p))
    await p.waitForTimeout(100);
  if (over > 0) {
    // Name the innermost element that sticks out, so the report says what to fix.
    const culprit = await p.evaluate<string>(`(() => {
      const w = document.documentElement.clientWidth;
      const out = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > w + 1);
      const inner = out.filter((e) => !out.some((o) => o !== e && e.contains(o)));
      return inner.slice(0, 3).map((e) => e.tagName.toLowerCase() + '.' + [...e.classList].slice(0, 4).join('.')).join(', ');
    })()`);
    problems.push(`${label}: ${over} px wider than 768 px (${culprit})`);
  }
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  hub = await startHub(ADMIN);
  browser = await launchChromium();
  token = await apiToken(hub, ADMIN, 'e2e-accessibility');
});

after(async () => {
  await page?.screenshot({ path: join(SHOTS, 'accessibility-last-page.png'), fullPage: true }).catch(() => {});
  await browser?.close();
  await hub?.stop();
});

test('every page has no serious accessibility violation and fits 768 px; Ctrl-K finds a topic; dark theme', {
  timeout: 400_000,
}, async () => {
  await rest('/tenants', { method: 'POST', body: { slug: 'acme', displayName: 'Acme' } });
  await rest('/tenants/acme/topics', { method: 'POST', body: { name: 'orders', partitions: 2 } });
  await rest('/tenants/acme/topics', { method: 'POST', body: { name: 'enriched', partitions: 1 } });
  for (const fields of [
    [{ name: 'id', type: 'string' }],
    [
      { name: 'id', type: 'string' },
      { name: 'note', type: 'string', default: '' },
    ],
  ]) {
    await rest('/tenants/acme/schemas/orders-value/versions', {
      method: 'POST',
      body: { schema: JSON.stringify({ type: 'record', name: 'Order', fields }) },
    });
  }
  const key = await rest('/tenants/acme/api-keys', { method: 'POST', body: { serviceAccount: 'shop' } });
  await rest('/tenants/acme/acls', { method: 'POST', body: { preset: 'tenant_admin', serviceAccount: 'shop' } });
  await rest('/tenants/acme/processors', {
    method: 'POST',
    body: {
      name: 'enrich',
      input: 'orders',
      outputs: ['enriched'],
      source: 'export default (record) => record.value;',
      language: 'javascript',
    },
  });
  const kafka = new Kafka({
    brokers: [hub.bootstrap],
    sasl: { mechanism: 'plain', username: key.keyId, password: key.secret },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.setOffsets({ groupId: 'billing', topic: 'orders', partitions: [{ partition: 0, offset: '0' }] });
  await admin.disconnect();

  const context = await browser.newContext({ viewport: { width: WIDTHS[0]!, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const p = page;
  const pageErrors: string[] = [];
  p.on('pageerror', (err) => pageErrors.push(`${p.url()}: ${err.message}`));
  p.on('response', (r) => r.status() >= 500 && process.stderr.write(`HTTP ${r.status()} ${r.url()}\n`));
  p.on('console', (m) => m.type() === 'error' && process.stderr.write(`browser console (${p.url()}): ${m.text()}\n`));
  const heading = (name: string | RegExp) => () => p.getByRole('heading', { name, level: 1 }).first().waitFor();
  const problems: string[] = [];

  await checkPage(p, '/login', () => p.getByLabel('Email').waitFor(), problems);
  await p.setViewportSize({ width: WIDTHS[0]!, height: 900 });
  await p.getByLabel('Email').fill(ADMIN.email);
  await p.getByLabel('Password').fill(ADMIN.password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { name: 'Hub overview' }).waitFor();

  const pages: [string, () => Promise<unknown>][] = [
    ['/', heading('Hub overview')],
    ['/admin/tenants', () => p.getByRole('link', { name: /Acme/ }).first().waitFor()],
    ['/admin/tenants/acme', () => p.getByRole('main').getByText('acme').first().waitFor()],
    ['/admin/users', () => p.getByText(ADMIN.email).first().waitFor()],
    ['/admin/groups', () => p.getByRole('main').getByText('billing').first().waitFor()],
    ['/admin/requests', () => p.getByRole('main').getByRole('heading').first().waitFor()],
    ['/admin/audit', () => p.getByRole('main').getByRole('heading').first().waitFor()],
    ['/admin/clusters', () => p.getByText('No cluster registered yet.').waitFor()],
    ['/account', () => p.getByRole('main').getByRole('heading').first().waitFor()],
    ['/t/acme', () => p.getByRole('main').getByRole('heading').first().waitFor()],
    ['/t/acme/topics', () => p.getByRole('link', { name: 'orders' }).first().waitFor()],
    [
      '/t/acme/topics/orders',
      () =>
        p
          .getByRole('main')
          .getByRole('heading', { name: /orders/ })
          .first()
          .waitFor(),
    ],
    ['/t/acme/topics/orders/search', () => p.getByRole('main').getByRole('heading').first().waitFor()],
    ['/t/acme/groups', () => p.getByRole('main').getByText('billing').first().waitFor()],
    [
      '/t/acme/groups/billing',
      () =>
        p
          .getByRole('main')
          .getByRole('heading', { name: /billing/ })
          .first()
          .waitFor(),
    ],
    ['/t/acme/processors', () => p.getByRole('link', { name: 'enrich' }).first().waitFor()],
    [
      '/t/acme/processors/enrich',
      () =>
        p
          .getByRole('main')
          .getByRole('heading', { name: /enrich/ })
          .first()
          .waitFor(),
    ],
    ['/t/acme/processors/new', () => p.getByRole('main').getByRole('heading').first().waitFor()],
    ['/t/acme/requests', () => p.getByRole('main').getByRole('heading').first().waitFor()],
    ['/t/acme/acls', () => p.getByRole('main').getByRole('heading').first().waitFor()],
    ['/t/acme/keys', () => p.getByRole('main').getByRole('heading').first().waitFor()],
    ['/t/acme/members', () => p.getByRole('main').getByRole('heading').first().waitFor()],
    ['/t/acme/alerts', () => p.getByRole('main').getByRole('heading').first().waitFor()],
    ['/t/acme/audit', () => p.getByRole('main').getByRole('heading').first().waitFor()],
    // Appended: the dark-theme pass below picks pages by index.
    ['/t/acme/transactions', heading('Transactions · acme')],
    ['/admin/transactions', heading('Transactions · all tenants')],
    ['/t/acme/schemas', () => p.getByRole('link', { name: 'orders-value' }).first().waitFor()],
    ['/t/acme/schemas/orders-value', () => p.getByRole('table', { name: /Version 1 beside version 2/ }).waitFor()],
  ];
  for (const [path, ready] of pages) await checkPage(p, path, ready, problems);

  // The palette: Ctrl-K, type, arrow keys, Enter opens the topic.
  await p.setViewportSize({ width: WIDTHS[0]!, height: 900 });
  await p.goto(`${hub.consoleUrl}/t/acme`);
  await p.getByRole('button', { name: /Search/ }).waitFor();
  await p.keyboard.press('Control+k');
  const palette = p.getByTestId('command-palette');
  const box = palette.getByRole('combobox');
  await box.fill('ord');
  await palette.getByRole('option', { name: /orders.*topic · acme/ }).waitFor();
  for (const v of await seriousViolations(p)) problems.push(`palette: ${v}`);
  for (const width of WIDTHS) {
    await p.setViewportSize({ width, height: 900 });
    await p.screenshot({ path: join(SHOTS, `palette-${width}.png`) });
  }
  const options = palette.getByRole('option');
  const names = await options.allTextContents();
  const target = names.findIndex((n) => n.startsWith('orders') && n.includes('topic'));
  assert.ok(target >= 0, `the topic is listed: ${names.join(' | ')}`);
  for (let i = 0; i < target; i++) await box.press('ArrowDown');
  await assert.doesNotReject(options.nth(target).and(p.locator('[aria-selected="true"]')).waitFor());
  await box.press('Enter');
  await p.waitForURL(/\/t\/acme\/topics\/orders$/);

  // The dark theme: chosen in the nav, applied at once, remembered after a reload, and as accessible.
  await p.getByLabel('Theme').selectOption('dark');
  assert.equal(await p.evaluate<boolean>("document.documentElement.classList.contains('dark')"), true);
  for (const [path, ready] of [
    ['/', heading('Hub overview')],
    ['/t/acme/topics/orders', pages[10]![1]],
    ['/t/acme/processors/enrich', pages[15]![1]],
    ['/t/acme/groups/billing', pages[13]![1]],
    ['/t/acme/schemas/orders-value', pages[pages.length - 1]![1]],
  ] as const)
    await checkPage(p, path, ready, problems, `${path} (dark)`);
  assert.equal(await p.evaluate<boolean>("document.documentElement.classList.contains('dark')"), true, 'remembered');
  for (const width of WIDTHS) {
    await p.setViewportSize({ width, height: 900 });
    await p.screenshot({ path: join(SHOTS, `dark-groups-${width}.png`), fullPage: true });
  }
  await p.goto(`${hub.consoleUrl}/`);
  await heading('Hub overview')();
  for (const width of WIDTHS) {
    await p.setViewportSize({ width, height: 900 });
    await p.screenshot({ path: join(SHOTS, `dark-overview-${width}.png`), fullPage: true });
  }

  assert.deepEqual(pageErrors, [], 'no page crashed');
  assert.deepEqual(problems, [], `accessibility and 768 px problems:\n${problems.join('\n')}`);
});
