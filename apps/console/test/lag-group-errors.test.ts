/**
 * Attack through the console: a member of tenant globex's group hands itself assignment bytes that are not a
 * consumer-protocol payload (raw socket against a real broker process). Before the fix the console's lag
 * collector hung in the client library on that group and never ran another pass, so every tenant's lag pages and
 * alerts froze. Now, with the collector running on its own timer: tenant acme's group keeps fresh lag in
 * /api/v1, globex's group shows its own error on its list and detail routes, platform admins see the collector's
 * health and the count of unreadable groups, Prometheus says the same, and when the member leaves all is clean.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { GARBAGE_ASSIGNMENT, joinWithAssignment } from '@samsa/test-support/bad-member';
import { type BrokerProcess, startBroker } from './broker.ts';
import { call, createTenants, type Harness, seedUser, startHarness } from './helpers.ts';

let h: Harness;
let broker: BrokerProcess;
let admin: string;
let acmeAdmin: string;
let globexMember: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = await fn();
    if (v) return v;
    last = v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await sleep(100);
  }
}

async function produce(n: number) {
  for (let i = 0; i < n; i++) {
    const res = await call(
      '/tenants/{tenant}/topics/{topic}/messages',
      'POST',
      { tenant: 'acme', topic: 'orders' },
      { token: acmeAdmin, body: { partition: 0, value: `m${i}` } },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
}

async function metrics(path: string, params: Record<string, string>, token: string): Promise<string> {
  const { apiRoutes } = await import('../src/api/routes.ts');
  const url = `http://console.test/api/v1${path.replace('{tenant}', params.tenant ?? '')}`;
  const res = await apiRoutes[path]!.GET!.handler(new Request(url, { headers: { authorization: `Bearer ${token}` } }), {
    params: Promise.resolve(params),
  });
  assert.equal(res.status, 200);
  return res.text();
}

before(async () => {
  broker = await startBroker();
  h = await startHarness({
    SAMSA_BROKER_BOOTSTRAP: broker.bootstrap,
    SAMSA_LAG_INTERVAL_MS: '200',
    SAMSA_LAG_PASS_TIMEOUT_MS: '5000',
    SAMSA_LAG_REQUEST_TIMEOUT_MS: '3000',
  });
  admin = (await seedUser('root@example.com', { platformAdmin: true })).token;
  const ids = await createTenants(admin, ['acme', 'globex']);
  acmeAdmin = (await seedUser('ops@acme.example', { memberships: [{ tenantId: ids.acme, role: 'TENANT_ADMIN' }] }))
    .token;
  globexMember = (
    await seedUser('bob@globex.example', { memberships: [{ tenantId: ids.globex, role: 'TENANT_MEMBER' }] })
  ).token;
  const topic = await call(
    '/tenants/{tenant}/topics',
    'POST',
    { tenant: 'acme' },
    {
      token: admin,
      body: { name: 'orders', partitions: 1 },
    },
  );
  assert.equal(topic.status, 201, JSON.stringify(topic.body));
  const kafka = new Admin({ clientId: 'test', bootstrapBrokers: [broker.bootstrap] });
  try {
    await kafka.alterConsumerGroupOffsets({
      groupId: 'acme.billing',
      topics: [{ name: 'acme.orders', partitionOffsets: [{ partition: 0, offset: 0n }] }],
    });
  } finally {
    await kafka.close();
  }
});
after(async () => {
  await h?.close();
  await broker?.stop();
});

test("a tenant's malformed group member is its own group's error; other tenants' lag pages stay live", async (t) => {
  const acmeGroups = async () =>
    (await call('/tenants/{tenant}/groups', 'GET', { tenant: 'acme' }, { token: acmeAdmin })).body;
  await produce(2);
  await until('acme billing at lag 2', async () => (await acmeGroups()).groups?.[0]?.totalLag === 2);

  const port = Number(broker.bootstrap.split(':')[1]);
  const bad = await joinWithAssignment(port, 'globex.bad', GARBAGE_ASSIGNMENT);
  if (bad.syncError !== 0) {
    t.diagnostic(`the broker refused the malformed assignment (error ${bad.syncError})`);
  } else {
    const list = await until('globex sees its group error', async () => {
      const body = (await call('/tenants/{tenant}/groups', 'GET', { tenant: 'globex' }, { token: globexMember })).body;
      return body.groups?.find((g: any) => g.name === 'bad' && g.error) ? body : undefined;
    });
    const item = list.groups.find((g: any) => g.name === 'bad');
    assert.match(item.error, /not a valid consumer-protocol payload/);
    assert.match(item.error, new RegExp(bad.memberId));
    assert.equal(list.collector.lastError, null);
    assert.equal(list.collector.groupsWithErrors, undefined, 'tenants do not see other tenants’ error count');
    const detail = await call(
      '/tenants/{tenant}/groups/{group}',
      'GET',
      { tenant: 'globex', group: 'bad' },
      {
        token: globexMember,
      },
    );
    assert.equal(detail.status, 200, JSON.stringify(detail.body));
    assert.match(detail.body.error, /not a valid consumer-protocol payload/);
    assert.deepEqual(
      detail.body.members.map((m: any) => [m.memberId, m.assignments]),
      [[bad.memberId, []]],
    );

    const all = await call('/groups', 'GET', {}, { token: admin });
    assert.equal(all.body.collector.groupsWithErrors, 1);
    const text = await metrics('/metrics/lag', {}, admin);
    assert.match(text, /^samsa_consumergroup_read_error\{group="globex\.bad",tenant="[0-9a-f-]+"\} 1$/m);
    assert.match(text, /^samsa_lag_collector_groups_with_errors 1$/m);
    assert.match(text, /^samsa_lag_collector_up 1$/m);
    const acmeText = await metrics('/tenants/{tenant}/metrics/lag', { tenant: 'acme' }, acmeAdmin);
    assert.match(acmeText, /^samsa_lag_collector_groups_with_errors 0$/m);
    assert.doesNotMatch(acmeText, /globex/);
  }

  // Meanwhile acme's lag keeps moving, pass after pass, without error.
  const before = (await acmeGroups()).collector.passesOk;
  await produce(3);
  // A pass publishes the groups' lag before it counts itself done: wait for both.
  const live = await until('acme billing at lag 5 after a finished pass', async () => {
    const body = await acmeGroups();
    return body.groups?.[0]?.totalLag === 5 && body.collector.passesOk > before ? body : undefined;
  });
  assert.equal(live.groups[0].error, null);
  assert.equal(live.collector.passesFailed, 0);
  assert.equal(live.collector.lastError, null);
  assert.ok(live.collector.lastPassDurationMs !== null);

  // The member leaves: its group's error clears and collection carries on.
  await bad.leave();
  await until('the globex group clean again', async () => {
    const body = await call('/groups', 'GET', {}, { token: admin });
    return body.body.collector.groupsWithErrors === 0 && body.body.groups.every((g: any) => g.error === null);
  });
  await produce(1);
  await until('acme billing at lag 6', async () => (await acmeGroups()).groups?.[0]?.totalLag === 6);
});
