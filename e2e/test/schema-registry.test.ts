/**
 * The schema registry as `samsa start` runs it: a tenant and its API keys made through the console's REST API sign in
 * to the registry with basic auth; the tenant-admin key registers an Avro schema (again: the same id), a breaking
 * change is refused with Confluent's 409, a member key reads but cannot write, and another tenant sees nothing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { apiToken, type Hub, registryAs, restAs, startHub } from './hub.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };

let hub: Hub;
let token: string;
const rest = restAs(
  () => hub.consoleUrl,
  () => token,
);

before(async () => {
  hub = await startHub(ADMIN);
  token = await apiToken(hub, ADMIN, 'e2e-registry');
});

after(async () => {
  await hub?.stop();
});

const order = (fields: unknown[]) => JSON.stringify({ type: 'record', name: 'Order', fields });

test('keys made in the console use the registry started by samsa start', { timeout: 120_000 }, async () => {
  await rest('/tenants', { method: 'POST', body: { slug: 'acme', displayName: 'Acme' } });
  await rest('/tenants', { method: 'POST', body: { slug: 'globex', displayName: 'Globex' } });
  const adminKey = await rest('/tenants/acme/api-keys', { method: 'POST', body: { serviceAccount: 'app' } });
  await rest('/tenants/acme/acls', { method: 'POST', body: { preset: 'tenant_admin', serviceAccount: 'app' } });
  const memberKey = await rest('/tenants/acme/api-keys', { method: 'POST', body: { serviceAccount: 'reader' } });
  const otherKey = await rest('/tenants/globex/api-keys', { method: 'POST', body: { serviceAccount: 'app' } });

  const acme = registryAs(hub, adminKey);
  const v1 = order([{ name: 'id', type: 'string' }]);
  const first = await acme('POST', '/subjects/orders-value/versions', { schema: v1 });
  assert.deepEqual(first, { status: 200, body: { id: 1 } });
  assert.deepEqual((await acme('POST', '/subjects/orders-value/versions', { schema: v1 })).body, { id: 1 });
  const breaking = await acme('POST', '/subjects/orders-value/versions', {
    schema: order([
      { name: 'id', type: 'string' },
      { name: 'total', type: 'long' },
    ]),
  });
  assert.equal(breaking.status, 409);
  assert.equal(breaking.body.error_code, 409);

  const reader = registryAs(hub, memberKey);
  assert.deepEqual((await reader('GET', '/subjects/orders-value/versions/latest')).body.schema, v1);
  assert.equal((await reader('POST', '/subjects/orders-value/versions', { schema: v1 })).status, 403);

  const globex = registryAs(hub, otherKey);
  assert.deepEqual((await globex('GET', '/subjects')).body, []);
  assert.equal((await globex('GET', '/schemas/ids/1')).body.error_code, 40403);
});
