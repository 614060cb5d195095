/** Recovery: a torn or corrupt tail is cut at the last whole batch; a clean restart keeps everything. */
import assert from 'node:assert/strict';
import { appendFile, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileHandleCache } from '../../src/log/file-handle-cache.ts';
import { LOG_START_OFFSET_FILE, PartitionLog } from '../../src/log/partition-log.ts';
import { baseConfig, batch, batchBaseOffsets, recordsIn, withTempDir } from './helpers.ts';

const config = { ...baseConfig, segmentBytes: 2000, indexIntervalBytes: 200 };

/** Appends `count` batches of 2 records and "crashes": handles closed, nothing flushed or persisted by close(). */
async function writeAndCrash(dir: string, count: number): Promise<{ lastSegment: string; lastBatchBytes: number }> {
  const handles = new FileHandleCache();
  const log = await PartitionLog.open(dir, config, { handles });
  let lastBatchBytes = 0;
  for (let i = 0; i < count; i++) {
    const b = batch(2, { prefix: `r${i}`, valueBytes: 50, timestampMs: BigInt(10_000 + i * 10) });
    lastBatchBytes = b.length;
    await log.append([b]);
  }
  await handles.closeAll();
  const segments = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort();
  return { lastSegment: join(dir, segments[segments.length - 1]), lastBatchBytes };
}

async function reopen(dir: string): Promise<{ log: PartitionLog; handles: FileHandleCache }> {
  const handles = new FileHandleCache();
  return { log: await PartitionLog.open(dir, config, { handles }), handles };
}

test('a torn last batch is truncated and appends continue at the right offset', async () => {
  await withTempDir(async (dir) => {
    const { lastSegment, lastBatchBytes } = await writeAndCrash(dir, 40);
    const sizeBefore = (await stat(lastSegment)).size;
    await truncate(lastSegment, sizeBefore - 10);
    const { log, handles } = await reopen(dir);
    assert.equal(log.logEndOffset, 78n, 'the 40th batch (offsets 78, 79) is gone');
    assert.equal((await stat(lastSegment)).size, sizeBefore - lastBatchBytes);
    const r = await log.append([batch(1, { prefix: 'after' })]);
    assert.equal(r.baseOffset, 78n);
    const recs = recordsIn((await log.read(0n, 1 << 20)).chunks);
    assert.equal(recs.length, 79);
    for (let i = 0; i < recs.length; i++) assert.equal(recs[i].offset, BigInt(i));
    assert.ok(recs[77].value.startsWith('r38-1'));
    assert.equal(recs[78].value, 'after-0');
    await log.close();
    await handles.closeAll();
  });
});

test('half a batch header of garbage at the end is cut off', async () => {
  await withTempDir(async (dir) => {
    const { lastSegment } = await writeAndCrash(dir, 5);
    const sizeBefore = (await stat(lastSegment)).size;
    await appendFile(lastSegment, Buffer.from('0000000000000003000000ff00', 'hex'));
    const { log, handles } = await reopen(dir);
    assert.equal(log.logEndOffset, 10n);
    assert.equal((await stat(lastSegment)).size, sizeBefore);
    assert.equal((await log.append([batch(1)])).baseOffset, 10n);
    await log.close();
    await handles.closeAll();
  });
});

test('a batch with a bad CRC in the active segment truncates it and everything after it', async () => {
  await withTempDir(async (dir) => {
    const { lastSegment, lastBatchBytes } = await writeAndCrash(dir, 8);
    const bytes = await readFile(lastSegment);
    const batchCount = bytes.length / lastBatchBytes;
    assert.ok(batchCount >= 3);
    // Flip one byte inside the records of the second-to-last batch.
    const victim = bytes.length - 2 * lastBatchBytes;
    bytes[victim + 70] ^= 0xff;
    await writeFile(lastSegment, bytes);
    const firstOffsetInSegment = BigInt(lastSegment.slice(-24, -4));
    const { log, handles } = await reopen(dir);
    assert.equal(log.logEndOffset, 12n, 'batches 7 and 8 (offsets 12..15) are gone');
    assert.equal((await stat(lastSegment)).size, victim);
    assert.equal(firstOffsetInSegment, 0n);
    assert.equal((await log.append([batch(1)])).baseOffset, 12n);
    await log.close();
    await handles.closeAll();
  });
});

test('a clean close and reopen keeps segments, offsets, timestamps and the log start offset', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const log = await PartitionLog.open(dir, config, { handles });
    for (let i = 0; i < 50; i++) {
      await log.append([batch(2, { prefix: `r${i}`, valueBytes: 50, timestampMs: BigInt(10_000 + i * 10) })]);
    }
    await log.deleteRecordsBefore(31n);
    const before = {
      segments: log.segmentBaseOffsets,
      start: log.logStartOffset,
      end: log.logEndOffset,
      size: log.sizeBytes,
      max: log.maxTimestampOffset(),
      ts: await log.offsetForTimestamp(10_255n),
      read: await log.read(40n, 1 << 20),
    };
    await log.close();
    assert.equal((await readFile(join(dir, LOG_START_OFFSET_FILE), 'utf8')).trim(), '31');
    await handles.closeAll();

    const again = await reopen(dir);
    const after = again.log;
    assert.equal(after.segmentsLoadedFromIndexes, before.segments.length, 'every segment loads its indexes');
    assert.deepEqual(after.segmentBaseOffsets, before.segments);
    assert.equal(after.logStartOffset, 31n);
    assert.equal(after.logEndOffset, 100n);
    assert.equal(after.sizeBytes, before.size);
    assert.deepEqual(after.maxTimestampOffset(), before.max);
    assert.deepEqual(await after.offsetForTimestamp(10_255n), before.ts);
    assert.deepEqual(before.ts, { offset: 52n, timestamp: 10_260n });
    const read = await after.read(40n, 1 << 20);
    assert.deepEqual(Buffer.concat(read.chunks), Buffer.concat(before.read.chunks));
    assert.deepEqual(batchBaseOffsets(read.chunks)[0], 40n);
    assert.equal((await after.append([batch(1)])).baseOffset, 100n);
    await after.close();
    await again.handles.closeAll();
  });
});

test('a log whose segments were all deleted restarts at its checkpointed start offset', async () => {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, LOG_START_OFFSET_FILE), '500\n');
    const { log, handles } = await reopen(dir);
    assert.equal(log.logStartOffset, 500n);
    assert.equal(log.logEndOffset, 500n);
    assert.deepEqual(log.segmentBaseOffsets, [500n]);
    assert.equal((await log.append([batch(2)])).baseOffset, 500n);
    await log.close();
    await handles.closeAll();
  });
});

test('a garbled checkpoint is ignored in favour of the first segment', async () => {
  await withTempDir(async (dir) => {
    await writeAndCrash(dir, 3);
    await writeFile(join(dir, LOG_START_OFFSET_FILE), 'not a number');
    const { log, handles } = await reopen(dir);
    assert.equal(log.logStartOffset, 0n);
    assert.equal(log.logEndOffset, 6n);
    assert.equal((await readFile(join(dir, LOG_START_OFFSET_FILE), 'utf8')).trim(), '0');
    await log.close();
    await handles.closeAll();
  });
});

test('missing, torn or wrong index files are ignored: the segment is scanned instead', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const log = await PartitionLog.open(dir, config, { handles });
    for (let i = 0; i < 60; i++) {
      await log.append([batch(2, { prefix: `r${i}`, valueBytes: 50, timestampMs: BigInt(10_000 + i * 10) })]);
    }
    const segments = log.segmentBaseOffsets;
    assert.ok(segments.length >= 5);
    const expected = {
      read: Buffer.concat((await log.read(0n, 1 << 20)).chunks),
      max: log.maxTimestampOffset(),
      ts: await log.offsetForTimestamp(10_333n),
    };
    await log.close();
    await handles.closeAll();

    const name = (base: bigint, ext: string) => join(dir, base.toString().padStart(20, '0') + ext);
    await rm(name(segments[0], '.index'));
    await truncate(name(segments[1], '.timeindex'), 5);
    // An entry pointing into the middle of a batch.
    const idx = await readFile(name(segments[2], '.index'));
    assert.ok(idx.length >= 8);
    idx.writeInt32BE(idx.readInt32BE(idx.length - 4) + 3, idx.length - 4);
    await writeFile(name(segments[2], '.index'), idx);
    // A torn offset index (not a whole number of entries).
    await appendFile(name(segments[3], '.index'), Buffer.from([1, 2, 3]));

    const again = await reopen(dir);
    assert.equal(again.log.segmentsLoadedFromIndexes, segments.length - 4);
    assert.deepEqual(Buffer.concat((await again.log.read(0n, 1 << 20)).chunks), expected.read);
    assert.deepEqual(again.log.maxTimestampOffset(), expected.max);
    assert.deepEqual(await again.log.offsetForTimestamp(10_333n), expected.ts);
    for (let i = 0n; i < 120n; i += 7n) {
      assert.equal(batchBaseOffsets((await again.log.read(i, 1)).chunks)[0], i - (i % 2n));
    }
    await again.log.close();
    await again.handles.closeAll();
  });
});

test('a crash after a clean restart recovers the active segment from its close-time index plus a checked tail', async () => {
  await withTempDir(async (dir) => {
    // Recent timestamps: after a restart the first batch's timestamp decides time-based rolling.
    const now = BigInt(Date.now());
    const first = await reopen(dir);
    for (let i = 0; i < 5; i++)
      await first.log.append([batch(2, { prefix: `a${i}`, valueBytes: 50, timestampMs: now })]);
    await first.log.close();
    await first.handles.closeAll();

    // Restart, append more into the same active segment, crash, and tear the last batch.
    const second = await reopen(dir);
    assert.equal(second.log.segmentsLoadedFromIndexes, 1);
    assert.equal(second.log.segmentCount, 1);
    for (let i = 0; i < 5; i++)
      await second.log.append([batch(2, { prefix: `b${i}`, valueBytes: 50, timestampMs: now })]);
    await second.handles.closeAll();
    const segment = join(dir, '00000000000000000000.log');
    const bytes = await readFile(segment);
    bytes[bytes.length - 30] ^= 0xff; // corrupt the records of the last batch: only its CRC can tell
    await writeFile(segment, bytes);

    const third = await reopen(dir);
    assert.equal(third.log.logEndOffset, 18n);
    const recs = recordsIn((await third.log.read(0n, 1 << 20)).chunks);
    assert.equal(recs.length, 18);
    assert.ok(recs[17].value.startsWith('b3-1'));
    assert.equal((await third.log.append([batch(1, { prefix: 'c' })])).baseOffset, 18n);
    await third.log.close();
    await third.handles.closeAll();
  });
});

test('indexes that no longer fit a shortened log are rewritten, so they cannot mislead a later open', async () => {
  await withTempDir(async (dir) => {
    const now = BigInt(Date.now());
    const first = await reopen(dir);
    for (let i = 0; i < 8; i++)
      await first.log.append([batch(2, { prefix: `a${i}`, valueBytes: 50, timestampMs: now })]);
    await first.log.close();
    await first.handles.closeAll();
    const segment = join(dir, '00000000000000000000.log');
    const batchBytes = (await stat(segment)).size / 8;
    await truncate(segment, batchBytes * 3 + 20); // the disk lost the last five and a bit batches

    const second = await reopen(dir);
    assert.equal(second.log.segmentsLoadedFromIndexes, 0);
    assert.equal(second.log.logEndOffset, 6n);
    const index = await readFile(join(dir, '00000000000000000000.index'));
    for (let at = 0; at < index.length; at += 8) assert.ok(index.readInt32BE(at + 4) < batchBytes * 3);
    for (let i = 0; i < 8; i++)
      await second.log.append([batch(2, { prefix: `b${i}`, valueBytes: 50, timestampMs: now })]);
    await second.log.close();
    await second.handles.closeAll();

    const third = await reopen(dir);
    assert.equal(third.log.segmentsLoadedFromIndexes, 1);
    assert.equal(third.log.logEndOffset, 22n);
    for (let o = 0n; o < 22n; o++) {
      const r = await third.log.read(o, 1);
      assert.equal(batchBaseOffsets(r.chunks)[0], o - (o % 2n), `read at ${o}`);
    }
    await third.log.close();
    await third.handles.closeAll();
  });
});
