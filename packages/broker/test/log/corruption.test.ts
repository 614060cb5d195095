/**
 * Corruption in closed segments and their indexes: a batch that fails its CRC is never served (reads stop before it
 * and a read of it throws CorruptBatchError naming file and byte), what follows it in later segments stays readable,
 * a lying index entry is found by the lookup and rebuilt, and verifyLogDir names every damaged file and position.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { batchSizeAt, encodeBatch } from '@samsa/protocol';
import { FileHandleCache } from '../../src/log/file-handle-cache.ts';
import { LogDirHealth } from '../../src/log/log-dir-health.ts';
import { PartitionLog } from '../../src/log/partition-log.ts';
import { CorruptBatchError } from '../../src/log/storage-error.ts';
import { verifyLogDir } from '../../src/log/verify-log-dir.ts';
import { Partition } from '../../src/topics/partition.ts';
import { baseConfig, batch, recordsIn, withTempDir } from './helpers.ts';

const config = { ...baseConfig, segmentBytes: 4000, indexIntervalBytes: 300 };
const BATCHES = 60;

/** A data directory with one partition of BATCHES two-record batches over several segments, closed cleanly. */
async function writeLog(dataDir: string): Promise<string> {
  const dir = join(dataDir, 'topics', 't', '0');
  await mkdir(dir, { recursive: true });
  const handles = new FileHandleCache();
  const log = await PartitionLog.open(dir, config, { handles });
  for (let i = 0; i < BATCHES; i++) {
    await log.append([batch(2, { prefix: `r${i}`, valueBytes: 60, timestampMs: BigInt(10_000 + i * 10) })]);
  }
  await log.close();
  await handles.closeAll();
  return dir;
}

/** Byte positions of the batches of a segment file. */
async function batchPositions(path: string): Promise<number[]> {
  const bytes = await readFile(path);
  const out: number[] = [];
  for (let at = 0; at < bytes.length; at += batchSizeAt(bytes, at)) out.push(at);
  return out;
}

function quietHealth(dir: string): LogDirHealth {
  return new LogDirHealth({
    dir,
    minFreeBytes: 0,
    checkIntervalMs: 1000,
    logger: { info() {}, warn() {}, error() {} },
  });
}

async function segmentsOf(dir: string): Promise<string[]> {
  return (await readdir(dir))
    .filter((f) => f.endsWith('.log'))
    .sort()
    .map((f) => join(dir, f));
}

test('a bit flip in a closed segment: reads stop before it, never serve it, and go on in the next segment', async () => {
  await withTempDir(async (dataDir) => {
    const dir = await writeLog(dataDir);
    const segments = await segmentsOf(dir);
    assert.ok(segments.length >= 3, `expected several segments, got ${segments.length}`);
    const positions = await batchPositions(segments[0]!);
    const victim = positions[4]!; // the fifth batch: offsets 8 and 9
    const bytes = await readFile(segments[0]!);
    bytes[victim + 80] ^= 0x20; // inside the records, covered by the CRC
    await writeFile(segments[0]!, bytes);

    const handles = new FileHandleCache();
    const health = quietHealth(dataDir);
    const log = await PartitionLog.open(dir, config, { handles, health });
    try {
      const first = await log.read(0n, 1024 * 1024);
      assert.deepEqual(
        recordsIn(first.chunks).map((r) => r.value.slice(0, 5)),
        ['r0-0.', 'r0-1.', 'r1-0.', 'r1-1.', 'r2-0.', 'r2-1.', 'r3-0.', 'r3-1.'],
        'everything before the corrupt batch, nothing from it',
      );
      await assert.rejects(
        () => log.read(8n, 1024 * 1024),
        (err: unknown) => err instanceof CorruptBatchError && err.file === segments[0] && err.position === victim,
      );
      await assert.rejects(() => log.read(9n, 1024 * 1024), CorruptBatchError);
      assert.deepEqual(
        health.corruptBatches.map((c) => [c.file, c.position]),
        [[segments[0], victim]],
      );
      assert.deepEqual(health.healthReasons(), ['log_corrupt']);
      // The batches after it in the same segment, and the next segments, are intact and served.
      const after = await log.read(10n, 1024 * 1024);
      const values = recordsIn(after.chunks);
      assert.equal(values[0]!.offset, 10n);
      assert.equal(values[0]!.value.slice(0, 5), 'r5-0.');
      for (const r of values) assert.ok(r.value.startsWith(`r${Number(r.offset) >> 1}-${Number(r.offset) & 1}`));
    } finally {
      await log.close();
      await handles.closeAll();
    }

    const report = await verifyLogDir(dataDir);
    assert.deepEqual(
      report.problems.map((p) => [p.file, p.position, p.offset, p.problem]),
      [[segments[0], victim, 8n, 'batch CRC mismatch']],
    );
    assert.equal(report.batches, BATCHES - 1);
  });
});

test('a lying offset index entry is found by the lookup, rebuilt from the log, and named by verify', async () => {
  await withTempDir(async (dataDir) => {
    const dir = await writeLog(dataDir);
    const segments = await segmentsOf(dir);
    const indexPath = segments[1]!.replace(/\.log$/, '.index');
    const index = await readFile(indexPath);
    assert.ok(index.length >= 16, 'the segment has at least two index entries');
    // Entry 1 now points 7 bytes into its batch: still in order, so it passes the checks at open.
    index.writeInt32BE(index.readInt32BE(12) + 7, 12);
    await writeFile(indexPath, index);

    const report = await verifyLogDir(dataDir);
    assert.deepEqual(
      report.problems.map((p) => [p.file, p.position]),
      [[indexPath, 8]],
    );
    assert.match(report.problems[0]!.problem, /names no batch/);

    const handles = new FileHandleCache();
    const log = await PartitionLog.open(dir, config, { handles });
    try {
      // Every offset reads back as itself, through the damaged entry's range too.
      for (let offset = 0n; offset < BigInt(BATCHES * 2); offset++) {
        const r = recordsIn((await log.read(offset, 200)).chunks).find((x) => x.offset === offset);
        assert.ok(r, `offset ${offset} readable`);
        assert.ok(r.value.startsWith(`r${Number(offset) >> 1}-${Number(offset) & 1}`), `offset ${offset}: ${r.value}`);
      }
    } finally {
      await log.close();
      await handles.closeAll();
    }
    // The rebuilt index was written back: the directory checks clean again.
    assert.deepEqual((await verifyLogDir(dataDir)).problems, []);
  });
});

test('verify names a torn index file and a corrupt groups.log line', async () => {
  await withTempDir(async (dataDir) => {
    const dir = await writeLog(dataDir);
    const segments = await segmentsOf(dir);
    const timeIndexPath = segments[0]!.replace(/\.log$/, '.timeindex');
    const timeIndex = await readFile(timeIndexPath);
    await writeFile(timeIndexPath, timeIndex.subarray(0, timeIndex.length - 5));
    await mkdir(join(dataDir, 'groups'));
    await writeFile(join(dataDir, 'groups', 'groups.log'), '00000000 {"type":"group-delete","group":"g"}\n');
    const report = await verifyLogDir(dataDir);
    assert.deepEqual(
      report.problems.map((p) => [p.file, p.position, p.problem]),
      [
        [timeIndexPath, timeIndex.length - 12, `size ${timeIndex.length - 5} is not a whole number of 12-byte entries`],
        [join(dataDir, 'groups', 'groups.log'), 0, 'line 1 fails its checksum'],
      ],
    );
  });
});

test('a tampered producer-state snapshot is refused: the idempotence state is rebuilt from the log instead', async () => {
  await withTempDir(async (dataDir) => {
    const dir = join(dataDir, 'topics', 't', '0');
    await mkdir(dir, { recursive: true });
    const idempotent = (baseSequence: number) =>
      encodeBatch({ records: [{ value: `s${baseSequence}` }], producerId: 5n, producerEpoch: 0, baseSequence });
    let handles = new FileHandleCache();
    let partition = await Partition.open('t', 0, dir, await PartitionLog.open(dir, config, { handles }));
    for (let seq = 0; seq < 3; seq++) assert.equal((await partition.append([idempotent(seq)])).kind, 'appended');
    await partition.close();
    await handles.closeAll();
    // Still valid JSON, but no longer what was written: trusted, it would fence the producer (epoch 9).
    const snapshotPath = join(dir, 'producer-state.json');
    const snapshot = await readFile(snapshotPath, 'utf8');
    assert.match(snapshot, /"epoch":0/);
    await writeFile(snapshotPath, snapshot.replace('"epoch":0', '"epoch":9'));
    assert.deepEqual(
      (await verifyLogDir(dataDir)).problems.map((p) => [p.file, p.problem]),
      [[snapshotPath, 'unreadable producer state snapshot (rebuilt from the log at the next start)']],
    );

    handles = new FileHandleCache();
    partition = await Partition.open('t', 0, dir, await PartitionLog.open(dir, config, { handles }));
    try {
      const retried = await partition.append([idempotent(2)]);
      assert.deepEqual(retried, { kind: 'duplicate', baseOffset: 2n, logStartOffset: 0n });
      assert.equal((await partition.append([idempotent(3)])).kind, 'appended');
    } finally {
      await partition.close();
      await handles.closeAll();
    }
  });
});

test('a scrub reads the closed segments back, paced, and finds a flipped bit no consumer has asked for', async () => {
  await withTempDir(async (dataDir) => {
    const dir = await writeLog(dataDir);
    const segments = await segmentsOf(dir);
    const victim = (await batchPositions(segments[1]!))[2]!;
    const bytes = await readFile(segments[1]!);
    bytes[victim + 70] ^= 0x04;
    await writeFile(segments[1]!, bytes);

    const handles = new FileHandleCache();
    const health = quietHealth(dataDir);
    const log = await PartitionLog.open(dir, config, { handles, health });
    try {
      const paced: number[] = [];
      const checked = await log.scrub(1024, async (n) => {
        paced.push(n);
      });
      assert.deepEqual(
        health.corruptBatches.map((c) => [c.file, c.position]),
        [[segments[1], victim]],
      );
      let sealedBytes = 0;
      for (const s of segments.slice(0, -1)) sealedBytes += (await readFile(s)).length;
      assert.equal(checked, sealedBytes - (bytes.length - victim), 'every closed byte up to the corrupt batch');
      assert.ok(paced.length > 3 && Math.max(...paced) <= 1024 + 200, `paced in windows: ${paced}`);
    } finally {
      await log.close();
      await handles.closeAll();
    }
  });
});
