/** Shared fixtures for the log tests: temp dirs, a default config, batch builders and a controllable clock. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRecords, encodeBatch } from '@samsa/protocol';
import type { LogConfig } from '../../src/log/types.ts';

export const baseConfig: LogConfig = {
  segmentBytes: 1024 * 1024,
  segmentMs: 7 * 24 * 3600 * 1000,
  retentionMs: -1,
  retentionBytes: -1,
  indexIntervalBytes: 4096,
};

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-log-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A batch of `count` records with values `${prefix}-${i}`, all stamped `timestampMs`. */
export function batch(
  count: number,
  opts: { prefix?: string; timestampMs?: bigint; valueBytes?: number } = {},
): Buffer {
  const ts = opts.timestampMs ?? 1_000n;
  const records = [];
  for (let i = 0; i < count; i++) {
    const label = `${opts.prefix ?? 'v'}-${i}`;
    const value = opts.valueBytes ? label.padEnd(opts.valueBytes, '.') : label;
    records.push({ value, timestamp: ts + BigInt(i) });
  }
  return encodeBatch({ records });
}

/** Decodes every record in the chunks (each chunk is a run of whole batches). */
export function recordsIn(chunks: Buffer[]): { offset: bigint; value: string; timestamp: bigint }[] {
  const out: { offset: bigint; value: string; timestamp: bigint }[] = [];
  for (const chunk of chunks) {
    let at = 0;
    while (at < chunk.length) {
      const size = 12 + chunk.readInt32BE(at + 8);
      const b = chunk.subarray(at, at + size);
      for (const r of decodeRecords(b))
        out.push({ offset: r.offset, value: r.value!.toString(), timestamp: r.timestamp });
      at += size;
    }
  }
  return out;
}

export function batchBaseOffsets(chunks: Buffer[]): bigint[] {
  const out: bigint[] = [];
  for (const chunk of chunks) {
    let at = 0;
    while (at < chunk.length) {
      out.push(chunk.readBigInt64BE(at));
      at += 12 + chunk.readInt32BE(at + 8);
    }
  }
  return out;
}

export class ManualClock {
  ms: number;
  constructor(startMs = 1_000_000) {
    this.ms = startMs;
  }
  readonly nowMs = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}
