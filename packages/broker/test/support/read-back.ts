/** Test support: reads a partition back over the wire with Fetch and decodes its records (none or gzip codec). */
import { gunzipSync } from 'node:zlib';
import { BATCH_HEADER_BYTES, batchSizeAt, decodeRecords, Fetch, readBatchHeader } from '@samsa/protocol';
import { RawClient } from '@samsa/test-support/raw-client';

export interface ReadRecord {
  offset: bigint;
  timestamp: bigint;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export function decodeBatches(bytes: Buffer): ReadRecord[] {
  const out: ReadRecord[] = [];
  let at = 0;
  while (at < bytes.length) {
    const size = batchSizeAt(bytes, at);
    if (size < 0 || at + size > bytes.length) break; // partial trailing batch
    const batch = bytes.subarray(at, at + size);
    const header = readBatchHeader(batch);
    const codec = header.attributes & 0x7;
    let payload: Buffer | undefined;
    if (codec === 1) payload = gunzipSync(batch.subarray(BATCH_HEADER_BYTES));
    else if (codec !== 0) throw new Error(`codec ${codec} not decodable in tests`);
    for (const r of decodeRecords(batch, payload)) {
      out.push({
        offset: r.offset,
        timestamp: r.timestamp,
        key: r.key?.toString() ?? null,
        value: r.value?.toString() ?? null,
        headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value?.toString() ?? ''])),
      });
    }
    at += size;
  }
  return out;
}

/** Every record of a partition from `fromOffset` to the high watermark (after SASL/PLAIN when given credentials). */
export async function readPartition(
  port: number,
  topic: string,
  partition: number,
  fromOffset = 0n,
  sasl?: { username: string; password: string },
): Promise<ReadRecord[]> {
  const client = await RawClient.connect(port);
  try {
    if (sasl) await client.saslPlain(sasl.username, sasl.password);
    const out: ReadRecord[] = [];
    let offset = fromOffset;
    for (let round = 0; round < 10_000; round++) {
      const res = (await client.request(Fetch, 11, {
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 8 * 1024 * 1024,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 4 * 1024 * 1024 }] }],
        forgottenTopicsData: [],
        rackId: '',
      })) as { responses: { partitions: { errorCode: number; highWatermark: bigint; records: Buffer | null }[] }[] };
      const p = res.responses[0]!.partitions[0]!;
      if (p.errorCode !== 0) throw new Error(`fetch error ${p.errorCode}`);
      const records = decodeBatches(p.records ?? Buffer.alloc(0)).filter((r) => r.offset >= offset);
      out.push(...records);
      if (records.length > 0) offset = records[records.length - 1]!.offset + 1n;
      if (offset >= p.highWatermark || records.length === 0) return out;
    }
    return out;
  } finally {
    client.close();
  }
}

/** The error code of a Fetch of one partition at `offset` (0 when it reads). */
export async function fetchErrorCode(port: number, topic: string, partition: number, offset = 0n): Promise<number> {
  const client = await RawClient.connect(port);
  try {
    const res = (await client.request(Fetch, 11, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1024 * 1024,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 1024 * 1024 }] }],
      forgottenTopicsData: [],
      rackId: '',
    })) as { responses: { partitions: { errorCode: number }[] }[] };
    return res.responses[0]!.partitions[0]!.errorCode;
  } finally {
    client.close();
  }
}
