/** The new offset of a partition for each reset target (pure). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newOffsetFor, ResetSpecSchema } from '../src/reset.ts';

test('earliest, latest, timestamp and offset targets, clamped into [log start, log end]', () => {
  assert.equal(newOffsetFor({ to: 'earliest' }, 40, 100, null), 40);
  assert.equal(newOffsetFor({ to: 'latest' }, 40, 100, null), 100);
  assert.equal(newOffsetFor({ to: 'timestamp', timestampMs: 1 }, 40, 100, 70), 70);
  assert.equal(newOffsetFor({ to: 'timestamp', timestampMs: 1 }, 40, 100, -1), 100, 'nothing at or after: log end');
  assert.equal(newOffsetFor({ to: 'timestamp', timestampMs: 1 }, 40, 100, 10), 40, 'below log start: log start');
  assert.equal(newOffsetFor({ to: 'offset', offset: 5 }, 40, 100, null), 40);
  assert.equal(newOffsetFor({ to: 'offset', offset: 500 }, 40, 100, null), 100);
  assert.equal(newOffsetFor({ to: 'offset', offset: 77 }, 40, 100, null), 77);
  assert.throws(() => ResetSpecSchema.parse({ to: 'offset', offset: -1 }));
  assert.throws(() => ResetSpecSchema.parse({ to: 'yesterday' }));
});
