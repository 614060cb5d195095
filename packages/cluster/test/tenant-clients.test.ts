/**
 * TenantClients is bounded: the clients of at most SAMSA_CONSOLE_TENANT_CLIENTS_MAX tenants stay open (the least
 * recently used tenant's producer and admin are closed to make room), a tenant's clients close after the idle time,
 * and one tenant's producer and admin share its slot. Clients connect lazily, so no broker is needed to see it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TenantClients, tenantClientSettingsFromEnv } from '@samsa/cluster';

const base = () => ({
  clientId: 'test',
  bootstrapBrokers: ['127.0.0.1:1'],
  sasl: { mechanism: 'SCRAM-SHA-512' as const, username: 'admin', password: 'x' },
});

test('the least recently used tenant is closed when the cache is full; producer and admin share a slot', async () => {
  const clients = new TenantClients(base, { maxTenants: 2, idleMs: 60_000 });
  try {
    const aProducer = clients.producer('a');
    const aAdmin = clients.admin('a');
    assert.equal(clients.producer('a'), aProducer, 'reused');
    assert.equal(clients.size, 1, "a tenant's producer and admin take one slot");
    const bAdmin = clients.admin('b');
    clients.producer('a'); // a is now the most recently used
    clients.admin('c');
    assert.equal(clients.size, 2);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(bAdmin.closed, true, 'b, the least recently used, was closed');
    assert.equal(aProducer.closed, false);
    assert.equal(aAdmin.closed, false);
  } finally {
    await clients.closeAll();
  }
});

test("a tenant's clients are closed after the idle time", async () => {
  const clients = new TenantClients(base, { maxTenants: 4, idleMs: 1_000 });
  const admin = clients.admin('a');
  await new Promise((r) => setTimeout(r, 1_200));
  assert.equal(clients.size, 0);
  assert.equal(admin.closed, true);
});

test('settings come from the environment, the older producer names still accepted', () => {
  assert.deepEqual(tenantClientSettingsFromEnv({}), { maxTenants: 32, idleMs: 60_000 });
  assert.deepEqual(
    tenantClientSettingsFromEnv({ SAMSA_CONSOLE_TENANT_CLIENTS_MAX: '5', SAMSA_CONSOLE_TENANT_CLIENT_IDLE_MS: '2000' }),
    { maxTenants: 5, idleMs: 2_000 },
  );
  assert.deepEqual(tenantClientSettingsFromEnv({ SAMSA_CONSOLE_TENANT_PRODUCERS_MAX: '7' }).maxTenants, 7);
  assert.throws(() => tenantClientSettingsFromEnv({ SAMSA_CONSOLE_TENANT_CLIENTS_MAX: '0' }));
});
