/**
 * Compaction on the topic page, against a real broker process with tenancy: topics are created from the console
 * with cleanup.policy compact and compact,delete (the form's choices); a KafkaJS producer of the tenant overwrites a
 * few keys many times; the broker's cleaner compacts the sealed segments, its traffic reporter writes the cleaner's
 * state to Postgres, and the topic detail shows the dirty ratio and the last clean (time, duration, bytes before and
 * after). A topic with cleanup.policy=delete has no compaction figures.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { overwriteKeysOfCompactedTopic } from '@samsa/test-support/compaction-workload';
import { call } from './helpers.ts';
import {
  connectedAdmin,
  eventually,
  type Key,
  kafkaAs,
  type TenancyHub,
  startTenancyHub,
  tenantWithKey,
} from './tenancy-hub.ts';

let hub: TenancyHub;
let key: Key;

before(async () => {
  hub = await startTenancyHub({
    brokerArgs: [
      '--topic-min-segment-bytes',
      '1024',
      '--log-cleaner-backoff-ms',
      '200',
      '--traffic-report-interval-ms',
      '200',
    ],
  });
  key = await tenantWithKey(hub, 'acme');
  await (await connectedAdmin(kafkaAs(hub, key))).disconnect();
});
after(async () => {
  await hub?.close();
});

function detail(topic: string) {
  return call('/tenants/{tenant}/topics/{topic}', 'GET', { tenant: 'acme', topic }, { token: hub.admin });
}

for (const policy of ['compact', 'compact,delete'] as const) {
  test(`a topic created with cleanup.policy=${policy} shows its dirty ratio and last clean`, async () => {
    const name = policy === 'compact' ? 'prices' : 'sessions';
    const created = await call(
      '/tenants/{tenant}/topics',
      'POST',
      { tenant: 'acme' },
      { token: hub.admin, body: { name, partitions: 1, cleanupPolicy: policy } },
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const configured = await call(
      '/tenants/{tenant}/topics/{topic}',
      'GET',
      { tenant: 'acme', topic: name },
      { token: hub.admin },
    );
    assert.equal(configured.body.configs['cleanup.policy'], policy);
    // Small segments and a low ratio (as the tenant, through Kafka) so the cleaner has sealed segments to compact.
    await overwriteKeysOfCompactedTopic(kafkaAs(hub, key), name, policy);
    let compaction: any;
    await eventually(
      async () => {
        compaction = (await detail(name)).body.compaction;
        return compaction?.lastClean !== null && compaction?.lastClean !== undefined;
      },
      'the topic page shows a clean',
      30_000,
    );
    assert.equal(compaction.lastClean.partition, 0);
    assert.ok(compaction.lastClean.bytesBefore > 0);
    assert.ok(
      compaction.lastClean.bytesAfter < compaction.lastClean.bytesBefore,
      `the clean shrank the rewritten segments: ${JSON.stringify(compaction.lastClean)}`,
    );
    assert.ok(compaction.lastClean.durationMs >= 0);
    assert.ok(Math.abs(Date.now() - compaction.lastClean.atMs) < 60_000);
    assert.ok(compaction.dirtyRatio >= 0 && compaction.dirtyRatio <= 1);
    assert.equal(compaction.minCleanableDirtyRatio, 0.01);
    assert.equal(compaction.partitions.length, 1);
  });
}

test('a topic with cleanup.policy=delete has no compaction figures', async () => {
  const created = await call(
    '/tenants/{tenant}/topics',
    'POST',
    { tenant: 'acme' },
    { token: hub.admin, body: { name: 'events', partitions: 1 } },
  );
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal((await detail('events')).body.compaction, null);
});
