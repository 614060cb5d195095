/** Test support: the batches stored in a partition's segment files, read from disk (headers, and a marker's type). */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface StoredBatch {
  baseOffset: bigint;
  lastOffset: bigint;
  codec: number;
  producerId: bigint;
  recordCount: number;
  transactional: boolean;
  /** For a control batch: its marker's type, or 'empty' when a clean emptied it; else null. */
  marker: 'commit' | 'abort' | 'empty' | null;
}

/** Base offsets of the partition's segment files, oldest first; the last one is the active segment. */
export async function segmentBases(dataDir: string, topic: string, partition = 0): Promise<bigint[]> {
  const names = await readdir(join(dataDir, 'topics', topic, String(partition)));
  return names
    .filter((n) => /^\d{20}\.log$/.test(n))
    .map((n) => BigInt(n.slice(0, 20)))
    .sort((a, b) => (a < b ? -1 : 1));
}

/** The header of every batch stored in the partition's segment files, oldest first. */
export async function storedBatches(dataDir: string, topic: string, partition = 0): Promise<StoredBatch[]> {
  const out: StoredBatch[] = [];
  for (const base of await segmentBases(dataDir, topic, partition)) {
    const file = join(dataDir, 'topics', topic, String(partition), `${base.toString().padStart(20, '0')}.log`);
    const bytes = await readFile(file);
    for (let at = 0; at + 61 <= bytes.length; at += 12 + bytes.readInt32BE(at + 8)) {
      const baseOffset = bytes.readBigInt64BE(at);
      const attributes = bytes.readInt16BE(at + 21);
      const recordCount = bytes.readInt32BE(at + 57);
      let marker: StoredBatch['marker'] = null;
      if ((attributes & 0x20) !== 0) {
        // One uncompressed control record: length, attributes, timestamp delta, offset delta (1-byte varints
        // each), key length 4 (varint 8), then the key: int16 version, int16 type.
        marker = recordCount === 0 ? 'empty' : bytes.readInt16BE(at + 61 + 7) === 1 ? 'commit' : 'abort';
      }
      out.push({
        baseOffset,
        lastOffset: baseOffset + BigInt(bytes.readInt32BE(at + 23)),
        codec: attributes & 0x07,
        producerId: bytes.readBigInt64BE(at + 43),
        recordCount,
        transactional: (attributes & 0x10) !== 0,
        marker,
      });
    }
  }
  return out;
}
