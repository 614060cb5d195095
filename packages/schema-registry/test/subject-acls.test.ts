/**
 * SUBJECT ACLs against a real `samsa schema-registry` process and Postgres, with fetch and tenant keys: each
 * operation allowed and refused (Confluent's 40301), hosts, prefixed patterns, DENY winning (over the tenant admin
 * too; a DENY ALL on the cluster takes the admin's rights away),
 * listings filtered to what a key may see, schemas by id only through a readable subject, two tenants' bindings
 * apart (a tenant without SUBJECT bindings keeps read-all for its keys), and changes applying within the auth cache.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { eventually } from '@samsa/test-support/eventually';
import { TenantFixtures } from '@samsa/test-support/tenants';
import { basic, client, type RegistryProcess, SUPERUSER, startRegistry } from '@samsa/test-support/registry-process';

const AUTH_CACHE_TTL_MS = 300;

let db: TestDatabase;
let fixtures: TenantFixtures;
let registry: RegistryProcess;
let acmeId: string;

type Call = ReturnType<typeof client>;
const acme: Record<string, Call> = {};
const globex: Record<string, Call> = {};
let platformAdmin: Call;

const avro = (name: string, fields: unknown[]) => JSON.stringify({ type: 'record', name, fields });
const ORDER = avro('Order', [{ name: 'id', type: 'string' }]);
const ORDER_2 = avro('Order', [
  { name: 'id', type: 'string' },
  { name: 'amount', type: 'int', default: 0 },
]);
const ORDER_KEY = avro('OrderKey', [{ name: 'id', type: 'string' }]);
const ORDER_KEY_2 = avro('OrderKey', [
  { name: 'id', type: 'string' },
  { name: 'region', type: 'string', default: 'eu' },
]);
const PAYMENT = avro('Payment', [{ name: 'cents', type: 'long' }]);

before(async () => {
  db = await createTestDatabase();
  fixtures = new TenantFixtures(db.url);
  acmeId = await fixtures.tenant('acme');
  const globexId = await fixtures.tenant('globex');
  registry = await startRegistry(db.url, { SAMSA_SCHEMA_REGISTRY_AUTH_CACHE_TTL_MS: String(AUTH_CACHE_TTL_MS) });
  const keyFor = async (tenantId: string, account: string) => {
    const k = await fixtures.key(tenantId, account);
    return client(registry.url, basic(k.keyId, k.secret));
  };
  const subjectAcl = (
    account: string,
    name: string,
    operation: string,
    opts: { permission?: 'ALLOW' | 'DENY'; patternType?: 'LITERAL' | 'PREFIXED' } = {},
  ) => fixtures.acl(acmeId, `User:${account}`, 'SUBJECT', name, operation, opts);

  await fixtures.admin(acmeId, 'acme-admin');
  acme.admin = await keyFor(acmeId, 'acme-admin');
  const accounts = [
    'reader',
    'writer',
    'deleter',
    'configurer',
    'team',
    'lister',
    'nobody',
    'local',
    'remote',
    'demoted',
  ];
  for (const account of accounts) {
    acme[account] = await keyFor(acmeId, account);
  }
  await subjectAcl('reader', 'orders-value', 'READ');
  await subjectAcl('writer', 'orders-value', 'WRITE');
  await subjectAcl('deleter', 'orders-value', 'DELETE');
  await subjectAcl('configurer', 'orders-value', 'ALTER_CONFIGS');
  await subjectAcl('team', 'orders-', 'ALL', { patternType: 'PREFIXED' });
  await subjectAcl('team', 'orders-value', 'WRITE', { permission: 'DENY' });
  await subjectAcl('lister', 'pay', 'DESCRIBE', { patternType: 'PREFIXED' });
  await subjectAcl('acme-admin', 'payments-value', 'DELETE', { permission: 'DENY' });
  // A DENY ALL on the cluster takes the tenant admin's rights away.
  await fixtures.admin(acmeId, 'demoted');
  await fixtures.acl(acmeId, 'User:demoted', 'CLUSTER', 'kafka-cluster', 'ALL', { permission: 'DENY' });
  // Hosts are compared with the request's remote address, as the broker compares a connection's.
  await fixtures.acl(acmeId, 'User:local', 'SUBJECT', 'orders-value', 'READ', { host: '127.0.0.1' });
  await fixtures.acl(acmeId, 'User:remote', 'SUBJECT', 'orders-value', 'READ', { host: '10.1.2.3' });

  // globex has no SUBJECT binding; its service account `reader` shares a name with acme's.
  await fixtures.admin(globexId, 'globex-admin');
  globex.admin = await keyFor(globexId, 'globex-admin');
  globex.reader = await keyFor(globexId, 'reader');
  platformAdmin = client(registry.url, basic(SUPERUSER.name, SUPERUSER.password));

  // Schema 1 is held by orders-value and audit-value, 2 by orders-key, 3 by payments-value only.
  for (const [subject, schema] of [
    ['orders-value', ORDER],
    ['audit-value', ORDER],
    ['orders-key', ORDER_KEY],
    ['payments-value', PAYMENT],
  ]) {
    const r = await acme.admin('POST', `/subjects/${subject}/versions`, { schema });
    assert.equal(r.status, 200, `the tenant admin registers ${subject}: ${JSON.stringify(r.body)}`);
  }
  assert.deepEqual((await globex.admin('POST', '/subjects/orders-value/versions', { schema: PAYMENT })).body, {
    id: 1,
  });
});

after(async () => {
  await registry?.stop();
  await fixtures?.pool.end();
  await db?.drop();
});

function assertDenied(r: { status: number; body: any }, what: string): void {
  assert.equal(r.status, 403, `${what}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.error_code, 40301, what);
}

test('READ reads schemas, versions, lookups and compatibility of its subject, and nothing else', async () => {
  const reader = acme.reader as Call;
  assert.deepEqual((await reader('GET', '/subjects/orders-value/versions')).body, [1], 'READ implies DESCRIBE');
  assert.equal((await reader('GET', '/subjects/orders-value/versions/1')).body.schema, ORDER);
  assert.equal((await reader('POST', '/subjects/orders-value', { schema: ORDER })).body.id, 1);
  assert.deepEqual(
    (await reader('POST', '/compatibility/subjects/orders-value/versions/latest', { schema: ORDER_2 })).body,
    {
      is_compatible: true,
    },
  );
  const write = await reader('POST', '/subjects/orders-value/versions', { schema: ORDER_2 });
  assertDenied(write, 'register');
  assert.match(write.body.message, /WRITE on Subject: orders-value/);
  assert.match(write.body.message, /--resource-type subject/, 'the refusal says how to allow it');
  assertDenied(await reader('DELETE', '/subjects/orders-value/versions/1'), 'delete');
  assertDenied(await reader('PUT', '/config/orders-value', { compatibility: 'NONE' }), 'set compatibility');
  assertDenied(await reader('GET', '/config/orders-value'), 'read compatibility (DESCRIBE_CONFIGS)');
  assertDenied(await reader('GET', '/subjects/payments-value/versions/1'), 'another subject');
  assertDenied(await reader('GET', '/subjects/orders-key/versions'), 'another subject, listed');
});

test('a binding for a host applies to requests from that address only', async () => {
  assert.equal((await (acme.local as Call)('GET', '/subjects/orders-value/versions/1')).status, 200);
  assertDenied(await (acme.remote as Call)('GET', '/subjects/orders-value/versions/1'), 'from 127.0.0.1, not 10.1.2.3');
});

test('WRITE registers, ALTER_CONFIGS sets compatibility and mode, DELETE deletes, each alone', async () => {
  const writer = acme.writer as Call;
  assert.deepEqual((await writer('POST', '/subjects/orders-value/versions', { schema: ORDER_2 })).body, { id: 4 });
  assertDenied(await writer('GET', '/subjects/orders-value/versions/latest'), 'WRITE does not read');

  const configurer = acme.configurer as Call;
  assert.deepEqual((await configurer('PUT', '/config/orders-value', { compatibility: 'FULL' })).body, {
    compatibility: 'FULL',
  });
  assert.deepEqual((await configurer('GET', '/config/orders-value')).body, { compatibilityLevel: 'FULL' });
  assert.deepEqual((await configurer('PUT', '/mode/orders-value', { mode: 'READWRITE' })).body, { mode: 'READWRITE' });
  assert.equal((await configurer('DELETE', '/config/orders-value')).status, 200);
  assertDenied(await configurer('PUT', '/config', { compatibility: 'NONE' }), "the global setting is the admin's");
  assertDenied(
    await configurer('POST', '/subjects/orders-value/versions', { schema: ORDER }),
    'ALTER_CONFIGS does not write',
  );

  const deleter = acme.deleter as Call;
  assert.deepEqual((await deleter('DELETE', '/subjects/orders-value/versions/2')).body, 2);
  assert.deepEqual((await acme.reader?.('GET', '/subjects/orders-value/versions'))?.body, [1]);
  assertDenied(await deleter('DELETE', '/subjects/orders-key'), 'DELETE is for its subject only');
});

test('prefixed patterns cover every subject with the prefix, and DENY wins, over the tenant admin too', async () => {
  const team = acme.team as Call;
  assert.deepEqual((await team('POST', '/subjects/orders-key/versions', { schema: ORDER_KEY_2 })).body, { id: 5 });
  assert.equal((await team('GET', '/subjects/orders-value/versions/1')).body.schema, ORDER);
  assertDenied(await team('POST', '/subjects/orders-value/versions', { schema: ORDER_2 }), 'DENY WRITE beats ALL');
  assertDenied(await team('GET', '/subjects/payments-value/versions/1'), 'outside the prefix');

  assertDenied(await acme.admin?.('DELETE', '/subjects/payments-value'), 'the admin is denied DELETE here');
  assert.equal((await acme.admin?.('DELETE', '/subjects/audit-value/versions/1'))?.status, 200, 'and not elsewhere');
  assert.equal((await acme.admin?.('POST', '/subjects/audit-value/versions', { schema: ORDER }))?.status, 200);
  assert.deepEqual((await acme.admin?.('PUT', '/config', { compatibility: 'BACKWARD' }))?.body, {
    compatibility: 'BACKWARD',
  });
  assertDenied(await (acme.demoted as Call)('POST', '/subjects/orders-key/versions', { schema: ORDER_KEY }), 'demoted');
  assertDenied(await (acme.demoted as Call)('PUT', '/config', { compatibility: 'NONE' }), 'demoted, global');
});

test('listings show only the subjects a key may describe or read', async () => {
  const subjects = async (call: Call | undefined) => (await (call as Call)('GET', '/subjects')).body;
  assert.deepEqual(await subjects(acme.reader), ['orders-value']);
  assert.deepEqual(await subjects(acme.team), ['orders-key', 'orders-value']);
  assert.deepEqual(await subjects(acme.lister), ['payments-value'], 'DESCRIBE lists');
  assert.deepEqual(await subjects(acme.nobody), []);
  assert.deepEqual(await subjects(acme.admin), ['audit-value', 'orders-key', 'orders-value', 'payments-value']);
  const schemas = async (call: Call | undefined) =>
    ((await (call as Call)('GET', '/schemas')).body as { subject: string; version: number }[]).map(
      (s) => `${s.subject}/${s.version}`,
    );
  assert.deepEqual(await schemas(acme.reader), ['orders-value/1']);
  assert.deepEqual(await schemas(acme.lister), [], 'DESCRIBE does not read schemas');
  assertDenied(await (acme.lister as Call)('GET', '/subjects/payments-value/versions/1'), 'DESCRIBE does not read');
  assert.deepEqual((await (acme.lister as Call)('GET', '/subjects/payments-value/versions')).body, [1]);
});

test('a schema by id needs READ on a subject that holds it; its uses show only visible subjects', async () => {
  const reader = acme.reader as Call;
  assert.deepEqual((await reader('GET', '/schemas/ids/1')).body, { schema: ORDER });
  assert.equal((await reader('GET', '/schemas/ids/1/schema')).body.name, 'Order');
  assert.deepEqual((await reader('GET', '/schemas/ids/1/subjects')).body, ['orders-value'], 'audit-value is hidden');
  assert.deepEqual((await reader('GET', '/schemas/ids/1/versions')).body, [{ subject: 'orders-value', version: 1 }]);
  assertDenied(await reader('GET', '/schemas/ids/3'), 'held by payments-value only');
  assertDenied(await reader('GET', '/schemas/ids/3/versions'), 'its uses too');
  assertDenied(await (acme.lister as Call)('GET', '/schemas/ids/3'), 'DESCRIBE is not READ');
  assert.equal((await reader('GET', '/schemas/ids/999')).body.error_code, 40403, 'an unknown id is still 40403');
  assert.deepEqual((await (acme.admin as Call)('GET', '/schemas/ids/1/subjects')).body, [
    'audit-value',
    'orders-value',
  ]);
});

test("two tenants: acme's bindings do not reach globex, whose keys keep read-all while it has no SUBJECT binding", async () => {
  const reader = globex.reader as Call;
  assert.deepEqual((await reader('GET', '/subjects')).body, ['orders-value']);
  assert.deepEqual((await reader('GET', '/schemas/ids/1')).body, { schema: PAYMENT }, "globex's id 1, not acme's");
  assert.deepEqual((await reader('GET', '/config/orders-value?defaultToGlobal=true')).body, {
    compatibilityLevel: 'BACKWARD',
  });
  assertDenied(await reader('POST', '/subjects/orders-value/versions', { schema: PAYMENT }), 'reads only');
  assertDenied(await reader('DELETE', '/subjects/orders-value'), 'reads only');
  assertDenied(await (acme.nobody as Call)('GET', '/subjects/orders-value/versions'), 'acme has bindings: none here');
  assert.deepEqual((await platformAdmin('GET', '/contexts/.acme/subjects/payments-value/versions')).body, [1]);
});

test('bindings added or removed apply within the auth cache TTL', async () => {
  const nobody = acme.nobody as Call;
  await fixtures.acl(acmeId, 'User:nobody', 'SUBJECT', 'payments-value', 'READ');
  await eventually(
    async () => (await nobody('GET', '/subjects/payments-value/versions/1')).status === 200,
    'the new binding to apply',
  );
  await fixtures.pool.query(`DELETE FROM "AclBinding" WHERE principal = 'User:nobody'`);
  await eventually(
    async () => (await nobody('GET', '/subjects/payments-value/versions/1')).status === 403,
    'the removed binding to stop applying',
  );
});
