/**
 * The Schemas API against a real `samsa schema-registry` process, a real broker with tenancy and Postgres: register
 * with the compatibility check first (409 with the registry's reasons), check only, the topics a subject names,
 * compatibility levels per subject and per tenant, soft then permanent deletes, roles and tenants, the audit log,
 * and a clear 503 when the registry is not there.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, seedUser } from './helpers.ts';
import { type SchemaHub, startSchemaHub } from './schema-hub.ts';

const ACME = { tenant: 'acme' };
const GLOBEX = { tenant: 'globex' };
const SUBJECT = { ...ACME, subject: 'orders-value' };

let hub: SchemaHub;
let admin: string;
let member: string;
let outsider: string;

const avro = (fields: object[]) => JSON.stringify({ type: 'record', name: 'Order', fields });
const V1 = avro([{ name: 'id', type: 'string' }]);
/** A new field without a default: readers of v2 cannot read v1's records (BACKWARD refuses it). */
const BREAKING = avro([
  { name: 'id', type: 'string' },
  { name: 'amount', type: 'int' },
]);
const V2 = avro([
  { name: 'id', type: 'string' },
  { name: 'note', type: 'string', default: '' },
]);

before(async () => {
  hub = await startSchemaHub();
  const ids: Record<string, string> = {};
  for (const slug of [ACME.tenant, GLOBEX.tenant]) {
    const res = await call('/tenants', 'POST', {}, { token: hub.admin, body: { slug, displayName: slug } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    ids[slug] = res.body.id;
  }
  const topic = await call('/tenants/{tenant}/topics', 'POST', ACME, {
    token: hub.admin,
    body: { name: 'orders', partitions: 1 },
  });
  assert.equal(topic.status, 201, JSON.stringify(topic.body));
  const as = (email: string, tenantId: string, role: 'TENANT_ADMIN' | 'TENANT_MEMBER') =>
    seedUser(email, { memberships: [{ tenantId, role }] }).then((u) => u.token);
  admin = await as('ann@acme.example', ids.acme as string, 'TENANT_ADMIN');
  member = await as('mo@acme.example', ids.acme as string, 'TENANT_MEMBER');
  outsider = await as('gus@globex.example', ids.globex as string, 'TENANT_ADMIN');
});
after(async () => {
  await hub?.close();
});

const register = (schema: string, token = admin, params = SUBJECT) =>
  call('/tenants/{tenant}/schemas/{subject}/versions', 'POST', params, { token, body: { schema } });

test('register runs the compatibility check first: an incompatible schema gets 409 with the reasons', async () => {
  const first = await register(V1);
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.deepEqual(first.body, { subject: 'orders-value', id: 1, version: 1, created: true });
  const again = await register(V1);
  assert.equal(again.status, 200, 'the same schema again is not a new version');
  assert.deepEqual(again.body, { subject: 'orders-value', id: 1, version: 1, created: false });

  const check = await call('/tenants/{tenant}/schemas/{subject}/check', 'POST', SUBJECT, {
    token: member,
    body: { schema: BREAKING, schemaType: 'AVRO' },
  });
  assert.equal(check.status, 200, JSON.stringify(check.body));
  assert.equal(check.body.compatible, false);
  assert.equal(check.body.compatibility, 'BACKWARD');
  assert.deepEqual(check.body.checkedAgainst, [1]);
  assert.ok(
    check.body.messages.some((m: string) => m.includes('amount')),
    JSON.stringify(check.body.messages),
  );

  const refused = await register(BREAKING);
  assert.equal(refused.status, 409, JSON.stringify(refused.body));
  assert.equal(refused.body.error.code, 'conflict');
  assert.match(refused.body.error.message, /incompatible with version 1 of 'orders-value' under BACKWARD/);
  assert.deepEqual(refused.body.error.fieldErrors.schema, check.body.messages);

  const fine = await call('/tenants/{tenant}/schemas/{subject}/check', 'POST', SUBJECT, {
    token: member,
    body: { schema: V2 },
  });
  assert.deepEqual(fine.body, { compatible: true, messages: [], compatibility: 'BACKWARD', checkedAgainst: [1] });
  const second = await register(V2);
  assert.equal(second.status, 201, JSON.stringify(second.body));
  assert.equal(second.body.version, 2);

  const invalid = await register('{"type": "record", "name": "Broken"');
  assert.equal(invalid.status, 400, JSON.stringify(invalid.body));
  assert.equal(invalid.body.error.code, 'validation_failed');
  assert.match(invalid.body.error.fieldErrors.schema[0], /Invalid schema/);
});

test('the list and the subject page show versions, format, level and the topic that uses the subject', async () => {
  const proto = await call(
    '/tenants/{tenant}/schemas/{subject}/versions',
    'POST',
    { ...ACME, subject: 'payments-key' },
    { token: admin, body: { schema: 'syntax = "proto3";\nmessage Key { string id = 1; }', schemaType: 'PROTOBUF' } },
  );
  assert.equal(proto.status, 201, JSON.stringify(proto.body));

  const list = await call('/tenants/{tenant}/schemas', 'GET', ACME, { token: member });
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.equal(list.body.topicsError, null);
  assert.equal(list.body.compatibility, 'BACKWARD');
  const bySubject = Object.fromEntries(list.body.subjects.map((s: { subject: string }) => [s.subject, s]));
  assert.deepEqual(bySubject['orders-value'], {
    subject: 'orders-value',
    latestVersion: 2,
    latestId: 2,
    schemaType: 'AVRO',
    compatibility: 'BACKWARD',
    compatibilityOwn: false,
    deleted: false,
    topics: [{ topic: 'orders', part: 'value' }],
  });
  assert.equal(bySubject['payments-key'].schemaType, 'PROTOBUF');
  assert.deepEqual(bySubject['payments-key'].topics, [], 'there is no topic payments');

  const detail = await call('/tenants/{tenant}/schemas/{subject}', 'GET', SUBJECT, { token: member });
  assert.equal(detail.status, 200, JSON.stringify(detail.body));
  assert.deepEqual(
    detail.body.versions.map((v: { version: number; id: number; deleted: boolean }) => [v.version, v.id, v.deleted]),
    [
      [1, 1, false],
      [2, 2, false],
    ],
  );
  assert.equal(JSON.parse(detail.body.versions[1].schema).fields[1].name, 'note');
  const latest = await call(
    '/tenants/{tenant}/schemas/{subject}/versions/{version}',
    'GET',
    {
      ...SUBJECT,
      version: 'latest',
    },
    { token: member },
  );
  assert.equal(latest.body.version, 2);
  const bad = await call(
    '/tenants/{tenant}/schemas/{subject}/versions/{version}',
    'GET',
    {
      ...SUBJECT,
      version: 'first',
    },
    { token: member },
  );
  assert.equal(bad.status, 400);
});

test('members read and check but do not write; another tenant sees 404 and only its own subjects', async () => {
  const byMember = await register(V2, member);
  assert.equal(byMember.status, 403);
  assert.equal(byMember.body.error.code, 'forbidden');
  for (const [path, method, body] of [
    ['/tenants/{tenant}/schemas/{subject}', 'DELETE', undefined],
    ['/tenants/{tenant}/schemas/{subject}/config', 'PUT', { compatibility: 'NONE' }],
    ['/tenants/{tenant}/schema-config', 'PUT', { compatibility: 'NONE' }],
  ] as const) {
    const res = await call(path, method, SUBJECT, { token: member, body });
    assert.equal(res.status, 403, `${method} ${path}`);
  }

  for (const path of ['/tenants/{tenant}/schemas', '/tenants/{tenant}/schemas/{subject}']) {
    const res = await call(path, 'GET', SUBJECT, { token: outsider });
    assert.equal(res.status, 404, path);
    assert.doesNotMatch(JSON.stringify(res.body), /Order/);
  }
  const notTheirs = await call(
    '/tenants/{tenant}/schemas/{subject}',
    'GET',
    { ...GLOBEX, subject: 'orders-value' },
    {
      token: outsider,
    },
  );
  assert.equal(notTheirs.status, 404, 'globex has no subject orders-value');
  assert.equal(notTheirs.body.error.code, 'not_found');

  const own = await register(avro([{ name: 'sku', type: 'string' }]), outsider, { ...GLOBEX, subject: 'orders-value' });
  assert.equal(own.status, 201, JSON.stringify(own.body));
  assert.equal(own.body.id, 1, 'ids are per tenant');
  const theirs = await call(
    '/tenants/{tenant}/schemas/{subject}',
    'GET',
    { ...GLOBEX, subject: 'orders-value' },
    {
      token: outsider,
    },
  );
  assert.equal(theirs.body.versions.length, 1);
  assert.match(theirs.body.versions[0].schema, /sku/);
});

test("the tenant's schema quota (set in the console) refuses one subject too many with what to do", async () => {
  const set = await call('/tenants/{tenant}/quota', 'PUT', GLOBEX, {
    token: hub.admin,
    body: { maxSchemaSubjects: 1 },
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.equal(set.body.maxSchemaSubjects, 1);
  assert.equal(set.body.maxSchemaVersions, null, "null: the registry's default");
  const over = await register(avro([{ name: 'sku', type: 'string' }]), outsider, { ...GLOBEX, subject: 'stock-value' });
  assert.equal(over.status, 422, JSON.stringify(over.body));
  assert.equal(over.body.error.code, 'quota_exceeded');
  assert.match(over.body.error.message, /maxSchemaSubjects is 1.*ask a platform admin to raise the quota/);
});

test('compatibility levels per subject and per tenant decide what registers', async () => {
  const none = await call('/tenants/{tenant}/schemas/{subject}/config', 'PUT', SUBJECT, {
    token: admin,
    body: { compatibility: 'NONE' },
  });
  assert.equal(none.status, 200, JSON.stringify(none.body));
  assert.deepEqual(none.body, { subject: 'orders-value', compatibility: 'NONE', compatibilityOwn: true });
  const breaking = await register(BREAKING);
  assert.equal(breaking.status, 201, 'NONE checks nothing');
  assert.equal(breaking.body.version, 3);

  const inherit = await call('/tenants/{tenant}/schemas/{subject}/config', 'PUT', SUBJECT, {
    token: admin,
    body: { compatibility: null },
  });
  assert.deepEqual(inherit.body, { subject: 'orders-value', compatibility: 'BACKWARD', compatibilityOwn: false });

  const full = await call('/tenants/{tenant}/schema-config', 'PUT', ACME, {
    token: admin,
    body: { compatibility: 'FULL_TRANSITIVE' },
  });
  assert.deepEqual(full.body, { compatibility: 'FULL_TRANSITIVE' });
  const read = await call('/tenants/{tenant}/schemas/{subject}/config', 'GET', SUBJECT, { token: member });
  assert.deepEqual(read.body, { subject: 'orders-value', compatibility: 'FULL_TRANSITIVE', compatibilityOwn: false });
  const check = await call('/tenants/{tenant}/schemas/{subject}/check', 'POST', SUBJECT, {
    token: member,
    body: { schema: V1 },
  });
  assert.deepEqual(check.body.checkedAgainst, [1, 2, 3], 'transitive levels check every version');
  const bad = await call('/tenants/{tenant}/schema-config', 'PUT', ACME, {
    token: admin,
    body: { compatibility: 'SIDEWAYS' },
  });
  assert.equal(bad.status, 400);
  assert.ok(bad.body.error.fieldErrors.compatibility);
  await call('/tenants/{tenant}/schema-config', 'PUT', ACME, { token: admin, body: { compatibility: 'BACKWARD' } });
});

test('deletes are soft first, then permanent; each change is in the audit log', async () => {
  const early = await call('/tenants/{tenant}/schemas/{subject}', 'DELETE', SUBJECT, {
    token: admin,
    query: { permanent: 'true' },
  });
  assert.equal(early.status, 409, JSON.stringify(early.body));
  assert.match(early.body.error.message, /soft delete first/);

  const v3 = await call(
    '/tenants/{tenant}/schemas/{subject}/versions/{version}',
    'DELETE',
    { ...SUBJECT, version: '3' },
    {
      token: admin,
    },
  );
  assert.deepEqual(v3.body, { subject: 'orders-value', versions: [3], permanent: false });
  const detail = await call('/tenants/{tenant}/schemas/{subject}', 'GET', SUBJECT, { token: member });
  assert.deepEqual(
    detail.body.versions.map((v: { deleted: boolean }) => v.deleted),
    [false, false, true],
  );

  const soft = await call('/tenants/{tenant}/schemas/{subject}', 'DELETE', SUBJECT, { token: admin });
  assert.deepEqual(soft.body, { subject: 'orders-value', versions: [1, 2], permanent: false });
  const listed = await call('/tenants/{tenant}/schemas', 'GET', ACME, { token: member });
  const entry = listed.body.subjects.find((s: { subject: string }) => s.subject === 'orders-value');
  assert.equal(entry.deleted, true);

  const twice = await call('/tenants/{tenant}/schemas/{subject}', 'DELETE', SUBJECT, { token: admin });
  assert.equal(twice.status, 409);
  assert.match(twice.body.error.message, /permanent=true/);
  const gone = await call('/tenants/{tenant}/schemas/{subject}', 'DELETE', SUBJECT, {
    token: admin,
    query: { permanent: 'true' },
  });
  assert.equal(gone.status, 200, JSON.stringify(gone.body));
  assert.equal(gone.body.permanent, true);
  const after = await call('/tenants/{tenant}/schemas/{subject}', 'GET', SUBJECT, { token: member });
  assert.equal(after.status, 404);

  const auditLog = await call('/tenants/{tenant}/audit', 'GET', ACME, { token: admin, query: { limit: '200' } });
  const actions = auditLog.body.map((e: { action: string; targetId: string }) => `${e.action} ${e.targetId}`);
  for (const expected of [
    'schema.register orders-value',
    'schema.register payments-key',
    'schema.compatibility orders-value',
    'schema.compatibility acme',
    'schema.delete_version orders-value',
    'schema.delete orders-value',
  ]) {
    assert.ok(actions.includes(expected), `${expected} in ${actions.join(', ')}`);
  }
  assert.equal(actions.filter((a: string) => a === 'schema.register orders-value').length, 3, 'not the re-register');
});

test('without the registry the console answers 503 with what to do', async () => {
  const url = process.env.SAMSA_SCHEMA_REGISTRY_URL;
  process.env.SAMSA_SCHEMA_REGISTRY_URL = 'http://127.0.0.1:1';
  try {
    const res = await call('/tenants/{tenant}/schemas', 'GET', ACME, { token: member });
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'schema_registry_unavailable');
    assert.match(res.body.error.message, /did not answer.*samsa start/);
  } finally {
    process.env.SAMSA_SCHEMA_REGISTRY_URL = url;
  }
});
