import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RECENT_BATCHES_CAPACITY, RecentBatches } from '../../src/log/recent-batches.ts';

test('finds the batch holding an offset among the last ones, and nothing older or past the end', () => {
  const r = new RecentBatches();
  assert.equal(r.find(0), null, 'empty');
  // Batches of 10 offsets, 100 bytes each, one more than the capacity: the first falls out.
  for (let i = 0; i <= RECENT_BATCHES_CAPACITY; i++) r.add(i * 10, i * 10 + 9, i * 100, 100);
  assert.equal(r.find(5), null, 'the oldest batch was forgotten: the caller scans the file');
  assert.deepEqual(r.find(10), { position: 100, sizeBytes: 100 });
  assert.deepEqual(r.find(19), { position: 100, sizeBytes: 100 });
  assert.deepEqual(r.find(20), { position: 200, sizeBytes: 100 });
  const last = RECENT_BATCHES_CAPACITY * 10;
  assert.deepEqual(r.find(last + 9), { position: RECENT_BATCHES_CAPACITY * 100, sizeBytes: 100 });
  assert.equal(r.find(last + 10), null, 'past the newest batch');
  assert.throws(() => r.add(5, 6, 0, 10), /offset order/);
  r.clear();
  assert.equal(r.find(20), null);
});
