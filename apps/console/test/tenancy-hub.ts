/**
 * Test support: a real broker process WITH tenancy (SASL, keys, ACLs and quotas from the test Postgres) beside the
 * console's route handlers, which reach it as the platform superuser; tenants made through the console routes, and
 * KafkaJS clients signed in with their keys.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { type BrokerProcess, SUPERUSER, startBroker } from './broker.ts';
import { call, type Harness, seedUser, startHarness } from './helpers.ts';

export interface TenancyHub {
  h: Harness;
  broker: BrokerProcess;
  /** API token of a platform admin. */
  admin: string;
  close(): Promise<void>;
}

export async function startTenancyHub(opts: { brokerArgs?: string[] } = {}): Promise<TenancyHub> {
  const h = await startHarness({
    SAMSA_BROKER_SASL_USERNAME: SUPERUSER.username,
    SAMSA_BROKER_SASL_PASSWORD: SUPERUSER.password,
    SAMSA_LAG_COLLECTOR: 'off',
  });
  const broker = await startBroker({ tenancy: { databaseUrl: h.tdb.url }, args: opts.brokerArgs });
  process.env.SAMSA_BROKER_BOOTSTRAP = broker.bootstrap;
  process.env.SAMSA_BROKER_HEALTH_URL = broker.healthUrl;
  const admin = (await seedUser('root@example.com', { platformAdmin: true })).token;
  return {
    h,
    broker,
    admin,
    async close() {
      const { stopTenantDeletionRetries } = await import('../src/features/tenants/tenant-deletion.ts');
      stopTenantDeletionRetries();
      await h.close();
      await broker.stop();
    },
  };
}

export async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await Promise.resolve()
      .then(check)
      .catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for: ${what}`);
}

export interface Key {
  keyId: string;
  secret: string;
}

/**
 * A tenant made through the console (with `quota`, if given), with one service account holding a key and the
 * tenant_admin ACL preset. The key comes last: a broker view that accepts the key already holds the ACLs.
 */
export async function tenantWithKey(hub: TenancyHub, slug: string, quota?: Record<string, number>): Promise<Key> {
  const T = { tenant: slug };
  const token = hub.admin;
  const created = await call('/tenants', 'POST', {}, { token, body: { slug, displayName: slug, quota } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const sa = await call('/tenants/{tenant}/service-accounts', 'POST', T, { token, body: { name: 'app' } });
  assert.equal(sa.status, 201, JSON.stringify(sa.body));
  const acl = await call('/tenants/{tenant}/acls', 'POST', T, {
    token,
    body: { preset: 'tenant_admin', serviceAccount: 'app' },
  });
  assert.equal(acl.status, 201, JSON.stringify(acl.body));
  const key = await call('/tenants/{tenant}/api-keys', 'POST', T, { token, body: { serviceAccount: 'app' } });
  assert.equal(key.status, 201, JSON.stringify(key.body));
  return { keyId: key.body.keyId, secret: key.body.secret };
}

/** A KafkaJS client signed in with `sasl` (a tenant key by default); every socket it opens goes to `sockets`. */
export function kafkaAs(hub: TenancyHub, sasl: Key | KafkaConfig['sasl'], sockets: Socket[] = []) {
  return new Kafka({
    clientId: 'tenant-app',
    brokers: [hub.broker.bootstrap],
    sasl: sasl && 'keyId' in sasl ? { mechanism: 'scram-sha-512', username: sasl.keyId, password: sasl.secret } : sasl,
    retry: { retries: 3, initialRetryTime: 100 },
    logLevel: logLevel.NOTHING,
    socketFactory: ({ host, port, onConnect }) => {
      const socket = connect({ host, port }, onConnect);
      sockets.push(socket);
      return socket;
    },
  });
}

/** The broker learns new keys over LISTEN/NOTIFY: connect once it has. */
export async function connectedAdmin(kafka: Kafka) {
  const a = kafka.admin();
  await eventually(async () => {
    await a.connect();
    return true;
  }, 'the broker accepts the new key');
  return a;
}
