/**
 * The `search` phase (issue 17): message search as the console runs it (@samsa/search's budgeted scan, reading with
 * @samsa/cluster AS the tenant, so its ACLs and fetch quota apply) over a topic of one tenant on a tenancy-on broker.
 * Prints the records scanned per second for a substring and for a CEL expression, and the p50/p99 of another
 * tenant's acks=all producer (KafkaJS, one message at a time) in quiet slices and in slices where large searches
 * run back to back. Needs Postgres (the server on 127.0.0.1:5432, else an embedded one).
 */
import { randomBytes } from 'node:crypto';
import { KafkaClusterAdmin, type TenantTopic } from '@samsa/cluster';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { compileMatcher, type SearchMatch, scanPartitions } from '@samsa/search';
import { TenantFixtures, type TestKey } from '@samsa/test-support/tenants';
import { Kafka, logLevel } from 'kafkajs';
import type { BenchSettings } from './phase.ts';
import { type Percentiles, percentiles } from './percentiles.ts';
import type { BenchResults } from './report.ts';
import { attempt, startBenchBroker } from './samsa.ts';

/** Records in the searched topic, over SEARCHED_PARTITIONS partitions. */
const SEARCHED_RECORDS = 400_000;
const SEARCHED_PARTITIONS = 4;
const PRODUCE_BATCH_RECORDS = 10_000;
/** As the console's default (SAMSA_SEARCH_FETCH_MAX_BYTES). */
const SCAN_FETCH_MAX_BYTES = 1024 * 1024;
const PRODUCER_MESSAGES_PER_SECOND = 200;
/** Whether each slice runs searches; together they take two phases' time. */
const SLICE_ORDER = [false, true, true, false];
const SUPERUSER = 'admin';
/** The searching tenant's fetch quota in the throttled slices. */
const FETCH_QUOTA_BYTES_PER_SEC = 8 * 1024 * 1024;

const SUBSTRING: SearchMatch = { kind: 'contains', text: 'needle-in-hay', field: 'any', caseSensitive: false };
const CEL: SearchMatch = {
  kind: 'cel',
  expression: 'json.note == "needle-in-hay" || (json.status == "failed" && json.amount > 399990)',
};

export interface ScanRate {
  scanned: number;
  matched: number;
  elapsedMs: number;
  recordsPerSecond: number;
}

export interface SearchBenchResult {
  records: number;
  substring: ScanRate;
  cel: ScanRate;
  quiet: Percentiles;
  duringSearch: Percentiles;
  p99Ratio: number;
  /** Records the searches of the busy slices scanned. */
  scannedDuringSlices: number;
  /** The same with the searching tenant held to a fetch quota of `fetchQuotaBytesPerSec`. */
  throttled: { fetchQuotaBytesPerSec: number; substring: ScanRate; duringSearch: Percentiles; p99Ratio: number };
}

export async function measureSearch(settings: BenchSettings, results: BenchResults): Promise<void> {
  let db: TestDatabase;
  try {
    db = await createTestDatabase();
  } catch (err) {
    const note = `search skipped: no Postgres (${(err as Error).message})`;
    results.notes.push(note);
    process.stdout.write(`  ${note}\n`);
    return;
  }
  const fx = new TenantFixtures(db.url);
  try {
    await attempt(results, `message search over ${SEARCHED_RECORDS} records, and another tenant's producer`, () =>
      runSearchBench(settings, results, db, fx),
    );
  } finally {
    await fx.close();
    await db.drop();
  }
}

/** A tenant with an admin key; made before the broker starts, which then knows it from the start. */
async function tenantKey(fx: TenantFixtures, slug: string): Promise<TestKey & { tenantId: string }> {
  const tenantId = await fx.tenant(slug);
  const key = await fx.key(tenantId, 'app');
  await fx.admin(tenantId, 'app');
  return { ...key, tenantId };
}

function tenantKafka(key: TestKey, slug: string, port: number): Kafka {
  return new Kafka({
    clientId: `search-bench-${slug}`,
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'scram-sha-512', username: key.keyId, password: key.secret },
  });
}

/** One search of the whole topic as the console runs it; stops early when `signal` aborts. */
async function scanOnce(
  cluster: KafkaClusterAdmin,
  target: TenantTopic,
  match: SearchMatch,
  signal: AbortSignal,
): Promise<ScanRate> {
  const ranges = await cluster.partitionRanges(target.brokerName, []);
  if (!ranges) throw new Error(`no topic ${target.brokerName}`);
  const matcher = compileMatcher(match);
  try {
    const result = await scanPartitions({
      topicId: ranges.topicId,
      partitions: ranges.partitions.map((p) => ({
        partition: p.partition,
        leader: p.leader,
        position: p.startOffset,
        end: p.endOffset,
      })),
      budget: { maxRecords: Number.MAX_SAFE_INTEGER, maxMs: 600_000, maxMatches: 1_000 },
      fetchMaxBytes: SCAN_FETCH_MAX_BYTES,
      timeRange: {},
      matcher,
      signal,
      fetch: (at) => cluster.fetchAs(target, at),
      onMatch: async () => {},
      onProgress: async () => {},
    });
    return { ...result, recordsPerSecond: result.scanned / (result.elapsedMs / 1000) };
  } finally {
    matcher.dispose();
  }
}

async function produceFor(producer: ReturnType<Kafka['producer']>, durationMs: number): Promise<number[]> {
  const latencies: number[] = [];
  const intervalMs = 1000 / PRODUCER_MESSAGES_PER_SECOND;
  const endMs = performance.now() + durationMs;
  for (let i = 0; performance.now() < endMs; i++) {
    const startedMs = performance.now();
    await producer.send({ topic: 'orders', acks: -1, messages: [{ value: `order-${i}` }] });
    latencies.push((performance.now() - startedMs) * 1000);
    const waitMs = startedMs + intervalMs - performance.now();
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  }
  return latencies;
}

async function runSearchBench(
  settings: BenchSettings,
  results: BenchResults,
  db: TestDatabase,
  fx: TenantFixtures,
): Promise<void> {
  const readerKey = await tenantKey(fx, 'reader');
  const writerKey = await tenantKey(fx, 'writer');
  const password = randomBytes(18).toString('base64url');
  const broker = await startBenchBroker(settings, 'broker-search', {
    args: ['--database-url', db.url, '--superuser-name', SUPERUSER],
    env: { SAMSA_SUPERUSER_PASSWORD: password },
  });
  const cluster = new KafkaClusterAdmin({
    bootstrapBrokers: [`127.0.0.1:${broker.port}`],
    sasl: { mechanism: 'SCRAM-SHA-512', username: SUPERUSER, password },
    clientId: 'samsa-console',
    requestTimeoutMs: 30_000,
  });
  try {
    const reader = tenantKafka(readerKey, 'reader', broker.port);
    const writer = tenantKafka(writerKey, 'writer', broker.port);
    for (const [kafka, topic, numPartitions] of [
      [reader, 'events', SEARCHED_PARTITIONS],
      [writer, 'orders', 1],
    ] as const) {
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
      await admin.disconnect();
    }
    const loader = reader.producer();
    await loader.connect();
    for (let start = 0; start < SEARCHED_RECORDS; start += PRODUCE_BATCH_RECORDS) {
      await loader.send({
        topic: 'events',
        acks: 1,
        messages: Array.from({ length: PRODUCE_BATCH_RECORDS }, (_, j) => {
          const i = start + j;
          const note = i === SEARCHED_RECORDS - 7 ? 'needle-in-hay' : `note-${i % 1009}`;
          return {
            partition: i % SEARCHED_PARTITIONS,
            key: `order-${i}`,
            value: JSON.stringify({ id: i, status: i % 97 === 0 ? 'failed' : 'ok', amount: i % 1_000_000, note }),
          };
        }),
      });
    }
    await loader.disconnect();

    const target: TenantTopic = { tenantSlug: 'reader', topic: 'events', brokerName: 'reader.events' };
    const never = new AbortController().signal;
    await scanOnce(cluster, target, SUBSTRING, never); // warm-up: JIT, page cache, the tenant's clients
    const substring = await scanOnce(cluster, target, SUBSTRING, never);
    const cel = await scanOnce(cluster, target, CEL, never);

    const producer = writer.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await produceFor(producer, 1_000);
    const sliceMs = Math.round((2 * settings.phaseMs) / SLICE_ORDER.length);
    const quiet: number[] = [];
    let scannedDuringSlices = 0;
    /** The producer's latencies while whole-topic searches run back to back. */
    const produceWhileSearching = async (): Promise<number[]> => {
      const stop = new AbortController();
      const searches = (async () => {
        while (!stop.signal.aborted)
          scannedDuringSlices += (await scanOnce(cluster, target, SUBSTRING, stop.signal)).scanned;
      })();
      try {
        return await produceFor(producer, sliceMs);
      } finally {
        stop.abort();
        await searches;
      }
    };
    const busy: number[] = [];
    for (const searching of SLICE_ORDER) {
      if (searching) busy.push(...(await produceWhileSearching()));
      else quiet.push(...(await produceFor(producer, sliceMs)));
    }
    const scannedUnthrottled = scannedDuringSlices;
    // The searching tenant's fetch quota: the broker learns it within about a second; a scan well under the
    // unthrottled rate shows it is in force.
    await fx.setQuota(readerKey.tenantId, { fetchBytesPerSec: FETCH_QUOTA_BYTES_PER_SEC });
    let throttledScan = await scanOnce(cluster, target, SUBSTRING, never);
    for (let i = 0; i < 10 && throttledScan.recordsPerSecond > substring.recordsPerSecond / 2; i++)
      throttledScan = await scanOnce(cluster, target, SUBSTRING, never);
    const throttledBusy: number[] = [];
    for (let i = 0; i < 2; i++) throttledBusy.push(...(await produceWhileSearching()));
    await producer.disconnect();
    const q = percentiles(Float64Array.from(quiet));
    const d = percentiles(Float64Array.from(busy));
    const t = percentiles(Float64Array.from(throttledBusy));
    const r: SearchBenchResult = {
      records: SEARCHED_RECORDS,
      substring,
      cel,
      quiet: q,
      duringSearch: d,
      p99Ratio: d.p99 / q.p99,
      scannedDuringSlices: scannedUnthrottled,
      throttled: {
        fetchQuotaBytesPerSec: FETCH_QUOTA_BYTES_PER_SEC,
        substring: throttledScan,
        duringSearch: t,
        p99Ratio: t.p99 / q.p99,
      },
    };
    results.search = r;
    printSearch(r);
  } finally {
    await cluster.close();
    await broker.stop();
  }
}

function printSearch(r: SearchBenchResult): void {
  const ms = (us: number) => `${(us / 1000).toFixed(2)} ms`;
  const rate = (s: ScanRate) =>
    `${Math.round(s.recordsPerSecond).toLocaleString('en-US')} records/s (${s.scanned} scanned, ${s.matched} matched in ${s.elapsedMs} ms)`;
  const lines = [
    '',
    `message search as the console runs it (fetching as the tenant, 1 MiB fetches) over ${r.records.toLocaleString('en-US')} JSON records:`,
    `  substring:      ${rate(r.substring)}`,
    `  CEL expression: ${rate(r.cel)}`,
    "  another tenant's acks=all producer (KafkaJS, one message at a time, quiet / searching / searching / quiet slices):",
    `    quiet:            p50 ${ms(r.quiet.p50)}  p99 ${ms(r.quiet.p99)}  (${r.quiet.count} messages)`,
    `    during searches:  p50 ${ms(r.duringSearch.p50)}  p99 ${ms(r.duringSearch.p99)}  (${r.duringSearch.count} messages; ${r.scannedDuringSlices.toLocaleString('en-US')} records scanned meanwhile)`,
    `    p99 during searches / quiet: ${r.p99Ratio.toFixed(2)}x`,
    `  the searching tenant held to a fetch quota of ${(r.throttled.fetchQuotaBytesPerSec / 1024 / 1024).toFixed(0)} MiB/s (the console reads as the tenant, so it applies):`,
    `    substring:        ${rate(r.throttled.substring)}`,
    `    during searches:  p50 ${ms(r.throttled.duringSearch.p50)}  p99 ${ms(r.throttled.duringSearch.p99)}  (${r.throttled.duringSearch.count} messages)`,
    `    p99 during throttled searches / quiet: ${r.throttled.p99Ratio.toFixed(2)}x`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
