/**
 * Proves for EVERY /api/v1 operation that tenant boundaries and roles hold: a member of tenant A can neither read
 * nor change anything of tenant B, tenant members cannot do admin operations, only platform admins reach platform
 * routes, and anonymous callers get 401. The route table is walked, so a new route is covered automatically, and
 * every route file must come from that table.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { call, type Harness, seedUser, startHarness } from './helpers.ts';

let h: Harness;
let ids: { tenantA: string; tenantB: string; aclB: string; keyB: string; bobId: string };
let tokens: { admin: string; alice: string; aliceMemberOfB: string; bob: string };

// A broker that is not there: any route that reached the cluster for tenant B would fail loudly, not pass.
before(async () => {
  h = await startHarness({ SAMSA_BROKER_BOOTSTRAP: '127.0.0.1:1' });
  const { db } = await import('../src/server/db.ts');
  const { newApiKeyCredentials } = await import('@samsa/db');
  const a = await db().tenant.create({ data: { slug: 'tenant-a', displayName: 'A', quota: { create: {} } } });
  const b = await db().tenant.create({
    data: { slug: 'tenant-b', displayName: 'B', quota: { create: { maxTopics: 10 } } },
  });
  await db().topicAnnotation.create({
    data: { tenantId: b.id, name: 'orders', topicId: '00000000-0000-4000-8000-000000000001', description: "B's" },
  });
  const sa = await db().serviceAccount.create({ data: { tenantId: b.id, name: 'billing' } });
  const key = await db().apiKey.create({
    data: { ...newApiKeyCredentials().stored, tenantId: b.id, serviceAccountId: sa.id },
  });
  const acl = await db().aclBinding.create({
    data: {
      tenantId: b.id,
      principal: 'User:billing',
      resourceType: 'TOPIC',
      resourceName: 'orders',
      operation: 'READ',
    },
  });
  const processor = await db().processor.create({ data: { tenantId: b.id, name: 'billing' } });
  const version = await db().processorVersion.create({
    data: {
      processorId: processor.id,
      version: 1,
      inputTopic: 'orders',
      outputTopics: ['orders-out'],
      language: 'JAVASCRIPT',
      source: 'export default (r) => r',
      code: 'export default (r) => r',
      createdByEmail: 'bob@b.example',
    },
  });
  const deployment = await db().processorDeployment.create({
    data: {
      processorId: processor.id,
      versionId: version.id,
      action: 'CREATE',
      startFrom: {},
      byEmail: 'bob@b.example',
    },
  });
  await db().processor.update({ where: { id: processor.id }, data: { activeDeploymentId: deployment.id } });
  const admin = await seedUser('admin@example.com', { platformAdmin: true });
  const alice = await seedUser('alice@a.example', { memberships: [{ tenantId: a.id, role: 'TENANT_ADMIN' }] });
  const bob = await seedUser('bob@b.example', { memberships: [{ tenantId: b.id, role: 'TENANT_ADMIN' }] });
  const carol = await seedUser('carol@b.example', { memberships: [{ tenantId: b.id, role: 'TENANT_MEMBER' }] });
  ids = { tenantA: a.id, tenantB: b.id, aclB: acl.id, keyB: key.keyId, bobId: bob.user.id };
  tokens = { admin: admin.token, alice: alice.token, aliceMemberOfB: carol.token, bob: bob.token };
});
after(() => h.close());

/** Params that point at tenant B's real resources. */
function paramsForB(): Record<string, string> {
  return {
    tenant: 'tenant-b',
    topic: 'orders',
    group: 'billing',
    name: 'billing',
    keyId: ids.keyB,
    id: ids.aclB,
    user: 'bob@b.example',
    v: '1',
    transactionalId: 'payments-txn',
    subject: 'orders-value',
    version: '1',
  };
}

/** A valid body for each write, so a refusal cannot be a validation error in disguise. */
const BODIES: Record<string, unknown> = {
  'POST /auth/login': { email: 'x@example.com', password: 'x' },
  'POST /auth/token': { email: 'x@example.com', password: 'x' },
  'POST /auth/bootstrap': { email: 'x@example.com', password: 'password123' },
  'POST /tenants': { slug: 'new-tenant', displayName: 'New' },
  'PATCH /tenants/{tenant}': { status: 'SUSPENDED' },
  'PUT /tenants/{tenant}/quota': { maxTopics: 1 },
  'PUT /tenants/{tenant}/webhook': { url: 'https://intruder.example/hook' },
  'POST /tenants/{tenant}/topics': { name: 'stolen', partitions: 1 },
  'PATCH /tenants/{tenant}/topics/{topic}': { description: 'pwned' },
  'POST /tenants/{tenant}/topics/{topic}/messages': { value: 'x' },
  'POST /tenants/{tenant}/topics/{topic}/search': { match: { kind: 'contains', text: 'x' } },
  'POST /tenants/{tenant}/service-accounts': { name: 'intruder' },
  'POST /tenants/{tenant}/api-keys': { serviceAccount: 'billing' },
  'POST /tenants/{tenant}/acls': { preset: 'tenant_admin', serviceAccount: 'billing' },
  'POST /tenants/{tenant}/members': { email: 'alice@a.example', role: 'TENANT_ADMIN' },
  'POST /auth/password': { currentPassword: 'not-the-password', newPassword: 'password456' },
  'POST /invitations/accept': { token: 'x', password: 'password123' },
  'POST /tenants/{tenant}/groups/{group}/reset-offsets/preview': { to: 'earliest' },
  'POST /tenants/{tenant}/groups/{group}/reset-offsets': { to: 'earliest' },
  'POST /users': { email: 'new@example.com', password: 'password123' },
  'PATCH /users/{user}': { isPlatformAdmin: true },
  'POST /tenants/{tenant}/processors': {
    name: 'stolen',
    input: 'orders',
    outputs: ['orders-out'],
    source: 'export default (r) => r',
    language: 'javascript',
  },
  'PUT /tenants/{tenant}/processors/{name}': {
    input: 'orders',
    outputs: ['orders-out'],
    source: 'export default (r) => null',
    language: 'javascript',
  },
  'POST /tenants/{tenant}/processors/{name}/test-run': { records: [{ value: 'x' }] },
  'POST /tenants/{tenant}/processors/{name}/rollback': { version: 1 },
  'POST /tenants/{tenant}/processors/{name}/deploy': { version: 1, from: { kind: 'earliest' } },
  'POST /tenants/{tenant}/schemas/{subject}/versions': { schema: '"string"' },
  'POST /tenants/{tenant}/schemas/{subject}/check': { schema: '"string"' },
  'PUT /tenants/{tenant}/schemas/{subject}/config': { compatibility: 'NONE' },
  'PUT /tenants/{tenant}/schema-config': { compatibility: 'NONE' },
};

async function snapshotB() {
  const { db } = await import('../src/server/db.ts');
  const where = { tenantId: ids.tenantB };
  return JSON.stringify(
    {
      tenant: await db().tenant.findUnique({ where: { id: ids.tenantB }, include: { quota: true } }),
      topicAnnotations: await db().topicAnnotation.findMany({ where }),
      accounts: await db().serviceAccount.findMany({ where }),
      keys: await db().apiKey.findMany({ where }),
      acls: await db().aclBinding.findMany({ where }),
      members: await db().membership.findMany({ where }),
      invitations: await db().invitation.findMany({ where }),
      processors: await db().processor.findMany({
        where,
        include: { versions: true, deployments: true, secrets: true, redrives: true },
      }),
      bob: await db().user.findUnique({ where: { id: ids.bobId } }),
      users: await db().user.count(),
      tenants: await db().tenant.count(),
    },
    (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
  );
}

async function operations() {
  const { apiRoutes } = await import('../src/api/routes.ts');
  return Object.entries(apiRoutes).flatMap(([path, spec]) =>
    Object.entries(spec).map(([method, op]) => ({ path, method: method as 'GET', op: op! })),
  );
}

test('every route file under app/api/v1 re-exports the route table (no handler bypasses withTenant)', async () => {
  const { apiRoutes } = await import('../src/api/routes.ts');
  const root = join(import.meta.dirname, '../src/app/api/v1');
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name === 'route.ts') found.push(join(dir, e.name));
    }
  };
  walk(root);
  const covered = new Set<string>();
  for (const file of found) {
    const rel = file.slice(root.length, -'/route.ts'.length).replace(/\[(\w+)\]/g, '{$1}');
    if (rel === '/openapi.json') continue;
    const text = readFileSync(file, 'utf8');
    assert.match(
      text,
      new RegExp(`apiRoutes\\['${rel.replace(/[{}]/g, '\\$&')}'\\]`),
      `${file} must take its handlers from apiRoutes['${rel}']`,
    );
    assert.doesNotMatch(
      text.replace(/export const \w+ = route\.\w+!\.handler;/g, ''),
      /export (async )?function|export const \w+ =/,
      `${file} defines its own handler`,
    );
    covered.add(rel);
  }
  assert.deepEqual([...covered].sort(), Object.keys(apiRoutes).sort(), 'every table entry has a route file');
});

test('anonymous callers get 401 on every non-public operation', async () => {
  for (const { path, method, op } of await operations()) {
    if (op.access === 'public') continue;
    const res = await call(path, method, paramsForB(), { body: BODIES[`${method} ${path}`] });
    assert.equal(res.status, 401, `${method} ${path}`);
    assert.equal(res.body.error.code, 'unauthorized');
  }
});

test('a member of tenant A can neither read nor change tenant B through any operation', async () => {
  const before = await snapshotB();
  let checked = 0;
  for (const { path, method, op } of await operations()) {
    if (op.access === 'public') continue;
    const res = await call(path, method, paramsForB(), { token: tokens.alice, body: BODIES[`${method} ${path}`] });
    if (path.includes('{tenant}')) {
      assert.equal(
        res.status,
        404,
        `${method} ${path} must look like B does not exist: got ${res.status} ${JSON.stringify(res.body)}`,
      );
      assert.ok(!JSON.stringify(res.body).includes('orders'), `${method} ${path} leaks B's data`);
    } else if (op.access === 'platform_admin') {
      assert.equal(res.status, 403, `${method} ${path}`);
    } else if (method !== 'GET') {
      // a signed-in user's own things: B's ids are not found; a password change needs the caller's own password
      assert.ok([400, 404].includes(res.status), `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    } else {
      assert.equal(res.status, 200, `${method} ${path}`);
      assert.ok(!JSON.stringify(res.body).includes('tenant-b'), `${method} ${path} lists tenant B to a member of A`);
    }
    checked++;
  }
  assert.ok(checked >= 30, `checked ${checked} operations`);
  assert.equal(await snapshotB(), before, "tenant B's data is unchanged");
});

test('a tenant member (not admin) cannot change anything of their own tenant', async () => {
  const before = await snapshotB();
  for (const { path, method, op } of await operations()) {
    if (!path.includes('{tenant}') || op.access === 'tenant_member') continue;
    const res = await call(path, method, paramsForB(), {
      token: tokens.aliceMemberOfB,
      body: BODIES[`${method} ${path}`],
    });
    assert.equal(res.status, 403, `${method} ${path}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'forbidden');
  }
  assert.equal(await snapshotB(), before);
});

test('tenant admins do not reach platform-admin operations of their own tenant', async () => {
  for (const { path, method, op } of await operations()) {
    if (op.access !== 'platform_admin') continue;
    const res = await call(path, method, paramsForB(), { token: tokens.bob, body: BODIES[`${method} ${path}`] });
    assert.equal(res.status, 403, `${method} ${path}`);
  }
});

test('the members of B do read B', async () => {
  const res = await call('/tenants/{tenant}/acls', 'GET', paramsForB(), { token: tokens.aliceMemberOfB });
  assert.equal(res.status, 200);
  assert.equal(res.body[0].resourceName, 'orders');
  const groups = await call('/tenants/{tenant}/groups', 'GET', paramsForB(), { token: tokens.aliceMemberOfB });
  assert.equal(groups.status, 200, JSON.stringify(groups.body));
  assert.deepEqual(groups.body.groups, []);
});
