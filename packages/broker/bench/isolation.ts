/**
 * The cost of isolation (issue 6): the same produce load against a broker without auth and against one with tenancy
 * on — SASL/SCRAM-SHA-512, ACL checks on every request and quota accounting — holding 100 tenants with 10 topics
 * each, with producers in 10 of them. The plain broker holds the same 1,000 topics under the names the tenant broker
 * stores (`<tenant>.<topic>`). Quotas are far above the load, so the row measures the checks, not throttling. Both
 * brokers run side by side and the load alternates between them in slices, so other work on the machine weighs on
 * both alike.
 * Needs Postgres (the server on 127.0.0.1:5432, else an embedded one): a fresh database, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { TenantFixtures, type TestKey } from '@samsa/test-support/tenants';
import {
  addLoads,
  addSamples,
  type BenchSettings,
  type CpuSample,
  CpuSampler,
  type LoadResult,
  runPhase,
  throughputRow,
} from './phase.ts';
import { PipelinedConnection } from './pipelined-connection.ts';
import type { BenchResults } from './report.ts';
import { attempt, type BenchBroker, createTopics, startBenchBroker } from './samsa.ts';
import { authenticateScram, type ScramCredentials } from './scram-client.ts';
import type { ProduceLoadOptions } from './workers/produce-load.ts';
import { BATCH_SIZES_BYTES, PRODUCE_MAX_BYTES, RECORD_VALUE_BYTES } from './workload.ts';

const TENANTS = 100;
const TOPICS_PER_TENANT = 10;
const PRODUCING_TENANTS = 10;
/** Requests in flight on each of the producing tenants' connections. */
const INFLIGHT_PER_CONNECTION = 4;
const WARMUP_MS = 2000;
/** Which broker each measured slice runs against (true: tenancy on); together they take two phases' time. */
const SLICE_ORDER = [false, true, true, false];
const PRODUCE_VERSION = 11;
const MECHANISM = 'SCRAM-SHA-512';
/** Far above what two cores can produce: quota accounting runs, throttling never does. */
const QUOTA = {
  produceBytesPerSec: 100 * 1e9,
  fetchBytesPerSec: 100 * 1e9,
  storageBytes: 1e15,
  maxTopics: 1000,
  maxPartitions: 10_000,
  maxConnections: 1000,
};

interface Tenant {
  slug: string;
  admin: TestKey;
  producer: TestKey;
}

const topicNames = () => Array.from({ length: TOPICS_PER_TENANT }, (_, i) => `t-${i}`);
const scram = (key: TestKey): ScramCredentials => ({ mechanism: MECHANISM, username: key.keyId, password: key.secret });

/** Tenants, their admin and producer keys, the producer's ACLs (a WRITE per topic and a DENY) and quotas. */
async function provision(fx: TenantFixtures): Promise<Tenant[]> {
  const tenants: Tenant[] = [];
  for (let i = 0; i < TENANTS; i++) {
    const slug = `bench-${String(i).padStart(3, '0')}`;
    const id = await fx.tenant(slug, QUOTA);
    const admin = await fx.key(id, 'admin');
    await fx.admin(id, 'admin');
    const producer = await fx.key(id, 'producer');
    for (const topic of topicNames()) await fx.acl(id, 'User:producer', 'TOPIC', topic, 'WRITE');
    await fx.acl(id, 'User:producer', 'TOPIC', 'audit-', 'WRITE', { permission: 'DENY', patternType: 'PREFIXED' });
    tenants.push({ slug, admin, producer });
  }
  return tenants;
}

export async function measureIsolation(settings: BenchSettings, results: BenchResults): Promise<void> {
  let db: TestDatabase;
  try {
    db = await createTestDatabase();
  } catch (err) {
    const note = `cost of isolation skipped: no Postgres (${(err as Error).message})`;
    results.notes.push(note);
    process.stdout.write(`  ${note}\n`);
    return;
  }
  const fx = new TenantFixtures(db.url);
  try {
    let tenants: Tenant[] = [];
    await attempt(results, `isolation: provisioning ${TENANTS} tenants in Postgres`, async () => {
      tenants = await provision(fx);
    });
    if (tenants.length === 0) return;
    const producing = tenants.slice(0, PRODUCING_TENANTS);
    const label = (auth: boolean) =>
      auth ? `isolation on, ${TENANTS} tenants` : `isolation off, ${TENANTS * TOPICS_PER_TENANT} topics`;
    const names = (t: Tenant, auth: boolean) => (auth ? topicNames() : topicNames().map((n) => `${t.slug}.${n}`));
    await attempt(results, `isolation off and on, ${SLICE_ORDER.length} alternating slices`, async () => {
      const brokers = new Map<boolean, BenchBroker>();
      try {
        brokers.set(false, await startBenchBroker(settings, 'broker-no-auth'));
        brokers.set(
          true,
          await startBenchBroker(settings, 'broker-tenants', {
            args: ['--database-url', db.url],
            env: { SAMSA_SUPERUSER_PASSWORD: randomBytes(18).toString('base64url') },
          }),
        );
        const options = (auth: boolean, durationMs: number): ProduceLoadOptions => ({
          port: brokers.get(auth)!.port,
          connections: producing.map((t) => ({
            topics: names(t, auth),
            partitions: 1,
            ...(auth ? { sasl: scram(t.producer) } : {}),
          })),
          batchSizeBytes: BATCH_SIZES_BYTES[0],
          recordValueBytes: RECORD_VALUE_BYTES,
          acks: 1,
          inflight: INFLIGHT_PER_CONNECTION,
          maxBytes: PRODUCE_MAX_BYTES,
          durationMs,
          produceVersion: PRODUCE_VERSION,
        });
        for (const [auth, broker] of brokers) {
          for (const t of tenants) {
            const conn = await PipelinedConnection.open('127.0.0.1', broker.port, () => {});
            try {
              if (auth) await authenticateScram(conn, scram(t.admin));
              await createTopics(conn, names(t, auth), 1);
            } finally {
              conn.close();
            }
          }
          await runPhase(settings, 'produce-load', options(auth, WARMUP_MS), WARMUP_MS);
        }
        // Slices in the order off, on, on, off: a burst of other work, or a drift, weighs on both sides alike.
        const sliceMs = Math.max(500, Math.round((settings.phaseMs * 2) / SLICE_ORDER.length));
        const totals = new Map<boolean, { load: LoadResult; server: CpuSample; batchBytes: number }>();
        for (const auth of SLICE_ORDER) {
          const sampler = new CpuSampler(brokers.get(auth)!.pid);
          const r = await runPhase<LoadResult & { errorMessage: string | null }>(
            settings,
            'produce-load',
            options(auth, sliceMs),
            sliceMs,
            { atGo: () => sampler.start(), atEnd: () => sampler.stop() },
          );
          if (r.errorMessage) results.notes.push(`${label(auth)}: stopped on a broker error: ${r.errorMessage}`);
          const before = totals.get(auth);
          totals.set(auth, {
            load: before ? addLoads(before.load, r) : r,
            server: before ? addSamples(before.server, sampler.result!) : sampler.result!,
            batchBytes: r.ready.batchBytes as number,
          });
        }
        for (const [auth, t] of totals) {
          results.throughput.push(
            throughputRow(
              results,
              'samsa',
              label(auth),
              'produce',
              { ...t.load, server: t.server },
              {
                acks: 1,
                batchSizeBytes: BATCH_SIZES_BYTES[0],
                batchBytes: t.batchBytes,
                recordValueBytes: RECORD_VALUE_BYTES,
                isolation: auth ? 'tenants' : 'no-auth',
              },
            ),
          );
        }
      } finally {
        for (const broker of brokers.values()) await broker.stop();
      }
    });
  } finally {
    await fx.close();
    await db.drop();
  }
}
