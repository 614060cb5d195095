/**
 * Self-service with approval against a real broker process with tenancy and a real Postgres: a member's topic
 * request approved by a tenant admin makes the topic on the broker (seen by the tenant's own Kafka client), a
 * rejected one does not; members cannot decide, other tenants cannot see, quota raises go to platform admins, the
 * quota impact is shown, an approved API key's secret is shown once to its requester, the DIRECT mode lets members
 * create directly, open requests are bounded, and every step is audited.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Admin } from 'kafkajs';
import { call, seedUser } from './helpers.ts';
import { connectedAdmin, eventually, kafkaAs, type TenancyHub, startTenancyHub, tenantWithKey } from './tenancy-hub.ts';

let hub: TenancyHub;
let kafkaAdmin: Admin;
let tokens: { admin: string; member: string; member2: string; outsider: string };
const T = { tenant: 'acme' };

before(async () => {
  process.env.SAMSA_MAX_OPEN_REQUESTS_PER_USER = '3';
  // The test's webhook receiver listens on loopback.
  process.env.SAMSA_WEBHOOK_ALLOW_PRIVATE = 'true';
  hub = await startTenancyHub();
  const key = await tenantWithKey(hub, 'acme', { maxTopics: 5, maxPartitions: 6 });
  await tenantWithKey(hub, 'other');
  const { db } = await import('../src/server/db.ts');
  const acme = await db().tenant.findUniqueOrThrow({ where: { slug: 'acme' } });
  const other = await db().tenant.findUniqueOrThrow({ where: { slug: 'other' } });
  tokens = {
    admin: (await seedUser('lead@acme.example', { memberships: [{ tenantId: acme.id, role: 'TENANT_ADMIN' }] })).token,
    member: (await seedUser('dev@acme.example', { memberships: [{ tenantId: acme.id, role: 'TENANT_MEMBER' }] })).token,
    member2: (await seedUser('qa@acme.example', { memberships: [{ tenantId: acme.id, role: 'TENANT_MEMBER' }] })).token,
    outsider: (await seedUser('ops@other.example', { memberships: [{ tenantId: other.id, role: 'TENANT_ADMIN' }] }))
      .token,
  };
  kafkaAdmin = await connectedAdmin(kafkaAs(hub, key));
});
after(async () => {
  await kafkaAdmin?.disconnect();
  await hub?.close();
});

async function auditActions(): Promise<string[]> {
  const res = await call('/tenants/{tenant}/audit', 'GET', T, { token: tokens.admin });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.map((e: { action: string }) => e.action);
}

async function requestTopic(token: string, name: string, partitions: number) {
  const res = await call('/tenants/{tenant}/requests', 'POST', T, {
    token,
    body: {
      kind: 'TOPIC',
      reason: 'the billing service emits invoices',
      topic: { name, partitions, retentionMs: 86_400_000 },
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

test('a member cannot create a topic or an API key directly in the default mode, and is told to request it', async () => {
  const res = await call('/tenants/{tenant}/topics', 'POST', T, {
    token: tokens.member,
    body: { name: 'direct', partitions: 1 },
  });
  assert.equal(res.status, 403);
  assert.match(res.body.error.message, /request/);
  assert.ok(!(await kafkaAdmin.listTopics()).includes('direct'));
  const key = await call('/tenants/{tenant}/api-keys', 'POST', T, {
    token: tokens.member,
    body: { serviceAccount: 'app' },
  });
  assert.equal(key.status, 403, 'nor an API key');
});

test("a member's topic request, with its quota impact, approved by the tenant admin: the topic is on the broker", async () => {
  const created = await requestTopic(tokens.member, 'invoices', 2);
  assert.equal(created.state, 'PENDING');
  assert.equal(created.requesterEmail, 'dev@acme.example');
  assert.deepEqual(
    created.impact.map((l: any) => [l.what, l.used, l.after, l.limit, l.exceeds]),
    [
      ['topics', 0, 1, 5, false],
      ['partitions', 0, 2, 6, false],
    ],
  );

  const seenByAdmin = await call('/tenants/{tenant}/requests', 'GET', T, {
    token: tokens.admin,
    query: { state: 'PENDING' },
  });
  assert.equal(seenByAdmin.status, 200);
  const pending = seenByAdmin.body.requests.find((r: any) => r.id === created.id);
  assert.equal(pending.reason, 'the billing service emits invoices');
  assert.equal(pending.title, 'Topic invoices (2 partitions)');
  assert.equal(pending.impact[1].after, 2);

  const byMember = await call(
    '/tenants/{tenant}/requests/{id}/approve',
    'POST',
    { ...T, id: created.id },
    {
      token: tokens.member2,
      body: { comment: 'me too' },
    },
  );
  assert.equal(byMember.status, 403, 'a member cannot approve');
  assert.ok(!(await kafkaAdmin.listTopics()).includes('invoices'));

  const approved = await call(
    '/tenants/{tenant}/requests/{id}/approve',
    'POST',
    { ...T, id: created.id },
    {
      token: tokens.admin,
      body: { comment: 'ok, keep it small' },
    },
  );
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  assert.equal(approved.body.state, 'COMPLETED');
  assert.equal(approved.body.deciderEmail, 'lead@acme.example');

  // The tenant's own Kafka client sees the topic, with the requested settings.
  assert.ok((await kafkaAdmin.listTopics()).includes('invoices'));
  const meta = await kafkaAdmin.fetchTopicMetadata({ topics: ['invoices'] });
  assert.equal(meta.topics[0].partitions.length, 2);
  const detail = await call(
    '/tenants/{tenant}/topics/{topic}',
    'GET',
    { ...T, topic: 'invoices' },
    { token: tokens.member },
  );
  assert.equal(detail.body.configs['retention.ms'], '86400000');

  const mine = await call('/tenants/{tenant}/requests/{id}', 'GET', { ...T, id: created.id }, { token: tokens.member });
  assert.equal(mine.body.state, 'COMPLETED');
  assert.equal(mine.body.decisionComment, 'ok, keep it small');
  assert.equal(mine.body.impact, null, 'impact is shown only while pending');

  const again = await call(
    '/tenants/{tenant}/requests/{id}/approve',
    'POST',
    { ...T, id: created.id },
    {
      token: tokens.admin,
      body: {},
    },
  );
  assert.equal(again.status, 409);

  const actions = await auditActions();
  for (const a of ['request.create', 'topic.create', 'request.approve']) assert.ok(actions.includes(a), a);
});

test('a rejected request makes no topic, needs a comment, and the requester sees why', async () => {
  const created = await requestTopic(tokens.member, 'scratch', 1);
  const noComment = await call(
    '/tenants/{tenant}/requests/{id}/reject',
    'POST',
    { ...T, id: created.id },
    {
      token: tokens.admin,
      body: {},
    },
  );
  assert.equal(noComment.status, 400);
  assert.ok(noComment.body.error.fieldErrors.comment);
  const rejected = await call(
    '/tenants/{tenant}/requests/{id}/reject',
    'POST',
    { ...T, id: created.id },
    {
      token: tokens.admin,
      body: { comment: 'use the shared scratch topic' },
    },
  );
  assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
  const mine = await call('/tenants/{tenant}/requests', 'GET', T, { token: tokens.member, query: { mine: 'true' } });
  const r = mine.body.requests.find((x: any) => x.id === created.id);
  assert.equal(r.state, 'REJECTED');
  assert.equal(r.decisionComment, 'use the shared scratch topic');
  assert.ok(!(await kafkaAdmin.listTopics()).includes('scratch'));
  assert.ok((await auditActions()).includes('request.reject'));
});

test('an approval racing a rejection: one wins, and the broker agrees with the request', async () => {
  const created = await requestTopic(tokens.member, 'contested', 1);
  const id = { ...T, id: created.id };
  const [approve, reject] = await Promise.all([
    call('/tenants/{tenant}/requests/{id}/approve', 'POST', id, { token: tokens.admin, body: {} }),
    call('/tenants/{tenant}/requests/{id}/reject', 'POST', id, { token: hub.admin, body: { comment: 'no' } }),
  ]);
  assert.deepEqual([approve.status, reject.status].sort(), [200, 409], JSON.stringify([approve.body, reject.body]));
  const final = await call('/tenants/{tenant}/requests/{id}', 'GET', id, { token: tokens.member });
  const onBroker = (await kafkaAdmin.listTopics()).includes('contested');
  assert.equal(final.body.state, onBroker ? 'COMPLETED' : 'REJECTED');
  assert.equal(final.body.state, approve.status === 200 ? 'COMPLETED' : 'REJECTED');
});

test("another tenant cannot see or decide this tenant's requests", async () => {
  const created = await requestTopic(tokens.member, 'private', 1);
  const list = await call('/tenants/{tenant}/requests', 'GET', T, { token: tokens.outsider });
  assert.equal(list.status, 404);
  const one = await call(
    '/tenants/{tenant}/requests/{id}',
    'GET',
    { ...T, id: created.id },
    { token: tokens.outsider },
  );
  assert.equal(one.status, 404);
  const approve = await call(
    '/tenants/{tenant}/requests/{id}/approve',
    'POST',
    { ...T, id: created.id },
    {
      token: tokens.outsider,
      body: {},
    },
  );
  assert.equal(approve.status, 404);
  // The request id under the outsider's own tenant is not found either.
  const cross = await call(
    '/tenants/{tenant}/requests/{id}',
    'GET',
    { tenant: 'other', id: created.id },
    {
      token: tokens.outsider,
    },
  );
  assert.equal(cross.status, 404);
  const cancelled = await call(
    '/tenants/{tenant}/requests/{id}/cancel',
    'POST',
    { ...T, id: created.id },
    {
      token: tokens.member,
    },
  );
  assert.equal(cancelled.body.state, 'CANCELLED');
});

test('a quota raise is decided by a platform admin, not the tenant admin', async () => {
  const created = await call('/tenants/{tenant}/requests', 'POST', T, {
    token: tokens.admin,
    body: { kind: 'QUOTA', reason: 'three more services next month', quota: { maxPartitions: 20 } },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.approver, 'platform_admin');
  const usage = (await call('/tenants/{tenant}', 'GET', T, { token: tokens.admin })).body.usage;
  assert.ok(usage.partitions >= 2);
  assert.deepEqual(
    created.body.impact.map((l: any) => [l.what, l.used, l.after, l.limit]),
    [['max partitions', usage.partitions, 20, 6]],
  );
  const byTenantAdmin = await call(
    '/tenants/{tenant}/requests/{id}/approve',
    'POST',
    { ...T, id: created.body.id },
    {
      token: tokens.admin,
      body: {},
    },
  );
  assert.equal(byTenantAdmin.status, 403);
  const waiting = await call('/requests', 'GET', {}, { token: hub.admin, query: { kind: 'QUOTA' } });
  assert.equal(waiting.status, 200, JSON.stringify(waiting.body));
  assert.deepEqual(
    waiting.body.requests.map((r: any) => [r.tenant, r.id]),
    [['acme', created.body.id]],
    'platform admins see the raises waiting for them',
  );
  assert.equal((await call('/requests', 'GET', {}, { token: tokens.admin })).status, 403);
  const approved = await call(
    '/tenants/{tenant}/requests/{id}/approve',
    'POST',
    { ...T, id: created.body.id },
    {
      token: hub.admin,
      body: { comment: 'granted' },
    },
  );
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  const quota = await call('/tenants/{tenant}/quota', 'GET', T, { token: tokens.admin });
  assert.equal(quota.body.maxPartitions, 20);
  assert.equal(quota.body.maxTopics, 5, 'other limits are unchanged');
});

test('an approved API key is created by its requester, who sees the secret once; nothing secret is stored', async () => {
  const created = await call('/tenants/{tenant}/requests', 'POST', T, {
    token: tokens.member,
    body: { kind: 'API_KEY', reason: 'the invoices consumer', apiKey: { serviceAccount: 'invoicer' } },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = { ...T, id: created.body.id };
  const early = await call('/tenants/{tenant}/requests/{id}/api-key', 'POST', id, { token: tokens.member });
  assert.equal(early.status, 409, 'not before approval');
  const approved = await call('/tenants/{tenant}/requests/{id}/approve', 'POST', id, { token: tokens.admin, body: {} });
  assert.equal(approved.body.state, 'APPROVED');
  const byOther = await call('/tenants/{tenant}/requests/{id}/api-key', 'POST', id, { token: tokens.member2 });
  assert.equal(byOther.status, 403);
  const key = await call('/tenants/{tenant}/requests/{id}/api-key', 'POST', id, { token: tokens.member });
  assert.equal(key.status, 201, JSON.stringify(key.body));
  assert.ok(key.body.secret.length > 20);
  const twice = await call('/tenants/{tenant}/requests/{id}/api-key', 'POST', id, { token: tokens.member });
  assert.equal(twice.status, 409, 'the key is made once');
  const { db } = await import('../src/server/db.ts');
  const row = await db().accessRequest.findUniqueOrThrow({ where: { id: created.body.id } });
  assert.equal(row.state, 'COMPLETED');
  assert.ok(!JSON.stringify(row).includes(key.body.secret), 'the secret is not in the request');
  const keys = await call('/tenants/{tenant}/api-keys', 'GET', T, { token: tokens.member });
  assert.ok(keys.body.some((k: any) => k.keyId === key.body.keyId && k.serviceAccount === 'invoicer'));
});

test('open requests are bounded per user, with a clear refusal', async () => {
  const codes: number[] = [];
  let refusal = '';
  for (let i = 0; i < 4; i++) {
    const res = await call('/tenants/{tenant}/requests', 'POST', T, {
      token: tokens.member2,
      body: { kind: 'TOPIC', reason: 'load test', topic: { name: `load-${i}` } },
    });
    codes.push(res.status);
    if (res.status !== 201) refusal = res.body.error.message;
  }
  assert.deepEqual(codes, [201, 201, 201, 422]);
  assert.match(refusal, /3 open requests/);
  const bad = await call('/tenants/{tenant}/requests', 'POST', T, {
    token: tokens.member,
    body: { kind: 'TOPIC', reason: '', topic: { name: '__bad' } },
  });
  assert.equal(bad.status, 400);
  assert.ok(bad.body.error.fieldErrors.reason && bad.body.error.fieldErrors['topic.name']);
});

test('in DIRECT mode a member creates a topic directly; only admins switch modes', async () => {
  const byMember = await call('/tenants/{tenant}/self-service', 'PUT', T, {
    token: tokens.member,
    body: { mode: 'DIRECT' },
  });
  assert.equal(byMember.status, 403);
  const set = await call('/tenants/{tenant}/self-service', 'PUT', T, { token: tokens.admin, body: { mode: 'DIRECT' } });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const res = await call('/tenants/{tenant}/topics', 'POST', T, {
    token: tokens.member,
    body: { name: 'direct', partitions: 1 },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.ok((await kafkaAdmin.listTopics()).includes('direct'));
  assert.ok((await auditActions()).includes('selfService.update'));
});

test("request events go to the tenant's webhook, signed with its secret", async () => {
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const secret = 'request-hook-secret-1';
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const hook = await call('/tenants/{tenant}/webhook', 'PUT', T, { token: tokens.admin, body: { url, secret } });
    assert.equal(hook.status, 200, JSON.stringify(hook.body));
    const created = await requestTopic(tokens.member, 'hooked', 1);
    await call(
      '/tenants/{tenant}/requests/{id}/reject',
      'POST',
      { ...T, id: created.id },
      {
        token: tokens.admin,
        body: { comment: 'not now' },
      },
    );
    const events = () => received.map((r) => JSON.parse(r.body)).filter((e) => e.request.id === created.id);
    await eventually(() => events().length === 2, 'two webhook deliveries for the request');
    assert.deepEqual(
      events()
        .map((e) => e.type)
        .sort(),
      ['access_request.create', 'access_request.reject'],
    );
    const reject = events().find((e) => e.type === 'access_request.reject');
    assert.equal(reject.request.comment, 'not now');
    assert.equal(reject.request.requesterEmail, 'dev@acme.example');
    for (const r of received) {
      const expected = `sha256=${createHmac('sha256', secret).update(`${r.headers['x-samsa-timestamp']}.${r.body}`).digest('hex')}`;
      assert.equal(r.headers['x-samsa-signature'], expected, 'the delivery is signed');
    }
  } finally {
    server.close();
  }
});
