/**
 * The batch-header accessors the broker reads stored batches with: each returns the field encodeBatch wrote, at the
 * batch's start and at an offset inside a larger buffer (a segment read), and agrees with readBatchHeader.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD,
  batchAttributes,
  batchBaseOffset,
  batchBaseSequence,
  batchBaseTimestamp,
  batchCrcIsValid,
  batchLastOffset,
  batchLastOffsetDelta,
  batchLength,
  batchMagic,
  batchMaxTimestamp,
  batchOffsetCount,
  batchPartitionLeaderEpoch,
  batchProducerEpoch,
  batchProducerId,
  batchRecordCount,
  batchSizeAt,
  encodeBatch,
  readBatchHeader,
  rewriteBaseOffset,
  stampLogAppendTime,
  TIMESTAMP_TYPE_LOG_APPEND_BIT,
} from '../src/index.ts';

const batch = encodeBatch({
  baseOffset: 1_000n,
  partitionLeaderEpoch: 7,
  producerId: 42n,
  producerEpoch: 3,
  baseSequence: 11,
  attributes: 0,
  records: [
    { value: 'a', timestamp: 1_700_000_000_000n },
    { value: 'b', timestamp: 1_700_000_000_500n },
    { value: 'c', timestamp: 1_700_000_000_250n },
  ],
});

function expectFields(buf: Buffer, at: number): void {
  assert.equal(batchBaseOffset(buf, at), 1_000n);
  assert.equal(batchLength(buf, at), batch.length - BATCH_LOG_OVERHEAD);
  assert.equal(batchSizeAt(buf, at), batch.length);
  assert.equal(batchPartitionLeaderEpoch(buf, at), 7);
  assert.equal(batchMagic(buf, at), 2);
  assert.equal(batchAttributes(buf, at), 0);
  assert.equal(batchLastOffsetDelta(buf, at), 2);
  assert.equal(batchOffsetCount(buf, at), 3n);
  assert.equal(batchLastOffset(buf, at), 1_002n);
  assert.equal(batchBaseTimestamp(buf, at), 1_700_000_000_000n);
  assert.equal(batchMaxTimestamp(buf, at), 1_700_000_000_500n);
  assert.equal(batchProducerId(buf, at), 42n);
  assert.equal(batchProducerEpoch(buf, at), 3);
  assert.equal(batchBaseSequence(buf, at), 11);
  assert.equal(batchRecordCount(buf, at), 3);
}

test('each accessor reads the field encodeBatch wrote', () => {
  expectFields(batch, 0);
});

test('accessors read a batch at an offset inside a larger buffer', () => {
  const at = 37;
  const segment = Buffer.concat([Buffer.alloc(at, 0xee), batch, Buffer.alloc(BATCH_HEADER_BYTES, 0xee)]);
  expectFields(segment, at);
});

test('accessors agree with readBatchHeader', () => {
  const h = readBatchHeader(batch);
  assert.deepEqual(
    {
      baseOffset: batchBaseOffset(batch),
      lastOffsetDelta: batchLastOffsetDelta(batch),
      maxTimestamp: batchMaxTimestamp(batch),
      recordCount: batchRecordCount(batch),
      attributes: batchAttributes(batch),
    },
    {
      baseOffset: h.baseOffset,
      lastOffsetDelta: h.lastOffsetDelta,
      maxTimestamp: h.maxTimestamp,
      recordCount: h.recordCount,
      attributes: h.attributes,
    },
  );
});

test('rewriting the base offset and stamping LogAppendTime show through the accessors, CRC still valid', () => {
  const copy = Buffer.from(batch);
  rewriteBaseOffset(copy, 5_000n);
  stampLogAppendTime(copy, 1_800_000_000_000n);
  assert.equal(batchBaseOffset(copy), 5_000n);
  assert.equal(batchLastOffset(copy), 5_002n);
  assert.equal(batchMaxTimestamp(copy), 1_800_000_000_000n);
  assert.equal(batchAttributes(copy) & TIMESTAMP_TYPE_LOG_APPEND_BIT, TIMESTAMP_TYPE_LOG_APPEND_BIT);
  assert.ok(batchCrcIsValid(copy));
});
