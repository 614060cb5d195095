/**
 * snappy and lz4 for record batches, in the framings Kafka clients use: snappy raw or in xerial's stream framing
 * (the Java client's SnappyOutputStream: a 16-byte header, then length-prefixed raw blocks), lz4 in the LZ4 frame
 * format (Kafka's KafkaLZ4BlockOutputStream). Decompression is bounded: the output size each framing declares (a raw
 * snappy block's length varint, an lz4 frame's blocks times its block maximum) is checked before any is allocated.
 */
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { compressSync as snappyCompressSync, uncompressSync as snappyUncompressSync } from 'snappy';

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
/** The Java client's SnappyOutputStream block size (32 KiB of input per block). */
const XERIAL_BLOCK_BYTES = 32 * 1024;
const LZ4_FRAME_MAGIC = 0x184d2204;
/** LZ4 frame BD byte's block maximum sizes, by its bits 6-4. */
const LZ4_BLOCK_MAX_BYTES: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };

export class CompressedPayloadError extends Error {}

/** A raw snappy block's uncompressed length (its leading varint). */
function snappyRawLength(block: Buffer): number {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const b = block[i]!;
    result += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return result;
    scale *= 128;
  }
  throw new CompressedPayloadError('snappy block has no valid length');
}

function snappyBlock(block: Buffer, budget: number): Buffer {
  if (snappyRawLength(block) > budget) throw new CompressedPayloadError(`snappy payload exceeds ${budget} bytes`);
  return snappyUncompressSync(block, { asBuffer: true }) as Buffer;
}

export function isXerialSnappy(payload: Buffer): boolean {
  return payload.length >= XERIAL_HEADER_BYTES && payload.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

export function snappyDecompress(payload: Buffer, maxBytes: number): Buffer {
  if (!isXerialSnappy(payload)) return snappyBlock(payload, maxBytes);
  const out: Buffer[] = [];
  let total = 0;
  for (let at = XERIAL_HEADER_BYTES; at < payload.length; ) {
    if (at + 4 > payload.length) throw new CompressedPayloadError('xerial snappy chunk length cut short');
    const length = payload.readUInt32BE(at);
    at += 4;
    if (at + length > payload.length) throw new CompressedPayloadError('xerial snappy chunk runs past its payload');
    const block = snappyBlock(payload.subarray(at, at + length), maxBytes - total);
    out.push(block);
    total += block.length;
    at += length;
  }
  return Buffer.concat(out);
}

/** Compresses in the framing of `like` (xerial if it was, else raw). */
export function snappyCompress(payload: Buffer, like: Buffer): Buffer {
  if (!isXerialSnappy(like)) return snappyCompressSync(payload);
  const parts: Buffer[] = [like.subarray(0, XERIAL_HEADER_BYTES)];
  for (let at = 0; at < payload.length; at += XERIAL_BLOCK_BYTES) {
    const block = snappyCompressSync(payload.subarray(at, at + XERIAL_BLOCK_BYTES));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(block.length);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

/** The most an LZ4 frame can decompress to: its blocks times its block maximum (walks the block headers). */
function lz4FrameMaxBytes(frame: Buffer): number {
  if (frame.length < 7 || frame.readUInt32LE(0) !== LZ4_FRAME_MAGIC) {
    throw new CompressedPayloadError('lz4 payload is not an LZ4 frame');
  }
  const flg = frame[4]!;
  const blockMax = LZ4_BLOCK_MAX_BYTES[(frame[5]! >> 4) & 0x07];
  if (blockMax === undefined) throw new CompressedPayloadError('lz4 frame has an invalid block size');
  const blockChecksum = (flg & 0x10) !== 0;
  let at = 6 + ((flg & 0x08) !== 0 ? 8 : 0) + ((flg & 0x01) !== 0 ? 4 : 0) + 1;
  let blocks = 0;
  while (at + 4 <= frame.length) {
    const size = frame.readUInt32LE(at) & 0x7fffffff;
    if (size === 0) return blocks * blockMax;
    at += 4 + size + (blockChecksum ? 4 : 0);
    blocks += 1;
  }
  throw new CompressedPayloadError('lz4 frame has no end mark');
}

export function lz4Decompress(payload: Buffer, maxBytes: number): Buffer {
  if (lz4FrameMaxBytes(payload) > maxBytes)
    throw new CompressedPayloadError(`lz4 payload may exceed ${maxBytes} bytes`);
  return decompressFrameSync(payload);
}

export function lz4Compress(payload: Buffer): Buffer {
  return compressFrameSync(payload, { contentChecksum: false, blockChecksums: false });
}
