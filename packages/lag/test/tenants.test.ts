/** Tenant ownership from slug prefixes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slugTenantResolver } from '../src/tenants.ts';

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
