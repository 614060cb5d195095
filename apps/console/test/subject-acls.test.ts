/**
 * SUBJECT ACL bindings (the schema registry's) through the console's real route handlers and the real `samsa acl`
 * command over HTTP, with a real Postgres: tenant admins create, list and remove them (audited), members list them,
 * another tenant's admin gets 404, operations a subject does not take are refused with what to use instead.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runSamsa } from '@samsa/test-support/samsa-cli';
import { type ApiServer, startApiServer } from './api-server.ts';
import { call, createTenants, type Harness, seedUser, startHarness } from './helpers.ts';

let h: Harness;
let http: ApiServer;
let home: string;
let tokens: { platform: string; admin: string; member: string; otherAdmin: string };
const T = { tenant: 'shop' };

before(async () => {
  // No broker: ACL bindings live in Postgres only.
  h = await startHarness({ SAMSA_BROKER_BOOTSTRAP: '127.0.0.1:1' });
  const platform = await seedUser('root@example.com', { platformAdmin: true });
  const ids = await createTenants(platform.token, ['shop', 'rival']);
  const admin = await seedUser('ada@shop.example', {
    memberships: [{ tenantId: ids.shop as string, role: 'TENANT_ADMIN' }],
  });
  const member = await seedUser('mo@shop.example', {
    memberships: [{ tenantId: ids.shop as string, role: 'TENANT_MEMBER' }],
  });
  const otherAdmin = await seedUser('rex@rival.example', {
    memberships: [{ tenantId: ids.rival as string, role: 'TENANT_ADMIN' }],
  });
  tokens = { platform: platform.token, admin: admin.token, member: member.token, otherAdmin: otherAdmin.token };
  for (const name of ['orders-app', 'auditor']) {
    const sa = await call('/tenants/{tenant}/service-accounts', 'POST', T, { token: tokens.admin, body: { name } });
    assert.equal(sa.status, 201, JSON.stringify(sa.body));
  }
  http = await startApiServer();
  home = mkdtempSync(join(tmpdir(), 'samsa-cli-subject-acl-'));
});
after(async () => {
  await http?.close();
  await h?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

const binding = (over: Record<string, unknown> = {}) => ({
  principal: 'User:orders-app',
  resourceType: 'SUBJECT',
  patternType: 'PREFIXED',
  resourceName: 'orders-',
  operation: 'WRITE',
  ...over,
});

test('a tenant admin adds SUBJECT bindings; members list them; both changes are audited', async () => {
  const created = await call('/tenants/{tenant}/acls', 'POST', T, {
    token: tokens.admin,
    body: {
      bindings: [
        binding(),
        binding({
          patternType: 'LITERAL',
          resourceName: 'orders-value',
          operation: 'ALTER_CONFIGS',
          permission: 'DENY',
        }),
      ],
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const listed = await call('/tenants/{tenant}/acls', 'GET', T, { token: tokens.member });
  assert.equal(listed.status, 200);
  assert.deepEqual(
    listed.body.map((a: Record<string, string>) => [
      a.resourceType,
      a.patternType,
      a.resourceName,
      a.operation,
      a.permission,
    ]),
    [
      ['SUBJECT', 'PREFIXED', 'orders-', 'WRITE', 'ALLOW'],
      ['SUBJECT', 'LITERAL', 'orders-value', 'ALTER_CONFIGS', 'DENY'],
    ],
  );
  const deny = listed.body.find((a: { permission: string }) => a.permission === 'DENY');
  const removed = await call('/tenants/{tenant}/acls/{id}', 'DELETE', { ...T, id: deny.id }, { token: tokens.admin });
  assert.equal(removed.status, 204);

  const { db } = await import('../src/server/db.ts');
  const audit = await db().auditLog.findMany({ where: { targetType: 'acl' }, orderBy: { id: 'asc' } });
  assert.deepEqual(
    audit.map((a) => [a.action, a.actorEmail]),
    [
      ['acl.create', 'ada@shop.example'],
      ['acl.delete', 'ada@shop.example'],
    ],
  );
  const [createdEntry, deletedEntry] = audit as [(typeof audit)[number], (typeof audit)[number]];
  assert.equal((createdEntry.after as { resourceType: string }[])[0]?.resourceType, 'SUBJECT');
  assert.equal((deletedEntry.before as { resourceName: string }).resourceName, 'orders-value');
});

test('members cannot add them, another tenant does not see them, the platform admin can', async () => {
  const body = {
    bindings: [binding({ principal: 'User:auditor', resourceName: '*', patternType: 'LITERAL', operation: 'READ' })],
  };
  const asMember = await call('/tenants/{tenant}/acls', 'POST', T, { token: tokens.member, body });
  assert.equal(asMember.status, 403);
  const asRival = await call('/tenants/{tenant}/acls', 'POST', T, { token: tokens.otherAdmin, body });
  assert.equal(asRival.status, 404);
  assert.equal((await call('/tenants/{tenant}/acls', 'GET', T, { token: tokens.otherAdmin })).status, 404);
  const asPlatform = await call('/tenants/{tenant}/acls', 'POST', T, { token: tokens.platform, body });
  assert.equal(asPlatform.status, 201, JSON.stringify(asPlatform.body));
});

test("a SUBJECT binding takes only the registry's operations; subjects may be longer than topics", async () => {
  const bad = await call('/tenants/{tenant}/acls', 'POST', T, {
    token: tokens.admin,
    body: { bindings: [binding({ operation: 'IDEMPOTENT_WRITE' })] },
  });
  assert.equal(bad.status, 400, JSON.stringify(bad.body));
  assert.match(JSON.stringify(bad.body.error), /A SUBJECT binding takes one of ALL, READ, WRITE, DELETE, DESCRIBE/);
  const subject = `${'o'.repeat(249)}-value`;
  const long = await call('/tenants/{tenant}/acls', 'POST', T, {
    token: tokens.admin,
    body: { bindings: [binding({ resourceName: subject, patternType: 'LITERAL', operation: 'READ' })] },
  });
  assert.equal(long.status, 201, JSON.stringify(long.body));
  const topic = await call('/tenants/{tenant}/acls', 'POST', T, {
    token: tokens.admin,
    body: {
      bindings: [binding({ resourceType: 'TOPIC', resourceName: subject, patternType: 'LITERAL', operation: 'READ' })],
    },
  });
  assert.equal(topic.status, 400);
  assert.match(JSON.stringify(topic.body.error), /At most 249 characters/);
});

test('samsa acl add --resource-type subject, then list', async () => {
  const samsa = (args: string[]) =>
    runSamsa(args, {
      SAMSA_CREDENTIALS_FILE: join(home, 'credentials.json'),
      SAMSA_URL: http.url,
      SAMSA_TOKEN: tokens.admin,
    });
  const added = await samsa([
    ...['acl', 'add', '--tenant', T.tenant, '--service-account', 'auditor'],
    ...['--resource-type', 'subject', '--resource', 'payments-', '--pattern', 'prefixed', '--operation', 'describe'],
    '--json',
  ]);
  assert.equal(added.code, 0, added.stderr);
  assert.equal(JSON.parse(added.stdout)[0].resourceType, 'SUBJECT');
  const listed = await samsa(['acl', 'list', '--tenant', T.tenant]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /User:auditor\s+SUBJECT\s+PREFIXED\s+payments-\s+DESCRIBE\s+ALLOW/);
  const wrong = await samsa([
    ...['acl', 'add', '--tenant', T.tenant, '--service-account', 'auditor'],
    ...['--resource-type', 'subject', '--resource', 'payments-', '--operation', 'cluster_action'],
  ]);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /SUBJECT binding takes one of/);
});
