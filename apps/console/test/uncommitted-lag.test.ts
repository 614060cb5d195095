/**
 * The 400-of-1,000 case everywhere a user reads lag. A tenant's real KafkaJS group, signed in with the tenant's
 * key against a real broker with tenancy, reads 400 of the 1,000 messages of a 2-partition topic (500 each) and
 * commits only on partition 0 (offset 400). The 500 messages of partition 1, where it has no committed offset, are
 * unread, so its lag is 600 — in the REST API (with partition 1 marked `noCommittedOffset`), the stored history,
 * the Prometheus text of the tenant and of the platform, and `samsa group lag billing --tenant acme` run by a tenant
 * admin (not a platform admin) with the login `samsa login` saved, through the console's real route handlers.
 * Before, every one of them said 100: the partition without a commit was left out.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Consumer } from 'kafkajs';
import { type ApiServer, startApiServer } from './api-server.ts';
import { call, seedUser } from './helpers.ts';
import { kafkaAs, type TenancyHub, startTenancyHub, tenantWithKey } from './tenancy-hub.ts';
import { runSamsa } from '@samsa/test-support/samsa-cli';

const ACME = { tenant: 'acme' };
const BILLING = { tenant: 'acme', group: 'billing' };
const PER_PARTITION = 500;

let hub: TenancyHub;
let api: ApiServer;
let home: string;
let acmeAdmin: string;
let consumer: Consumer | undefined;

before(async () => {
  hub = await startTenancyHub();
  api = await startApiServer();
  home = mkdtempSync(join(tmpdir(), 'samsa-cli-lag-'));
});
after(async () => {
  await consumer?.disconnect().catch(() => {});
  await api?.close();
  await hub?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function collect() {
  const { lagService } = await import('../src/features/consumer-groups/lag-host.ts');
  return lagService().collector.collectOnce();
}

const samsa = (args: string[]) =>
  runSamsa(args, { SAMSA_CREDENTIALS_FILE: join(home, 'credentials.json'), SAMSA_URL: '', SAMSA_TOKEN: '' });

test('a group that read 400 of 1,000 and committed only partition 0 has lag 600 in REST, Prometheus and the CLI', async () => {
  const key = await tenantWithKey(hub, 'acme');
  const ids = await call('/tenants', 'GET', {}, { token: hub.admin });
  const acmeId = ids.body.find((t: { slug: string }) => t.slug === 'acme').id;
  acmeAdmin = (await seedUser('ops@acme.example', { memberships: [{ tenantId: acmeId, role: 'TENANT_ADMIN' }] })).token;
  const created = await call('/tenants/{tenant}/topics', 'POST', ACME, {
    token: acmeAdmin,
    body: { name: 'orders', partitions: 2 },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));

  // The tenant's own clients, with its key: 500 messages on each partition, then a group that reads partition 0
  // up to offset 399, commits 400 there, and stops; on partition 1 it never commits.
  const kafka = kafkaAs(hub, key);
  const producer = kafka.producer();
  for (;;) {
    try {
      await producer.connect();
      break;
    } catch {
      await sleep(200); // the broker learns the new key over LISTEN/NOTIFY
    }
  }
  for (const partition of [0, 1]) {
    await producer.send({
      topic: 'orders',
      messages: Array.from({ length: PER_PARTITION }, (_, i) => ({ partition, value: `m${i}` })),
    });
  }
  await producer.disconnect();
  const c = kafka.consumer({ groupId: 'billing', sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
  consumer = c;
  await c.connect();
  await c.subscribe({ topic: 'orders', fromBeginning: true });
  let committed = false;
  await c.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      if (partition === 0 && message.offset === '399') {
        await c.commitOffsets([{ topic: 'orders', partition: 0, offset: '400' }]);
        committed = true;
        c.pause([{ topic: 'orders' }]);
      }
    },
  });
  while (!committed) await sleep(100);
  await c.disconnect();
  consumer = undefined;

  // REST: the group page's data.
  let detail: { status: number; body: any } | undefined;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(200)) {
    await collect();
    detail = await call('/tenants/{tenant}/groups/{group}', 'GET', BILLING, { token: acmeAdmin });
    if (detail.status === 200 && detail.body.members.length === 0) break;
  }
  assert.equal(detail?.status, 200, JSON.stringify(detail?.body));
  assert.equal(detail.body.totalLag, 600);
  assert.deepEqual(
    detail.body.partitions.map((p: any) => [
      p.topic,
      p.partition,
      p.committedOffset,
      p.noCommittedOffset,
      p.positionOffset,
      p.logEndOffset,
      p.lag,
    ]),
    [
      ['orders', 0, 400, false, 400, 500, 100],
      ['orders', 1, null, true, 0, 500, 500],
    ],
  );
  const list = await call('/tenants/{tenant}/groups', 'GET', ACME, { token: acmeAdmin });
  assert.deepEqual(
    list.body.groups.map((g: any) => [g.name, g.totalLag]),
    [['billing', 600]],
  );
  // The topic's page lists the group with the same lag.
  const topic = await call(
    '/tenants/{tenant}/topics/{topic}',
    'GET',
    { ...ACME, topic: 'orders' },
    { token: acmeAdmin },
  );
  assert.equal(topic.status, 200, JSON.stringify(topic.body));
  assert.deepEqual(
    topic.body.consumerGroups.map((g: any) => [g.groupId, g.lag, g.partitions]),
    [['billing', 600, 2]],
  );
  assert.deepEqual(
    topic.body.consumerGroups[0].committed.map((c: any) => c.partition),
    [0],
    'only partition 0 has a committed offset',
  );
  // The stored history (the chart) counts the uncommitted partition too.
  const history = await call('/tenants/{tenant}/groups/{group}/lag', 'GET', BILLING, {
    token: acmeAdmin,
    query: { window: '15m' },
  });
  assert.equal(history.status, 200, JSON.stringify(history.body));
  assert.equal(history.body.total.at(-1).lag, 600);
  const p1 = history.body.partitions.find((p: any) => p.partition === 1);
  assert.equal(p1.points.at(-1).committedOffset, null);

  // Prometheus: the tenant's scrape and the platform's.
  for (const [path, token] of [
    ['/tenants/{tenant}/metrics/lag', acmeAdmin],
    ['/metrics/lag', hub.admin],
  ] as const) {
    const { apiRoutes } = await import('../src/api/routes.ts');
    const res = await apiRoutes[path]!.GET!.handler(
      new Request(`http://console.test/api/v1${path.replace('{tenant}', 'acme')}`, {
        headers: { authorization: `Bearer ${token}` },
      }),
      { params: Promise.resolve({ tenant: 'acme' }) },
    );
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const labels = `group="acme.billing",tenant="${acmeId}"`;
    assert.ok(text.includes(`\nsamsa_consumergroup_total_lag{${labels}} 600\n`), `${path}:\n${text}`);
    assert.ok(text.includes(`\nsamsa_consumergroup_lag{${labels},topic="acme.orders",partition="1"} 500\n`), path);
    assert.ok(
      text.includes(`\nsamsa_consumergroup_no_committed_offset{${labels},topic="acme.orders",partition="1"} 1\n`),
      path,
    );
  }

  // The CLI, as the tenant admin (not a platform admin), with the login it saved.
  const login = await samsa(['login', '--url', api.url, '--email', 'ops@acme.example', '--password', 'password123']);
  assert.equal(login.code, 0, login.stderr);
  const lagJson = await samsa(['group', 'lag', 'billing', '--tenant', 'acme', '--json']);
  assert.equal(lagJson.code, 0, lagJson.stderr);
  const lag = JSON.parse(lagJson.stdout);
  assert.equal(lag.groupId, 'billing');
  assert.equal(lag.totalLag, 600);
  assert.deepEqual(
    lag.partitions.map((p: any) => [p.topic, p.partition, p.committedOffset, p.noCommittedOffset, p.lag]),
    [
      ['orders', 0, 400, false, 100],
      ['orders', 1, null, true, 500],
    ],
  );
  const table = await samsa(['group', 'lag', 'billing', '--tenant', 'acme']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^Group billing: \w+ .*lag 600\n/);
  assert.match(table.stdout, /TOPIC\s+PARTITION\s+COMMITTED\s+LOG-END\s+LAG\s+TIME-LAG\s+STATUS\s+CONSUMER\n/);
  assert.match(table.stdout, /\norders\s+0\s+400\s+500\s+100\s/);
  assert.match(table.stdout, /\norders\s+1\s+-\s+500\s+500\s/);
  assert.match(table.stdout, /COMMITTED '-': no committed offset on 1 partition/);
  const listed = await samsa(['group', 'list', '--tenant', 'acme']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^GROUP\s+STATUS\s+STATE\s+MEMBERS\s+TOPICS\s+LAG\s+TIME-LAG\n/);
  assert.match(listed.stdout, /\nbilling\s+\w+\s+Empty\s+0\s+orders\s+600\s/);
  const described = await samsa(['group', 'describe', 'billing', '--tenant', 'acme', '--json']);
  assert.equal(described.code, 0, described.stderr);
  assert.deepEqual(JSON.parse(described.stdout).members, []);
  const preview = await samsa(['group', 'reset-offsets', 'billing', '--tenant', 'acme', '--to-earliest', '--json']);
  assert.equal(preview.code, 0, preview.stderr);
  assert.deepEqual(
    JSON.parse(preview.stdout).rows.map((r: any) => [r.partition, r.currentOffset, r.newOffset, r.newLag]),
    [
      [0, 400, 0, 500],
      [1, null, 0, 500],
    ],
  );
  // Platform-only and other tenants' groups stay out of reach of this login.
  const other = await samsa(['group', 'list', '--all-tenants']);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /platform admin/i);
  const missing = await samsa(['group', 'lag', 'nobody', '--tenant', 'acme']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /No consumer group 'nobody' in tenant 'acme'/);
});
