/**
 * Record-level access to a stored RecordBatch v2 for the log cleaner and for Produce's key check on compacted
 * topics: the records' raw bytes (so kept records are copied, never re-encoded, and keep their offset and timestamp
 * deltas), their payload decompressed when Node can (none, gzip, zstd), and a batch rebuilt from kept records with
 * its header, offsets and sequence range unchanged.
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

/** Transactional data or markers: the cleaner keeps them whole until it knows which transactions were aborted. */
export function isTransactionalBatch(batch: Buffer): boolean {
  return (batchAttributes(batch) & (TRANSACTIONAL_BIT | CONTROL_BIT)) !== 0;
}

/** The batch's records payload, decompressed; null when its codec is one Node cannot decode (snappy, lz4). */
export function batchPayload(batch: Buffer): Buffer | null {
  const codec = batchAttributes(batch) & COMPRESSION_MASK;
  const payload = batch.subarray(BATCH_HEADER_BYTES);
  if (codec === Compression.none) return payload;
  if (codec === Compression.gzip) return gunzipSync(payload, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
  if (codec === Compression.zstd) return zstdDecompressSync(payload, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
  return null;
}

function compressPayload(codec: number, payload: Buffer): Buffer {
  if (codec === Compression.none) return payload;
  if (codec === Compression.gzip) return gzipSync(payload);
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
  const payload = compressPayload(attributes & COMPRESSION_MASK, Buffer.concat(kept.map((r) => r.bytes)));
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

/** Indexes (within the batch) of the records without a key; null when the payload cannot be read (snappy, lz4). */
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
