/**
 * The budgeted scan over an in-memory partition log (the fetch is the only seam): round robin over partitions, an
 * empty answer retried before a partition is taken as read, the records budget stopping at an exact position.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrowsedMessage, FetchPosition } from '@samsa/cluster';
import { compileMatcher, type PartitionScan, scanPartitions } from '../src/index.ts';

function log(partition: number, count: number): BrowsedMessage[] {
  return Array.from({ length: count }, (_, offset) => ({
    partition,
    offset,
    timestamp: 0,
    key: null,
    value: Buffer.from(`p${partition}-o${offset}`),
    headers: [],
  }));
}

async function scan(
  partitions: PartitionScan[],
  fetch: (at: FetchPosition) => BrowsedMessage[],
  maxRecords = 1_000,
): Promise<{ reason: string; scanned: number; matched: string[] }> {
  const matched: string[] = [];
  const r = await scanPartitions({
    topicId: 't',
    partitions,
    budget: { maxRecords, maxMs: 60_000, maxMatches: 100 },
    fetchMaxBytes: 1024,
    timeRange: {},
    matcher: compileMatcher({ kind: 'contains', text: 'o1', field: 'any', caseSensitive: false }),
    signal: new AbortController().signal,
    fetch: async (at) => ({ records: fetch(at) }),
    onMatch: async (m) => {
      matched.push(m.value!.toString());
    },
    onProgress: async () => {},
  });
  return { reason: r.reason, scanned: r.scanned, matched };
}

const parts = (ends: number[]): PartitionScan[] =>
  ends.map((end, partition) => ({ partition, leader: 0, position: 0, end }));

test('every partition is read to its end, a few records per fetch', async () => {
  const logs = [log(0, 12), log(1, 5)];
  const r = await scan(parts([12, 5]), (at) => logs[at.partition]!.slice(at.offset, at.offset + 4));
  assert.equal(r.reason, 'completed');
  assert.equal(r.scanned, 17);
  assert.deepEqual(r.matched.sort(), ['p0-o1', 'p0-o10', 'p0-o11', 'p1-o1']);
});

test('an empty answer is tried again; a partition that keeps answering nothing is taken as read', async () => {
  let emptyOnce = true;
  const logs = [log(0, 6)];
  const once = await scan(parts([6]), (at) => {
    if (emptyOnce) {
      emptyOnce = false;
      return [];
    }
    return logs[0]!.slice(at.offset);
  });
  assert.equal(once.scanned, 6);
  let asked = 0;
  const never = await scan(parts([6]), () => {
    asked++;
    return [];
  });
  assert.equal(never.reason, 'completed');
  assert.equal(asked, 3);
});

test('the records budget stops at an exact position that a new scan continues from', async () => {
  const logs = [log(0, 10), log(1, 10)];
  const fetch = (at: FetchPosition) => logs[at.partition]!.slice(at.offset);
  const plan = parts([10, 10]);
  const first = await scan(plan, fetch, 7);
  assert.equal(first.reason, 'records_budget');
  assert.deepEqual(
    plan.map((p) => p.position),
    [7, 0],
  );
  const rest = await scan(plan, fetch);
  assert.equal(rest.scanned, 13);
});
