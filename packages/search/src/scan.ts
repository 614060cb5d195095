/**
 * The budgeted scan of one search: reads the chosen partitions in turn, one bounded fetch at a time AS the tenant
 * (so the broker applies its ACLs and fetch quota), tries each record against the matcher, and stops at the first
 * of: every partition read to its end, the records budget, the time budget, the match limit, or cancellation. It
 * reports progress at most every PROGRESS_INTERVAL_MS, waits while the client is behind, and says where each partition stopped, so a search ended by
 * a budget can continue from there.
 */
import type { BrowsedMessage, FetchPosition } from '@samsa/cluster';
import type { RecordMatcher } from './matchers.ts';
import { z } from 'zod';

/** Why a scan stopped. */
export const searchEndReasonSchema = z.enum([
  'completed',
  'records_budget',
  'time_budget',
  'match_limit',
  'cancelled',
  'failed',
]);
export type SearchEndReason = z.infer<typeof searchEndReasonSchema>;

/** How often progress is reported while scanning. */
export const PROGRESS_INTERVAL_MS = 250;
/** Empty fetches in a row below a partition's end before the scan takes it as read (e.g. only markers remain). */
const EMPTY_FETCHES_MAX = 3;
/** Records scanned between two looks at the clock inside one fetched batch. */
const CLOCK_CHECK_RECORDS = 256;

export interface PartitionScan {
  partition: number;
  leader: number;
  /** The next offset to read. */
  position: number;
  /** The scan of this partition ends before this offset. */
  end: number;
  /** Fetches in a row that returned nothing. */
  emptyFetches?: number;
}

export interface ScanBudget {
  maxRecords: number;
  maxMs: number;
  maxMatches: number;
}

export interface ScanResult {
  reason: SearchEndReason;
  scanned: number;
  matched: number;
  elapsedMs: number;
}

export interface ScanOptions {
  topicId: string;
  partitions: PartitionScan[];
  budget: ScanBudget;
  fetchMaxBytes: number;
  /** Records whose timestamp lies outside are skipped (they still count as scanned). */
  timeRange: { fromMs?: number; toMs?: number };
  matcher: RecordMatcher;
  signal: AbortSignal;
  fetch(at: FetchPosition): Promise<{ records: BrowsedMessage[] }>;
  /** Resolves when the client can take more (a slow reader pauses the scan rather than piling up events). */
  onMatch(record: BrowsedMessage): Promise<void>;
  onProgress(p: { scanned: number; matched: number; elapsedMs: number }): Promise<void>;
}

export async function scanPartitions(o: ScanOptions): Promise<ScanResult> {
  const startedMs = Date.now();
  const deadlineMs = startedMs + o.budget.maxMs;
  let scanned = 0;
  let matched = 0;
  let lastProgressMs = startedMs;
  const result = (reason: SearchEndReason): ScanResult => ({
    reason,
    scanned,
    matched,
    elapsedMs: Date.now() - startedMs,
  });
  let turn = 0;
  for (;;) {
    const open = o.partitions.filter((p) => p.position < p.end);
    if (open.length === 0) return result('completed');
    if (o.signal.aborted) return result('cancelled');
    if (Date.now() >= deadlineMs) return result('time_budget');
    const p = open[turn++ % open.length]!;
    const { records } = await o.fetch({
      topicId: o.topicId,
      partition: p.partition,
      leader: p.leader,
      offset: p.position,
      maxBytes: o.fetchMaxBytes,
    });
    if (o.signal.aborted) return result('cancelled');
    // Nothing returned below the end: a throttled answer, or nothing readable is left (only transaction markers,
    // or retention removed the rest). Tried again a few times, then the partition is taken as read.
    p.emptyFetches = records.length === 0 ? (p.emptyFetches ?? 0) + 1 : 0;
    if (p.emptyFetches >= EMPTY_FETCHES_MAX) p.position = p.end;
    for (const r of records) {
      if (r.offset >= p.end) {
        p.position = p.end;
        break;
      }
      if (scanned >= o.budget.maxRecords) return result('records_budget');
      if (scanned % CLOCK_CHECK_RECORDS === 0 && scanned > 0 && Date.now() >= deadlineMs) {
        return result('time_budget');
      }
      scanned++;
      p.position = r.offset + 1;
      const { fromMs, toMs } = o.timeRange;
      if ((fromMs !== undefined && r.timestamp < fromMs) || (toMs !== undefined && r.timestamp > toMs)) continue;
      if (o.matcher.matches(r)) {
        matched++;
        await o.onMatch(r);
        if (o.signal.aborted) return result('cancelled');
        if (matched >= o.budget.maxMatches) return result('match_limit');
      }
    }
    const nowMs = Date.now();
    if (nowMs - lastProgressMs >= PROGRESS_INTERVAL_MS) {
      lastProgressMs = nowMs;
      await o.onProgress({ scanned, matched, elapsedMs: nowMs - startedMs });
    }
  }
}
