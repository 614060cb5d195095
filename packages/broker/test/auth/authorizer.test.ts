/** Kafka ACL semantics of the Authorizer, decision by decision. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Authorizer } from '../../src/auth/authorizer.ts';
import type { Principal } from '../../src/auth/principal.ts';
import { type AclRule, MetadataView, NO_QUOTA } from '../../src/tenancy/metadata-view.ts';

const tenant = { id: 't1', slug: 'acme', status: 'ACTIVE' as const, quota: NO_QUOTA };
function principal(serviceAccountName: string): Principal {
  return {
    kind: 'tenant',
    tenant,
    key: { keyId: `K-${serviceAccountName}`, serviceAccountId: 'sa', serviceAccountName },
  };
}
let n = 0;
function rule(p: Partial<AclRule>): AclRule {
  return {
    id: String(n++),
    tenantId: 't1',
    principal: 'User:reader',
    resourceType: 'TOPIC',
    patternType: 'LITERAL',
    resourceName: 'payments',
    operation: 'READ',
    permission: 'ALLOW',
    host: '*',
    ...p,
  };
}
function authorizer(acls: AclRule[]) {
  const view = new MetadataView({ tenants: [tenant], keys: [], serviceAccountQuotas: [], acls }, 1);
  return new Authorizer(() => view);
}

test('default deny; literal and prefixed allows; implied DESCRIBE; deny wins', () => {
  const a = authorizer([
    rule({ resourceName: 'pay', patternType: 'PREFIXED' }),
    rule({ resourceType: 'GROUP', resourceName: 'readers-', patternType: 'PREFIXED' }),
    rule({ resourceName: 'payments', permission: 'DENY' }),
    rule({ principal: 'User:writer', operation: 'WRITE' }),
  ]);
  const reader = principal('reader');
  assert.equal(a.authorize(reader, '1.2.3.4', 'READ', 'TOPIC', 'payouts'), true, 'prefixed allow');
  assert.equal(a.authorize(reader, '1.2.3.4', 'READ', 'TOPIC', 'payments'), false, 'deny wins');
  assert.equal(
    a.authorize(reader, '1.2.3.4', 'DESCRIBE', 'TOPIC', 'payments'),
    true,
    'a READ deny does not deny DESCRIBE',
  );
  assert.equal(a.authorize(reader, '1.2.3.4', 'DESCRIBE', 'GROUP', 'readers-1'), true, 'READ implies DESCRIBE');
  assert.equal(a.authorize(reader, '1.2.3.4', 'READ', 'GROUP', 'writers-1'), false, 'outside the prefix');
  assert.equal(a.authorize(reader, '1.2.3.4', 'WRITE', 'TOPIC', 'payouts'), false, 'READ does not imply WRITE');
  const writer = principal('writer');
  assert.equal(a.authorize(writer, '1.2.3.4', 'WRITE', 'TOPIC', 'payments'), true);
  assert.equal(a.authorize(writer, '1.2.3.4', 'DESCRIBE', 'TOPIC', 'payments'), true, 'WRITE implies DESCRIBE');
  assert.equal(a.authorize(writer, '1.2.3.4', 'DELETE', 'TOPIC', 'payments'), false);
  assert.equal(a.authorize(principal('nobody'), '1.2.3.4', 'DESCRIBE', 'TOPIC', 'payments'), false, 'default deny');
});

test('tenant admins (ALLOW ALL on the cluster) may do anything not explicitly denied; hosts are matched', () => {
  const a = authorizer([
    rule({ principal: 'User:admin', resourceType: 'CLUSTER', resourceName: 'kafka-cluster', operation: 'ALL' }),
    rule({ principal: 'User:admin', resourceName: 'secrets', operation: 'ALL', permission: 'DENY' }),
    rule({ principal: 'User:local', operation: 'READ', host: '10.0.0.1' }),
  ]);
  const admin = principal('admin');
  assert.equal(a.authorize(admin, 'h', 'DELETE', 'TOPIC', 'anything'), true);
  assert.equal(a.authorize(admin, 'h', 'READ', 'GROUP', 'any-group'), true);
  assert.equal(a.authorize(admin, 'h', 'READ', 'TOPIC', 'secrets'), false, 'an explicit deny still wins');
  assert.equal(a.authorize(principal('local'), '10.0.0.1', 'READ', 'TOPIC', 'payments'), true);
  assert.equal(a.authorize(principal('local'), '10.0.0.2', 'READ', 'TOPIC', 'payments'), false);
});
