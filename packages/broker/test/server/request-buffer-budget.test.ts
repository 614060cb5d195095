/** RequestBufferBudget: reservations never exceed the budget, strangers get a quarter, waiters are woken in order. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestBufferBudget } from '../../src/server/request-buffer-budget.ts';

test('reservations stay within the budget and unauthenticated ones within a quarter of it', () => {
  const budget = new RequestBufferBudget(1000);
  assert.equal(budget.tryReserve(200, 'unauthenticated'), true);
  assert.equal(budget.tryReserve(100, 'unauthenticated'), false, 'over the quarter (250)');
  assert.equal(budget.tryReserve(800, 'authenticated'), true);
  assert.equal(budget.tryReserve(1, 'authenticated'), false, 'the whole budget is taken');
  budget.release(200, 'unauthenticated');
  assert.equal(budget.unauthenticatedBytes, 0);
  assert.equal(budget.tryReserve(200, 'authenticated'), true);
  assert.equal(budget.tryReserve(1, 'unauthenticated'), false, 'a stranger cannot take what is left either');
  assert.throws(() => budget.release(1, 'unauthenticated'), /below zero/);
});

test('a release wakes the waiters in the order they came, until one cancels', () => {
  const budget = new RequestBufferBudget(100);
  assert.equal(budget.tryReserve(100, 'authenticated'), true);
  const woken: string[] = [];
  const first = () => {
    woken.push('first');
    if (budget.tryReserve(60, 'authenticated')) budget.cancel(first);
  };
  const second = () => {
    woken.push('second');
    if (budget.tryReserve(60, 'authenticated')) budget.cancel(second);
  };
  budget.wait(first);
  budget.wait(second);
  budget.release(100, 'authenticated');
  assert.deepEqual(woken, ['first', 'second'], 'both tried, the first got the room');
  assert.equal(budget.authenticatedBytes, 60);
  assert.equal(budget.waitingConnections, 1);
  budget.release(60, 'authenticated');
  assert.equal(budget.waitingConnections, 0);
  assert.equal(budget.authenticatedBytes, 60);
});
