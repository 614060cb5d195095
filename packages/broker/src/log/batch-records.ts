/**
 * Record-level access to a stored RecordBatch v2 for the log cleaner and for Produce's key check on compacted
 * topics: the records' raw bytes (so kept records are copied, never re-encoded, and keep their offset and timestamp
 * deltas), their payload decompressed (none, gzip, snappy, lz4, zstd; bounded), and a batch rebuilt from kept records
 * with its header, offsets and sequence range unchanged, recompressed in its own codec.
 */
import { gunzipSync, gzipSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import {
  BATCH_HEADER_BYTES,
  batchAttributes,
  batchBaseTimestamp,
  batchRecordCount,
  Compression,
  CONTROL_BIT,
  computeBatchCrc,
  TIMESTAMP_TYPE_LOG_APPEND_BIT,
  TRANSACTIONAL_BIT,
} from '@samsa/protocol';
import { lz4Compress, lz4Decompress, snappyCompress, snappyDecompress } from './compression-codecs.ts';
import { fastCrc32c } from './crc32c.ts';

const COMPRESSION_MASK = 0x07;
const AT_BATCH_LENGTH = 8;
const AT_CRC = 17;
const AT_MAX_TIMESTAMP = 35;
const AT_RECORD_COUNT = 57;
/** Bound on a decompressed payload: a batch is at most a few MiB, a bomb must not take the broker's memory. */
export const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

export interface RawRecord {
  /** Offset delta from the batch's base offset. */
  offsetDelta: number;
  timestampDelta: number;
  keyNull: boolean;
  key: Buffer | null;
  valueNull: boolean;
  /** The record's bytes, length prefix included, as stored. */
  bytes: Buffer;
}

export function isControlBatch(batch: Buffer): boolean {
  return (batchAttributes(batch) & CONTROL_BIT) !== 0;
}

export function isTransactionalBatch(batch: Buffer): boolean {
  return (batchAttributes(batch) & TRANSACTIONAL_BIT) !== 0;
}

/** The batch's records payload, decompressed; null for an unknown codec. */
export function batchPayload(batch: Buffer): Buffer | null {
  const codec = batchAttributes(batch) & COMPRESSION_MASK;
  const payload = batch.subarray(BATCH_HEADER_BYTES);
  if (codec === Compression.none) return payload;
  if (codec === Compression.gzip) return gunzipSync(payload, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
  if (codec === Compression.snappy) return snappyDecompress(payload, MAX_DECOMPRESSED_BYTES);
  if (codec === Compression.lz4) return lz4Decompress(payload, MAX_DECOMPRESSED_BYTES);
  if (codec === Compression.zstd) return zstdDecompressSync(payload, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
  return null;
}

/** `payload` compressed with `codec`; `original` is the batch's compressed payload (snappy keeps its framing). */
function compressPayload(codec: number, payload: Buffer, original: Buffer): Buffer {
  if (codec === Compression.none) return payload;
  if (codec === Compression.gzip) return gzipSync(payload);
  if (codec === Compression.snappy) return snappyCompress(payload, original);
  if (codec === Compression.lz4) return lz4Compress(payload);
  if (codec === Compression.zstd) return zstdCompressSync(payload);
  throw new Error(`cannot compress with codec ${codec}`);
}

/** Reads the records of a decompressed payload; throws on bytes that do not parse. */
export function rawRecords(payload: Buffer, recordCount: number): RawRecord[] {
  const out: RawRecord[] = [];
  let at = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (at >= payload.length) throw new RangeError('record runs past its batch');
      const b = payload[at++];
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      scale *= 128;
    }
    throw new RangeError('varint too long');
  };
  for (let i = 0; i < recordCount; i++) {
    const start = at;
    const len = varint();
    const bodyStart = at;
    if (len < 0 || bodyStart + len > payload.length) throw new RangeError('record length does not fit its batch');
    at += 1; // attributes
    const timestampDelta = varint();
    const offsetDelta = varint();
    const keyLen = varint();
    const key = keyLen < 0 ? null : payload.subarray(at, at + keyLen);
    if (keyLen > 0) at += keyLen;
    const valueLen = varint();
    at = bodyStart + len;
    out.push({
      offsetDelta,
      timestampDelta,
      keyNull: keyLen < 0,
      key,
      valueNull: valueLen < 0,
      bytes: payload.subarray(start, at),
    });
  }
  return out;
}

/**
 * A copy of `batch` holding only `kept` (a subset of its records, in order), compressed with the batch's codec.
 * Base offset, last offset delta, producer id, epoch and base sequence stay, so offsets never move and the
 * producer's sequence range is still known; an empty `kept` gives an empty batch, as Kafka keeps for a producer's
 * last batch. CreateTime batches get the max timestamp of the kept records.
 */
export function rebuildBatch(batch: Buffer, kept: RawRecord[]): Buffer {
  const attributes = batchAttributes(batch);
  const payload = compressPayload(
    attributes & COMPRESSION_MASK,
    Buffer.concat(kept.map((r) => r.bytes)),
    batch.subarray(BATCH_HEADER_BYTES),
  );
  const out = Buffer.allocUnsafe(BATCH_HEADER_BYTES + payload.length);
  batch.copy(out, 0, 0, BATCH_HEADER_BYTES);
  payload.copy(out, BATCH_HEADER_BYTES);
  out.writeInt32BE(out.length - 12, AT_BATCH_LENGTH);
  out.writeInt32BE(kept.length, AT_RECORD_COUNT);
  if ((attributes & TIMESTAMP_TYPE_LOG_APPEND_BIT) === 0 && kept.length > 0) {
    let maxDelta = kept[0].timestampDelta;
    for (const r of kept) if (r.timestampDelta > maxDelta) maxDelta = r.timestampDelta;
    out.writeBigInt64BE(batchBaseTimestamp(batch) + BigInt(maxDelta), AT_MAX_TIMESTAMP);
  }
  out.writeUInt32BE(computeBatchCrc(out, fastCrc32c), AT_CRC);
  return out;
}

/** Indexes (within the batch) of the records without a key; null when the payload's codec is unknown. */
export function keylessRecordIndexes(batch: Buffer): number[] | null {
  if (isControlBatch(batch)) return [];
  const payload = batchPayload(batch);
  if (payload === null) return null;
  const out: number[] = [];
  rawRecords(payload, batchRecordCount(batch)).forEach((r, i) => {
    if (r.keyNull) out.push(i);
  });
  return out;
}

/** Kafka's DELETE_HORIZON_FLAG (KIP-534): the batch's base timestamp is when its marker may be removed. */
const DELETE_HORIZON_BIT = 0x40;
const AT_ATTRIBUTES = 21;
const AT_BASE_TIMESTAMP = 27;

/** A control batch's marker: its record key's type (0 abort, 1 commit), or 'empty' once a clean emptied it. */
export function markerType(batch: Buffer): 'commit' | 'abort' | 'other' | 'empty' {
  if (batchRecordCount(batch) === 0) return 'empty';
  const payload = batchPayload(batch);
  const key = payload === null ? null : rawRecords(payload, 1)[0]?.key;
  if (!key || key.length < 4) return 'other';
  const type = key.readInt16BE(2);
  return type === 1 ? 'commit' : type === 0 ? 'abort' : 'other';
}

/** When the batch's markers may be removed (its delete horizon), or null when no clean has set one. */
export function deleteHorizonMs(batch: Buffer): number | null {
  return (batchAttributes(batch) & DELETE_HORIZON_BIT) !== 0 ? Number(batchBaseTimestamp(batch)) : null;
}

/** A copy of the batch carrying a delete horizon, as Kafka's cleaner writes it on a marker it found alone. */
export function withDeleteHorizon(batch: Buffer, horizonMs: number): Buffer {
  const out = Buffer.from(batch);
  out.writeInt16BE(batchAttributes(batch) | DELETE_HORIZON_BIT, AT_ATTRIBUTES);
  out.writeBigInt64BE(BigInt(horizonMs), AT_BASE_TIMESTAMP);
  out.writeUInt32BE(computeBatchCrc(out, fastCrc32c), AT_CRC);
  return out;
}
