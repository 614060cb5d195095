/**
 * Micro benchmark of the partition log: append of 64 KiB batches with and without flush, group commit under
 * concurrent producers, and sequential reads. Each figure is printed with its ratio to raw file I/O of the same
 * shape measured in the same run (a baseline, not a target). Prints figures and asserts nothing.
 *
 *   pnpm exec node bench/log-append.ts [--seconds 2] [--batch-kib 64] [--producers 16] [--dir /tmp]
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { batchLastOffset, batchSizeAt, encodeBatch } from '@samsa/protocol';
import { FileHandleCache } from '../src/log/file-handle-cache.ts';
import { PartitionLog } from '../src/log/partition-log.ts';
import type { LogConfig } from '../src/log/types.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    'batch-kib': { type: 'string', default: '64' },
    producers: { type: 'string', default: '16' },
    dir: { type: 'string', default: tmpdir() },
  },
});
const durationMs = Number(values.seconds) * 1000;
const batchKib = Number(values['batch-kib']);
const producers = Number(values.producers);
const MIB = 1024 * 1024;

const config: LogConfig = {
  segmentBytes: 1024 * MIB,
  segmentMs: 7 * 24 * 3600 * 1000,
  retentionMs: -1,
  retentionBytes: -1,
  indexIntervalBytes: 4096,
};

/** One batch of ~batchKib KiB (16 records); appends get a fresh copy since the log rewrites offsets in place. */
const template = encodeBatch({
  records: Array.from({ length: 16 }, (_, i) => ({ value: Buffer.alloc((batchKib * 1024) / 16 - 20, i) })),
});

interface Figure {
  name: string;
  bytes: number;
  elapsedMs: number;
  note?: string;
}

function mbPerSec(f: Figure): number {
  return f.bytes / MIB / (f.elapsedMs / 1000);
}

async function timed(name: string, step: () => Promise<number>, note?: () => string): Promise<Figure> {
  const start = performance.now();
  let bytes = 0;
  while (performance.now() - start < durationMs) bytes += await step();
  return { name, bytes, elapsedMs: performance.now() - start, note: note?.() };
}

async function rawWrite(dir: string, sync: boolean): Promise<Figure> {
  const handle = await open(join(dir, `raw-${sync}`), 'w');
  let position = 0;
  try {
    return await timed(sync ? 'raw write+fdatasync' : 'raw write', async () => {
      const buf = Buffer.from(template);
      await handle.writev([buf], position);
      position += buf.length;
      if (sync) await handle.datasync();
      return buf.length;
    });
  } finally {
    await handle.close();
  }
}

async function rawRead(dir: string): Promise<Figure> {
  const handle = await open(join(dir, 'raw-false'), 'r');
  const { size } = await handle.stat();
  let position = 0;
  try {
    return await timed('raw read 1 MiB', async () => {
      if (position + MIB > size) position = 0;
      const buf = Buffer.allocUnsafe(MIB);
      const { bytesRead } = await handle.read(buf, 0, MIB, position);
      position += bytesRead;
      return bytesRead;
    });
  } finally {
    await handle.close();
  }
}

async function withLog<T>(dir: string, name: string, fn: (log: PartitionLog) => Promise<T>): Promise<T> {
  const handles = new FileHandleCache({ maxOpenFiles: 64 });
  const log = await PartitionLog.open(join(dir, name), config, { handles });
  try {
    return await fn(log);
  } finally {
    await log.close();
    await handles.closeAll();
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(values.dir, 'samsa-log-bench-'));
  const figures: [Figure, Figure][] = [];
  try {
    const rawNoSync = await rawWrite(dir, false);
    const rawSync = await rawWrite(dir, true);
    const rawReads = await rawRead(dir);

    figures.push([
      await withLog(dir, 'append', (log) =>
        timed('log append (acks=1)', async () => {
          await log.append([Buffer.from(template)]);
          return template.length;
        }),
      ),
      rawNoSync,
    ]);

    figures.push([
      await withLog(dir, 'append-flush', (log) =>
        timed(
          'log append+flush (acks=all)',
          async () => {
            await log.append([Buffer.from(template)]);
            await log.flush();
            return template.length;
          },
          () => `${log.fsyncCount} fsyncs`,
        ),
      ),
      rawSync,
    ]);

    figures.push([
      await withLog(dir, 'group', async (log) => {
        let appends = 0;
        const figure = await timed(
          `log append+flush x${producers} producers`,
          async () => {
            await Promise.all(
              Array.from({ length: producers }, async () => {
                await log.append([Buffer.from(template)]);
                await log.flush();
              }),
            );
            appends += producers;
            return template.length * producers;
          },
          () => `${appends} appends, ${log.appendGroupCount} writes, ${log.fsyncCount} fsyncs`,
        );
        return figure;
      }),
      rawSync,
    ]);

    figures.push([
      await withLog(dir, 'append', async (log) => {
        let offset = log.logStartOffset;
        return timed('log read 1 MiB fetches (page cache)', async () => {
          if (offset >= log.logEndOffset) offset = log.logStartOffset;
          const r = await log.read(offset, MIB);
          const last = r.chunks[r.chunks.length - 1];
          let at = 0;
          let lastOffset = offset;
          while (at < last.length) {
            lastOffset = batchLastOffset(last, at);
            at += batchSizeAt(last, at);
          }
          offset = lastOffset + 1n;
          return r.bytes;
        });
      }),
      rawReads,
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  console.log(`partition log micro benchmark: ${template.length} byte batches, ${values.seconds}s per figure`);
  console.log(`${'figure'.padEnd(42)} ${'MB/s'.padStart(9)}  ${'vs baseline'.padStart(11)}  baseline`);
  for (const [f, base] of figures) {
    const ratio = mbPerSec(f) / mbPerSec(base);
    console.log(
      `${f.name.padEnd(42)} ${mbPerSec(f).toFixed(1).padStart(9)}  ${ratio.toFixed(2).padStart(10)}x  ${base.name} ` +
        `${mbPerSec(base).toFixed(1)} MB/s${f.note ? `  (${f.note})` : ''}`,
    );
  }
}

await main();
