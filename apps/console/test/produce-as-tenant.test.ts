/**
 * The console produces AS the tenant, against a real broker process with tenancy: it signs in as the superuser with
 * the SASL authorization id `tenant:<slug>`, so the tenant's storage and byte-rate quotas apply to what it produces
 * through POST /tenants/{tenant}/topics/{topic}/messages, exactly as to the tenant's own clients. The attack was
 * using the console to write past a full storage quota and around a byte-rate quota. Also: nobody but the superuser
 * may ask for an authorization id, and the superuser acting for a tenant sees only that tenant's namespace.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SUPERUSER } from './broker.ts';
import { call } from './helpers.ts';
import { connectedAdmin, eventually, kafkaAs, type TenancyHub, startTenancyHub, tenantWithKey } from './tenancy-hub.ts';

let hub: TenancyHub;

before(async () => {
  hub = await startTenancyHub();
});
after(async () => {
  await hub?.close();
});

async function topicFor(slug: string, quota: Record<string, number>) {
  await tenantWithKey(hub, slug, quota);
  const created = await call(
    '/tenants/{tenant}/topics',
    'POST',
    { tenant: slug },
    {
      token: hub.admin,
      body: { name: 'events', partitions: 1 },
    },
  );
  assert.equal(created.status, 201, JSON.stringify(created.body));
}

function produce(slug: string, value: string) {
  return call(
    '/tenants/{tenant}/topics/{topic}/messages',
    'POST',
    { tenant: slug, topic: 'events' },
    {
      token: hub.admin,
      body: { partition: 0, value },
    },
  );
}

test("console produce is refused when the tenant's storage quota is full, with the quota's message", async () => {
  await topicFor('tiny', { storageBytes: 1 });
  // The broker learns the new tenant over NOTIFY; until then the authorization id names no tenant.
  await eventually(async () => (await produce('tiny', 'first')).status === 200, 'the first message is stored');
  let refused: Awaited<ReturnType<typeof produce>> | undefined;
  await eventually(async () => {
    refused = await produce('tiny', 'past the quota');
    return refused.status !== 200;
  }, 'a produce past the storage quota is refused');
  assert.equal(refused!.status, 422, JSON.stringify(refused!.body));
  assert.equal(refused!.body.error.code, 'quota_exceeded');
  assert.match(refused!.body.error.message, /storage quota exceeded: tenant 'tiny' may store 1 bytes/);
  const detail = await call(
    '/tenants/{tenant}/topics/{topic}',
    'GET',
    { tenant: 'tiny', topic: 'events' },
    {
      token: hub.admin,
    },
  );
  assert.equal(detail.body.messages, 1, 'only the message within the quota was stored');
});

test("console produce is throttled by the tenant's byte-rate quota", async () => {
  const bytesPerSec = 1_000;
  await topicFor('slow', { produceBytesPerSec: bytesPerSec });
  await eventually(async () => (await produce('slow', 'warm-up')).status === 200, 'the broker knows the tenant');
  const value = 'x'.repeat(900);
  const count = 6;
  const startedMs = Date.now();
  for (let i = 0; i < count; i++) {
    const res = await produce('slow', value);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  const elapsedMs = Date.now() - startedMs;
  // ~5.4 KB at 1 KB/s with a one-second burst: the broker holds the console's connection for seconds. As the
  // superuser it would have taken a few milliseconds per message.
  const expectedMs = ((count * value.length) / bytesPerSec - 1) * 1000 * 0.6;
  assert.ok(elapsedMs >= expectedMs, `throttled: ${count} messages took ${elapsedMs} ms (>= ${expectedMs} ms)`);
});

test('only the superuser may name an authorization id; acting for a tenant it sees only that tenant', async () => {
  const key = await tenantWithKey(hub, 'other');
  await connectedAdmin(kafkaAs(hub, key)).then((a) => a.disconnect());
  const tenantKey = { username: key.keyId, password: key.secret };
  const superuser = { username: SUPERUSER.username, password: SUPERUSER.password };
  const refused: [typeof superuser, string, string][] = [
    [tenantKey, 'tenant:tiny', 'a tenant key cannot act as another tenant'],
    [superuser, 'tenant:no-such-tenant', 'no tenant by that slug'],
    [superuser, 'root', 'only tenant:<slug>'],
  ];
  for (const [who, authorizationIdentity, why] of refused) {
    const sasl = { mechanism: 'plain', ...who, authorizationIdentity } as never;
    await assert.rejects(kafkaAs(hub, sasl).admin().connect(), /SASL|authentication/i, why);
  }
  const acting = kafkaAs(hub, {
    mechanism: 'plain',
    ...superuser,
    authorizationIdentity: 'tenant:tiny',
  } as never).admin();
  await acting.connect();
  try {
    assert.deepEqual(await acting.listTopics(), ['events'], "the tenant's own names, nothing of other tenants");
  } finally {
    await acting.disconnect();
  }
});
