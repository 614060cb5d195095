/** Retention by time and size, and DeleteRecords: whole segments go, the log start offset moves, reads follow. */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { FileHandleCache } from '../../src/log/file-handle-cache.ts';
import { PartitionLog } from '../../src/log/partition-log.ts';
import { OffsetOutOfRangeError } from '../../src/log/types.ts';
import { baseConfig, batch, batchBaseOffsets, ManualClock, recordsIn, withTempDir } from './helpers.ts';

const ONE_BATCH_BYTES = batch(1, { valueBytes: 100 }).length;
/** Three one-record batches per segment. */
const smallSegments = { ...baseConfig, segmentBytes: ONE_BATCH_BYTES * 3 };

async function logFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.log')).sort();
}

test('retention by time deletes whole segments whose newest record is too old, never the active one', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const clock = new ManualClock(1_000_000);
    const log = await PartitionLog.open(
      dir,
      { ...smallSegments, retentionMs: 60_000 },
      { handles, nowMs: clock.nowMs },
    );
    // Offsets 0..8 stamped at t=100_000..., offsets 9..11 much later.
    for (let i = 0; i < 9; i++) await log.append([batch(1, { valueBytes: 100, timestampMs: BigInt(100_000 + i) })]);
    for (let i = 0; i < 3; i++) await log.append([batch(1, { valueBytes: 100, timestampMs: 1_000_000n })]);
    assert.deepEqual(log.segmentBaseOffsets, [0n, 3n, 6n, 9n]);
    assert.deepEqual(await log.applyRetention(), { deletedSegments: 3, deletedBytes: ONE_BATCH_BYTES * 9 });
    assert.deepEqual(log.segmentBaseOffsets, [9n]);
    assert.equal(log.logStartOffset, 9n);
    assert.equal(log.logEndOffset, 12n);
    assert.deepEqual(await logFiles(dir), ['00000000000000000009.log']);
    await assert.rejects(log.read(0n, 1000), OffsetOutOfRangeError);
    assert.deepEqual(batchBaseOffsets((await log.read(9n, 1 << 20)).chunks), [9n, 10n, 11n]);

    // Everything is old now, but the active segment stays.
    clock.advance(10 * 60_000);
    assert.deepEqual(await log.applyRetention(), { deletedSegments: 0, deletedBytes: 0 });
    assert.equal(log.segmentCount, 1);
    // Appends go on at the right offsets.
    const r = await log.append([batch(1, { valueBytes: 100, timestampMs: BigInt(clock.ms) })]);
    assert.equal(r.baseOffset, 12n);
    assert.equal(r.logStartOffset, 9n);
    await log.close();
    await handles.closeAll();
  });
});

test('retention by size deletes the oldest segments while the partition is larger than retentionBytes', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const log = await PartitionLog.open(dir, { ...smallSegments, retentionBytes: ONE_BATCH_BYTES * 5 }, { handles });
    for (let i = 0; i < 11; i++) await log.append([batch(1, { valueBytes: 100 })]);
    assert.deepEqual(log.segmentBaseOffsets, [0n, 3n, 6n, 9n]);
    assert.equal(log.sizeBytes, ONE_BATCH_BYTES * 11);
    const result = await log.applyRetention();
    assert.deepEqual(result, { deletedSegments: 2, deletedBytes: ONE_BATCH_BYTES * 6 });
    assert.deepEqual(log.segmentBaseOffsets, [6n, 9n]);
    assert.equal(log.logStartOffset, 6n);
    assert.ok(log.sizeBytes <= ONE_BATCH_BYTES * 5);
    assert.deepEqual(await logFiles(dir), ['00000000000000000006.log', '00000000000000000009.log']);
    // -1 means unlimited.
    log.updateConfig({ ...smallSegments, retentionBytes: -1 });
    for (let i = 0; i < 6; i++) await log.append([batch(1, { valueBytes: 100 })]);
    assert.deepEqual(await log.applyRetention(), { deletedSegments: 0, deletedBytes: 0 });
    await log.close();
    await handles.closeAll();
  });
});

test('a reader holding a segment that retention deletes either finishes or gets OffsetOutOfRange', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache({ maxOpenFiles: 2 });
    const log = await PartitionLog.open(dir, { ...smallSegments, retentionBytes: 0 }, { handles });
    for (let i = 0; i < 30; i++) await log.append([batch(1, { valueBytes: 100 })]);
    const reads = Array.from({ length: 20 }, (_, i) =>
      log.read(BigInt(i), 1 << 20).then(
        (r) => ({ ok: true as const, first: recordsIn(r.chunks)[0]?.offset }),
        (err) => ({ ok: false as const, err }),
      ),
    );
    const retention = log.applyRetention();
    const results = await Promise.all(reads);
    assert.equal((await retention).deletedSegments, 9);
    for (const r of results) {
      if (r.ok) assert.equal(typeof r.first, 'bigint');
      else assert.ok(r.err instanceof OffsetOutOfRangeError, String(r.err));
    }
    assert.equal(log.logStartOffset, 27n);
    await log.close();
    await handles.closeAll();
  });
});

test('deleteRecordsBefore moves the log start, deletes whole segments below it and persists it', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const log = await PartitionLog.open(dir, smallSegments, { handles });
    for (let i = 0; i < 10; i++) await log.append([batch(1, { valueBytes: 100 })]);
    assert.deepEqual(log.segmentBaseOffsets, [0n, 3n, 6n, 9n]);
    assert.equal(await log.deleteRecordsBefore(4n), 4n);
    assert.deepEqual(log.segmentBaseOffsets, [3n, 6n, 9n]);
    assert.equal(log.logStartOffset, 4n);
    await assert.rejects(log.read(3n, 1000), OffsetOutOfRangeError);
    // A read at the start returns the batch containing it.
    assert.deepEqual(batchBaseOffsets((await log.read(4n, 1 << 20)).chunks).slice(0, 1), [4n]);
    // Lower targets change nothing.
    assert.equal(await log.deleteRecordsBefore(2n), 4n);
    await assert.rejects(log.deleteRecordsBefore(11n), OffsetOutOfRangeError);
    // Up to the end: everything but the active segment goes, reads at the end are empty.
    assert.equal(await log.deleteRecordsBefore(10n), 10n);
    assert.deepEqual(log.segmentBaseOffsets, [9n]);
    assert.equal((await log.read(10n, 1000)).bytes, 0);
    await log.close();

    const reopened = await PartitionLog.open(dir, smallSegments, { handles });
    assert.equal(reopened.logStartOffset, 10n);
    assert.equal(reopened.logEndOffset, 10n);
    await assert.rejects(reopened.read(9n, 1000), OffsetOutOfRangeError);
    assert.equal((await reopened.append([batch(1)])).baseOffset, 10n);
    await reopened.close();
    await handles.closeAll();
  });
});

test('destroy removes the partition directory', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const partitionDir = `${dir}/topic-0`;
    const log = await PartitionLog.open(partitionDir, smallSegments, { handles });
    await log.append([batch(3)]);
    await log.destroy();
    assert.deepEqual(await readdir(dir), []);
    await handles.closeAll();
  });
});
