/** Prometheus text for lag and status per group, topic and partition. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GroupLagEvaluator } from '../src/evaluate.ts';
import { escapeLabel, renderPrometheus } from '../src/prometheus.ts';
import type { GroupSnapshot } from '../src/types.ts';

test('renders lag, time lag, offsets and one-hot group status with escaped labels', () => {
  const snapshot: GroupSnapshot = {
    groupId: 'acme.billing"v2',
    tenantId: 't-1',
    state: 'Stable',
    members: [{ memberId: 'm', clientId: 'c', clientHost: 'h', assignments: { 'acme.orders': [0, 1] } }],
    partitions: [
      {
        topic: 'acme.orders',
        partition: 0,
        committedOffset: 90,
        positionOffset: 90,
        logEndOffset: 100,
        lag: 10,
        timeLagMs: 2500,
        assigned: true,
      },
      {
        topic: 'acme.orders',
        partition: 1,
        committedOffset: 50,
        positionOffset: 50,
        logEndOffset: 50,
        lag: 0,
        timeLagMs: 0,
        assigned: true,
      },
    ],
    sampledAtMs: 1_000_000,
  };
  const ev = new GroupLagEvaluator();
  const { evaluation } = ev.observeGroup(snapshot);
  const text = renderPrometheus([evaluation], () => snapshot, {
    lastPassAtMs: 1_000_000,
    lastPassDurationMs: 12,
    lastError: null,
  });
  const g = 'group="acme.billing\\"v2",tenant="t-1"';
  assert.ok(text.includes(`samsa_consumergroup_lag{${g},topic="acme.orders",partition="0"} 10\n`));
  assert.ok(text.includes(`samsa_consumergroup_time_lag_seconds{${g},topic="acme.orders",partition="0"} 2.5\n`));
  assert.ok(text.includes(`samsa_consumergroup_committed_offset{${g},topic="acme.orders",partition="1"} 50\n`));
  assert.ok(text.includes(`samsa_consumergroup_log_end_offset{${g},topic="acme.orders",partition="0"} 100\n`));
  assert.ok(text.includes(`samsa_consumergroup_partition_status{${g},topic="acme.orders",partition="0"} 0\n`));
  assert.ok(text.includes(`samsa_consumergroup_total_lag{${g}} 10\n`));
  assert.ok(text.includes(`samsa_consumergroup_status{${g},status="OK"} 1\n`));
  assert.ok(text.includes(`samsa_consumergroup_status{${g},status="STALLED"} 0\n`));
  assert.ok(text.includes('samsa_lag_collector_up 1\n'));
  assert.ok(text.includes('# TYPE samsa_consumergroup_lag gauge\n'));
  // Every sample line is `name{labels} value` or `name value`.
  for (const line of text.trimEnd().split('\n')) {
    if (line.startsWith('#')) continue;
    assert.match(line, /^[a-z_]+(\{[^\n]*\})? -?[0-9.e+]+$/, line);
  }
  assert.equal(escapeLabel('a\\b\n"c"'), 'a\\\\b\\n\\"c\\"');
});
