/**
 * The scale-out bench (`pnpm bench --only scale-out`, or `pnpm --filter @samsa/gateway bench`): a 3-node Apache Kafka
 * (KRaft, SASL/SCRAM, the StandardAuthorizer) managed by Samsa, a tenant whose key was placed on it by a reconcile,
 * and Kafka's own ProducerPerformance and ConsumerPerformance on three paths in the same run:
 * - direct: the key's own Kafka user (`samsa.bench.SK…`) and prefixed names (`bench.load`);
 * - one gateway: the Samsa key and unprefixed names (`load`) through a gateway process;
 * - two gateways: two tools at once, one through each gateway (half the records each for produce; each consumer
 *   reads the whole topic in a group of its own for fetch, so twice the bytes move).
 * Rows give throughput, the producer's p50/p99 latency, and the gateways' CPU seconds per GB moved (their processes'
 * user+system CPU over the bytes through them). Then a tenant-wide produce quota: the tenant's measured rate through
 * one gateway and through two, against the quota. It asserts nothing; figures go to `--json FILE`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ClusterConnection } from '@samsa/cluster';
import { reconcileFromDb } from '@samsa/cluster/managed';
import { createDb } from '@samsa/db';
import { generateSecretKey, secretKeyFromEnv } from '@samsa/db/secret-box';
import { createTestDatabase } from '@samsa/db/testing';
import { type SaslLogin, writeSaslClientProperties } from '@samsa/kafka-harness/client-properties';
import { KAFKA_VERSION, kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { runJava } from '@samsa/kafka-harness/java';
import { startKafka } from '@samsa/kafka-harness/kafka';
import {
  CONSUMER_PERFORMANCE,
  type ConsumerPerfSummary,
  PRODUCER_PERFORMANCE,
  type ProducerPerfSummary,
  parseConsumerPerformance,
  parseProducerPerformance,
} from '@samsa/kafka-harness/perf-tools';
import { TenantFixtures } from '@samsa/test-support/tenants';
import { Kafka, logLevel } from 'kafkajs';
import { type GatewayChild, processCpuSeconds, startGatewayChild, stopGatewayChild } from './gateway-processes.ts';

const SUPERUSER = { name: 'admin', password: 'admin-secret' };
const TENANT = 'bench';
const RECORD_BYTES = 1024;
/** Records per second of `--seconds` for each throughput row (the tools run as fast as they can). */
const RECORDS_PER_SECOND_OF_PHASE = 20_000;
const PARTITIONS = 6;
/** The tenant-wide produce quota of the quota rows, bytes per second. */
const QUOTA_BYTES_PER_SEC = 1024 * 1024;
const PERF_TOOL_TIMEOUT_MS = 300_000;
const CONSUMER_TIMEOUT_MS = 60_000;
/** The perf tools' JVM, as kafka-run-class.sh gives Kafka's tools. */
const PERF_JVM_FLAGS = ['-Xms256m', '-Xmx512m', '-XX:+UseG1GC', '-Djava.awt.headless=true'];
const PRODUCER_PROPS = ['acks=all', 'batch.size=65536', 'linger.ms=5'];

type PathName = 'direct' | 'one gateway' | 'two gateways';

export interface ScaleOutRow {
  path: PathName;
  tool: 'produce' | 'fetch';
  records: number;
  mbPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** User+system CPU of the gateway processes per GB through them; null on the direct path. */
  gatewayCpuSecondsPerGB: number | null;
}

export interface ScaleOutQuotaRow {
  gateways: 1 | 2;
  quotaMBps: number;
  measuredMBps: number;
}

export interface ScaleOutResults {
  kafkaVersion: string;
  settings: string;
  rows: ScaleOutRow[];
  quota: ScaleOutQuotaRow[];
  unavailable: string[];
}

async function produce(
  bootstrap: string,
  config: string,
  topic: string,
  records: number,
): Promise<ProducerPerfSummary> {
  const r = await runJava(
    PRODUCER_PERFORMANCE,
    [
      '--topic',
      topic,
      '--num-records',
      String(records),
      '--record-size',
      String(RECORD_BYTES),
      '--throughput',
      '-1',
      '--producer.config',
      config,
      '--producer-props',
      `bootstrap.servers=${bootstrap}`,
      ...PRODUCER_PROPS,
    ],
    { jvmFlags: PERF_JVM_FLAGS, timeoutMs: PERF_TOOL_TIMEOUT_MS },
  );
  if (r.code !== 0) throw new Error(`ProducerPerformance exited ${r.code}: ${r.stderr.slice(-800)}`);
  return parseProducerPerformance(r.stdout);
}

async function consume(
  bootstrap: string,
  config: string,
  topic: string,
  records: number,
  group: string,
): Promise<ConsumerPerfSummary> {
  const r = await runJava(
    CONSUMER_PERFORMANCE,
    [
      '--bootstrap-server',
      bootstrap,
      '--topic',
      topic,
      '--messages',
      String(records),
      '--group',
      group,
      '--consumer.config',
      config,
      '--timeout',
      String(CONSUMER_TIMEOUT_MS),
    ],
    { jvmFlags: PERF_JVM_FLAGS, timeoutMs: PERF_TOOL_TIMEOUT_MS },
  );
  if (r.code !== 0) throw new Error(`ConsumerPerformance exited ${r.code}: ${r.stderr.slice(-800)}`);
  const summary = parseConsumerPerformance(r.stdout);
  if (summary.records < records) throw new Error(`ConsumerPerformance read ${summary.records} of ${records} records`);
  return summary;
}

function mb(bytes: number): number {
  return bytes / 1e6;
}

export async function runScaleOut(seconds: number): Promise<ScaleOutResults> {
  const records = Math.max(10_000, Math.round(RECORDS_PER_SECOND_OF_PHASE * seconds));
  const results: ScaleOutResults = {
    kafkaVersion: KAFKA_VERSION,
    settings: `3 Kafka ${KAFKA_VERSION} nodes (512 MiB heap each), ${PARTITIONS} partitions x 3 replicas, ${records.toLocaleString('en-US')} records of ${RECORD_BYTES} B per row, ProducerPerformance ${PRODUCER_PROPS.join(' ')} (idempotent), SCRAM-SHA-512 on every path`,
    rows: [],
    quota: [],
    unavailable: [],
  };
  const skip = kafkaSkipReason();
  if (skip) {
    results.unavailable.push(`scale-out: ${skip}`);
    return results;
  }
  const work = mkdtempSync(join(tmpdir(), 'samsa-scale-out-'));
  const [kafka, database] = await Promise.all([
    startKafka({ nodes: 3, sasl: { superuser: SUPERUSER }, heapMb: 512 }),
    createTestDatabase(),
  ]);
  const db = createDb(database.url, { poolMax: 2 });
  const fixtures = new TenantFixtures(database.url);
  const gateways: GatewayChild[] = [];
  try {
    const secretsKey = secretKeyFromEnv({ SAMSA_SECRETS_KEY: generateSecretKey() });
    const tenantId = await fixtures.tenant(TENANT);
    const key = await fixtures.key(tenantId, 'loader', { secretsKey });
    await fixtures.admin(tenantId, 'loader');
    const adminLogin = { mechanism: 'SCRAM-SHA-512', username: SUPERUSER.name, password: SUPERUSER.password } as const;
    const connection: ClusterConnection = {
      bootstrapBrokers: kafka.saslBootstrap!.split(','),
      sasl: adminLogin,
      clientId: 'samsa-bench-reconcile',
      requestTimeoutMs: 15_000,
    };
    const report = await reconcileFromDb(db, connection, { secretsKey, actorEmail: 'bench@example.com' });
    if (report.errors.length > 0) throw new Error(`reconcile refused: ${JSON.stringify(report.errors)}`);

    const admin = new Kafka({
      brokers: kafka.bootstrap.split(','),
      clientId: 'bench-admin',
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [`${TENANT}.load`, `${TENANT}.quota`].map((topic) => ({
        topic,
        numPartitions: PARTITIONS,
        replicationFactor: 3,
      })),
    });
    await admin.disconnect();

    const gatewayOptions = {
      bootstrap: kafka.saslBootstrap!.split(','),
      sasl: adminLogin,
      databaseUrl: database.url,
      secretsKey,
    };
    gateways.push(await startGatewayChild(gatewayOptions), await startGatewayChild(gatewayOptions));

    const login = (username: string): SaslLogin => ({ mechanism: 'SCRAM-SHA-512', username, password: key.secret });
    const directConfig = await writeSaslClientProperties(
      join(work, 'direct.properties'),
      login(`samsa.${TENANT}.${key.keyId}`),
    );
    const gatewayConfig = await writeSaslClientProperties(join(work, 'gateway.properties'), login(key.keyId));
    const gatewayCpu = () => gateways.reduce((s, g) => s + processCpuSeconds(g.proc.pid!), 0);

    // Direct, the key names its topic and groups with the tenant's prefix; through a gateway, without.
    const paths: { path: PathName; prefix: string; runs: { bootstrap: string; config: string; topic: string }[] }[] = [
      {
        path: 'direct',
        prefix: `${TENANT}.`,
        runs: [{ bootstrap: kafka.saslBootstrap!, config: directConfig, topic: `${TENANT}.load` }],
      },
      {
        path: 'one gateway',
        prefix: '',
        runs: [{ bootstrap: gateways[0]!.bootstrap, config: gatewayConfig, topic: 'load' }],
      },
      {
        path: 'two gateways',
        prefix: '',
        runs: gateways.map((g) => ({ bootstrap: g.bootstrap, config: gatewayConfig, topic: 'load' })),
      },
    ];
    // A warm-up through every path (JIT of the gateways and of Kafka), not counted.
    process.stdout.write('  scale-out: warming up ...\n');
    for (const p of paths) await produce(p.runs[0]!.bootstrap, p.runs[0]!.config, p.runs[0]!.topic, records / 10);

    for (const p of paths) {
      process.stdout.write(`  scale-out: produce, ${p.path} ...\n`);
      const share = Math.round(records / p.runs.length);
      const cpuBefore = gatewayCpu();
      const summaries = await Promise.all(p.runs.map((r) => produce(r.bootstrap, r.config, r.topic, share)));
      const cpu = gatewayCpu() - cpuBefore;
      const bytes = share * p.runs.length * RECORD_BYTES;
      results.rows.push({
        path: p.path,
        tool: 'produce',
        records: share * p.runs.length,
        mbPerSec: summaries.reduce((s, x) => s + mb(x.recordsPerSec * RECORD_BYTES), 0),
        p50Ms: Math.max(...summaries.map((x) => x.p50Ms)),
        p99Ms: Math.max(...summaries.map((x) => x.p99Ms)),
        gatewayCpuSecondsPerGB: p.path === 'direct' ? null : cpu / (bytes / 1e9),
      });
    }
    for (const [i, p] of paths.entries()) {
      process.stdout.write(`  scale-out: fetch, ${p.path} ...\n`);
      const cpuBefore = gatewayCpu();
      const summaries = await Promise.all(
        p.runs.map((r, j) => consume(r.bootstrap, r.config, r.topic, records, `${p.prefix}perf-${i}-${j}`)),
      );
      const cpu = gatewayCpu() - cpuBefore;
      const bytes = summaries.reduce((s, x) => s + x.mebibytes * 1024 * 1024, 0);
      results.rows.push({
        path: p.path,
        tool: 'fetch',
        records: records * p.runs.length,
        mbPerSec: summaries.reduce((s, x) => s + (x.mebibytesPerSec * 1024 * 1024) / 1e6, 0),
        p50Ms: null,
        p99Ms: null,
        gatewayCpuSecondsPerGB: p.path === 'direct' ? null : cpu / (bytes / 1e9),
      });
    }

    // The tenant-wide quota: the tenant's rate through one gateway, then through both at once.
    await fixtures.setQuota(tenantId, { produceBytesPerSec: QUOTA_BYTES_PER_SEC });
    // The gateways learn the quota from Postgres (LISTEN/NOTIFY); a short produce makes sure both have it.
    await new Promise((r) => setTimeout(r, 3000));
    const quotaRecords = Math.round((QUOTA_BYTES_PER_SEC * seconds) / RECORD_BYTES);
    for (const n of [1, 2] as const) {
      process.stdout.write(`  scale-out: quota, ${n} gateway${n === 1 ? '' : 's'} ...\n`);
      const summaries = await Promise.all(
        gateways.slice(0, n).map((g) => produce(g.bootstrap, gatewayConfig, 'quota', quotaRecords)),
      );
      results.quota.push({
        gateways: n,
        quotaMBps: mb(QUOTA_BYTES_PER_SEC),
        measuredMBps: summaries.reduce((s, x) => s + mb(x.recordsPerSec * RECORD_BYTES), 0),
      });
    }
  } finally {
    await Promise.all(gateways.map((g) => stopGatewayChild(g)));
    await db.$disconnect();
    await fixtures.close();
    await kafka.stop();
    await database.drop();
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}

export function scaleOutTable(r: ScaleOutResults): string {
  const lines: string[] = [];
  const out = (s: string) => lines.push(s);
  out('\nScale-out on Apache Kafka: direct vs through Samsa gateways (same run)');
  out(`  ${r.settings}`);
  for (const u of r.unavailable) out(`  unavailable: ${u}`);
  const direct = new Map(r.rows.filter((x) => x.path === 'direct').map((x) => [x.tool, x]));
  out('  row                        MB/s     vs direct   p50 ms   p99 ms   gateway CPU s/GB');
  for (const x of r.rows) {
    const base = direct.get(x.tool);
    const ratio = base && base.mbPerSec > 0 ? `${(x.mbPerSec / base.mbPerSec).toFixed(2)}x` : '-';
    const cells = [
      `${x.tool}, ${x.path}`.padEnd(26),
      x.mbPerSec.toFixed(1).padStart(7),
      ratio.padStart(11),
      (x.p50Ms === null ? '-' : String(x.p50Ms)).padStart(8),
      (x.p99Ms === null ? '-' : String(x.p99Ms)).padStart(8),
      (x.gatewayCpuSecondsPerGB === null ? '-' : x.gatewayCpuSecondsPerGB.toFixed(1)).padStart(18),
    ];
    out(`  ${cells.join(' ')}`);
  }
  for (const q of r.quota) {
    out(
      `  tenant produce quota ${q.quotaMBps.toFixed(1)} MB/s, ${q.gateways} gateway${q.gateways === 1 ? ' ' : 's'}: measured ${q.measuredMBps.toFixed(1)} MB/s (${(q.measuredMBps / q.quotaMBps).toFixed(2)}x the quota)`,
    );
  }
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '10' }, json: { type: 'string' } },
    allowPositionals: false,
  });
  const seconds = Number(values.seconds);
  if (!(seconds > 0 && seconds <= 600)) throw new Error('--seconds: 1 to 600');
  const results = await runScaleOut(seconds);
  const table = scaleOutTable(results);
  process.stdout.write(table);
  if (values.json) writeFileSync(values.json, `${JSON.stringify({ ...results, table }, null, 2)}\n`);
}
