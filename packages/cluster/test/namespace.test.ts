import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brokerName, localName, namespaceOf, tenantNamespace } from '@samsa/cluster/namespace';

test('a tenant name maps to the broker name and back', () => {
  assert.equal(tenantNamespace('acme'), 'acme.');
  assert.equal(brokerName('acme', 'orders'), 'acme.orders');
  assert.equal(localName('acme', brokerName('acme', 'orders')), 'orders');
  // A tenant's name may itself contain dots: only the first dot separates the namespace.
  assert.equal(brokerName('acme', 'eu.orders'), 'acme.eu.orders');
  assert.equal(localName('acme', 'acme.eu.orders'), 'eu.orders');
  assert.equal(namespaceOf('acme.eu.orders'), 'acme');
});

test('names outside the namespace stay whole', () => {
  assert.equal(localName('acme', 'globex.orders'), 'globex.orders');
  assert.equal(localName('acme', 'acmeorders'), 'acmeorders');
  assert.equal(localName('acme', 'acme-x.orders'), 'acme-x.orders');
  assert.equal(localName(null, 'acme.orders'), 'acme.orders');
});

test('a name without a namespace has none', () => {
  assert.equal(namespaceOf('orders'), null);
  assert.equal(namespaceOf('.orders'), null);
  assert.equal(namespaceOf(''), null);
});
