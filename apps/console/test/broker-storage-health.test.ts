/**
 * The platform overview shows the broker's disk: a real broker process whose free-space floor
 * (--log-dir-min-free-bytes) is above the free space of its disk refuses a real KafkaJS producer with
 * KAFKA_STORAGE_ERROR, and the console's hub health says so in words, with the free space and the floor, read from
 * the broker's own /healthz. A tenant member does not get the hub's health.
 */
import assert from 'node:assert/strict';
import { statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, test } from 'node:test';
import { call, seedUser } from './helpers.ts';
import { connectedAdmin, kafkaAs, type Key, type TenancyHub, startTenancyHub, tenantWithKey } from './tenancy-hub.ts';

let hub: TenancyHub;
let key: Key;
let member: string;

before(async () => {
  // The broker's data directory is under tmpdir(): a floor of twice its free space is never met.
  const s = statfsSync(tmpdir());
  const floor = 2 * s.bavail * s.bsize;
  hub = await startTenancyHub({ brokerArgs: ['--log-dir-min-free-bytes', String(floor)] });
  key = await tenantWithKey(hub, 'acme');
  const { db } = await import('../src/server/db.ts');
  const acme = await db().tenant.findUniqueOrThrow({ where: { slug: 'acme' } });
  member = (await seedUser('dev@acme.example', { memberships: [{ tenantId: acme.id, role: 'TENANT_MEMBER' }] })).token;
});
after(async () => {
  await hub?.close();
});

test("a full log directory refuses produce and shows on the overview's broker health, with free space and floor", async () => {
  const kafka = kafkaAs(hub, key);
  const admin = await connectedAdmin(kafka);
  await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ retry: { retries: 0 } });
  await producer.connect();
  await assert.rejects(
    producer.send({ topic: 'orders', acks: -1, messages: [{ value: 'not stored' }] }),
    (err: Error & { cause?: { type?: string } }) => err.cause?.type === 'KAFKA_STORAGE_ERROR',
  );
  await producer.disconnect();

  const overview = await call('/overview', 'GET', {}, { token: hub.admin });
  assert.equal(overview.status, 200, JSON.stringify(overview.body));
  const broker = overview.body.health.find((h: { name: string }) => h.name === 'broker');
  assert.equal(broker.status, 'degraded', JSON.stringify(broker));
  assert.match(
    broker.reason,
    /log directory full \(\d+ MiB free, floor \d+ MiB\): produce is refused with KAFKA_STORAGE_ERROR/,
  );
  assert.ok(broker.detail.freeBytes < broker.detail.minFreeBytes, JSON.stringify(broker.detail));
  assert.equal(broker.detail.offlineLogs, 0);
  assert.equal(broker.detail.topics, 1, 'the broker still answers metadata');

  const asMember = await call('/overview', 'GET', {}, { token: member });
  assert.equal(asMember.status, 403, "a tenant member does not see the hub's health");
});
