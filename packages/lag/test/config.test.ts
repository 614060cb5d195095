/** LagService configuration from the environment. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Db } from '@samsa/db';
import { lagServiceFromEnv } from '../src/config.ts';

const db = {} as Db;

test('defaults, overrides and validation errors naming the variable', async () => {
  const s = lagServiceFromEnv(db, {});
  assert.equal(s.collector.intervalMs, 10_000);
  assert.equal(s.collector.evaluator.config.stoppedAfterMs, 120_000);
  assert.equal(s.store.retention.rawRetentionMs, 86_400_000);
  assert.ok(s.notifier, 'always on: tenants set their webhooks in the console');
  await s.stop();

  const t = lagServiceFromEnv(db, {
    SAMSA_LAG_INTERVAL_MS: '5000',
    SAMSA_LAG_STOPPED_AFTER_MS: '300000',
    SAMSA_LAG_MINUTE_RETENTION_MS: '604800000',
    SAMSA_LAG_WEBHOOKS: '{"*": {"url": "https://hooks.example/lag", "secret": "x"}}',
  });
  assert.equal(t.collector.intervalMs, 5000);
  assert.equal(t.collector.evaluator.config.stoppedAfterMs, 300_000);
  assert.equal(t.collector.evaluator.config.stalledAfterMs, 60_000);
  assert.equal(t.store.retention.minuteRetentionMs, 604_800_000);
  assert.ok(t.notifier);
  await t.stop();

  assert.throws(() => lagServiceFromEnv(db, { SAMSA_LAG_INTERVAL_MS: 'often' }), /SAMSA_LAG_INTERVAL_MS/);
  assert.throws(() => lagServiceFromEnv(db, { SAMSA_LAG_WEBHOOKS: '{"*": {"url": "nope"}}' }), /SAMSA_LAG_WEBHOOKS/);
});
