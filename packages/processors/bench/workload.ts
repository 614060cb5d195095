/** The processors bench's workload: 1 KiB JSON records and the map function every row runs. */
import type { InputRecord } from '../src/index.ts';

/** Size of each record's JSON value, bytes. */
export const RECORD_VALUE_BYTES = 1024;
/** Rate of the end-to-end latency phase, records/s. */
export const LATENCY_RECORDS_PER_SECOND = 5_000;
/** Records per call into the sandbox. */
export const BATCH_RECORDS = 500;

/** The map every row runs: parse the JSON value, add a field, stringify. */
export const MAP_SOURCE = `export default function process(record) {
  const order = JSON.parse(record.value);
  order.processed = true;
  return { value: JSON.stringify(order) };
}`;

/** The same function, for the rows without a sandbox. */
export function mapPlain(value: string): string {
  const order = JSON.parse(value);
  order.processed = true;
  return JSON.stringify(order);
}

/** A JSON object of exactly `RECORD_VALUE_BYTES` bytes, different for each `i`. */
export function jsonValue(i: number): string {
  const base = {
    id: i,
    customer: `c-${i % 997}`,
    amountCents: (i * 7919) % 100_000,
    currency: 'EUR',
    items: [] as unknown[],
  };
  for (let n = 0; JSON.stringify(base).length < RECORD_VALUE_BYTES - 60; n++) {
    base.items.push({ sku: `sku-${(i + n) % 5000}`, qty: (n % 5) + 1 });
  }
  const text = JSON.stringify({ ...base, pad: '' });
  return JSON.stringify({ ...base, pad: 'x'.repeat(RECORD_VALUE_BYTES - text.length) });
}

export function inputRecords(count: number, partition = 0): InputRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    topic: 'bench-in',
    partition,
    offset: BigInt(i),
    timestampMs: Date.now(),
    key: Buffer.from(`key-${i % 1000}`),
    value: Buffer.from(jsonValue(i)),
    headers: [],
  }));
}
