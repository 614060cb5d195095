import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { batchCrcIsValid, crc32c, encodeBatch } from '@samsa/protocol';
import { crc32cImplementation, fastCrc32c } from '../../src/log/crc32c.ts';

test('the broker uses the CPU CRC-32C here, and it agrees with the protocol table implementation', () => {
  assert.equal(crc32cImplementation, 'native', 'the prebuilt @node-rs/crc32 binary loads on linux-x64');
  const fast = fastCrc32c;
  assert.ok(fast);
  assert.equal(fast(Buffer.from('123456789')), 0xe3069283, 'the CRC-32C check value');
  for (const size of [0, 1, 7, 8, 9, 63, 64, 1000, 65_536 + 3]) {
    const bytes = randomBytes(size + 5).subarray(5); // a view at an odd offset, as batches inside a frame are
    assert.equal(fast(bytes), crc32c(bytes), `size ${size}`);
  }
});

test('batches are validated the same with either implementation', () => {
  const batch = encodeBatch({ records: [{ key: 'k', value: 'v' }] });
  assert.ok(batchCrcIsValid(batch, fastCrc32c));
  batch[batch.length - 1]! ^= 1;
  assert.equal(batchCrcIsValid(batch, fastCrc32c), false);
  assert.equal(batchCrcIsValid(batch), false);
});
