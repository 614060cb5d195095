/**
 * The managed-mode translation and plan, without a cluster: how Samsa's bindings become Kafka ACLs under the
 * tenant's prefix (and which have no place there), and what a plan does with drift, extras and a removed tenant.
 * test/managed-reconcile.test.ts applies the same to a real Kafka.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ActualTenant,
  describeChange,
  planReconcile,
  type TenantRecords,
  translateTenant,
} from '@samsa/cluster/managed';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-02-01T00:00:00Z');
const t2 = new Date('2026-03-01T00:00:00Z');
const credentials = (['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const).map((mechanism) => ({
  mechanism,
  iterations: 4096,
  salt: Buffer.from('salt'),
  saltedPassword: Buffer.from('salted'),
}));

function binding(
  principal: string,
  resourceType: string,
  resourceName: string,
  operation: string,
  more: Partial<TenantRecords['bindings'][number]> = {},
): TenantRecords['bindings'][number] {
  return {
    principal,
    resourceType,
    patternType: 'LITERAL',
    resourceName,
    operation,
    permission: 'ALLOW',
    host: '*',
    createdAt: t0,
    ...more,
  };
}

const records: TenantRecords = {
  slug: 'acme',
  keys: [
    { keyId: 'SKAPP', serviceAccount: 'app', createdAt: t0, credentials },
    { keyId: 'SKOPS', serviceAccount: 'ops', createdAt: t1, credentials },
    { keyId: 'SKOLD', serviceAccount: 'app', createdAt: t0, credentials: null },
  ],
  bindings: [
    binding('User:app', 'TOPIC', 'orders', 'WRITE'),
    binding('User:SKAPP', 'GROUP', 'workers', 'READ', { patternType: 'PREFIXED' }),
    binding('User:*', 'TOPIC', '*', 'DESCRIBE'),
    binding('User:ops', 'CLUSTER', 'kafka-cluster', 'ALL'),
    binding('User:ops', 'TOPIC', 'secret', 'READ', { permission: 'DENY' }),
    binding('User:ops', 'CLUSTER', 'kafka-cluster', 'DESCRIBE'),
    binding('User:processor:enrich', 'TOPIC', 'orders', 'READ'),
    binding('User:app', 'SUBJECT', 'orders-value', 'READ'),
  ],
  quota: { produceBytesPerSec: 1_048_576, fetchBytesPerSec: null, requestPercentage: null, updatedAt: t0 },
};

test('bindings become ACLs of each key they name, under the tenant prefix; cluster-wide rights are not given', () => {
  const d = translateTenant(records);
  const lines = d.acls
    .map(
      ({ acl: a }) =>
        `${a.permission} ${a.principal} ${a.operation} ${a.resourceType} ${a.patternType} ${a.resourceName}`,
    )
    .sort();
  assert.deepEqual(lines, [
    'ALLOW User:samsa.acme.SKAPP DESCRIBE TOPIC PREFIXED acme.',
    'ALLOW User:samsa.acme.SKAPP READ GROUP PREFIXED acme.workers',
    'ALLOW User:samsa.acme.SKAPP WRITE TOPIC LITERAL acme.orders',
    'ALLOW User:samsa.acme.SKOLD DESCRIBE TOPIC PREFIXED acme.',
    'ALLOW User:samsa.acme.SKOLD WRITE TOPIC LITERAL acme.orders',
    'ALLOW User:samsa.acme.SKOPS ALL GROUP PREFIXED acme.',
    'ALLOW User:samsa.acme.SKOPS ALL TOPIC PREFIXED acme.',
    'ALLOW User:samsa.acme.SKOPS ALL TRANSACTIONAL_ID PREFIXED acme.',
    'ALLOW User:samsa.acme.SKOPS DESCRIBE TOPIC PREFIXED acme.',
    'DENY User:samsa.acme.SKOPS READ TOPIC LITERAL acme.secret',
  ]);
  assert.deepEqual(
    d.users.map((u) => [u.name, u.credentials === null]),
    [
      ['samsa.acme.SKAPP', false],
      ['samsa.acme.SKOPS', false],
      ['samsa.acme.SKOLD', true],
    ],
  );
  assert.deepEqual(d.quotas[0], { user: 'samsa.acme.SKAPP', values: { producer_byte_rate: 1_048_576 }, since: t0 });
  assert.deepEqual(
    d.skipped.map((s) => s.what),
    [
      "ALLOW User:ops DESCRIBE on CLUSTER LITERAL 'kafka-cluster'",
      "ALLOW User:processor:enrich READ on TOPIC LITERAL 'orders'",
      "ALLOW User:app READ on SUBJECT LITERAL 'orders-value'",
      'API key SKOLD',
    ],
  );
  assert.match(d.skipped[0]!.reason, /cluster-wide right/);
  assert.match(d.skipped[3]!.reason, /SAMSA_SECRETS_KEY/);
});

/** The cluster holding exactly what `records` asks for. */
function inPlace(): ActualTenant {
  const d = translateTenant(records);
  return {
    slug: 'acme',
    acls: d.acls.map((a) => a.acl),
    users: d.users.map((u) => ({
      name: u.name,
      credentials: credentials.map((c) => ({ mechanism: c.mechanism, iterations: 4096 })),
    })),
    quotas: d.quotas.map((q) => ({ user: q.user, values: { ...q.values } })),
    topics: ['acme.orders'],
    groups: [],
  };
}

test('a cluster in place plans nothing; what went missing since the last reconcile is drift, newer records are created', () => {
  const desired = { tenants: [translateTenant(records)] };
  assert.deepEqual(planReconcile(desired, { tenants: [inPlace()] }, { lastReconciledAt: t2 }), []);

  const actual = inPlace();
  actual.acls = actual.acls.filter((a) => !(a.resourceName === 'acme.orders' && a.principal.endsWith('SKAPP')));
  actual.acls.push({
    principal: 'User:samsa.acme.SKGONE',
    resourceType: 'TOPIC',
    patternType: 'PREFIXED',
    resourceName: 'acme.',
    operation: 'DESCRIBE',
    permission: 'ALLOW',
    host: '*',
  });
  actual.quotas[0]!.values = { producer_byte_rate: 5, connection_creation_rate: 3 };
  const changes = planReconcile(desired, { tenants: [actual] }, { lastReconciledAt: t0 });
  assert.deepEqual(changes.map(describeChange), [
    "create ACL ALLOW User:samsa.acme.SKAPP WRITE on TOPIC LITERAL 'acme.orders' from *",
    'quota of user samsa.acme.SKAPP: producer_byte_rate=1048576, connection_creation_rate removed',
    "delete ACL ALLOW User:samsa.acme.SKGONE DESCRIBE on TOPIC PREFIXED 'acme.' from *",
  ]);
  assert.deepEqual(
    changes.map((c) => ('drift' in c ? c.drift : null)),
    [true, true, null],
    'records from before the last reconcile were in place: their absence is drift',
  );
  const fresh = planReconcile(desired, { tenants: [actual] }, { lastReconciledAt: new Date(t0.getTime() - 1) });
  assert.equal(
    fresh.find((c) => c.kind === 'createAcl' && 'drift' in c)?.drift,
    false,
    'newer than the last reconcile: created',
  );
});

test('a key without its salted passwords is neither created nor deleted; a removed tenant loses everything', () => {
  const actual = inPlace();
  actual.users = actual.users.filter((u) => u.name !== 'samsa.acme.SKOLD');
  const changes = planReconcile({ tenants: [translateTenant(records)] }, { tenants: [actual] });
  assert.deepEqual(changes, []);

  const removal = planReconcile({ tenants: [], removedTenants: ['acme'] }, { tenants: [inPlace()] });
  assert.deepEqual([...new Set(removal.map((c) => c.kind))], ['alterQuota', 'deleteAcl', 'deleteScram', 'deleteTopic']);
  assert.equal(removal.filter((c) => c.kind === 'deleteScram').length, 6, 'both mechanisms of three users');
  const forgotten = planReconcile({ tenants: [], deletedTenants: ['acme'] }, { tenants: [inPlace()] });
  assert.deepEqual(
    [...new Set(forgotten.map((c) => c.kind))],
    ['alterQuota', 'deleteAcl', 'deleteScram'],
    'a tenant already deleted from Samsa: its topics stay',
  );
});
