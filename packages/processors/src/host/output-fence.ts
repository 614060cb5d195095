/**
 * Exactly-once without transactions: a task's committed offset carries, as commit metadata, a lower bound of the
 * output partitions' offsets where outputs of not-yet-committed records may start. A task taking a partition over
 * reads those output partitions from there to their end, collects the SOURCE_HEADER values of this processor and
 * input partition at or above the committed offset, and skips exactly those outputs when it processes the records
 * again. Holds for deterministic functions (the same record gives the same outputs in the same order).
 */
import { SOURCE_HEADER } from '../types.ts';

/** Where an output of an input record came from: `<processorId>/<version>/<partition>/<offset>/<index>`. */
export function sourceHeader(
  processorId: string,
  version: number,
  partition: number,
  offset: bigint,
  index: number | 'dlq',
) {
  return `${processorId}/${version}/${partition}/${offset}/${index}`;
}

export function parseSourceHeader(
  value: string,
): { processorId: string; version: number; partition: number; offset: bigint; index: string } | null {
  const parts = value.split('/');
  if (parts.length !== 5) return null;
  const [processorId, version, partition, offset, index] = parts as [string, string, string, string, string];
  if (!/^\d+$/.test(version) || !/^\d+$/.test(partition) || !/^\d+$/.test(offset)) return null;
  return { processorId, version: Number(version), partition: Number(partition), offset: BigInt(offset), index };
}

/** `topic:partition` of an output partition. */
export type OutputPartitionKey = string;
export const outputPartitionKey = (topic: string, partition: number): OutputPartitionKey => `${topic}:${partition}`;

/**
 * Commit metadata: `eos1 <topic:partition>=<offset> ...` (topic names have no spaces or `=`). Past `maxChars` (the
 * broker's --offset-metadata-max-bytes is 4,096 by default) each topic's partitions collapse to their smallest
 * offset, `<topic>:*=<offset>`: still a lower bound, at the cost of a longer scan.
 */
export function encodeFenceMetadata(starts: Map<OutputPartitionKey, bigint>, maxChars = 3_500): string {
  const full = ['eos1', ...[...starts].map(([k, o]) => `${k}=${o}`)].join(' ');
  if (full.length <= maxChars) return full;
  const perTopic = new Map<string, bigint>();
  for (const [k, o] of starts) {
    const topic = k.slice(0, k.lastIndexOf(':'));
    const min = perTopic.get(topic);
    if (min === undefined || o < min) perTopic.set(topic, o);
  }
  return ['eos1', ...[...perTopic].map(([t, o]) => `${t}:*=${o}`)].join(' ');
}

/** The bound of an output partition in decoded metadata (an exact entry, or its topic's collapsed one). */
export function fenceStartOf(starts: Map<string, bigint>, topic: string, partition: number): bigint | undefined {
  return starts.get(outputPartitionKey(topic, partition)) ?? starts.get(`${topic}:*`);
}

export function decodeFenceMetadata(metadata: string | null): Map<string, bigint> | null {
  if (!metadata?.startsWith('eos1')) return null;
  const out = new Map<string, bigint>();
  for (const part of metadata.split(' ').slice(1)) {
    const eq = part.lastIndexOf('=');
    const offset = part.slice(eq + 1);
    if (eq <= 0 || !/^\d+$/.test(offset)) return null;
    out.set(part.slice(0, eq), BigInt(offset));
  }
  return out;
}

/** The outputs already written for records this task will process again: `<offset>/<index>`. */
export class OutputFence {
  readonly #written = new Set<string>();
  #maxOffset = -1n;

  /** Reads one output record's headers; keeps it when it is ours and at or above `committed`. */
  observe(processorId: string, partition: number, committed: bigint, headers: Array<[string, Buffer]>): void {
    for (const [name, value] of headers) {
      if (name !== SOURCE_HEADER) continue;
      const s = parseSourceHeader(value.toString('utf8'));
      if (!s || s.processorId !== processorId || s.partition !== partition || s.offset < committed) continue;
      this.#written.add(`${s.offset}/${s.index}`);
      if (s.offset > this.#maxOffset) this.#maxOffset = s.offset;
    }
  }

  has(offset: bigint, index: number | 'dlq'): boolean {
    return this.#written.has(`${offset}/${index}`);
  }

  /** True while outputs of records at or above `offset` are known to be written (so the commit bound must stay). */
  holdsFrom(offset: bigint): boolean {
    return this.#maxOffset >= offset;
  }

  get size(): number {
    return this.#written.size;
  }
}
