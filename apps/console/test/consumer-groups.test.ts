/**
 * Consumer groups over /api/v1 against a real broker process and a real Postgres: the lag collector hosted by the
 * console (passes driven by the test) sees a tenant's group, the list, detail and history routes answer in the
 * tenant's names and only within the tenant, the chart data rises and falls with the group's lag, offset resets are
 * previewed, refused while the group has a live member, applied when it is empty and audited, and platform admins
 * get every tenant's groups and the Prometheus text.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin, Consumer } from '@platformatic/kafka';
import { type BrokerProcess, startBroker } from './broker.ts';
import { call, createTenants, type Harness, seedUser, startHarness } from './helpers.ts';

let h: Harness;
let broker: BrokerProcess;
let admin: string;
let acmeAdmin: string;
let acmeMember: string;
let globexMember: string;

const ACME = { tenant: 'acme' };
const BILLING = { tenant: 'acme', group: 'billing' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function collect() {
  const { lagService } = await import('../src/features/consumer-groups/lag-host.ts');
  return lagService().collector.collectOnce();
}

async function produce(topic: string, partition: number, n: number) {
  for (let i = 0; i < n; i++) {
    const res = await call(
      '/tenants/{tenant}/topics/{topic}/messages',
      'POST',
      { tenant: 'acme', topic },
      {
        token: acmeAdmin,
        body: { partition, value: `m${i}` },
      },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
}

async function commit(groupId: string, topic: string, offsets: Record<number, number>) {
  const kafka = new Admin({ clientId: 'test', bootstrapBrokers: [broker.bootstrap] });
  try {
    await kafka.alterConsumerGroupOffsets({
      groupId,
      topics: [
        {
          name: topic,
          partitionOffsets: Object.entries(offsets).map(([p, o]) => ({ partition: Number(p), offset: BigInt(o) })),
        },
      ],
    });
  } finally {
    await kafka.close();
  }
}

before(async () => {
  broker = await startBroker();
  // Timer passes every 200 ms beside the ones the test drives; history is read with 450 ms buckets (15 m / 2000).
  h = await startHarness({ SAMSA_BROKER_BOOTSTRAP: broker.bootstrap, SAMSA_LAG_INTERVAL_MS: '200' });
  admin = (await seedUser('root@example.com', { platformAdmin: true })).token;
  const ids = await createTenants(admin, ['acme', 'globex']);
  acmeAdmin = (await seedUser('ops@acme.example', { memberships: [{ tenantId: ids.acme, role: 'TENANT_ADMIN' }] }))
    .token;
  acmeMember = (await seedUser('dev@acme.example', { memberships: [{ tenantId: ids.acme, role: 'TENANT_MEMBER' }] }))
    .token;
  globexMember = (
    await seedUser('bob@globex.example', { memberships: [{ tenantId: ids.globex, role: 'TENANT_MEMBER' }] })
  ).token;
  for (const [tenant, name, partitions] of [
    ['acme', 'orders', 2],
    ['globex', 'events', 1],
  ] as const) {
    const res = await call(
      '/tenants/{tenant}/topics',
      'POST',
      { tenant },
      {
        token: admin,
        body: { name, partitions },
      },
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
});
after(async () => {
  await h?.close();
  await broker?.stop();
});

test('a group behind, then further behind, then caught up: list, detail and chart data in the tenant only', async () => {
  await produce('orders', 0, 10);
  await produce('orders', 1, 4);
  await commit('acme.billing', 'acme.orders', { 0: 2, 1: 4 });
  await commit('globex.reports', 'globex.events', { 0: 0 });
  await collect();

  const list = await call('/tenants/{tenant}/groups', 'GET', ACME, { token: acmeMember });
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.deepEqual(
    list.body.groups.map((g: any) => [g.name, g.tenant, g.topics, g.totalLag, g.members, g.status]),
    [['billing', 'acme', ['orders'], 8, 0, 'EMPTY']],
  );
  assert.equal(list.body.collector.lastError, null);
  assert.ok(Array.isArray(list.body.groups[0].sparkline));
  const filtered = await call('/tenants/{tenant}/groups', 'GET', ACME, {
    token: acmeMember,
    query: { status: 'STALLED,STOPPED' },
  });
  assert.deepEqual(filtered.body.groups, []);
  assert.equal(
    (await call('/tenants/{tenant}/groups', 'GET', ACME, { token: acmeMember, query: { status: 'BROKEN' } })).status,
    400,
  );

  const detail = await call('/tenants/{tenant}/groups/{group}', 'GET', BILLING, { token: acmeMember });
  assert.equal(detail.status, 200, JSON.stringify(detail.body));
  assert.equal(detail.body.groupId, 'acme.billing');
  assert.deepEqual(
    detail.body.partitions.map((p: any) => [p.topic, p.partition, p.committedOffset, p.logEndOffset, p.lag]),
    [
      ['orders', 0, 2, 10, 8],
      ['orders', 1, 4, 4, 0],
    ],
  );
  assert.equal(detail.body.statusHistory.at(-1).to, 'EMPTY');
  // Topic detail lists the group with its lag and the collector's status (and links it to the group page).
  const topic = await call(
    '/tenants/{tenant}/topics/{topic}',
    'GET',
    { tenant: 'acme', topic: 'orders' },
    {
      token: acmeMember,
    },
  );
  assert.deepEqual(
    topic.body.consumerGroups.map((g: any) => [g.groupId, g.lag, g.status]),
    [['billing', 8, 'EMPTY']],
  );

  // Another tenant sees neither the group nor its history; its own group is there in its own names.
  const other = await call('/tenants/{tenant}/groups', 'GET', { tenant: 'globex' }, { token: globexMember });
  assert.deepEqual(
    other.body.groups.map((g: any) => [g.name, g.topics]),
    [['reports', ['events']]],
  );
  for (const path of ['/tenants/{tenant}/groups/{group}', '/tenants/{tenant}/groups/{group}/lag'] as const) {
    const res = await call(path, 'GET', { tenant: 'globex', group: 'billing' }, { token: globexMember });
    if (path.endsWith('/lag')) assert.deepEqual([res.status, res.body.total], [200, []]);
    else assert.equal(res.status, 404);
    const prefixed = await call(path, 'GET', { tenant: 'globex', group: 'acme.billing' }, { token: globexMember });
    assert.ok(prefixed.status === 404 || prefixed.body.total.length === 0, JSON.stringify(prefixed.body));
  }
  const all = await call('/groups', 'GET', {}, { token: admin });
  assert.deepEqual(all.body.groups.map((g: any) => [g.groupId, g.tenant, g.name]).sort(), [
    ['acme.billing', 'acme', 'billing'],
    ['globex.reports', 'globex', 'reports'],
  ]);

  // Further behind, then caught up. Each state lasts longer than a chart bucket (450 ms), so each has a bucket.
  await sleep(1000);
  await produce('orders', 0, 5);
  await collect();
  await sleep(1000);
  await commit('acme.billing', 'acme.orders', { 0: 15 });
  await collect();
  await sleep(1000);
  await collect();

  const history = await call('/tenants/{tenant}/groups/{group}/lag', 'GET', BILLING, {
    token: acmeMember,
    query: { window: '15m', maxPoints: '2000' },
  });
  assert.equal(history.status, 200, JSON.stringify(history.body));
  assert.equal(history.body.resolution, 'raw');
  const lags: number[] = history.body.total.map((p: any) => p.lag);
  assert.equal(lags[0], 8, lags.join(','));
  const peak = lags.indexOf(13);
  assert.ok(peak > 0, `rises to 13: ${lags.join(',')}`);
  assert.equal(lags.at(-1), 0, `falls to 0: ${lags.join(',')}`);
  assert.ok(
    lags.slice(peak).every((l, i, a) => i === 0 || l <= a[i - 1]),
    `never rises again: ${lags.join(',')}`,
  );
  assert.deepEqual(
    history.body.partitions.map((p: any) => [p.topic, p.partition]),
    [
      ['orders', 0],
      ['orders', 1],
    ],
  );
  assert.deepEqual(
    history.body.topics.map((t: any) => t.topic),
    ['orders'],
  );
  const oneTopic = await call('/tenants/{tenant}/groups/{group}/lag', 'GET', BILLING, {
    token: acmeMember,
    query: { window: '24h', topic: 'orders' },
  });
  assert.equal(oneTopic.body.resolution, 'minute');
  const badWindow = await call('/tenants/{tenant}/groups/{group}/lag', 'GET', BILLING, {
    token: acmeMember,
    query: { window: '2h' },
  });
  assert.equal(badWindow.status, 400);
  assert.ok(badWindow.body.error.fieldErrors.window);
});

test('offset reset: previewed, refused while a member is live, applied when empty, audited', async () => {
  const preview = await call('/tenants/{tenant}/groups/{group}/reset-offsets/preview', 'POST', BILLING, {
    token: acmeAdmin,
    body: { to: 'earliest' },
  });
  assert.equal(preview.status, 200, JSON.stringify(preview.body));
  assert.equal(preview.body.executable, true);
  assert.equal(preview.body.applied, false);
  assert.deepEqual(
    preview.body.rows.map((r: any) => [r.topic, r.partition, r.currentOffset, r.newOffset, r.currentLag, r.newLag]),
    [
      ['orders', 0, 15, 0, 0, 15],
      ['orders', 1, 4, 0, 0, 4],
    ],
  );
  const byOffset = await call('/tenants/{tenant}/groups/{group}/reset-offsets/preview', 'POST', BILLING, {
    token: acmeAdmin,
    body: { to: 'offset', offset: 3, topics: [{ topic: 'orders', partitions: [0] }] },
  });
  assert.deepEqual(
    byOffset.body.rows.map((r: any) => [r.partition, r.newOffset, r.newLag]),
    [[0, 3, 12]],
  );
  const missing = await call('/tenants/{tenant}/groups/{group}/reset-offsets/preview', 'POST', BILLING, {
    token: acmeAdmin,
    body: { to: 'offset' },
  });
  assert.equal(missing.status, 400);
  assert.ok(missing.body.error.fieldErrors.offset);
  const noTopic = await call('/tenants/{tenant}/groups/{group}/reset-offsets/preview', 'POST', BILLING, {
    token: acmeAdmin,
    body: { to: 'latest', topics: [{ topic: 'nope' }] },
  });
  assert.equal(noTopic.status, 400);
  assert.match(noTopic.body.error.message, /No topic 'nope' in tenant 'acme'/);

  // A live member: the broker would see its next commit overwrite the reset, so the reset is refused.
  const live = new Consumer({
    clientId: 'live',
    groupId: 'acme.billing',
    bootstrapBrokers: [broker.bootstrap],
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
  });
  const stream = await live.consume({ topics: ['acme.orders'], autocommit: false });
  stream.on('data', () => {});
  try {
    for (;;) {
      const p = await call('/tenants/{tenant}/groups/{group}/reset-offsets/preview', 'POST', BILLING, {
        token: acmeAdmin,
        body: { to: 'earliest' },
      });
      if (p.body.members > 0) {
        assert.equal(p.body.executable, false);
        assert.match(p.body.blockedBecause, /^group billing is \w+ with 1 member\(s\); stop its consumers first$/);
        break;
      }
      await sleep(200);
    }
    const refused = await call('/tenants/{tenant}/groups/{group}/reset-offsets', 'POST', BILLING, {
      token: acmeAdmin,
      body: { to: 'earliest' },
    });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'conflict');
  } finally {
    await stream.close();
    await live.close(true);
  }

  for (;;) {
    const res = await call('/tenants/{tenant}/groups/{group}/reset-offsets', 'POST', BILLING, {
      token: acmeAdmin,
      body: { to: 'earliest' },
    });
    if (res.status === 409) {
      await sleep(200); // the member's LeaveGroup is still on its way
      continue;
    }
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.applied, true);
    break;
  }
  await collect();
  const detail = await call('/tenants/{tenant}/groups/{group}', 'GET', BILLING, { token: acmeMember });
  assert.deepEqual(
    detail.body.partitions.map((p: any) => [p.partition, p.committedOffset, p.lag]),
    [
      [0, 0, 15],
      [1, 0, 4],
    ],
  );
  assert.equal(detail.body.status, 'REWIND');
  const audit = await call('/tenants/{tenant}/audit', 'GET', ACME, { token: acmeAdmin });
  const entry = audit.body.find((e: any) => e.action === 'consumer_group.reset_offsets');
  assert.ok(entry, JSON.stringify(audit.body));
  assert.equal(entry.targetId, 'billing');
  assert.deepEqual(entry.after.spec, { to: 'earliest' });
  assert.deepEqual(
    entry.before.offsets.map((o: any) => o.offset),
    [15, 4],
  );

  // Members read but do not reset.
  const member = await call('/tenants/{tenant}/groups/{group}/reset-offsets', 'POST', BILLING, {
    token: acmeMember,
    body: { to: 'latest' },
  });
  assert.equal(member.status, 403);
});

test('platform admins get the Prometheus text of every group, tenant members only of their own', async () => {
  const { apiRoutes } = await import('../src/api/routes.ts');
  const get = (token: string) =>
    apiRoutes['/metrics/lag']!.GET!.handler(
      new Request('http://console.test/api/v1/metrics/lag', { headers: { authorization: `Bearer ${token}` } }),
      { params: Promise.resolve({}) },
    );
  const res = await get(admin);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await res.text();
  assert.match(
    text,
    /^samsa_consumergroup_lag\{group="acme\.billing",tenant="[0-9a-f-]+",topic="acme\.orders",partition="0"\} 15$/m,
  );
  assert.match(text, /^samsa_lag_collector_up 1$/m);
  assert.equal((await get(acmeAdmin)).status, 403);
  // A tenant's own scrape: only its groups.
  const own = await apiRoutes['/tenants/{tenant}/metrics/lag']!.GET!.handler(
    new Request('http://console.test/api/v1/tenants/acme/metrics/lag', {
      headers: { authorization: `Bearer ${acmeMember}` },
    }),
    { params: Promise.resolve({ tenant: 'acme' }) },
  );
  assert.equal(own.status, 200);
  const ownText = await own.text();
  assert.match(ownText, /samsa_consumergroup_total_lag\{group="acme\.billing"/);
  assert.doesNotMatch(ownText, /globex/);
});
