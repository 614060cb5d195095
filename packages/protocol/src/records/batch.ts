/**
 * RecordBatch v2 (magic 2): the header layout, validation of batches as received, and an encoder/decoder for the
 * records inside an uncompressed batch. The broker only ever parses headers; records stay opaque bytes.
 */
import { crc32c } from '../crc32c.ts';
import { ProtocolDecodeError } from '../errors.ts';
import { ByteReader } from '../reader.ts';
import { ByteWriter } from '../writer.ts';

/** Bytes before the first record: baseOffset(8) batchLength(4) ... recordCount(4). */
export const BATCH_HEADER_BYTES = 61;
/** baseOffset + batchLength: batchLength counts the bytes after these 12. */
export const BATCH_LOG_OVERHEAD = 12;

/**
 * Where each header field sits in a RecordBatch v2, from the batch's first byte. The broker reads headers through the
 * accessors below (it keeps batches as bytes), so these offsets are written nowhere else.
 */
const AT = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
} as const;
const CRC_OFFSET = AT.crc;
const ATTRIBUTES_OFFSET = AT.attributes;

export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export const TIMESTAMP_TYPE_LOG_APPEND_BIT = 0x08;
export const TRANSACTIONAL_BIT = 0x10;
export const CONTROL_BIT = 0x20;

export interface BatchHeader {
  baseOffset: bigint;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

// Readers of one header field of the batch starting at `at` (the caller has checked that the header is there).
const int8At =
  (field: number) =>
  (buf: Buffer, at = 0): number =>
    buf.readInt8(at + field);
const int16At =
  (field: number) =>
  (buf: Buffer, at = 0): number =>
    buf.readInt16BE(at + field);
const int32At =
  (field: number) =>
  (buf: Buffer, at = 0): number =>
    buf.readInt32BE(at + field);
const uint32At =
  (field: number) =>
  (buf: Buffer, at = 0): number =>
    buf.readUInt32BE(at + field);
const int64At =
  (field: number) =>
  (buf: Buffer, at = 0): bigint =>
    buf.readBigInt64BE(at + field);

export const batchBaseOffset = int64At(AT.baseOffset);
/** The bytes after baseOffset and batchLength: the batch occupies BATCH_LOG_OVERHEAD + this. */
export const batchLength = int32At(AT.batchLength);
export const batchPartitionLeaderEpoch = int32At(AT.partitionLeaderEpoch);
export const batchMagic = int8At(AT.magic);
export const batchCrc = uint32At(AT.crc);
export const batchAttributes = int16At(AT.attributes);
export const batchLastOffsetDelta = int32At(AT.lastOffsetDelta);
export const batchBaseTimestamp = int64At(AT.baseTimestamp);
export const batchMaxTimestamp = int64At(AT.maxTimestamp);
export const batchProducerId = int64At(AT.producerId);
export const batchProducerEpoch = int16At(AT.producerEpoch);
export const batchBaseSequence = int32At(AT.baseSequence);
export const batchRecordCount = int32At(AT.recordCount);

/** How many offsets the batch at `at` takes in the log: lastOffsetDelta + 1. */
export function batchOffsetCount(buf: Buffer, at = 0): bigint {
  return BigInt(batchLastOffsetDelta(buf, at)) + 1n;
}

/** The last offset of the batch at `at`: baseOffset + lastOffsetDelta. */
export function batchLastOffset(buf: Buffer, at = 0): bigint {
  return batchBaseOffset(buf, at) + BigInt(batchLastOffsetDelta(buf, at));
}

export function readBatchHeader(buf: Buffer, at = 0): BatchHeader {
  if (buf.length - at < BATCH_HEADER_BYTES) throw new ProtocolDecodeError('record batch shorter than its header');
  return {
    baseOffset: batchBaseOffset(buf, at),
    batchLength: batchLength(buf, at),
    partitionLeaderEpoch: batchPartitionLeaderEpoch(buf, at),
    magic: batchMagic(buf, at),
    crc: batchCrc(buf, at),
    attributes: batchAttributes(buf, at),
    lastOffsetDelta: batchLastOffsetDelta(buf, at),
    baseTimestamp: batchBaseTimestamp(buf, at),
    maxTimestamp: batchMaxTimestamp(buf, at),
    producerId: batchProducerId(buf, at),
    producerEpoch: batchProducerEpoch(buf, at),
    baseSequence: batchBaseSequence(buf, at),
    recordCount: batchRecordCount(buf, at),
  };
}

/** Total bytes the batch at `at` occupies (log overhead + batchLength), or -1 if the header is incomplete. */
export function batchSizeAt(buf: Buffer, at: number): number {
  if (buf.length - at < BATCH_LOG_OVERHEAD) return -1;
  return BATCH_LOG_OVERHEAD + batchLength(buf, at);
}

/**
 * CRC-32C of all of `bytes`. The protocol's own is table-driven JavaScript (about 1 GB/s); the broker passes one that
 * uses the CPU's CRC32 instruction on its produce path.
 */
export type Crc32cFunction = (bytes: Buffer) => number;

const tableCrc32c: Crc32cFunction = (bytes) => crc32c(bytes);

/** The batch's CRC: attributes through the end, so baseOffset and partitionLeaderEpoch can change without it. */
export function computeBatchCrc(batch: Buffer, crc: Crc32cFunction = tableCrc32c): number {
  return crc(batch.subarray(ATTRIBUTES_OFFSET));
}

export function batchCrcIsValid(batch: Buffer, crc: Crc32cFunction = tableCrc32c): boolean {
  return batch.readUInt32BE(CRC_OFFSET) === computeBatchCrc(batch, crc);
}

export function rewriteBaseOffset(batch: Buffer, baseOffset: bigint): void {
  batch.writeBigInt64BE(baseOffset, AT.baseOffset);
}

/** Sets LogAppendTime (attribute bit 3 and maxTimestamp) and recomputes the CRC. */
export function stampLogAppendTime(batch: Buffer, timestampMs: bigint, crc: Crc32cFunction = tableCrc32c): void {
  batch.writeInt16BE(batch.readInt16BE(ATTRIBUTES_OFFSET) | TIMESTAMP_TYPE_LOG_APPEND_BIT, ATTRIBUTES_OFFSET);
  batch.writeBigInt64BE(timestampMs, AT.maxTimestamp);
  batch.writeUInt32BE(computeBatchCrc(batch, crc), CRC_OFFSET);
}

export interface BatchSlice {
  /** Offset of the batch within the record set. */
  at: number;
  bytes: Buffer;
  header: BatchHeader;
}

/**
 * Splits a produced record set into its batches and validates each: magic 2, a length that fits, a matching CRC and
 * a record count consistent with lastOffsetDelta. Throws ProtocolDecodeError naming the first problem.
 */
export function splitRecordSet(
  records: Buffer,
  maxBatchBytes = Number.MAX_SAFE_INTEGER,
  crc: Crc32cFunction = tableCrc32c,
): BatchSlice[] {
  const out: BatchSlice[] = [];
  let at = 0;
  while (at < records.length) {
    if (records.length - at < BATCH_HEADER_BYTES) throw new ProtocolDecodeError('truncated record batch');
    const size = batchSizeAt(records, at);
    const magic = batchMagic(records, at);
    if (magic !== 2) throw new ProtocolDecodeError(`record batch magic ${magic} is not supported (only magic 2)`);
    if (size < BATCH_HEADER_BYTES || at + size > records.length) {
      throw new ProtocolDecodeError(`record batch length ${size} does not fit the record set`);
    }
    if (size > maxBatchBytes) throw new BatchTooLargeError(`record batch of ${size} bytes exceeds ${maxBatchBytes}`);
    const bytes = records.subarray(at, at + size);
    const header = readBatchHeader(bytes);
    if (!batchCrcIsValid(bytes, crc)) throw new ProtocolDecodeError('record batch CRC mismatch');
    if (header.recordCount < 0 || header.lastOffsetDelta < 0 || header.lastOffsetDelta < header.recordCount - 1) {
      throw new ProtocolDecodeError('record batch count and lastOffsetDelta disagree');
    }
    out.push({ at, bytes, header });
    at += size;
  }
  return out;
}

export class BatchTooLargeError extends ProtocolDecodeError {}

// ------------------------------------------------------------ records inside a batch

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface Record {
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface RecordInput {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  timestamp?: bigint;
  headers?: { key: string; value: Buffer | string | null }[];
}

export interface BatchInput {
  baseOffset?: bigint;
  records: RecordInput[];
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  /** Codec bits; the caller supplies already-compressed `recordsPayload` for codecs other than none. */
  attributes?: number;
  partitionLeaderEpoch?: number;
}

function asBuf(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v) : v;
}

/** Encodes the records of a batch (the part that a codec compresses). */
export function encodeRecords(records: RecordInput[], baseTimestamp: bigint): Buffer {
  const w = new ByteWriter(1024);
  records.forEach((rec, i) => {
    const body = new ByteWriter(64);
    body.int8(0);
    body.varlong((rec.timestamp ?? baseTimestamp) - baseTimestamp);
    body.varint(i);
    const key = asBuf(rec.key);
    if (key === null) body.varint(-1);
    else body.varint(key.length).raw(key);
    const value = asBuf(rec.value);
    if (value === null) body.varint(-1);
    else body.varint(value.length).raw(value);
    const headers = rec.headers ?? [];
    body.varint(headers.length);
    for (const h of headers) {
      const hk = Buffer.from(h.key);
      body.varint(hk.length).raw(hk);
      const hv = asBuf(h.value);
      if (hv === null) body.varint(-1);
      else body.varint(hv.length).raw(hv);
    }
    const bytes = body.toBuffer();
    w.varint(bytes.length).raw(bytes);
  });
  return w.toBuffer();
}

/** Builds a complete RecordBatch v2. `recordsPayload` overrides the encoded records (e.g. compressed). */
export function encodeBatch(input: BatchInput, recordsPayload?: Buffer): Buffer {
  const now = BigInt(Date.now());
  const timestamps = input.records.map((r) => r.timestamp ?? now);
  const baseTimestamp = timestamps.length ? timestamps.reduce((a, b) => (a < b ? a : b)) : now;
  const maxTimestamp = timestamps.length ? timestamps.reduce((a, b) => (a > b ? a : b)) : now;
  const payload = recordsPayload ?? encodeRecords(input.records, baseTimestamp);
  const w = new ByteWriter(BATCH_HEADER_BYTES + payload.length);
  w.int64(input.baseOffset ?? 0n);
  w.int32(BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD + payload.length);
  w.int32(input.partitionLeaderEpoch ?? 0);
  w.int8(2);
  w.uint32(0);
  w.int16(input.attributes ?? 0);
  w.int32(Math.max(0, input.records.length - 1));
  w.int64(baseTimestamp);
  w.int64(maxTimestamp);
  w.int64(input.producerId ?? -1n);
  w.int16(input.producerEpoch ?? -1);
  w.int32(input.baseSequence ?? -1);
  w.int32(input.records.length);
  w.raw(payload);
  const batch = w.toBuffer();
  batch.writeUInt32BE(computeBatchCrc(batch), CRC_OFFSET);
  return batch;
}

/** Decodes the records of an uncompressed batch, or of `payload` (the batch's records already decompressed). */
export function decodeRecords(batch: Buffer, payload?: Buffer): Record[] {
  const header = readBatchHeader(batch);
  const r = new ByteReader(payload ?? batch, payload ? 0 : BATCH_HEADER_BYTES);
  const out: Record[] = [];
  for (let i = 0; i < header.recordCount; i++) {
    const len = r.varint();
    const end = r.offset + len;
    r.int8();
    const tsDelta = r.varlong();
    const offDelta = r.varint();
    const keyLen = r.varint();
    const key = keyLen < 0 ? null : Buffer.from(r.bytesView(keyLen));
    const valueLen = r.varint();
    const value = valueLen < 0 ? null : Buffer.from(r.bytesView(valueLen));
    const headerCount = r.varint();
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const hk = r.utf8(r.varint());
      const hvLen = r.varint();
      headers.push({ key: hk, value: hvLen < 0 ? null : Buffer.from(r.bytesView(hvLen)) });
    }
    if (r.offset !== end) throw new ProtocolDecodeError('record length does not match its contents');
    out.push({
      offset: header.baseOffset + BigInt(offDelta),
      timestamp: header.baseTimestamp + tsDelta,
      key,
      value,
      headers,
    });
  }
  return out;
}
