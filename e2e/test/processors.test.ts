/**
 * Processors in real Chromium against the whole hub started by `samsa start` (broker, console, processor host):
 * a tenant admin writes a function, test-runs it on records a real KafkaJS producer wrote (nothing is written),
 * deploys it, and a real KafkaJS consumer reads its outputs while the page shows it running with its lag chart and
 * logs. Then a version that throws: the page shows the errors and the dead-letter count, the DLQ topic holds the
 * records; under the stop policy it shows the processor errored with the error, stack, offset and version; a
 * rollback to v1 continues from there and brings outputs back; a DLQ re-drive sends the failed records through v1,
 * and a redeploy from the earliest record replays history. A tenant member sees the page read-only; pause, resume and delete
 * work from the page. Screenshots of each processor page at 1366 px go to e2e/test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Consumer, Kafka, logLevel, type Producer } from 'kafkajs';
import type { Browser, Page } from 'playwright-core';
import { apiToken, type Hub, launchChromium, restAs, shot, SHOTS, signIn, startHub, until } from './hub.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };
const MEMBER = { email: 'viewer@example.com', password: 'viewer-password-1' };
const WAIT_MS = 90_000;

const V1_SOURCE = `export default function process(record, ctx) {
  const order = JSON.parse(record.value);
  ctx.log('order', order.id);
  return { value: { ...order, total: order.amount * 2, label: ctx.env.LABEL } };
}`;

const BROKEN_SOURCE = `export default function process(record, ctx) {
  throw new Error('broken on purpose at offset ' + record.offset);
}`;

let hub: Hub;
let browser: Browser;
let token: string;
const pages: Page[] = [];

const rest = restAs(
  () => hub.consoleUrl,
  () => token,
);

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  pages.push(page);
  return page;
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // The host reports often here, so the page's figures and chart fill within seconds.
  hub = await startHub(ADMIN, {
    SAMSA_PROCESSORS_POLL_MS: '300',
    SAMSA_PROCESSORS_STATUS_INTERVAL_MS: '500',
    SAMSA_PROCESSORS_SAMPLE_INTERVAL_MS: '1000',
    SAMSA_LAG_INTERVAL_MS: '500',
  });
  browser = await launchChromium();
  token = await apiToken(hub, ADMIN, 'e2e-processors');
});

after(async () => {
  // The hub's own output (broker, console, processor host) beside the screenshots, for a failure's cause.
  if (hub) writeFileSync(join(SHOTS, 'processors-hub.log'), hub.output());
  for (const [i, p] of pages.entries())
    await p.screenshot({ path: join(SHOTS, `processors-last-page-${i}.png`), fullPage: true }).catch(() => {});
  await browser?.close();
  await hub?.stop();
});

test('write, test-run, deploy, watch, break, see the DLQ, roll back: a processor from the console', {
  timeout: 600_000,
}, async () => {
  await rest('/tenants', { method: 'POST', body: { slug: 'acme', displayName: 'Acme' } });
  await rest('/tenants/acme/topics', { method: 'POST', body: { name: 'orders', partitions: 2 } });
  await rest('/tenants/acme/topics', { method: 'POST', body: { name: 'enriched', partitions: 1 } });
  await rest('/users', {
    method: 'POST',
    body: { ...MEMBER, memberships: [{ tenant: 'acme', role: 'TENANT_MEMBER' }] },
  });
  const key = await rest('/tenants/acme/api-keys', { method: 'POST', body: { serviceAccount: 'e2e-app' } });
  await rest('/tenants/acme/acls', { method: 'POST', body: { preset: 'tenant_admin', serviceAccount: 'e2e-app' } });

  const kafka = new Kafka({
    clientId: 'e2e-processors',
    brokers: [hub.bootstrap],
    sasl: { mechanism: 'scram-sha-512', username: key.keyId, password: key.secret },
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
  const producer: Producer = kafka.producer();
  // The broker follows the control plane within about a second: the new key may be refused at first.
  await until('the producer to connect with the new key', () => producer.connect());
  let nextId = 0;
  const produce = async (n: number) => {
    const ids = Array.from({ length: n }, () => nextId++);
    await producer.send({
      topic: 'orders',
      acks: -1,
      messages: ids.map((id) => ({ key: `k${id}`, value: JSON.stringify({ id, amount: id * 10 }) })),
    });
    return ids;
  };
  const firstIds = await produce(20);

  // Outputs, as a real client sees them.
  const outputs: { id: number; total: number; label: string; source: string }[] = [];
  const consumer: Consumer = kafka.consumer({ groupId: 'e2e-output-check', maxWaitTimeInMs: 200 });
  await until('the consumer to connect', () => consumer.connect());
  await consumer.subscribe({ topic: 'enriched', fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const v = JSON.parse(message.value?.toString() ?? 'null');
      outputs.push({ ...v, source: message.headers?.['samsa-source']?.toString() ?? '' });
    },
  });
  const outputIds = () => new Set(outputs.map((o) => o.id));

  try {
    const ops = await newPage();
    await signIn(ops, hub.consoleUrl, ADMIN);
    await ops.goto(`${hub.consoleUrl}/t/acme/topics`);
    await ops.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Processors' }).click();
    await ops.getByRole('heading', { name: 'Processors · acme' }).waitFor();
    await ops.getByText('No processors yet').waitFor();

    // New processor: the form says what is missing before anything is sent.
    await ops.getByRole('link', { name: 'New processor' }).click();
    await ops.getByRole('heading', { name: 'New processor · acme' }).waitFor();
    await ops.getByRole('button', { name: 'Deploy processor' }).click();
    await ops.getByText('Choose the topic the processor reads.').waitFor();
    await ops.getByText('Choose at least one output topic.').waitFor();
    assert.equal((await rest('/tenants/acme/processors')).processors.length, 0, 'nothing was created');

    await ops.getByLabel('Name', { exact: true }).fill('enrich');
    await ops.getByLabel('Input topic').selectOption('orders');
    await ops.getByRole('checkbox', { name: 'enriched' }).check();
    await ops.getByLabel('Function').fill(V1_SOURCE);
    await ops.getByRole('button', { name: 'Add value' }).click();
    await ops.getByLabel('Environment value name').fill('LABEL');
    await ops.getByLabel('Value of LABEL').fill('from-v1');

    // Test run on the last 5 real records of `orders`: outputs per topic and logs, nothing written.
    await ops.getByLabel('How many (the newest)').fill('5');
    await ops.getByRole('button', { name: 'Run test' }).click();
    const summary = ops.getByTestId('test-run-summary');
    await summary.filter({ hasText: '5 records run: 5 to enriched, 0 dropped, 0 errors' }).waitFor();
    assert.match((await summary.textContent()) ?? '', /Nothing was written to any topic/);
    const firstOutput = (await ops.getByTestId('test-run-output').first().textContent()) ?? '';
    assert.match(firstOutput, /"total":\d+/);
    assert.match(firstOutput, /"label":"from-v1"/);
    assert.match((await ops.getByTestId('test-run-logs').first().textContent()) ?? '', /order \d+/);
    await shot(ops, 'processors-new-test-run');
    // Pasted records: one the function cannot parse shows the error with its stack.
    await ops.getByLabel('Records', { exact: true }).selectOption('paste');
    await ops
      .getByLabel('Records (JSON array)')
      .fill('[{ "key": "x", "value": "not json" }, { "id": 7, "amount": 3 }]');
    await ops.getByRole('button', { name: 'Run test' }).click();
    await summary.filter({ hasText: '2 records run: 1 to enriched, 0 dropped, 1 error' }).waitFor();
    assert.match((await ops.getByTestId('test-run-error').textContent()) ?? '', /JSON/);
    assert.equal((await rest('/tenants/acme/topics/enriched')).messages, 0, 'a test run writes nothing');
    assert.equal(outputs.length, 0);

    // Deploy: the processor page; outputs arrive at a real consumer, each with its source header.
    await ops.getByRole('button', { name: 'Deploy processor' }).click();
    await ops.waitForURL(/\/t\/acme\/processors\/enrich$/);
    await ops.getByRole('heading', { name: 'Processor enrich' }).waitFor();
    await ops.locator('[data-status="running"]').first().waitFor();
    await until('an output for each of the first 20 records', () => firstIds.every((id) => outputIds().has(id)));
    for (const o of outputs) {
      assert.equal(o.total, o.id * 20);
      assert.equal(o.label, 'from-v1');
      assert.match(o.source, /^[0-9a-f-]+\/1\/\d+\/\d+\/0$/);
    }
    await ops.getByTestId('processor-lag').filter({ hasText: /^0$/ }).waitFor();
    // Lag in time, from the lag collector's view of the processor's group.
    await ops
      .getByTestId('processor-lag-seconds')
      .filter({ hasText: /^\d+(\.\d)? s$/ })
      .waitFor();
    // The lag chart draws the host's samples.
    await ops.locator('[data-testid="processor-lag-chart"][data-lag]:not([data-lag=""])').waitFor();
    await ops
      .getByTestId('processor-logs')
      .filter({ hasText: /order \d+/ })
      .waitFor();
    await shot(ops, 'processors-page-running');
    await ops.goto(`${hub.consoleUrl}/t/acme/processors`);
    await ops.getByTestId('processor-enrich').locator('[data-status="running"]').waitFor();
    await shot(ops, 'processors-list');

    // Break it: a version that throws; its records go to the DLQ (no retries, to be quick).
    await ops.getByRole('link', { name: 'enrich' }).click();
    await ops.getByRole('link', { name: 'Edit and test' }).click();
    await ops.getByRole('heading', { name: 'Edit enrich (deploys a new version)' }).waitFor();
    assert.equal(await ops.getByLabel('Function').inputValue(), V1_SOURCE, 'the form starts from the running version');
    await ops.getByLabel('Function').fill(BROKEN_SOURCE);
    await ops.getByLabel('Retries').fill('0');
    await ops.getByLabel('Comment for this version').fill('broken on purpose');
    await shot(ops, 'processors-edit');
    await ops.getByRole('button', { name: 'Deploy new version' }).click();
    await ops.waitForURL(/\/t\/acme\/processors\/enrich$/);
    await ops.getByTestId('version-2').filter({ hasText: 'active' }).waitFor();
    await until('the host to apply v2', async () => {
      const d = await rest('/tenants/acme/processors/enrich');
      return d.activeDeployment?.version === 2 && Boolean(d.activeDeployment.appliedAt);
    });
    const brokenIds = await produce(5);
    // Under the DLQ policy the processor keeps running: each failure is an error line in its log (version,
    // partition, offset, message) and a dead-letter record.
    await ops.getByTestId('processor-dlq-count').filter({ hasText: /^5$/ }).waitFor();
    await ops.getByTestId('processor-errors').filter({ hasText: /^5 · / }).waitFor();
    const errorLines = ops
      .getByTestId('processor-log-error')
      .filter({ hasText: 'thrown: broken on purpose at offset' });
    await until('five error lines in the log', async () => (await errorLines.count()) === 5);
    assert.match((await errorLines.first().textContent()) ?? '', /\[v2 p\d @\d+\]/);
    await shot(ops, 'processors-page-errors');
    assert.ok(
      brokenIds.every((id) => !outputIds().has(id)),
      'the broken version wrote nothing',
    );

    // The DLQ link opens the topic in the message browser, holding the failed records.
    await ops.getByRole('link', { name: 'Browse enrich-dlq' }).click();
    await ops.getByRole('heading', { name: 'Topic enrich-dlq' }).waitFor();
    await ops.getByTestId('message-value').first().waitFor();
    await ops.goBack();

    // The same code under the `stop` policy: the processor stops at the record, errored, with the error, its stack,
    // the offset and the version on the page.
    await ops.getByRole('link', { name: 'Edit and test' }).click();
    await ops.getByRole('heading', { name: 'Edit enrich (deploys a new version)' }).waitFor();
    await ops.getByLabel('When a record fails').selectOption('stop');
    await ops.getByLabel('Comment for this version').fill('stops at the first failure');
    await ops.getByRole('button', { name: 'Deploy new version' }).click();
    await ops.waitForURL(/\/t\/acme\/processors\/enrich$/);
    await until('the host to apply v3', async () => {
      const d = await rest('/tenants/acme/processors/enrich');
      return d.activeDeployment?.version === 3 && Boolean(d.activeDeployment.appliedAt);
    });
    const stoppedIds = await produce(1);
    await ops.locator('[data-status="errored"]').first().waitFor();
    await ops.getByTestId('processor-last-error-message').filter({ hasText: 'broken on purpose at offset' }).waitFor();
    const lastError = (await ops.getByTestId('processor-last-error').textContent()) ?? '';
    assert.match(lastError, /in v3, partition \d+ offset \d+/);
    assert.match(lastError, /at process/, 'the stack is shown');
    await shot(ops, 'processors-page-errored');

    // Roll back to v1: it continues from where v3 stopped, and new records are processed again.
    await ops.getByRole('button', { name: 'Roll back to v1' }).click();
    await ops.getByTestId('version-1').filter({ hasText: 'active' }).waitFor();
    await until('the host to apply the rollback', async () => {
      const d = await rest('/tenants/acme/processors/enrich');
      return d.activeDeployment?.action === 'rollback' && Boolean(d.activeDeployment.appliedAt);
    });
    const laterIds = await produce(5);
    await until('outputs of v1 again after the rollback', () =>
      [...stoppedIds, ...laterIds].every((id) => outputIds().has(id)),
    );
    assert.ok(
      brokenIds.every((id) => !outputIds().has(id)),
      'records sent to the DLQ are not processed again',
    );
    await ops.getByRole('table', { name: 'Deployments' }).getByRole('cell', { name: 'rollback' }).waitFor();
    await shot(ops, 'processors-page-rolled-back');

    // After the fix, a re-drive sends the dead-letter records through the running version (v1).
    await ops.getByRole('button', { name: 'Re-drive' }).click();
    await ops.getByText('Re-drive requested').waitFor();
    await until('outputs of the re-driven DLQ records', () => brokenIds.every((id) => outputIds().has(id)));

    // Redeploy v1 from the earliest record: history replays through it (outputs again for the first records).
    await ops.getByRole('button', { name: 'Redeploy from…' }).click();
    const redeploy = ops.getByRole('dialog');
    await redeploy.getByLabel('Version').selectOption('1');
    await redeploy.getByLabel('Start from').selectOption('earliest');
    await redeploy.getByRole('button', { name: 'Redeploy' }).click();
    const deployments = ops.getByRole('table', { name: 'Deployments' });
    await deployments.getByRole('row').filter({ hasText: 'redeploy' }).filter({ hasText: 'earliest' }).waitFor();
    const timesOf = (id: number) => outputs.filter((o) => o.id === id).length;
    await until('the first records processed again', () => firstIds.every((id) => timesOf(id) >= 2));

    // A member reads everything, changes nothing.
    const viewer = await newPage();
    await signIn(viewer, hub.consoleUrl, MEMBER);
    await viewer.goto(`${hub.consoleUrl}/t/acme/processors/enrich`);
    await viewer.getByRole('heading', { name: 'Processor enrich' }).waitFor();
    await viewer.getByRole('table', { name: 'Versions' }).waitFor();
    await viewer.getByTestId('processor-logs').waitFor();
    for (const name of ['Pause', 'Delete', 'Edit and test', 'Redeploy from…', 'Roll back to v2'])
      assert.equal(await viewer.getByRole('button', { name }).or(viewer.getByRole('link', { name })).count(), 0, name);
    // Tablet width: the processor pages fit (wide tables, code and charts scroll or shrink inside their boxes).
    await viewer.setViewportSize({ width: 768, height: 1024 });
    for (const [path, ready] of [
      ['/t/acme/processors', 'Processors · acme'],
      ['/t/acme/processors/enrich', 'Processor enrich'],
      ['/t/acme/processors/enrich/edit', 'Edit enrich (deploys a new version)'],
    ] as const) {
      await viewer.goto(`${hub.consoleUrl}${path}`);
      await viewer.getByRole('heading', { name: ready }).waitFor();
      const overflow = Number(await viewer.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
      assert.ok(overflow <= 0, `${path} fits 768 px (overflows by ${overflow} px)`);
    }
    await viewer.getByText('Only tenant admins deploy processors').waitFor();
    assert.ok(await viewer.getByRole('button', { name: 'Deploy new version' }).isDisabled());

    // Pause and resume keep the offsets; delete asks for the name.
    await ops.getByRole('button', { name: 'Pause' }).click();
    await ops.locator('[data-status="paused"]').first().waitFor();
    await ops.getByRole('button', { name: 'Resume' }).click();
    await ops.locator('[data-status="running"]').first().waitFor();
    await ops.getByRole('button', { name: 'Delete' }).click();
    const dialog = ops.getByRole('dialog');
    await dialog.getByLabel('Type enrich to confirm').fill('enrich');
    await dialog.getByRole('button', { name: 'Delete processor' }).click();
    await ops.waitForURL(/\/t\/acme\/processors$/);
    await ops.getByText('No processors yet').waitFor();
  } finally {
    await consumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
  }
});
