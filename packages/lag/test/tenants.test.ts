/** Tenant ownership from slug prefixes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignedTopicCandidates, namespacedAssignments, slugTenantResolver } from '../src/tenants.ts';

test('a group belongs to its own prefix, else to the one tenant owning all its topics', () => {
  const resolve = slugTenantResolver(
    new Map([
      ['acme', 'A'],
      ['globex', 'G'],
    ]),
  );
  assert.equal(resolve('acme.billing', ['globex.orders']), 'A');
  assert.equal(resolve('billing', ['globex.orders', 'globex.refunds']), 'G');
  assert.equal(resolve('billing', ['globex.orders', 'acme.orders']), null);
  assert.equal(resolve('billing', ['orders']), null);
  assert.equal(resolve('unknown.billing', []), null);
});

test("a tenant member's assignment (`orders`) meets the group's offsets (`acme.orders`)", () => {
  const member = (assignments: Record<string, number[]>) => ({
    memberId: 'm',
    clientId: 'c',
    clientHost: 'h',
    assignments,
  });
  const committed = new Set(['acme.orders', 'acme.refunds', 'audit']);
  assert.deepEqual(
    namespacedAssignments(
      'acme.billing',
      [member({ orders: [0, 1], 'acme.refunds': [0], audit: [2], fresh: [0] })],
      committed,
    )[0]!.assignments,
    { 'acme.orders': [0, 1], 'acme.refunds': [0], audit: [2], fresh: [0] },
  );
  // Groups without a namespace are left alone.
  assert.deepEqual(namespacedAssignments('billing', [member({ orders: [0] })], committed)[0]!.assignments, {
    orders: [0],
  });
});

test("a tenant's assignment names only its own topics: `globex.orders` from acme means `acme.globex.orders`", () => {
  const member = { memberId: 'm', clientId: 'c', clientHost: 'h', assignments: { orders: [0], 'globex.orders': [0] } };
  const known = new Set(['acme.orders', 'globex.orders']);
  assert.deepEqual(namespacedAssignments('acme.billing', [member], known, 'acme')[0]!.assignments, {
    'acme.orders': [0],
    'acme.globex.orders': [0],
  });
  // A name already in the tenant's namespace stays when only it exists (a superuser client in the group).
  const own = { ...member, assignments: { 'acme.orders': [1] } };
  assert.deepEqual(namespacedAssignments('acme.billing', [own], known, 'acme')[0]!.assignments, {
    'acme.orders': [1],
  });
  assert.deepEqual(assignedTopicCandidates('acme.billing', 'globex.orders', 'acme'), ['acme.globex.orders']);
  assert.deepEqual(assignedTopicCandidates('my.app', 'orders', null), ['orders', 'my.orders']);
});
