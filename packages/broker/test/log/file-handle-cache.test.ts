/** FileHandleCache: the descriptor bound holds under load, leased handles are never closed under their user. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileHandleCache } from '../../src/log/file-handle-cache.ts';
import { PartitionLog } from '../../src/log/partition-log.ts';
import { baseConfig, batch, recordsIn, withTempDir } from './helpers.ts';

test('200 partitions share 16 descriptors', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache({ maxOpenFiles: 16 });
    const config = { ...baseConfig, segmentBytes: 512 };
    const logs: PartitionLog[] = [];
    for (let p = 0; p < 200; p++) logs.push(await PartitionLog.open(join(dir, `t-${p}`), config, { handles }));
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        logs.map(async (log, p) => {
          await log.append([batch(2, { prefix: `p${p}r${round}`, valueBytes: 60 })]);
          await log.flush();
        }),
      );
    }
    const reads = await Promise.all(logs.map((log) => log.read(0n, 1 << 20)));
    reads.forEach((r, p) => {
      const recs = recordsIn(r.chunks);
      assert.equal(recs.length, 10);
      assert.ok(recs[9].value.startsWith(`p${p}r4-1.`));
    });
    assert.ok(logs[0].segmentCount > 1);
    assert.ok(handles.peakOpenCount <= 16, `peak ${handles.peakOpenCount}`);
    assert.ok(handles.openCount <= 16);
    assert.ok(handles.opensTotal > 16, 'handles were recycled');
    await Promise.all(logs.map((log) => log.close()));
    await handles.closeAll();
    assert.equal(handles.openCount, 0);
  });
});

test('a full cache makes callers wait for a release instead of exceeding the bound', async () => {
  await withTempDir(async (dir) => {
    const paths = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const path = join(dir, `f${i}`);
        await writeFile(path, `file ${i}`);
        return path;
      }),
    );
    const handles = new FileHandleCache({ maxOpenFiles: 2 });
    const a = await handles.acquire(paths[0]);
    const b = await handles.acquire(paths[1]);
    let gotC = false;
    const c = handles.acquire(paths[2]).then((lease) => {
      gotC = true;
      return lease;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(gotC, false, 'no slot while both handles are leased');
    // The same path is shared, not reopened.
    const a2 = await handles.acquire(paths[0]);
    assert.equal(a2.handle, a.handle);
    a2.release();
    a.release();
    const leaseC = await c;
    assert.equal(gotC, true);
    const buf = Buffer.alloc(6);
    await leaseC.handle.read(buf, 0, 6, 0);
    assert.equal(buf.toString(), 'file 2');
    assert.ok(handles.peakOpenCount <= 2);
    leaseC.release();
    leaseC.release(); // idempotent
    b.release();
    await handles.closeAll();
    assert.equal(handles.openCount, 0);
    await assert.rejects(handles.acquire(paths[0]));
  });
});

test('evicting a leased handle closes it only after release', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, 'hello');
    const handles = new FileHandleCache({ maxOpenFiles: 4 });
    const lease = await handles.acquire(path);
    await handles.evict(path);
    const buf = Buffer.alloc(5);
    await lease.handle.read(buf, 0, 5, 0);
    assert.equal(buf.toString(), 'hello');
    assert.equal(handles.openCount, 1);
    lease.release();
    // The close runs in the background after release; give it turns of the event loop, not wall time.
    for (let i = 0; i < 1000 && handles.openCount > 0; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(handles.openCount, 0);
    await handles.closeAll();
  });
});

test('a missing file rejects without leaking a slot', async () => {
  await withTempDir(async (dir) => {
    const handles = new FileHandleCache({ maxOpenFiles: 1 });
    await assert.rejects(handles.acquire(join(dir, 'nope')), { code: 'ENOENT' });
    await assert.rejects(handles.acquire(join(dir, 'nope')), { code: 'ENOENT' });
    const path = join(dir, 'yes');
    await writeFile(path, 'x');
    const lease = await handles.acquire(path);
    lease.release();
    await handles.closeAll();
  });
});
