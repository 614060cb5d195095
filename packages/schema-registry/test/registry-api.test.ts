/**
 * The REST API against a real `samsa schema-registry` process and Postgres, with fetch, as Confluent's docs show
 * it with curl: registration (idempotent), lookups, versions, schemas by id, Confluent's error codes and bodies,
 * compatibility refusals (409), soft and permanent deletes, settings, tenancy (two tenants with the same subject
 * names, member keys read-only, the platform admin through contexts), quotas and bounds, and ids that survive a
 * restart.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { eventually } from '@samsa/test-support/eventually';
import { type TestKey, TenantFixtures } from '@samsa/test-support/tenants';
import { basic, client, type RegistryProcess, SUPERUSER, startRegistry } from '@samsa/test-support/registry-process';

let db: TestDatabase;
let fixtures: TenantFixtures;
let registry: RegistryProcess;
let acmeAdmin: TestKey;
let acmeMember: TestKey;
let globexAdmin: TestKey;
let tinyAdmin: TestKey;

const avro = (fields: unknown[], name = 'Order') => JSON.stringify({ type: 'record', name, fields });
const V1 = avro([{ name: 'id', type: 'string' }]);
const V2 = avro([
  { name: 'id', type: 'string' },
  { name: 'amount', type: 'int', default: 0 },
]);
const NO_DEFAULT = avro([
  { name: 'id', type: 'string' },
  { name: 'customer', type: 'string' },
]);

type Call = ReturnType<typeof client>;
let acme: Call;
let acmeRead: Call;
let globex: Call;
let admin: Call;

before(async () => {
  db = await createTestDatabase();
  fixtures = new TenantFixtures(db.url);
  const acmeId = await fixtures.tenant('acme');
  const globexId = await fixtures.tenant('globex');
  const tinyId = await fixtures.tenant('tiny', { maxSchemaSubjects: 1, maxSchemaVersions: 2 });
  acmeAdmin = await fixtures.adminKey(acmeId, 'acme-admin');
  acmeMember = await fixtures.key(acmeId, 'acme-reader');
  globexAdmin = await fixtures.adminKey(globexId, 'globex-admin');
  tinyAdmin = await fixtures.adminKey(tinyId, 'tiny-admin');
  registry = await startRegistry(db.url, { SAMSA_SCHEMA_REGISTRY_MAX_REQUEST_BYTES: String(64 * 1024) });
  acme = client(registry.url, basic(acmeAdmin.keyId, acmeAdmin.secret));
  acmeRead = client(registry.url, basic(acmeMember.keyId, acmeMember.secret));
  globex = client(registry.url, basic(globexAdmin.keyId, globexAdmin.secret));
  admin = client(registry.url, basic(SUPERUSER.name, SUPERUSER.password));
});

after(async () => {
  await registry?.stop();
  await fixtures?.pool.end();
  await db?.drop();
});

test('registration is idempotent and the schema reads back by subject, version and id', async () => {
  const first = await acme('POST', '/subjects/orders-value/versions', { schema: V1 });
  assert.equal(first.status, 200);
  assert.equal(first.type, 'application/vnd.schemaregistry.v1+json');
  assert.deepEqual(first.body, { id: 1 });
  const again = await acme('POST', '/subjects/orders-value/versions', { schema: V1, schemaType: 'AVRO' });
  assert.deepEqual(again.body, { id: 1 }, 'the same schema again gets the same id and no new version');
  assert.deepEqual((await acme('GET', '/subjects/orders-value/versions')).body, [1]);

  const v2 = await acme('POST', '/subjects/orders-value/versions', { schema: V2 });
  assert.deepEqual(v2.body, { id: 2 });
  const latest = await acme('GET', '/subjects/orders-value/versions/latest');
  assert.deepEqual(latest.body, { subject: 'orders-value', version: 2, id: 2, schema: V2 });
  assert.deepEqual((await acme('GET', '/subjects/orders-value/versions/1')).body.schema, V1);
  assert.deepEqual((await acme('GET', '/schemas/ids/1')).body, { schema: V1 });
  const raw = await acme('GET', '/schemas/ids/2/schema');
  assert.deepEqual(raw.body, JSON.parse(V2));
  assert.deepEqual((await acme('GET', '/schemas/ids/2/versions')).body, [{ subject: 'orders-value', version: 2 }]);
  assert.deepEqual((await acme('GET', '/schemas/ids/2/subjects')).body, ['orders-value']);
  assert.deepEqual((await acme('GET', '/schemas/types')).body.sort(), ['AVRO', 'JSON', 'PROTOBUF']);
  assert.deepEqual((await acme('GET', '/subjects')).body, ['orders-value']);

  // The same schema under another subject keeps its id.
  assert.deepEqual((await acme('POST', '/subjects/orders-copy-value/versions', { schema: V1 })).body, { id: 1 });

  const found = await acme('POST', '/subjects/orders-value', { schema: V1 });
  assert.deepEqual(found.body, { subject: 'orders-value', version: 1, id: 1, schema: V1 });
  // Whitespace does not make another schema.
  const spaced = await acme('POST', '/subjects/orders-value', { schema: JSON.stringify(JSON.parse(V1), null, 2) });
  assert.equal(spaced.body.id, 1);
});

test("errors carry Confluent's codes and bodies", async () => {
  const cases: [string, string, unknown, number, number][] = [
    ['GET', '/subjects/nope/versions', undefined, 404, 40401],
    ['GET', '/subjects/orders-value/versions/99', undefined, 404, 40402],
    ['GET', '/subjects/orders-value/versions/abc', undefined, 422, 42202],
    ['GET', '/subjects/orders-value/versions/0', undefined, 422, 42202],
    ['GET', '/schemas/ids/999', undefined, 404, 40403],
    ['POST', '/subjects/orders-value', { schema: NO_DEFAULT }, 404, 40403],
    ['POST', '/subjects/nope', { schema: V1 }, 404, 40401],
    [
      'POST',
      '/subjects/bad-value/versions',
      { schema: '{"type":"record","name":"X","fields":[{"name":"a"}]}' },
      422,
      42201,
    ],
    ['POST', '/subjects/bad-value/versions', { schema: 'not json {' }, 422, 42201],
    ['POST', '/subjects/bad-value/versions', { schema: V1, schemaType: 'XML' }, 422, 42201],
    ['POST', '/subjects/bad-value/versions', { schemaType: 'AVRO' }, 422, 42201],
    ['PUT', '/config', { compatibility: 'SIDEWAYS' }, 422, 42203],
    ['PUT', '/mode', { mode: 'WRITEONLY' }, 422, 42204],
    ['GET', '/config/orders-value', undefined, 404, 40408],
    ['GET', '/mode/orders-value', undefined, 404, 40409],
    ['POST', '/subjects/bad-value/versions', [1, 2], 422, 422],
    ['POST', '/subjects/bad-value/versions', { schema: 42 }, 422, 42201],
    ['POST', '/subjects/bad-value/versions', { schema: V1, references: [{ name: 'x' }] }, 422, 422],
    [
      'POST',
      '/subjects/bad-value/versions',
      { schema: V1, references: [{ name: 'x', subject: 'nope', version: 1 }] },
      422,
      42201,
    ],
    ['POST', '/subjects/bad-value/versions', '{"schema": ', 400, 400],
    ['POST', `/subjects/${'s'.repeat(300)}/versions`, { schema: V1 }, 422, 42208],
    ['POST', '/subjects/a%00b/versions', { schema: V1 }, 422, 42208],
    ['GET', '/subjects/%E0%A4%A/versions', undefined, 400, 400],
    ['GET', '/no/such/route', undefined, 404, 404],
    ['PATCH', '/subjects', undefined, 405, 405],
  ];
  for (const [method, path, body, status, code] of cases) {
    const res = await acme(method, path, body);
    assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error_code, code, `${method} ${path}`);
    assert.equal(typeof res.body.message, 'string');
  }
});

test('an incompatible schema is refused with 409 and the check endpoint says why', async () => {
  const refused = await acme('POST', '/subjects/orders-value/versions', { schema: NO_DEFAULT });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error_code, 409);
  assert.match(
    refused.body.message,
    /Schema being registered is incompatible with an earlier schema for subject "orders-value"/,
  );
  assert.match(refused.body.message, /customer/);
  assert.deepEqual((await acme('GET', '/subjects/orders-value/versions')).body, [1, 2], 'nothing was added');

  const check = await acme('POST', '/compatibility/subjects/orders-value/versions/latest?verbose=true', {
    schema: NO_DEFAULT,
  });
  assert.equal(check.body.is_compatible, false);
  assert.ok(check.body.messages.length > 0);
  const fresh = await acme('POST', '/compatibility/subjects/brand-new/versions/latest', { schema: NO_DEFAULT });
  assert.deepEqual(fresh.body, { is_compatible: true }, 'a subject without versions has nothing to break');
  assert.equal(
    (await acme('POST', '/compatibility/subjects/brand-new/versions/1', { schema: V1 })).body.error_code,
    40401,
  );
  const ok = await acme('POST', '/compatibility/subjects/orders-value/versions/latest', { schema: V2 });
  assert.deepEqual(ok.body, { is_compatible: true });

  // FORWARD on this subject: dropping a field without a default breaks old readers; adding one is fine.
  assert.deepEqual((await acme('PUT', '/config/orders-value', { compatibility: 'FORWARD' })).body, {
    compatibility: 'FORWARD',
  });
  assert.deepEqual((await acme('GET', '/config/orders-value')).body, { compatibilityLevel: 'FORWARD' });
  assert.deepEqual((await acme('GET', '/config')).body, { compatibilityLevel: 'BACKWARD' });
  const dropId = avro([{ name: 'amount', type: 'int', default: 0 }]);
  assert.equal((await acme('POST', '/subjects/orders-value/versions', { schema: dropId })).status, 409);
  assert.deepEqual((await acme('DELETE', '/config/orders-value')).body, { compatibilityLevel: 'FORWARD' });
  assert.deepEqual((await acme('GET', '/config/orders-value?defaultToGlobal=true')).body, {
    compatibilityLevel: 'BACKWARD',
  });

  // NONE lets anything through.
  await acme('PUT', '/config/orders-copy-value', { compatibility: 'NONE' });
  assert.equal((await acme('POST', '/subjects/orders-copy-value/versions', { schema: NO_DEFAULT })).status, 200);
});

test('soft delete, then permanent delete, with the 4040x codes in between', async () => {
  await acme('POST', '/subjects/temp-value/versions', { schema: V1 });
  await acme('POST', '/subjects/temp-value/versions', { schema: V2 });
  assert.equal((await acme('DELETE', '/subjects/temp-value/versions/1?permanent=true')).body.error_code, 40407);
  assert.deepEqual((await acme('DELETE', '/subjects/temp-value/versions/1')).body, 1);
  assert.equal((await acme('DELETE', '/subjects/temp-value/versions/1')).body.error_code, 40406);
  assert.equal((await acme('GET', '/subjects/temp-value/versions/1')).body.error_code, 40402);
  assert.equal((await acme('GET', '/subjects/temp-value/versions/1?deleted=true')).body.version, 1);
  assert.deepEqual((await acme('GET', '/subjects/temp-value/versions?deleted=true')).body, [1, 2]);

  assert.equal((await acme('DELETE', '/subjects/temp-value?permanent=true')).body.error_code, 40405);
  assert.deepEqual((await acme('DELETE', '/subjects/temp-value')).body, [2]);
  assert.equal((await acme('DELETE', '/subjects/temp-value')).body.error_code, 40404);
  assert.equal((await acme('GET', '/subjects/temp-value/versions')).body.error_code, 40401);
  assert.ok(!(await acme('GET', '/subjects')).body.includes('temp-value'));
  assert.ok((await acme('GET', '/subjects?deleted=true')).body.includes('temp-value'));
  assert.deepEqual((await acme('DELETE', '/subjects/temp-value?permanent=true')).body, [1, 2]);
  assert.equal((await acme('GET', '/subjects/temp-value/versions?deleted=true')).body.error_code, 40401);
  // The ids stay with their content: registering again gets the same id, as version 1 of a new subject.
  assert.deepEqual((await acme('POST', '/subjects/temp-value/versions', { schema: V1 })).body, { id: 1 });
  assert.deepEqual((await acme('GET', '/subjects/temp-value/versions')).body, [1]);
});

test('references: a schema using a named type of another subject, which cannot be deleted while used', async () => {
  const address = JSON.stringify({
    type: 'record',
    name: 'Address',
    namespace: 'acme',
    fields: [{ name: 'city', type: 'string' }],
  });
  const addressId = (await acme('POST', '/subjects/address/versions', { schema: address })).body.id;
  const customer = JSON.stringify({
    type: 'record',
    name: 'Customer',
    namespace: 'acme',
    fields: [{ name: 'address', type: 'acme.Address' }],
  });
  const missing = await acme('POST', '/subjects/customer-value/versions', { schema: customer });
  assert.equal(missing.body.error_code, 42201, 'without the reference the type is unknown');
  const refs = [{ name: 'acme.Address', subject: 'address', version: 1 }];
  const registered = await acme('POST', '/subjects/customer-value/versions', { schema: customer, references: refs });
  assert.equal(registered.status, 200, JSON.stringify(registered.body));
  const got = await acme('GET', '/subjects/customer-value/versions/1');
  assert.deepEqual(got.body.references, refs);
  assert.deepEqual((await acme('GET', '/subjects/address/versions/1/referencedby')).body, [registered.body.id]);
  assert.notEqual(addressId, registered.body.id);
  const del = await acme('DELETE', '/subjects/address');
  assert.equal(del.status, 422);
  assert.equal(del.body.error_code, 42206);
});

test('references between Protobuf files and between JSON schemas', async () => {
  const money = 'syntax = "proto3";\npackage shared;\nmessage Money {\n  int64 cents = 1;\n  string currency = 2;\n}\n';
  assert.equal(
    (await acme('POST', '/subjects/money.proto/versions', { schema: money, schemaType: 'PROTOBUF' })).status,
    200,
  );
  const invoice =
    'syntax = "proto3";\npackage billing;\nimport "money.proto";\nmessage Invoice {\n  string id = 1;\n  shared.Money total = 2;\n}\n';
  const noRef = await acme('POST', '/subjects/invoices-value/versions', { schema: invoice, schemaType: 'PROTOBUF' });
  assert.equal(noRef.body.error_code, 42201, 'an import without its reference is refused');
  const refs = [{ name: 'money.proto', subject: 'money.proto', version: 1 }];
  const withRef = await acme('POST', '/subjects/invoices-value/versions', {
    schema: invoice,
    schemaType: 'PROTOBUF',
    references: refs,
  });
  assert.equal(withRef.status, 200, JSON.stringify(withRef.body));
  const changed = invoice.replace('shared.Money total = 2;', 'string total = 2;');
  const refused = await acme('POST', '/subjects/invoices-value/versions', {
    schema: changed,
    schemaType: 'PROTOBUF',
    references: refs,
  });
  assert.equal(refused.status, 409, 'a message field turned string is refused');

  const address = JSON.stringify({ type: 'object', properties: { city: { type: 'string' } } });
  assert.equal(
    (await acme('POST', '/subjects/address.json/versions', { schema: address, schemaType: 'JSON' })).status,
    200,
  );
  const person = JSON.stringify({ type: 'object', properties: { home: { $ref: 'address.json' } } });
  const jsonRefs = [{ name: 'address.json', subject: 'address.json', version: 1 }];
  const pj = await acme('POST', '/subjects/person-value/versions', {
    schema: person,
    schemaType: 'JSON',
    references: jsonRefs,
  });
  assert.equal(pj.status, 200, JSON.stringify(pj.body));
  assert.deepEqual((await acme('GET', '/subjects/person-value/versions/1')).body.references, jsonRefs);
});

test('Protobuf and JSON Schema register, and a breaking change of each is refused', async () => {
  const proto1 = 'syntax = "proto3";\npackage acme;\nmessage Payment {\n  string id = 1;\n  int64 cents = 2;\n}\n';
  const proto2 =
    'syntax = "proto3";\npackage acme;\nmessage Payment {\n  string id = 1;\n  int64 cents = 2;\n  string note = 3;\n}\n';
  const protoBad = 'syntax = "proto3";\npackage acme;\nmessage Payment {\n  string id = 1;\n  string cents = 2;\n}\n';
  const p1 = await acme('POST', '/subjects/payments-value/versions', { schema: proto1, schemaType: 'PROTOBUF' });
  assert.equal(p1.status, 200, JSON.stringify(p1.body));
  assert.equal(
    (await acme('POST', '/subjects/payments-value/versions', { schema: proto2, schemaType: 'PROTOBUF' })).status,
    200,
  );
  const pBad = await acme('POST', '/subjects/payments-value/versions', { schema: protoBad, schemaType: 'PROTOBUF' });
  assert.equal(pBad.status, 409);
  assert.match(pBad.body.message, /cents/);
  assert.equal((await acme('GET', '/subjects/payments-value/versions/1')).body.schemaType, 'PROTOBUF');
  const badProto = await acme('POST', '/subjects/p2/versions', { schema: 'message {', schemaType: 'PROTOBUF' });
  assert.equal(badProto.body.error_code, 42201);

  const json1 = JSON.stringify({
    type: 'object',
    properties: { id: { type: 'string' } },
    required: ['id'],
    additionalProperties: false,
  });
  const json2 = JSON.stringify({
    type: 'object',
    properties: { id: { type: 'string' }, qty: { type: 'integer' } },
    required: ['id'],
    additionalProperties: false,
  });
  const jsonBad = JSON.stringify({
    type: 'object',
    properties: { id: { type: 'string' }, qty: { type: 'integer' } },
    required: ['id', 'qty'],
    additionalProperties: false,
  });
  assert.equal(
    (await acme('POST', '/subjects/items-value/versions', { schema: json1, schemaType: 'JSON' })).status,
    200,
  );
  assert.equal(
    (await acme('POST', '/subjects/items-value/versions', { schema: json2, schemaType: 'JSON' })).status,
    200,
  );
  const jBad = await acme('POST', '/subjects/items-value/versions', { schema: jsonBad, schemaType: 'JSON' });
  assert.equal(jBad.status, 409);
  assert.match(jBad.body.message, /qty/);
  const invalidJson = await acme('POST', '/subjects/items2/versions', {
    schema: JSON.stringify({ type: 'object', properties: { a: { type: 'strnig' } } }),
    schemaType: 'JSON',
  });
  assert.equal(invalidJson.body.error_code, 42201);
});

test('tenants are isolated: same subject names, own ids, nothing of the other visible', async () => {
  assert.deepEqual((await globex('GET', '/subjects')).body, []);
  assert.equal((await globex('GET', '/schemas/ids/1')).body.error_code, 40403, "acme's id 1 is not globex's");
  assert.equal((await globex('GET', '/subjects/orders-value/versions')).body.error_code, 40401);
  const other = avro([{ name: 'sku', type: 'long' }], 'Item');
  assert.deepEqual((await globex('POST', '/subjects/orders-value/versions', { schema: other })).body, { id: 1 });
  assert.deepEqual((await globex('GET', '/schemas/ids/1')).body, { schema: other });
  assert.deepEqual((await acme('GET', '/schemas/ids/1')).body, { schema: V1 }, "acme's id 1 is unchanged");
  // A tenant cannot reach another through a context.
  assert.equal((await globex('GET', '/contexts/.acme/subjects')).status, 403);
  assert.equal((await globex('GET', '/subjects/:.acme:orders-value/versions')).body.error_code, 40401);
  assert.equal((await globex('POST', '/subjects/:.acme:x/versions', { schema: V1 })).body.error_code, 42208);
  assert.deepEqual((await globex('GET', '/config')).body, { compatibilityLevel: 'BACKWARD' });
});

test('member keys read, admin keys write; bad credentials get 401', async () => {
  assert.deepEqual((await acmeRead('GET', '/subjects/orders-value/versions')).body, [1, 2]);
  const write = await acmeRead('POST', '/subjects/orders-value/versions', { schema: V2 });
  assert.equal(write.status, 403);
  assert.equal(write.body.error_code, 40301);
  assert.equal((await acmeRead('PUT', '/config', { compatibility: 'NONE' })).status, 403);
  assert.equal((await acmeRead('DELETE', '/subjects/orders-value')).status, 403);
  const wrong = await client(registry.url, basic(acmeAdmin.keyId, 'not-the-secret'))('GET', '/subjects');
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error_code, 401);
  assert.equal((await client(registry.url, '')('GET', '/subjects')).status, 401);
  assert.equal((await client(registry.url, basic(SUPERUSER.name, 'wrong'))('GET', '/subjects')).status, 401);
});

test('the platform admin sees every tenant through contexts', async () => {
  const all = (await admin('GET', '/subjects')).body as string[];
  assert.ok(all.includes(':.acme:orders-value'));
  assert.ok(all.includes(':.globex:orders-value'));
  assert.deepEqual((await admin('GET', '/contexts/.globex/subjects')).body, ['orders-value']);
  assert.deepEqual((await admin('GET', '/subjects/:.acme:orders-value/versions')).body, [1, 2]);
  assert.deepEqual((await admin('GET', '/contexts/.acme/schemas/ids/2')).body, { schema: V2 });
});

test('mode READONLY refuses writes; quotas and sizes are bounded', async () => {
  assert.deepEqual((await acme('PUT', '/mode/orders-value', { mode: 'READONLY' })).body, { mode: 'READONLY' });
  const ro = await acme('POST', '/subjects/orders-value/versions', {
    schema: avro([
      { name: 'id', type: 'string' },
      { name: 'x', type: ['null', 'int'], default: null },
    ]),
  });
  assert.equal(ro.status, 422);
  assert.equal(ro.body.error_code, 42205);
  assert.deepEqual((await acme('DELETE', '/mode/orders-value')).body, { mode: 'READONLY' });
  assert.deepEqual((await acme('GET', '/mode')).body, { mode: 'READWRITE' });

  const tiny = client(registry.url, basic(tinyAdmin.keyId, tinyAdmin.secret));
  assert.equal((await tiny('POST', '/subjects/a/versions', { schema: V1 })).status, 200);
  const second = await tiny('POST', '/subjects/b/versions', { schema: V1 });
  assert.equal(second.status, 422);
  assert.match(second.body.message, /maxSchemaSubjects is 1/);
  assert.equal((await tiny('POST', '/subjects/a/versions', { schema: V2 })).status, 200);
  const third = await tiny('POST', '/subjects/a/versions', {
    schema: avro([...JSON.parse(V2).fields, { name: 'c', type: 'int', default: 1 }]),
  });
  assert.match(third.body.message, /maxSchemaVersions is 2/);
  assert.deepEqual((await tiny('GET', '/subjects/a/versions')).body, [1, 2]);
  // Deleting a tenant (the tenant-deletion job's last step) takes its registry with it.
  await fixtures.pool.query(`DELETE FROM "Tenant" WHERE slug = 'tiny'`);
  const left = await fixtures.pool.query(
    `SELECT (SELECT count(*) FROM "RegistrySchema") AS s, (SELECT count(*) FROM "RegistrySubjectVersion" v JOIN "Tenant" t ON t.id = v."tenantId" WHERE t.slug = 'acme') AS acme`,
  );
  assert.ok(Number(left.rows[0].acme) > 0, "another tenant's versions stay");
  // Within the key check's cache time (5 s).
  await eventually(
    async () => (await tiny('GET', '/subjects')).status === 401,
    "the deleted tenant's key to be refused",
  );

  const huge = await acme('POST', '/subjects/huge/versions', { schema: 'x'.repeat(100 * 1024) });
  assert.equal(huge.status, 413);
  assert.deepEqual((await acme('GET', '/subjects')).body.includes('huge'), false);
});

test('a revoked key and a suspended tenant are refused; /metrics counts requests without naming tenants', async () => {
  const strict = await startRegistry(db.url, {
    SAMSA_SCHEMA_REGISTRY_AUTH_CACHE_TTL_MS: '0',
    SAMSA_METRICS_TOKEN: 'metrics-secret',
  });
  try {
    const gone = await fixtures.adminKey(await fixtures.tenant('gone'), 'gone-admin');
    const goneCall = client(strict.url, basic(gone.keyId, gone.secret));
    assert.equal((await goneCall('POST', '/subjects/x-value/versions', { schema: V1 })).status, 200);
    const extra = await fixtures.key(
      (await fixtures.pool.query(`SELECT id FROM "Tenant" WHERE slug = 'gone'`)).rows[0].id,
      'gone-reader',
    );
    const extraCall = client(strict.url, basic(extra.keyId, extra.secret));
    assert.equal((await extraCall('GET', '/subjects')).status, 200);
    await fixtures.revoke(extra.keyId);
    assert.equal((await extraCall('GET', '/subjects')).status, 401, 'a revoked key is refused');
    await fixtures.pool.query(`UPDATE "Tenant" SET status = 'SUSPENDED' WHERE slug = 'gone'`);
    assert.equal((await goneCall('GET', '/subjects')).status, 401, "a suspended tenant's keys are refused");

    assert.equal((await fetch(`${strict.url}/metrics`)).status, 401, 'the metrics token is asked for');
    const metrics = await fetch(`${strict.url}/metrics`, { headers: { authorization: 'Bearer metrics-secret' } });
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    assert.match(
      text,
      /samsa_schema_registry_requests_total\{route="\/subjects\/\{subject\}\/versions",method="POST",status="200"\} 1/,
    );
    assert.match(text, /samsa_schema_registry_requests_total\{route="\/subjects",method="GET",status="401"\} 2/);
    assert.doesNotMatch(text, /gone|x-value/, 'no tenant or subject in the labels');
  } finally {
    await strict.stop();
  }
});

test('two registry processes registering at once hand out distinct ids and versions', async () => {
  const second = await startRegistry(db.url);
  try {
    const other = client(second.url, basic(acmeAdmin.keyId, acmeAdmin.secret));
    await acme('PUT', '/config/race-value', { compatibility: 'NONE' });
    const schemas = Array.from({ length: 12 }, (_, i) => avro([{ name: `f${i}`, type: 'int' }], 'Race'));
    const results = await Promise.all(
      schemas.map((schema, i) => (i % 2 === 0 ? acme : other)('POST', '/subjects/race-value/versions', { schema })),
    );
    for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
    const ids = results.map((r) => r.body.id as number);
    assert.equal(new Set(ids).size, schemas.length, `distinct ids: ${ids}`);
    const versions = (await other('GET', '/subjects/race-value/versions')).body as number[];
    assert.deepEqual(
      versions,
      Array.from({ length: schemas.length }, (_, i) => i + 1),
    );
    for (const [i, schema] of schemas.entries()) {
      assert.deepEqual((await acme('GET', `/schemas/ids/${ids[i]}`)).body, { schema });
    }
  } finally {
    await second.stop();
  }
});

test('ids and versions survive a restart of the registry', async () => {
  await registry.stop();
  registry = await startRegistry(db.url);
  acme = client(registry.url, basic(acmeAdmin.keyId, acmeAdmin.secret));
  globex = client(registry.url, basic(globexAdmin.keyId, globexAdmin.secret));
  assert.deepEqual((await acme('GET', '/schemas/ids/2')).body, { schema: V2 });
  assert.deepEqual((await acme('POST', '/subjects/orders-value/versions', { schema: V2 })).body, { id: 2 });
  assert.deepEqual((await acme('GET', '/subjects/orders-value/versions')).body, [1, 2]);
  assert.equal((await globex('GET', '/schemas/ids/1')).body.schema, avro([{ name: 'sku', type: 'long' }], 'Item'));
});
