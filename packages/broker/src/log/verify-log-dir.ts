/**
 * An offline check of a data directory (`samsa log verify`): every segment's batches (length, magic, CRC-32C,
 * offsets rising), every offset and time index entry against the batches it names, and the line stores (groups.log,
 * transactions.log) and small metadata files. Read-only; each problem names the file, the byte position and, for a
 * batch, its offset.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import {
  BATCH_HEADER_BYTES,
  batchBaseOffset,
  batchLastOffsetDelta,
  batchMaxTimestamp,
  batchSizeAt,
} from '@samsa/protocol';
import { decodeChecksummed } from './checksummed-text.ts';
import { LOG_START_OFFSET_FILE } from './partition-log.ts';
import { parseSegmentFileName, readAt, type ScannedBatch, scanBatches, segmentFileName } from './segment.ts';
import { OFFSET_INDEX_ENTRY_BYTES, TIME_INDEX_ENTRY_BYTES } from './segment-index.ts';

export interface LogProblem {
  file: string;
  /** Byte position in the file, when the problem has one. */
  position: number | null;
  /** The offset of the batch concerned, when known. */
  offset: bigint | null;
  problem: string;
}

export interface LogVerifyReport {
  partitions: number;
  segments: number;
  batches: number;
  bytes: number;
  indexEntries: number;
  problems: LogProblem[];
}

/** Problems listed at most; the count past it is still reported. */
const MAX_PROBLEMS = 10_000;

interface IndexEntry {
  at: number;
  rel: number;
  position?: number;
  timestamp?: bigint;
}

export async function verifyLogDir(dataDir: string): Promise<LogVerifyReport> {
  const report: LogVerifyReport = { partitions: 0, segments: 0, batches: 0, bytes: 0, indexEntries: 0, problems: [] };
  await stat(dataDir); // a missing directory is an error, not an empty report
  const topicsDir = join(dataDir, 'topics');
  for (const topic of await listDirs(topicsDir)) {
    for (const partition of await listDirs(join(topicsDir, topic))) {
      report.partitions += 1;
      await verifyPartition(join(topicsDir, topic, partition), report);
    }
  }
  await verifyLineStore(join(dataDir, 'groups', 'groups.log'), report);
  await verifyLineStore(join(dataDir, 'transactions', 'transactions.log'), report);
  return report;
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

function add(report: LogVerifyReport, p: LogProblem): void {
  if (report.problems.length < MAX_PROBLEMS) report.problems.push(p);
}

async function verifyPartition(dir: string, report: LogVerifyReport): Promise<void> {
  const names = await readdir(dir);
  const bases = names
    .map(parseSegmentFileName)
    .filter((b): b is bigint => b !== null)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let previousLast = -1n;
  for (let i = 0; i < bases.length; i++) {
    previousLast = await verifySegment(dir, bases[i]!, previousLast, i === bases.length - 1, report);
  }
  if (names.includes(LOG_START_OFFSET_FILE)) {
    const text = (await readFile(join(dir, LOG_START_OFFSET_FILE), 'utf8')).trim();
    if (!/^\d{1,19}$/.test(text)) {
      add(report, {
        file: join(dir, LOG_START_OFFSET_FILE),
        position: 0,
        offset: null,
        problem: 'not a log start offset',
      });
    }
  }
  if (names.includes('producer-state.json')) {
    try {
      const json = decodeChecksummed(await readFile(join(dir, 'producer-state.json'), 'utf8'));
      if (json === null) throw new Error('checksum');
      JSON.parse(json);
    } catch {
      add(report, {
        file: join(dir, 'producer-state.json'),
        position: 0,
        offset: null,
        problem: 'unreadable producer state snapshot (rebuilt from the log at the next start)',
      });
    }
  }
}

/** Checks one segment and its indexes; returns the last offset seen (for the next segment's order check). */
async function verifySegment(
  dir: string,
  base: bigint,
  previousLast: bigint,
  isLast: boolean,
  report: LogVerifyReport,
): Promise<bigint> {
  const logPath = join(dir, segmentFileName(base, '.log'));
  const offsets = await readIndex(join(dir, segmentFileName(base, '.index')), OFFSET_INDEX_ENTRY_BYTES, report);
  const times = await readIndex(join(dir, segmentFileName(base, '.timeindex')), TIME_INDEX_ENTRY_BYTES, report);
  const offsetIndexPath = join(dir, segmentFileName(base, '.index'));
  const timeIndexPath = join(dir, segmentFileName(base, '.timeindex'));
  report.segments += 1;
  report.indexEntries += (offsets?.length ?? 0) + (times?.length ?? 0);
  let nextOffsetEntry = 0;
  let nextTimeEntry = 0;
  let last = previousLast;
  const fh = await open(logPath, 'r');
  try {
    const size = (await fh.stat()).size;
    report.bytes += size;
    /** Index entries name batch starts, in order: an entry skipped over names no batch. */
    const matchIndexes = (batch: Pick<ScannedBatch, 'position' | 'baseOffset' | 'maxTimestamp'>) => {
      while (offsets && nextOffsetEntry < offsets.length && offsets[nextOffsetEntry]!.position! <= batch.position) {
        const e = offsets[nextOffsetEntry++]!;
        const named = base + BigInt(e.rel);
        if (e.position !== batch.position || named !== batch.baseOffset) {
          add(report, {
            file: offsetIndexPath,
            position: e.at,
            offset: named,
            problem: `index entry (offset ${named}, byte ${e.position}) names no batch of ${logPath}`,
          });
        }
      }
      while (times && nextTimeEntry < times.length && base + BigInt(times[nextTimeEntry]!.rel) <= batch.baseOffset) {
        const e = times[nextTimeEntry++]!;
        const named = base + BigInt(e.rel);
        if (named !== batch.baseOffset || e.timestamp !== batch.maxTimestamp) {
          add(report, {
            file: timeIndexPath,
            position: e.at,
            offset: named,
            problem: `time index entry (timestamp ${e.timestamp}, offset ${named}) does not match the batch there`,
          });
        }
      }
    };
    const visit = (batch: ScannedBatch): boolean | string => {
      if (batch.baseOffset < base) return `batch offset ${batch.baseOffset} is below the segment's base ${base}`;
      if (batch.baseOffset <= last) return `batch offset ${batch.baseOffset} does not follow ${last}`;
      matchIndexes(batch);
      report.batches += 1;
      last = batch.lastOffset;
      return true;
    };
    let position = 0;
    while (position < size) {
      const scan = await scanBatches(fh, position, size, { validateCrc: true }, visit);
      if (scan.problem === null) break;
      const header = await readAt(fh, scan.endPosition, BATCH_HEADER_BYTES);
      const headerOffset = header.length >= 12 ? batchBaseOffset(header) : null;
      const batchBytes = header.length >= 12 ? batchSizeAt(header, 0) : -1;
      const tornTail = isLast && scan.endPosition + Math.max(batchBytes, BATCH_HEADER_BYTES) >= size;
      add(report, {
        file: logPath,
        position: scan.endPosition,
        offset: headerOffset ?? last + 1n,
        problem: tornTail ? `${scan.problem} at the tail (recovery cuts it at the next start)` : scan.problem,
      });
      // A CRC mismatch leaves the length readable: go on after the batch to find what else is wrong.
      if (scan.problem !== 'batch CRC mismatch' || batchBytes < BATCH_HEADER_BYTES) break;
      if (header.length >= BATCH_HEADER_BYTES && headerOffset !== null) {
        // The indexes may rightly name the corrupt batch: it is the batch that is wrong, not they.
        matchIndexes({ position: scan.endPosition, baseOffset: headerOffset, maxTimestamp: batchMaxTimestamp(header) });
        last = headerOffset + BigInt(batchLastOffsetDelta(header));
      }
      position = scan.endPosition + batchBytes;
    }
    const endChecks = (entries: IndexEntry[] | null, from: number, file: string) => {
      for (let i = from; entries && i < entries.length; i++) {
        add(report, {
          file,
          position: entries[i]!.at,
          offset: base + BigInt(entries[i]!.rel),
          problem: `index entry past the last batch of ${logPath}`,
        });
      }
    };
    endChecks(offsets, nextOffsetEntry, offsetIndexPath);
    endChecks(times, nextTimeEntry, timeIndexPath);
  } finally {
    await fh.close();
  }
  return last;
}

/** An index file's entries, or null when it is absent; a torn or disordered file is reported. */
async function readIndex(path: string, entryBytes: number, report: LogVerifyReport): Promise<IndexEntry[] | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (bytes.length % entryBytes !== 0) {
    add(report, {
      file: path,
      position: bytes.length - (bytes.length % entryBytes),
      offset: null,
      problem: `size ${bytes.length} is not a whole number of ${entryBytes}-byte entries`,
    });
  }
  const entries: IndexEntry[] = [];
  for (let at = 0; at + entryBytes <= bytes.length; at += entryBytes) {
    const e: IndexEntry =
      entryBytes === OFFSET_INDEX_ENTRY_BYTES
        ? { at, rel: bytes.readInt32BE(at), position: bytes.readInt32BE(at + 4) }
        : { at, rel: bytes.readInt32BE(at + 8), timestamp: bytes.readBigInt64BE(at) };
    const prev = entries[entries.length - 1];
    const disordered =
      e.rel < 0 ||
      (prev !== undefined &&
        (entryBytes === OFFSET_INDEX_ENTRY_BYTES
          ? e.rel <= prev.rel || e.position! <= prev.position!
          : e.rel < prev.rel || e.timestamp! <= prev.timestamp!));
    if (disordered) {
      add(report, { file: path, position: at, offset: null, problem: 'index entry out of order' });
      continue;
    }
    entries.push(e);
  }
  return entries;
}

/** groups.log and transactions.log: `<crc32 hex> <json>\n` lines. */
async function verifyLineStore(path: string, report: LogVerifyReport): Promise<void> {
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  report.bytes += content.length;
  let at = 0;
  let line = 1;
  while (at < content.length) {
    const nl = content.indexOf(0x0a, at);
    if (nl < 0) {
      add(report, {
        file: path,
        position: at,
        offset: null,
        problem: `line ${line} is torn (recovery cuts it at the next start)`,
      });
      return;
    }
    const text = content.toString('utf8', at, nl);
    const json = text.slice(9);
    if (text[8] !== ' ' || crc32(json).toString(16).padStart(8, '0') !== text.slice(0, 8)) {
      add(report, { file: path, position: at, offset: null, problem: `line ${line} fails its checksum` });
    }
    at = nl + 1;
    line += 1;
  }
}
