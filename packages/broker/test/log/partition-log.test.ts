/** PartitionLog: appends, reads across segments, rolling, KIP-74, range errors, timestamps, group commit. */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';

import { batchCrcIsValid, readBatchHeader } from '@samsa/protocol';
import { FileHandleCache } from '../../src/log/file-handle-cache.ts';
import { PartitionLog } from '../../src/log/partition-log.ts';
import { LogClosedError, OffsetOutOfRangeError } from '../../src/log/types.ts';
import { baseConfig, batch, batchBaseOffsets, ManualClock, recordsIn, withTempDir } from './helpers.ts';

test('append then read round-trips across many segments', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache({ maxOpenFiles: 8 });
    const log = await PartitionLog.open(
      dir,
      { ...baseConfig, segmentBytes: 1024, indexIntervalBytes: 256 },
      { handles },
    );
    assert.equal(log.logStartOffset, 0n);
    assert.equal(log.logEndOffset, 0n);
    let expected = 0n;
    for (let i = 0; i < 100; i++) {
      const r = await log.append([batch(3, { prefix: `b${i}` })]);
      assert.equal(r.baseOffset, expected);
      assert.equal(r.lastOffset, expected + 2n);
      assert.equal(r.logAppendTimeMs, -1n);
      expected += 3n;
    }
    assert.equal(log.logEndOffset, 300n);
    assert.ok(log.segmentCount > 5, `rolled into many segments (${log.segmentCount})`);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort();
    assert.equal(files.length, log.segmentCount);
    assert.equal(files[0], '00000000000000000000.log');

    // Read everything back in pieces, as a consumer would.
    const seen: string[] = [];
    let offset = 0n;
    while (offset < log.logEndOffset) {
      const r = await log.read(offset, 1000);
      assert.ok(r.bytes > 0);
      assert.equal(r.highWatermark, 300n);
      for (const rec of recordsIn(r.chunks)) {
        if (rec.offset < offset) continue;
        assert.equal(rec.offset, BigInt(seen.length));
        seen.push(rec.value);
      }
      offset = BigInt(seen.length);
    }
    assert.equal(seen.length, 300);
    assert.equal(seen[0], 'b0-0');
    assert.equal(seen[299], 'b99-2');

    // Every stored batch keeps a valid CRC: only baseOffset was rewritten.
    const all = await log.read(0n, 10_000_000);
    let at = 0;
    for (const chunk of all.chunks) {
      at = 0;
      while (at < chunk.length) {
        const size = 12 + chunk.readInt32BE(at + 8);
        assert.ok(batchCrcIsValid(chunk.subarray(at, at + size)));
        at += size;
      }
    }
    assert.equal(all.bytes, log.sizeBytes);
    await log.close();
    await handles.closeAll();
  });
});

test('several batches in one append get consecutive offsets', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const log = await PartitionLog.open(dir, baseConfig, { handles });
    const r = await log.append([batch(2), batch(5), batch(1)]);
    assert.equal(r.baseOffset, 0n);
    assert.equal(r.lastOffset, 7n);
    const read = await log.read(0n, 1 << 20);
    assert.deepEqual(batchBaseOffsets(read.chunks), [0n, 2n, 7n]);
    assert.deepEqual(
      recordsIn(read.chunks).map((x) => x.offset),
      [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n],
    );
    await log.close();
    await handles.closeAll();
  });
});

test('reading from an offset inside a batch returns that whole batch', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const log = await PartitionLog.open(dir, { ...baseConfig, indexIntervalBytes: 0 }, { handles });
    await log.append([batch(10, { prefix: 'a' })]);
    await log.append([batch(10, { prefix: 'b' })]);
    await log.append([batch(10, { prefix: 'c' })]);
    const r = await log.read(15n, 1 << 20);
    assert.deepEqual(batchBaseOffsets(r.chunks), [10n, 20n]);
    const r2 = await log.read(29n, 1 << 20);
    assert.deepEqual(batchBaseOffsets(r2.chunks), [20n]);
    await log.close();
    await handles.closeAll();
  });
});

test('maxBytes returns whole batches only; an oversize first batch comes back whole (KIP-74)', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const log = await PartitionLog.open(dir, baseConfig, { handles });
    await log.append([batch(1, { valueBytes: 5000 })]);
    await log.append([batch(1, { valueBytes: 100 })]);
    const big = await log.read(0n, 100);
    assert.deepEqual(batchBaseOffsets(big.chunks), [0n]);
    assert.ok(big.bytes > 5000);
    const none = await log.read(0n, 100, { minOneBatch: false });
    assert.equal(none.bytes, 0);
    assert.deepEqual(none.chunks, []);
    const firstOnly = await log.read(0n, big.bytes + 10);
    assert.deepEqual(batchBaseOffsets(firstOnly.chunks), [0n]);
    const both = await log.read(0n, 1 << 20);
    assert.deepEqual(batchBaseOffsets(both.chunks), [0n, 1n]);
    await log.close();
    await handles.closeAll();
  });
});

test('a partial read of one segment does not skip into the next one', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const log = await PartitionLog.open(dir, { ...baseConfig, segmentBytes: 400 }, { handles });
    await log.append([batch(1, { valueBytes: 150 })]);
    await log.append([batch(1, { valueBytes: 150 })]);
    await log.append([batch(1, { valueBytes: 10 })]); // rolls: the next segment starts with a small batch
    assert.equal(log.segmentCount, 2);
    const one = (await log.read(0n, 1 << 20)).chunks.reduce((n, c) => n + c.length, 0);
    const first = await log.read(0n, 300);
    // The second batch of segment 0 does not fit, and the small batch of segment 1 must not be returned instead.
    assert.deepEqual(batchBaseOffsets(first.chunks), [0n]);
    assert.ok(one > first.bytes);
    await log.close();
    await handles.closeAll();
  });
});

test('out-of-range reads throw OffsetOutOfRangeError; the end offset gives an empty read', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const log = await PartitionLog.open(dir, baseConfig, { handles });
    const empty = await log.read(0n, 1000);
    assert.deepEqual(empty, { chunks: [], bytes: 0, highWatermark: 0n, logStartOffset: 0n });
    await log.append([batch(5)]);
    await assert.rejects(log.read(6n, 1000), OffsetOutOfRangeError);
    await assert.rejects(log.read(-1n, 1000), OffsetOutOfRangeError);
    const atEnd = await log.read(5n, 1000);
    assert.equal(atEnd.bytes, 0);
    assert.equal(atEnd.highWatermark, 5n);
    await log.close();
    await assert.rejects(log.append([batch(1)]), LogClosedError);
    await assert.rejects(log.read(0n, 10), LogClosedError);
    await handles.closeAll();
  });
});

test('rolls by size before the segment would exceed segmentBytes', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const one = batch(1, { valueBytes: 200 }).length;
    const log = await PartitionLog.open(dir, { ...baseConfig, segmentBytes: one * 3 }, { handles });
    for (let i = 0; i < 7; i++) await log.append([batch(1, { valueBytes: 200 })]);
    assert.deepEqual(log.segmentBaseOffsets, [0n, 3n, 6n]);
    // A batch bigger than a whole segment still goes in, alone in a fresh segment.
    await log.append([batch(1, { valueBytes: one * 4 })]);
    assert.deepEqual(log.segmentBaseOffsets, [0n, 3n, 6n, 7n]);
    assert.ok(log.fsyncCount >= 3, 'each roll fsyncs the sealed segment');
    await log.close();
    await handles.closeAll();
  });
});

test('rolls by time with a controlled clock', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const clock = new ManualClock();
    const log = await PartitionLog.open(dir, { ...baseConfig, segmentMs: 60_000 }, { handles, nowMs: clock.nowMs });
    await log.append([batch(1)]);
    clock.advance(30_000);
    await log.append([batch(1)]);
    assert.equal(log.segmentCount, 1);
    clock.advance(30_001);
    await log.append([batch(1)]);
    assert.deepEqual(log.segmentBaseOffsets, [0n, 2n]);
    clock.advance(59_000);
    await log.append([batch(1)]);
    assert.equal(log.segmentCount, 2);
    await log.close();
    await handles.closeAll();
  });
});

test('LogAppendTime stamps batches and keeps their CRC valid', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const clock = new ManualClock(5_000_000);
    const log = await PartitionLog.open(dir, baseConfig, {
      handles,
      nowMs: clock.nowMs,
      timestampType: 'LogAppendTime',
    });
    const r = await log.append([batch(2, { timestampMs: 10n })]);
    assert.equal(r.logAppendTimeMs, 5_000_000n);
    const r2 = await log.append([batch(2, { timestampMs: 10n })], { logAppendTimeMs: 6_000_000n });
    assert.equal(r2.logAppendTimeMs, 6_000_000n);
    const read = await log.read(0n, 1 << 20);
    const chunk = read.chunks[0];
    const h = readBatchHeader(chunk);
    assert.equal(h.maxTimestamp, 5_000_000n);
    assert.equal(h.attributes & 0x08, 0x08);
    assert.ok(batchCrcIsValid(chunk.subarray(0, 12 + h.batchLength)));
    assert.deepEqual(log.maxTimestampOffset(), { offset: 2n, timestamp: 6_000_000n });
    await log.close();
    await handles.closeAll();
  });
});

test('offsetForTimestamp finds the first record at or after a timestamp; maxTimestampOffset the newest', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const log = await PartitionLog.open(
      dir,
      { ...baseConfig, segmentBytes: 600, indexIntervalBytes: 100 },
      { handles },
    );
    // Batch i holds offsets 4i..4i+3 with timestamps 1000*i + 0..3.
    for (let i = 0; i < 30; i++) await log.append([batch(4, { timestampMs: BigInt(1000 * (i + 1)) })]);
    assert.ok(log.segmentCount > 3);
    assert.deepEqual(await log.offsetForTimestamp(0n), { offset: 0n, timestamp: 1000n });
    assert.deepEqual(await log.offsetForTimestamp(1000n), { offset: 0n, timestamp: 1000n });
    assert.deepEqual(await log.offsetForTimestamp(1002n), { offset: 2n, timestamp: 1002n });
    assert.deepEqual(await log.offsetForTimestamp(1004n), { offset: 4n, timestamp: 2000n });
    assert.deepEqual(await log.offsetForTimestamp(17_001n), { offset: 65n, timestamp: 17_001n });
    assert.deepEqual(await log.offsetForTimestamp(30_003n), { offset: 119n, timestamp: 30_003n });
    assert.equal(await log.offsetForTimestamp(30_004n), null);
    assert.deepEqual(log.maxTimestampOffset(), { offset: 116n, timestamp: 30_003n });
    // Never answers below the log start.
    await log.deleteRecordsBefore(50n);
    assert.deepEqual(await log.offsetForTimestamp(0n), { offset: 50n, timestamp: 13_002n });
    await log.close();
    await handles.closeAll();
  });
});

test('an empty log has no max timestamp and no offset for any timestamp', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const log = await PartitionLog.open(dir, baseConfig, { handles });
    assert.equal(log.maxTimestampOffset(), null);
    assert.equal(await log.offsetForTimestamp(0n), null);
    await log.close();
    await handles.closeAll();
  });
});

test('group commit: 50 concurrent append+flush callers share a few fsyncs', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const log = await PartitionLog.open(dir, baseConfig, { handles });
    const producers = Array.from({ length: 50 }, async (_, i) => {
      const r = await log.append([batch(1, { prefix: `p${i}` })]);
      await log.flush();
      return r.baseOffset;
    });
    const offsets = await Promise.all(producers);
    assert.deepEqual(
      [...offsets].sort((a, b) => Number(a - b)),
      Array.from({ length: 50 }, (_, i) => BigInt(i)),
    );
    assert.ok(log.fsyncCount >= 1);
    assert.ok(log.fsyncCount <= 5, `expected shared fsyncs, got ${log.fsyncCount}`);
    // Nothing new written: a flush costs no fsync.
    const before = log.fsyncCount;
    await log.flush();
    assert.equal(log.fsyncCount, before);
    await log.close();
    await handles.closeAll();
  });
});

test('callers arriving during an in-flight flush wait for the next one, and share it', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const log = await PartitionLog.open(dir, baseConfig, { handles });
    await log.append([batch(1)]);
    const first = log.flush(); // starts at once
    const second = log.flush(); // the first may have begun before this caller's data: wait for the next
    const third = log.flush(); // arrives before the next one starts: shares it
    assert.notEqual(first, second);
    assert.equal(second, third);
    await Promise.all([first, second, third]);
    // The queued flush found nothing new to sync.
    assert.equal(log.fsyncCount, 1);
    await log.close();
    await handles.closeAll();
  });
});

test('reads during concurrent appends only ever see whole, ordered batches', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache({ maxOpenFiles: 4 });
    const log = await PartitionLog.open(
      dir,
      { ...baseConfig, segmentBytes: 4096, indexIntervalBytes: 512 },
      { handles },
    );
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 200; i++) await log.append([batch(2, { prefix: `w${i}` }), batch(1, { prefix: `x${i}` })]);
      writing = false;
    })();
    const reader = async () => {
      let reads = 0;
      while (writing || reads < 5) {
        reads += 1;
        // An empty read resolves without I/O; yield so the writer gets the event loop.
        await new Promise((resolve) => setImmediate(resolve));
        const end = log.logEndOffset;
        const from = end > 10n ? end - 10n : 0n;
        const r = await log.read(from, 2000);
        const recs = recordsIn(r.chunks);
        for (let k = 1; k < recs.length; k++) assert.equal(recs[k].offset, recs[k - 1].offset + 1n);
        if (recs.length > 0) assert.ok(recs[0].offset <= from);
        const whole = await log.read(0n, 1 << 20);
        const all = recordsIn(whole.chunks);
        for (let k = 0; k < all.length; k++) assert.equal(all[k].offset, BigInt(k));
      }
    };
    await Promise.all([writer, reader(), reader()]);
    assert.equal(log.logEndOffset, 600n);
    await log.close();
    await handles.closeAll();
  });
});

test('rejects malformed input', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const log = await PartitionLog.open(dir, baseConfig, { handles });
    await assert.rejects(log.append([]), RangeError);
    const b = batch(1);
    await assert.rejects(log.append([b.subarray(0, b.length - 1)]), RangeError);
    await assert.rejects(log.read(0n, -1), RangeError);
    await assert.rejects(PartitionLog.open(dir, { ...baseConfig, segmentBytes: 0 }, { handles }), RangeError);
    assert.throws(() => log.updateConfig({ ...baseConfig, retentionMs: -5 }), RangeError);
    await log.close();
    await handles.closeAll();
  });
});

test('batches given as views of one produce frame are stored with their assigned offsets', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const log = await PartitionLog.open(dir, baseConfig, { handles });
    await log.append([batch(4)]);
    const frame = Buffer.concat([Buffer.from('header'), batch(2, { prefix: 'x' }), batch(3, { prefix: 'y' })]);
    const first = frame.subarray(6, 6 + 12 + frame.readInt32BE(6 + 8));
    const second = frame.subarray(6 + first.length);
    const r = await log.append([first, second]);
    assert.equal(r.baseOffset, 4n);
    assert.equal(r.lastOffset, 8n);
    assert.equal(frame.toString('utf8', 0, 6), 'header', 'bytes outside the batches are untouched');
    const recs = recordsIn((await log.read(4n, 1 << 20)).chunks);
    assert.deepEqual(
      recs.map((x) => `${x.offset}:${x.value}`),
      ['4:x-0', '5:x-1', '6:y-0', '7:y-1', '8:y-2'],
    );
    await log.close();
    await handles.closeAll();
  });
});

test('updateConfig takes effect on the next append', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const log = await PartitionLog.open(dir, baseConfig, { handles });
    for (let i = 0; i < 4; i++) await log.append([batch(1, { valueBytes: 100 })]);
    assert.equal(log.segmentCount, 1);
    log.updateConfig({ ...baseConfig, segmentBytes: 200 });
    assert.equal(log.currentConfig.segmentBytes, 200);
    await log.append([batch(1, { valueBytes: 100 })]);
    await log.append([batch(1, { valueBytes: 100 })]);
    assert.deepEqual(log.segmentBaseOffsets, [0n, 4n, 5n]);
    await log.close();
    await handles.closeAll();
  });
});

test('appends queued behind a write go out together in one write', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const log = await PartitionLog.open(dir, baseConfig, { handles });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => log.append([batch(1, { prefix: `g${i}` })])),
    );
    // Offsets follow call order even when grouped.
    assert.deepEqual(
      results.map((r) => r.baseOffset),
      Array.from({ length: 20 }, (_, i) => BigInt(i)),
    );
    assert.ok(log.appendGroupCount < 20, `expected grouped writes, got ${log.appendGroupCount}`);
    const recs = recordsIn((await log.read(0n, 1 << 20)).chunks);
    assert.deepEqual(
      recs.map((r) => r.value),
      Array.from({ length: 20 }, (_, i) => `g${i}-0`),
    );
    await log.close();
    await handles.closeAll();
  });
});

test('grouped appends still roll at segmentBytes', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const one = batch(1, { valueBytes: 100 }).length;
    const log = await PartitionLog.open(dir, { ...baseConfig, segmentBytes: one * 3 }, { handles });
    await Promise.all(Array.from({ length: 10 }, () => log.append([batch(1, { valueBytes: 100 })])));
    assert.deepEqual(log.segmentBaseOffsets, [0n, 3n, 6n, 9n]);
    assert.equal(log.logEndOffset, 10n);
    assert.equal((await log.read(0n, 1 << 20)).bytes, one * 10);
    await log.close();
    await handles.closeAll();
  });
});

test('one append of more batches than a writev takes at once (IOV_MAX) is written whole', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache();
    const log = await PartitionLog.open(dir, { ...baseConfig, segmentBytes: 16 * 1024 * 1024 }, { handles });
    const batches = Array.from({ length: 2500 }, (_, i) => batch(1, { prefix: `m${i}` }));
    const r = await log.append(batches);
    assert.equal(r.lastOffset, 2499n);
    const recs = recordsIn((await log.read(0n, 1 << 24)).chunks);
    assert.equal(recs.length, 2500);
    assert.equal(recs[2499].value, 'm2499-0');
    await log.close();
    await handles.closeAll();
  });
});
