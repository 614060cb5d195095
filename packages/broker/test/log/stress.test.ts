/** Everything at once on one partition: appends, flushes, reads, retention and DeleteRecords racing each other. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FileHandleCache } from '../../src/log/file-handle-cache.ts';
import { PartitionLog } from '../../src/log/partition-log.ts';
import { OffsetOutOfRangeError } from '../../src/log/types.ts';
import { baseConfig, batch, recordsIn, withTempDir } from './helpers.ts';

test('appends, reads, flushes, retention and DeleteRecords interleave without breaking offsets', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache({ maxOpenFiles: 3 });
    const config = { ...baseConfig, segmentBytes: 1500, indexIntervalBytes: 300, retentionBytes: 6000 };
    const log = await PartitionLog.open(dir, config, { handles });
    const appended = new Map<bigint, string>();
    let done = false;

    const producer = async (id: number) => {
      for (let i = 0; i < 60; i++) {
        const b = batch(1 + (i % 3), { prefix: `p${id}-${i}`, valueBytes: 40 });
        const r = await log.append([b]);
        for (let k = 0n; k <= r.lastOffset - r.baseOffset; k++) appended.set(r.baseOffset + k, `p${id}-${i}-${k}`);
        if (i % 4 === 0) await log.flush();
      }
    };
    const consumer = async () => {
      let offset = 0n;
      let reads = 0;
      while (!done || reads < 3) {
        reads += 1;
        await new Promise((resolve) => setImmediate(resolve));
        try {
          const r = await log.read(offset, 700);
          const recs = recordsIn(r.chunks);
          for (let k = 1; k < recs.length; k++) assert.equal(recs[k].offset, recs[k - 1].offset + 1n);
          for (const rec of recs) {
            if (rec.offset < offset) continue;
            const expected = appended.get(rec.offset);
            if (expected !== undefined) assert.ok(rec.value.startsWith(expected), `${rec.offset}: ${rec.value}`);
            offset = rec.offset + 1n;
          }
        } catch (err) {
          if (!(err instanceof OffsetOutOfRangeError)) throw err;
          assert.ok(offset < log.logStartOffset || offset > log.logEndOffset);
          offset = log.logStartOffset;
        }
      }
    };
    const janitor = async () => {
      let rounds = 0;
      while (!done) {
        rounds += 1;
        await new Promise((resolve) => setImmediate(resolve));
        await log.applyRetention();
        if (rounds % 7 === 0) {
          const target = log.logStartOffset + (log.logEndOffset - log.logStartOffset) / 4n;
          const start = await log.deleteRecordsBefore(target);
          assert.ok(start >= target);
        }
        const ts = await log.offsetForTimestamp(0n);
        if (ts) assert.ok(ts.offset >= log.logStartOffset);
      }
    };

    const producers = Promise.all([producer(1), producer(2), producer(3)]).then(() => {
      done = true;
    });
    await Promise.all([producers, consumer(), consumer(), janitor()]);

    assert.equal(appended.size, Number(log.logEndOffset));
    assert.ok(log.logStartOffset > 0n);
    assert.ok(handles.peakOpenCount <= 3);
    const tail = recordsIn((await log.read(log.logStartOffset, 1 << 20)).chunks);
    const firstKept = tail.findIndex((r) => r.offset === log.logStartOffset);
    assert.ok(firstKept >= 0);
    for (let k = firstKept; k < tail.length; k++) {
      assert.equal(tail[k].offset, log.logStartOffset + BigInt(k - firstKept));
      assert.ok(tail[k].value.startsWith(appended.get(tail[k].offset)!));
    }
    assert.equal(tail[tail.length - 1].offset, log.logEndOffset - 1n);
    await log.close();

    const reopened = await PartitionLog.open(dir, config, { handles });
    assert.equal(reopened.logStartOffset, log.logStartOffset);
    assert.equal(reopened.logEndOffset, log.logEndOffset);
    assert.deepEqual(reopened.segmentBaseOffsets, log.segmentBaseOffsets);
    await reopened.close();
    await handles.closeAll();
  });
});
