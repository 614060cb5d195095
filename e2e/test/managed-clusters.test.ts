/**
 * The Clusters pages in real Chromium against the whole hub (`samsa start`) and a real Apache Kafka (one KRaft node,
 * SASL/SCRAM, the StandardAuthorizer): a platform admin opens Clusters from the navigation, registers the cluster
 * through the form (a wrong password first: the form says why and nothing is listed), and the list then shows it
 * with the status and time of its last reconcile, run by the console's loop; the cluster's page lists that reconcile
 * and "Reconcile now" reports that nothing is left to change. Screenshots go to e2e/test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import { grantManagedAdmin } from '@samsa/kafka-harness/managed-admin';
import type { Browser, Page } from 'playwright-core';
import { apiToken, type Hub, launchChromium, restAs, SHOTS, shot, signIn, startHub } from './hub.ts';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };
const CONTROL = { name: 'samsa-control', password: 'control-secret-e2e' };

let hub: Hub;
let kafka: KafkaCluster;
let browser: Browser;
let page: Page | undefined;
let token: string;
const rest = restAs(
  () => hub.consoleUrl,
  () => token,
);

before(
  async () => {
    if (skip) return;
    mkdirSync(SHOTS, { recursive: true });
    [kafka, hub] = await Promise.all([
      startKafka({ sasl: { superuser: { name: 'admin', password: 'admin-secret' }, users: [CONTROL] } }),
      startHub(ADMIN),
    ]);
    await grantManagedAdmin(kafka.bootstrap, CONTROL.name);
    browser = await launchChromium();
    token = await apiToken(hub, ADMIN, 'e2e-clusters');
  },
  { timeout: 400_000 },
);

after(async () => {
  await page?.screenshot({ path: `${SHOTS}/clusters-last-page.png`, fullPage: true }).catch(() => {});
  await browser?.close();
  await hub?.stop();
  await kafka?.stop();
});

test('a platform admin registers a cluster in the Clusters page; it lists the cluster and its last reconcile', {
  skip,
  timeout: 400_000,
}, async () => {
  await rest('/tenants', { method: 'POST', body: { slug: 'acme', displayName: 'Acme' } });
  await rest('/tenants/acme/service-accounts', { method: 'POST', body: { name: 'app' } });
  await rest('/tenants/acme/acls', { method: 'POST', body: { preset: 'tenant_admin', serviceAccount: 'app' } });
  const key = await rest('/tenants/acme/api-keys', { method: 'POST', body: { serviceAccount: 'app' } });

  page = await browser.newPage({ viewport: { width: 1366, height: 1000 }, locale: 'en-US', timezoneId: 'UTC' });
  await signIn(page, hub.consoleUrl, ADMIN);
  await page.getByRole('link', { name: 'Clusters' }).click();
  await page.getByRole('heading', { name: 'Clusters' }).waitFor();
  await page.getByText('No cluster registered yet.').waitFor();

  const register = async (password: string) => {
    await page!.getByRole('button', { name: 'Register cluster' }).click();
    const dialog = page!.getByRole('dialog');
    await dialog.getByLabel('Name').fill('main');
    await dialog.getByLabel('Bootstrap brokers').fill(kafka.saslBootstrap!);
    await dialog.getByLabel('Admin principal').fill(CONTROL.name);
    await dialog.getByLabel('Password').fill(password);
    await dialog.getByLabel('Reconcile every (seconds)').fill('60');
    await dialog.getByRole('button', { name: 'Register' }).click();
    return dialog;
  };
  const refused = await register('wrong-password');
  await refused.getByRole('alert').filter({ hasText: "refused the sign-in of 'samsa-control'" }).waitFor();
  await shot(page, 'clusters-register-refused');
  await refused.getByRole('button', { name: 'Cancel' }).click();
  assert.deepEqual(await rest('/clusters'), [], 'nothing stored');

  const dialog = await register(CONTROL.password);
  await dialog.waitFor({ state: 'hidden', timeout: 60_000 });
  const row = page.getByRole('row').filter({ hasText: 'main' });
  await row.getByText(kafka.saslBootstrap!).waitFor();
  // The loop reconciles a new cluster at once (then every 60 s): the row shows its status and the time of that run.
  await row.getByText('healthy').waitFor({ timeout: 90_000 });
  const [cluster] = await rest('/clusters');
  assert.equal(cluster.status, 'healthy');
  assert.ok(cluster.lastReconcileAt);
  await row.getByText(new Date(cluster.lastReconcileAt).toLocaleString('en-US', { timeZone: 'UTC' })).waitFor();
  await shot(page, 'clusters-list');

  await row.getByRole('link', { name: 'main' }).click();
  await page.getByRole('heading', { name: 'Cluster main' }).waitFor();
  const reports = page.getByRole('region', { name: 'Last reconciles' });
  await reports
    .getByText(/[1-9]\d* created/)
    .first()
    .waitFor();
  await page.getByText(`acme (0 topics)`).waitFor();
  await page.getByRole('button', { name: 'Reconcile now' }).click();
  await page.getByRole('status').filter({ hasText: 'nothing to change' }).waitFor({ timeout: 60_000 });
  await shot(page, 'cluster-detail');

  // The tenant's keys page says where its key is placed.
  await page.goto(`${hub.consoleUrl}/t/acme/keys`);
  const placed = page.getByRole('row').filter({ hasText: key.keyId }).filter({ hasText: 'placed' });
  await placed.first().waitFor();
  await shot(page, 'tenant-key-placements');
});
