/**
 * The broker is the one record of topics, partitions and configs. A tenant creates topics over Kafka with its own key
 * (auto-create by producing, CreateTopics, CreatePartitions) against a real broker process with tenancy; they show
 * with the right partition counts in the console API, the tenant's usage and `samsa topic list` (the real CLI over
 * HTTP), with empty annotations. The console creates topics as the tenant, so the broker's quota refuses one too
 * many with its own message; an annotation does not pass to a topic deleted and created again under the same name;
 * deleting the tenant removes every topic of its namespace and its annotations. On the old code, topics made over
 * Kafka never appeared, and the console counted its own Topic table against the quota.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Admin as KafkaJsAdmin, Kafka } from 'kafkajs';
import { call } from './helpers.ts';
import { type ApiServer, startApiServer } from './api-server.ts';
import { connectedAdmin, eventually, kafkaAs, type TenancyHub, startTenancyHub, tenantWithKey } from './tenancy-hub.ts';
import { runSamsa } from '@samsa/test-support/samsa-cli';

const T = { tenant: 'kafkaland' };

let hub: TenancyHub;
let kafka: Kafka;
let kadmin: KafkaJsAdmin;
let http: ApiServer;
let home: string;

before(async () => {
  hub = await startTenancyHub();
  const key = await tenantWithKey(hub, T.tenant, { maxTopics: 3, maxPartitions: 8 });
  kafka = kafkaAs(hub, key);
  kadmin = await connectedAdmin(kafka);
  http = await startApiServer();
  home = mkdtempSync(join(tmpdir(), 'samsa-cli-'));
});
after(async () => {
  await kadmin?.disconnect();
  await http?.close();
  await hub?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

const samsa = (args: string[]) =>
  runSamsa(args, {
    SAMSA_CREDENTIALS_FILE: join(home, 'credentials.json'),
    SAMSA_URL: http.url,
    SAMSA_TOKEN: hub.admin,
  });

async function consoleTopics(): Promise<{ name: string; partitions: number; description: string }[]> {
  const res = await call('/tenants/{tenant}/topics', 'GET', T, { token: hub.admin });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.clusterError, null);
  return res.body.topics;
}

const partitionsOf = async () => Object.fromEntries((await consoleTopics()).map((t) => [t.name, t.partitions]));

test('topics created over Kafka show in the console API, the tenant usage and the CLI', async () => {
  // Auto-create: the tenant's producer names a topic nobody created (the broker's default is 1 partition).
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    await producer.send({ topic: 'auto-made', messages: [{ value: 'first' }] });
  } finally {
    await producer.disconnect();
  }
  assert.ok(await kadmin.createTopics({ topics: [{ topic: 'made', numPartitions: 2 }] }));
  await kadmin.createPartitions({ topicPartitions: [{ topic: 'made', count: 4 }] });

  await eventually(async () => {
    const p = await partitionsOf();
    return p['auto-made'] === 1 && p.made === 4;
  }, 'the console lists both topics with their partition counts');
  const listed = await consoleTopics();
  assert.deepEqual(
    listed.map((t) => [t.name, t.partitions, t.description]),
    [
      ['auto-made', 1, ''],
      ['made', 4, ''],
    ],
    'with empty annotations',
  );
  const detail = await call('/tenants/{tenant}/topics/{topic}', 'GET', { ...T, topic: 'made' }, { token: hub.admin });
  assert.equal(detail.status, 200, JSON.stringify(detail.body));
  assert.equal(detail.body.partitionDetails.length, 4);
  assert.equal(detail.body.ownerTeam, '');

  const tenants = await call('/tenants', 'GET', {}, { token: hub.admin });
  const usage = tenants.body.find((t: { slug: string }) => t.slug === T.tenant).usage;
  assert.equal(usage.topics, 2);
  assert.equal(usage.partitions, 5);
  assert.equal(usage.messages, 1);
  const one = await call('/tenants/{tenant}', 'GET', T, { token: hub.admin });
  assert.deepEqual([one.body.usage.topics, one.body.usage.partitions], [2, 5], 'the tenant page shows the same');

  const cli = await samsa(['topic', 'list', '--tenant', T.tenant, '--json']);
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepEqual(
    JSON.parse(cli.stdout).topics.map((t: { name: string; partitions: number }) => [t.name, t.partitions]),
    [
      ['auto-made', 1],
      ['made', 4],
    ],
  );
  const table = await samsa(['topic', 'list', '--tenant', T.tenant]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /auto-made\s+1\b/);
  assert.match(table.stdout, /made\s+4\b/);
});

test("the console creates topics as the tenant: the broker's quota refuses one too many, with its message", async () => {
  const third = await call('/tenants/{tenant}/topics', 'POST', T, {
    token: hub.admin,
    body: { name: 'from-console', partitions: 1, description: 'made in the console' },
  });
  assert.equal(third.status, 201, JSON.stringify(third.body));
  // The tenant has 3 topics now (2 made over Kafka, which the old console never counted): the broker says no.
  const fourth = await call('/tenants/{tenant}/topics', 'POST', T, {
    token: hub.admin,
    body: { name: 'one-too-many', partitions: 1 },
  });
  assert.equal(fourth.status, 422, JSON.stringify(fourth.body));
  assert.equal(fourth.body.error.code, 'quota_exceeded');
  assert.match(fourth.body.error.message, /topic quota exceeded: tenant 'kafkaland' may have 3 topics and has 3/);
  // Adding partitions from the console is checked by the broker too: 6 of 8 are used.
  const grow = await call(
    '/tenants/{tenant}/topics/{topic}',
    'PATCH',
    { ...T, topic: 'from-console' },
    { token: hub.admin, body: { partitions: 4 } },
  );
  assert.equal(grow.status, 422, JSON.stringify(grow.body));
  assert.equal(grow.body.error.code, 'quota_exceeded');
  assert.match(grow.body.error.message, /partition quota exceeded: tenant 'kafkaland' may have 8 partitions, has 6/);
  assert.equal((await partitionsOf())['from-console'], 1);
  // Config changes go to the broker as the tenant too, on a topic made over Kafka.
  const retention = await call(
    '/tenants/{tenant}/topics/{topic}',
    'PATCH',
    { ...T, topic: 'auto-made' },
    { token: hub.admin, body: { configs: { retentionMs: 7_200_000 } } },
  );
  assert.equal(retention.status, 200, JSON.stringify(retention.body));
  const configs = (
    await kadmin.describeConfigs({ resources: [{ type: 2, name: 'auto-made' }], includeSynonyms: false })
  ).resources[0]!.configEntries;
  assert.equal(configs.find((c) => c.configName === 'retention.ms')?.configValue, '7200000');
  assert.deepEqual(
    (await consoleTopics()).map((t) => t.name),
    ['auto-made', 'from-console', 'made'],
  );
});

test('an annotation belongs to the topic id: a topic deleted and created again over Kafka starts empty', async () => {
  const annotate = await call(
    '/tenants/{tenant}/topics/{topic}',
    'PATCH',
    { ...T, topic: 'made' },
    { token: hub.admin, body: { description: 'the first one', ownerTeam: 'payments', tags: ['core'] } },
  );
  assert.equal(annotate.status, 200, JSON.stringify(annotate.body));
  assert.equal((await consoleTopics()).find((t) => t.name === 'made')?.description, 'the first one');
  await kadmin.deleteTopics({ topics: ['made'] });
  await kadmin.createTopics({ topics: [{ topic: 'made', numPartitions: 1 }] });
  await eventually(async () => (await partitionsOf()).made === 1, 'the new topic shows');
  const again = await call('/tenants/{tenant}/topics/{topic}', 'GET', { ...T, topic: 'made' }, { token: hub.admin });
  assert.equal(again.body.description, '');
  assert.equal(again.body.ownerTeam, '');
  assert.deepEqual(again.body.tags, []);
  const { db } = await import('../src/server/db.ts');
  const rows = await db().topicAnnotation.findMany({ where: { name: 'made' } });
  assert.deepEqual(rows, [], "the old topic's annotation was removed on read");
});

test('annotations carried over by the migration (no topic id) are bound on read, or removed without a topic', async () => {
  const { db } = await import('../src/server/db.ts');
  const tenant = await db().tenant.findUniqueOrThrow({ where: { slug: T.tenant } });
  // Rows written before the listing (as migrated rows are): a row newer than the listing is never taken for stale.
  const updatedAt = new Date(Date.now() - 60_000);
  const old = { tenantId: tenant.id, topicId: null, description: 'from the Topic table', updatedAt };
  await db().topicAnnotation.createMany({
    data: [
      { ...old, name: 'auto-made' },
      { ...old, name: 'long-gone' },
    ],
  });
  const [autoMade] = (await consoleTopics()).filter((t) => t.name === 'auto-made');
  assert.equal(autoMade?.description, 'from the Topic table');
  const rows = await db().topicAnnotation.findMany({ where: { tenantId: tenant.id, description: old.description } });
  assert.deepEqual(
    rows.map((r) => [r.name, r.topicId]),
    [['auto-made', (autoMade as unknown as { id: string }).id]],
    "bound to the broker's topic id; the row of a topic the broker does not have is gone",
  );
});

test('deleting the tenant removes every topic of its namespace and its annotations', async () => {
  const del = await call('/tenants/{tenant}', 'DELETE', T, { token: hub.admin });
  assert.equal(del.status, 202, JSON.stringify(del.body));
  const { tenantDeletionSettled } = await import('../src/features/tenants/tenant-deletion.ts');
  await tenantDeletionSettled(del.body.id);
  const { clusterAdmin } = await import('../src/features/cluster/cluster-admin.ts');
  assert.deepEqual(await clusterAdmin().topicsWithPrefix(`${T.tenant}.`), []);
  const { db } = await import('../src/server/db.ts');
  assert.equal(await db().topicAnnotation.count(), 0);
  const deletions = await call('/tenant-deletions', 'GET', {}, { token: hub.admin });
  assert.equal(deletions.body[0].removed.topics, 3);
});
