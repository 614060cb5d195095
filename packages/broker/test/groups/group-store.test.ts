/**
 * Persistence of groups and offsets (groups.log) on its own, in a temp dir: records come back in order, appends are
 * fsync'd before they are acknowledged, a torn or corrupt tail is cut, compaction keeps the live state, and a
 * writer killed with SIGKILL loses nothing it acknowledged.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GroupStore, GroupStoreCorruptError, type StoreRecord } from '../../src/groups/group-store.ts';
import { withTempDir } from '../log/helpers.ts';

const offset = (partition: number, value: number): StoreRecord => ({
  type: 'offset',
  group: 'g',
  topic: 't',
  partition,
  offset: String(value),
  leaderEpoch: 0,
  metadata: null,
  commitTimestampMs: 1_000 + value,
});

const RECORDS: StoreRecord[] = [
  offset(0, 5),
  {
    type: 'group',
    group: 'g',
    snapshot: { protocolType: 'consumer', protocolName: 'range', generationId: 3, leaderId: 'm-1', members: [] },
  },
  { type: 'offset-delete', group: 'g', topic: 't', partition: 0 },
  { type: 'group-delete', group: 'old' },
];

const logPath = (dir: string) => join(dir, 'groups.log');

async function writeAll(dir: string, records: StoreRecord[]): Promise<void> {
  const { store } = await GroupStore.open(dir);
  await store.append(records);
  await store.close();
}

test('records come back in the order they were appended', async () => {
  await withTempDir(async (dir) => {
    await writeAll(dir, RECORDS.slice(0, 2));
    await writeAll(dir, RECORDS.slice(2));
    const { store, records, truncatedBytes } = await GroupStore.open(dir);
    assert.deepEqual(records, RECORDS);
    assert.equal(truncatedBytes, 0);
    await store.close();
  });
});

test('an append is acknowledged only after its fsync; concurrent appends share one', async () => {
  await withTempDir(async (dir) => {
    const { store } = await GroupStore.open(dir);
    const fsyncsWhenDurable: number[] = [];
    await store.append([offset(0, 1)], () => fsyncsWhenDurable.push(store.fsyncCount));
    assert.deepEqual(fsyncsWhenDurable, [1], 'onDurable runs after the fsync, before the caller is answered');
    const before = store.fsyncCount;
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.append([offset(i, i)])));
    const used = store.fsyncCount - before;
    assert.ok(used >= 1 && used <= 3, `50 concurrent appends took ${used} fsyncs`);
    await store.close();
  });
});

test('a torn last line (a crash mid-write) is cut off; appends continue after the last whole record', async () => {
  await withTempDir(async (dir) => {
    await writeAll(dir, RECORDS);
    const whole = (await stat(logPath(dir))).size;
    await appendFile(logPath(dir), '0badc0de {"type":"offset","group":"g","top');
    const { store, records, truncatedBytes } = await GroupStore.open(dir);
    assert.deepEqual(records, RECORDS);
    assert.equal(truncatedBytes, 42);
    assert.equal((await stat(logPath(dir))).size, whole, 'the torn bytes are gone from the file');
    await store.append([offset(1, 9)]);
    await store.close();
    const reopened = await GroupStore.open(dir);
    assert.deepEqual(reopened.records, [...RECORDS, offset(1, 9)]);
    await reopened.store.close();
  });
});

test('a line whose checksum does not match ends the log there', async () => {
  await withTempDir(async (dir) => {
    await writeAll(dir, RECORDS);
    const lines = (await readFile(logPath(dir), 'utf8')).split('\n');
    // A flipped digit in the second record: it and everything after it are not trusted.
    lines[1] = lines[1]!.replace('"generationId":3', '"generationId":4');
    await writeFile(logPath(dir), lines.join('\n'));
    const { store, records, truncatedBytes } = await GroupStore.open(dir);
    assert.deepEqual(records, RECORDS.slice(0, 1));
    assert.ok(truncatedBytes > 0);
    await store.close();
  });
});

test('a checksummed line that is not a record stops the start with a typed error and cuts nothing', async () => {
  await withTempDir(async (dir) => {
    await writeAll(dir, RECORDS);
    const { crc32 } = await import('node:zlib');
    const json = JSON.stringify({ type: 'offset', group: 'g', topic: 't', partition: 0, offset: 'ten' });
    await appendFile(logPath(dir), `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`);
    const size = (await stat(logPath(dir))).size;
    await assert.rejects(GroupStore.open(dir), (err: Error) => {
      assert.ok(err instanceof GroupStoreCorruptError);
      assert.match(err.message, /line 5/);
      assert.match(err.message, /move it aside/);
      return true;
    });
    assert.equal((await stat(logPath(dir))).size, size, 'nothing was truncated');
  });
});

test('the file is compacted to the live state, including the records whose fsync triggered it', async () => {
  await withTempDir(async (dir) => {
    const { store } = await GroupStore.open(dir, { compactSlackLines: 10 });
    // The live state: the last offset of each of two partitions, applied as each record becomes durable.
    const live = new Map<number, StoreRecord>();
    store.setLiveState({ count: () => live.size, records: () => [...live.values()] });
    // The 13th line is 11 more than the 2 live records: that append compacts.
    for (let i = 0; i < 13; i++) {
      const r = offset(i % 2, i);
      await store.append([r], () => live.set(i % 2, r));
    }
    await store.close(); // waits for the compaction that follows the last fsync
    assert.equal(store.compactions, 1);
    const lines = (await readFile(logPath(dir), 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, 2);
    const { store: reopened, records } = await GroupStore.open(dir);
    assert.deepEqual(records, [offset(0, 12), offset(1, 11)], 'the offset committed last survives the compaction');
    await reopened.close();
  });
});

test('kill -9 of a writer loses no acknowledged record', async () => {
  await withTempDir(async (dir) => {
    const writer = join(dirname(fileURLToPath(import.meta.url)), 'group-store-writer.ts');
    const child = spawn(process.execPath, [writer, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if ((out.match(/acked/g) ?? []).length >= 200) resolve();
      });
    });
    child.kill('SIGKILL');
    await exited;
    const acked = Math.max(...[...out.matchAll(/acked (\d+)/g)].map((m) => Number(m[1])));
    const { store, records } = await GroupStore.open(dir);
    const latest = new Map<number, number>();
    for (const r of records) if (r.type === 'offset') latest.set(r.partition, Number(r.offset));
    for (const p of [0, 1, 2]) assert.ok(latest.get(p)! >= acked, `partition ${p}: ${latest.get(p)} < acked ${acked}`);
    await store.close();
  });
});
