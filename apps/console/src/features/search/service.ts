/**
 * Message search of a tenant's topic: checks the request against the settings, compiles the matcher (a bad pattern
 * is a 400 before anything is read), plans each partition's range from offsets or timestamps, takes one of the
 * bounded search slots (per tenant and in total: 429 when full), and streams the scan as NDJSON events (started,
 * progress, match, end). A search stops when the client goes away, when it is cancelled by id, or when its budget
 * ends it; the end event says which, and where each partition stopped.
 */
import { randomUUID } from 'node:crypto';
import type { BrowsedMessage, PartitionRange, TenantTopic } from '@samsa/cluster';
import type { Tenant } from '@samsa/db';
import {
  compileMatcher as compile,
  type PartitionScan,
  type RecordMatcher,
  type ScanBudget,
  type ScanResult,
  type SearchMatch,
  SearchInputError,
  scanPartitions,
} from '@samsa/search';
import { ApiError } from '../../server/errors.ts';
import { log } from '../../server/log.ts';
import { clusterAdmin } from '../cluster/cluster-admin.ts';
import { renderRecord } from '../topics/render-bytes.ts';
import type { RenderedBytes } from '../topics/schemas.ts';
import { findTopic } from '../topics/service.ts';
import type { SearchEvent, SearchMatchRecord, SearchRequest } from './schemas.ts';
import { type SearchSettings, searchSettingsFromEnv } from './settings.ts';

/** Events queued for a client that does not read: beyond it the scan waits (memory stays bounded). */
const STREAM_EVENTS_QUEUED_MAX = 32;
/** Characters of a key, value or header shown per match; the permalink opens the whole record. */
const PREVIEW_CHARS_MAX = 16_384;

interface RunningSearch {
  tenantId: string;
  topic: string;
  abort: AbortController;
}

/** Searches running in this process, by id (for cancellation and the slot counts). */
const running = new Map<string, RunningSearch>();

function runningOf(tenantId: string): number {
  let n = 0;
  for (const s of running.values()) if (s.tenantId === tenantId) n++;
  return n;
}

function preview(r: RenderedBytes): RenderedBytes {
  const long = (t: string | null) => t !== null && t.length > PREVIEW_CHARS_MAX;
  const cut = (t: string) => t.slice(0, PREVIEW_CHARS_MAX);
  if ('raw' in r)
    return long(r.text) || long(r.raw) ? { ...r, text: cut(r.text), raw: cut(r.raw), truncated: true } : r;
  return r.text !== null && long(r.text) ? { ...r, text: cut(r.text), truncated: true } : r;
}

/** The console page of the message browser opened at one record. */
export function recordLink(tenantSlug: string, topic: string, partition: number, offset: number): string {
  return `/t/${encodeURIComponent(tenantSlug)}/topics/${encodeURIComponent(topic)}?partition=${partition}&offset=${offset}`;
}

/** The matcher, or `validation_failed` naming the field and the reason (bad regex, CEL or path). */
function compileMatcher(match: SearchMatch): RecordMatcher {
  try {
    return compile(match);
  } catch (err) {
    if (err instanceof SearchInputError)
      throw new ApiError('validation_failed', err.message, { [err.field]: [err.message] });
    throw err;
  }
}

function budgetOf(input: SearchRequest, s: SearchSettings) {
  const over = (field: string, value: number, max: number, setting: string) =>
    new ApiError('validation_failed', `${field} ${value} is above the maximum ${max} (${setting})`, {
      [field]: [`At most ${max}`],
    });
  if (input.maxRecords !== undefined && input.maxRecords > s.maxRecords)
    throw over('maxRecords', input.maxRecords, s.maxRecords, 'SAMSA_SEARCH_MAX_RECORDS');
  if (input.maxMs !== undefined && input.maxMs > s.maxMs)
    throw over('maxMs', input.maxMs, s.maxMs, 'SAMSA_SEARCH_MAX_MS');
  if (input.maxMatches !== undefined && input.maxMatches > s.maxMatches)
    throw over('maxMatches', input.maxMatches, s.maxMatches, 'SAMSA_SEARCH_MAX_MATCHES');
  return {
    maxRecords: input.maxRecords ?? s.defaultRecords,
    maxMs: input.maxMs ?? s.defaultMs,
    maxMatches: input.maxMatches ?? s.maxMatches,
  };
}

/** Each chosen partition's scan range: from the latest of its start, fromOffset and fromTimestampMs, to the earliest end. */
function planOf(input: SearchRequest, ranges: PartitionRange[]): PartitionScan[] {
  const chosen = input.partitions ?? ranges.map((r) => r.partition);
  const missing = chosen.filter((p) => p >= ranges.length);
  if (missing.length > 0) {
    throw new ApiError(
      'validation_failed',
      `The topic has ${ranges.length} partitions: no partition ${missing.join(', ')}`,
      {
        partitions: [`At most ${ranges.length - 1}`],
      },
    );
  }
  const startAt = new Map((input.startOffsets ?? []).map((s) => [s.partition, s.offset]));
  return [...new Set(chosen)]
    .sort((a, b) => a - b)
    .map((partition) => {
      const r = ranges[partition]!;
      // offsetsAt holds [fromTimestampMs, toTimestampMs + 1] when asked for, in that order.
      let i = 0;
      const fromTs = input.fromTimestampMs !== undefined ? r.offsetsAt[i++] : undefined;
      const toTs = input.toTimestampMs !== undefined ? r.offsetsAt[i++] : undefined;
      const from = startAt.get(partition) ?? Math.max(input.fromOffset ?? 0, fromTs ?? 0);
      const end = Math.min(
        r.endOffset,
        input.toOffset === undefined ? r.endOffset : input.toOffset + 1,
        toTs ?? r.endOffset,
      );
      return { partition, leader: r.leader, position: Math.max(from, r.startOffset), end };
    });
}

function acquireSlot(tenant: Tenant, topic: string, s: SearchSettings): { id: string; search: RunningSearch } {
  if (runningOf(tenant.id) >= s.maxPerTenant) {
    throw new ApiError(
      'rate_limited',
      `Tenant '${tenant.slug}' already runs ${s.maxPerTenant} searches (SAMSA_SEARCH_MAX_PER_TENANT): wait for one to end or cancel it`,
      undefined,
      { 'retry-after': '5' },
    );
  }
  if (running.size >= s.maxTotal) {
    throw new ApiError(
      'rate_limited',
      `The console already runs ${s.maxTotal} searches (SAMSA_SEARCH_MAX_TOTAL): try again shortly`,
      undefined,
      { 'retry-after': '5' },
    );
  }
  const id = randomUUID();
  const search = { tenantId: tenant.id, topic, abort: new AbortController() };
  running.set(id, search);
  return { id, search };
}

function positions(plan: PartitionScan[]) {
  return plan.map((p) => ({ partition: p.partition, position: p.position, end: p.end }));
}

function endMessage(
  result: ScanResult,
  plan: PartitionScan[],
  budget: { maxRecords: number; maxMs: number; maxMatches: number },
) {
  const unfinished = plan
    .filter((p) => p.position < p.end)
    .map((p) => `partition ${p.partition} at offset ${p.position} (of ${p.end})`)
    .join(', ');
  const where = unfinished ? ` It stopped at ${unfinished}; continue from there with startOffsets.` : '';
  const counts = `${result.scanned} records scanned, ${result.matched} matched in ${result.elapsedMs} ms.`;
  switch (result.reason) {
    case 'completed':
      return `Scanned the whole range: ${counts}`;
    case 'records_budget':
      return `The scan budget of ${budget.maxRecords} records ended the search before the end of the range: ${counts}${where}`;
    case 'time_budget':
      return `The scan budget of ${budget.maxMs} ms ended the search before the end of the range: ${counts}${where}`;
    case 'match_limit':
      return `The search stopped at ${budget.maxMatches} matches, the most it returns: ${counts}${where}`;
    case 'cancelled':
      return `The search was cancelled: ${counts}${where}`;
    case 'failed':
      return `The search failed: ${counts}${where}`;
  }
}

interface Scan {
  id: string;
  search: RunningSearch;
  tenant: Tenant;
  topic: string;
  target: TenantTopic;
  topicId: string;
  plan: PartitionScan[];
  input: SearchRequest;
  budget: ScanBudget;
  settings: SearchSettings;
  matcher: RecordMatcher;
  /** Sends one event to the client; resolves when the client can take more (or is gone). */
  send(event: SearchEvent): Promise<void>;
}

/** Runs the scan, streaming its events, and frees its slot and matcher when it ends however it ends. */
async function runScan(s: Scan): Promise<void> {
  const { plan, budget, input } = s;
  await s.send({ type: 'started', searchId: s.id, budget, partitions: positions(plan) });
  let result: ScanResult;
  let failure = '';
  try {
    result = await scanPartitions({
      topicId: s.topicId,
      partitions: plan,
      budget,
      fetchMaxBytes: s.settings.fetchMaxBytes,
      timeRange: { fromMs: input.fromTimestampMs, toMs: input.toTimestampMs },
      matcher: s.matcher,
      signal: s.search.abort.signal,
      fetch: (at) => clusterAdmin().fetchAs(s.target, at),
      onMatch: async (r) => s.send({ type: 'match', record: await matchRecord(s.tenant, s.topic, r) }),
      onProgress: (p) => s.send({ type: 'progress', ...p, partitions: positions(plan) }),
    });
  } catch (err) {
    failure = ` ${(err as Error).message}`;
    log.warn({ err, tenant: s.tenant.slug, topic: s.topic, searchId: s.id }, 'search failed');
    result = { reason: 'failed', scanned: 0, matched: 0, elapsedMs: 0 };
  } finally {
    running.delete(s.id);
    s.matcher.dispose();
  }
  const stopped = result.reason !== 'completed' && plan.some((p) => p.position < p.end);
  await s.send({
    type: 'end',
    reason: result.reason,
    message: endMessage(result, plan, budget) + failure,
    scanned: result.scanned,
    matched: result.matched,
    evaluationErrors: s.matcher.evaluationErrors,
    elapsedMs: result.elapsedMs,
    partitions: positions(plan),
    continueFrom: stopped ? plan.map((p) => ({ partition: p.partition, offset: p.position })) : null,
  });
  log.info(
    { tenant: s.tenant.slug, topic: s.topic, searchId: s.id, kind: input.match.kind, ...result },
    'search ended',
  );
}

export async function startSearch(
  tenant: Tenant,
  topic: string,
  input: SearchRequest,
  req: Request,
): Promise<Response> {
  const settings = searchSettingsFromEnv();
  const budget = budgetOf(input, settings);
  const matcher = compileMatcher(input.match);
  let slot: { id: string; search: RunningSearch } | undefined;
  try {
    const { target } = await findTopic(tenant, topic);
    const timestamps: number[] = [];
    if (input.fromTimestampMs !== undefined) timestamps.push(input.fromTimestampMs);
    if (input.toTimestampMs !== undefined) timestamps.push(input.toTimestampMs + 1);
    const ranges = await clusterAdmin().partitionRanges(target.brokerName, timestamps);
    if (!ranges) throw new ApiError('not_found', `No topic '${topic}' in tenant '${tenant.slug}'`);
    const plan = planOf(input, ranges.partitions);
    slot = acquireSlot(tenant, topic, settings);
    const { id, search } = slot;
    const abort = () => search.abort.abort();
    // The client going away (its request aborted, or its reader cancelled) cancels the scan.
    req.signal.addEventListener('abort', abort, { once: true });
    const encoder = new TextEncoder();
    const scan = { id, search, tenant, topic, target, topicId: ranges.topicId, plan, input, budget, settings, matcher };
    // Set while the scan waits for the client to read (pull) or for cancellation.
    let wake: (() => void) | undefined;
    const resume = () => {
      wake?.();
      wake = undefined;
    };
    search.abort.signal.addEventListener('abort', resume, { once: true });
    const stream = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          const send = async (event: SearchEvent) => {
            if (search.abort.signal.aborted && event.type !== 'end') return;
            try {
              controller.enqueue(encoder.encode(`${JSON.stringify(event)}\n`));
            } catch {
              abort();
              return;
            }
            if (event.type !== 'end' && (controller.desiredSize ?? 1) <= 0 && !search.abort.signal.aborted) {
              await new Promise<void>((r) => {
                wake = r;
              });
            }
          };
          void runScan({ ...scan, send }).finally(() => {
            req.signal.removeEventListener('abort', abort);
            try {
              controller.close();
            } catch {}
          });
        },
        pull: resume,
        cancel: abort,
      },
      { highWaterMark: STREAM_EVENTS_QUEUED_MAX },
    );
    return new Response(stream, {
      headers: {
        'content-type': 'application/x-ndjson',
        // no-transform: a compressing proxy must not hold progress events back until its buffer fills.
        'cache-control': 'no-store, no-transform',
        'x-accel-buffering': 'no',
      },
    });
  } catch (err) {
    if (slot) running.delete(slot.id);
    matcher.dispose();
    throw err;
  }
}

/** A match as the message browser shows it (decoded with its schema when it has one), cut to the preview size. */
async function matchRecord(tenant: Tenant, topic: string, m: BrowsedMessage): Promise<SearchMatchRecord> {
  const r = await renderRecord(tenant, topic, m);
  return {
    partition: m.partition,
    offset: m.offset,
    timestamp: m.timestamp,
    key: preview(r.key),
    value: preview(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: preview(h.value) })),
    link: recordLink(tenant.slug, topic, m.partition, m.offset),
  };
}

/** Cancels a running search of the tenant; `not_found` when there is none of that id (it may have ended). */
export function cancelSearch(tenant: Tenant, topic: string, searchId: string): void {
  const search = running.get(searchId);
  if (!search || search.tenantId !== tenant.id || search.topic !== topic) {
    throw new ApiError('not_found', `No running search '${searchId}' on topic '${topic}'`);
  }
  search.abort.abort();
}
