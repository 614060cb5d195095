/**
 * The peer lines of the side-by-side table: the same produce, consume and end-to-end latency workload through Redis
 * Streams (ioredis) and NATS JetStream (nats.js) when they run on this machine, and through librdkafka
 * (confluent-kafka on the system Python) against a Samsa broker. A system that cannot run is skipped with a note.
 * The shared servers are only read and used, never reconfigured; every stream and key made here is deleted.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import type { PeerMode, PeerWorkerOptions } from './peer-worker.ts';
import {
  type BenchSettings,
  CpuSampler,
  type LoadResult,
  latencyRow,
  PYTHON,
  runLatencyPair,
  runPhase,
  throughputRow,
} from './phase.ts';
import type { BenchResults } from './report.ts';
import { attempt, COMPARED_BATCH_SIZE_BYTES, SAMSA_DURABILITY, startBenchBroker } from './samsa.ts';
import {
  encodeFullBatch,
  LATENCY_RECORDS_PER_SECOND,
  RECORD_VALUE_BYTES,
  SMALL_RECORD_VALUE_BYTES,
} from './workload.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
const NATS_URL = 'nats://127.0.0.1:4222';
/** Peer phases are shorter than Samsa's own (the table compares rates), so the whole run stays within minutes. */
const PEER_PHASE_MAX_MS = 5000;
/** Redis keeps streams in memory: a produce phase stops at this many value bytes. */
const PEER_MAX_BYTES = 2 * 1024 ** 3;
const LATENCY_WARMUP_MS = 1000;
const LATENCY_MAX_WAIT_MS = 500;
const LATENCY_DRAIN_TIMEOUT_MS = 5000;
const CONNECT_TIMEOUT_MS = 2000;

export interface PeerSystem {
  system: string;
  client: string;
  durability: string;
  /** Kafka acks of the latency row; 1 for the peers (an acknowledgement from the server, durability says what). */
  acks: number;
  serverPid: number;
  worker: string;
  target: Record<string, string | number>;
  /** Stream or topic name for a phase: NATS stream names allow no dots. */
  name(what: string): string;
  create(name: string): Promise<void>;
  /** Always called after a phase, also after a failure. */
  remove(name: string): Promise<void>;
  /** Whether to read back what was produced (once per system: the same data reads the same under any acks). */
  consume: boolean;
}

/** Runs produce (and consume) for both record sizes and the latency phase through one peer. */
export async function measurePeer(settings: BenchSettings, peer: PeerSystem, results: BenchResults): Promise<void> {
  const phaseMs = Math.min(settings.phaseMs, PEER_PHASE_MAX_MS);
  const label = `${peer.system} (${peer.client}, ${peer.durability})`;
  const cpu = () => new CpuSampler(peer.serverPid);
  const options = (mode: PeerMode, topic: string, recordValueBytes: number): PeerWorkerOptions => ({
    mode,
    target: peer.target,
    topic,
    partitions: settings.partitions,
    recordValueBytes,
    // As many records as a Kafka batch of COMPARED_BATCH_SIZE_BYTES holds.
    recordsPerBatch: encodeFullBatch(COMPARED_BATCH_SIZE_BYTES, Buffer.alloc(recordValueBytes)).records,
    batchSizeBytes: COMPARED_BATCH_SIZE_BYTES,
    inflight: settings.produceInflightRequests,
    durationMs: phaseMs,
    maxBytes: PEER_MAX_BYTES,
    expectedRecords: 0,
    recordsPerSecond: LATENCY_RECORDS_PER_SECOND,
    warmupMs: LATENCY_WARMUP_MS,
    maxWaitMs: LATENCY_MAX_WAIT_MS,
    drainTimeoutMs: LATENCY_DRAIN_TIMEOUT_MS,
    maxRecords: Math.ceil((LATENCY_RECORDS_PER_SECOND * (phaseMs + LATENCY_WARMUP_MS)) / 1000) + 10_000,
  });
  const sampled = async (o: PeerWorkerOptions) => {
    const sampler = cpu();
    const r = await runPhase<LoadResult>(settings, peer.worker, o, o.durationMs, {
      atGo: () => sampler.start(),
      atEnd: () => sampler.stop(),
    });
    return { ...r, server: sampler.result! };
  };
  const tags = { client: peer.client, durability: peer.durability };

  for (const recordValueBytes of [RECORD_VALUE_BYTES, SMALL_RECORD_VALUE_BYTES]) {
    const topic = peer.name(`${recordValueBytes}`);
    await attempt(results, `${label}: ${recordValueBytes} B records`, async () => {
      await peer.create(topic);
      try {
        const p = await sampled(options('produce', topic, recordValueBytes));
        const name = `${peer.system} produce ${recordValueBytes} B`;
        results.throughput.push(throughputRow(results, peer.system, name, 'produce', p, { recordValueBytes, ...tags }));
        if (!peer.consume) return;
        const c = await sampled({ ...options('consume', topic, recordValueBytes), expectedRecords: p.records });
        const fetchName = `${peer.system} consume ${recordValueBytes} B`;
        results.throughput.push(
          throughputRow(results, peer.system, fetchName, 'fetch', c, { recordValueBytes, ...tags }),
        );
      } finally {
        await peer.remove(topic);
      }
    });
  }
  const topic = peer.name('latency');
  await attempt(results, `${label}: end-to-end latency at ${LATENCY_RECORDS_PER_SECOND} records/s`, async () => {
    await peer.create(topic);
    try {
      const o = options('latency-consumer', topic, RECORD_VALUE_BYTES);
      const r = await runLatencyPair(
        settings,
        cpu(),
        { name: peer.worker, options: o },
        { name: peer.worker, options: { ...o, mode: 'latency-producer' }, limitMs: phaseMs + LATENCY_WARMUP_MS },
        LATENCY_DRAIN_TIMEOUT_MS,
      );
      results.latency.push(latencyRow(peer.system, peer.acks, LATENCY_RECORDS_PER_SECOND, r, tags));
    } finally {
      await peer.remove(topic);
    }
  });
}

/** Skips a system with a printed note. */
function skip(results: BenchResults, system: string, why: string): void {
  const note = `${system} skipped: ${why}`;
  results.notes.push(note);
  process.stdout.write(`  ${note}\n`);
}

/** A client's version, as pinned in @samsa/broker's devDependencies (not every package exports its package.json). */
function packageVersion(name: string): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  return pkg.devDependencies[name] ?? '?';
}

/** Redis Streams on 127.0.0.1:6379, if there is one. Durability is read with CONFIG GET, never changed. */
export async function measureRedisStreams(settings: BenchSettings, results: BenchResults): Promise<void> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (err) {
    skip(results, 'Redis Streams', `nothing answers at ${REDIS_URL} (${(err as Error).message})`);
    return;
  }
  try {
    const info = await redis.info('server');
    const field = (k: string) => new RegExp(`^${k}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '';
    const pid = Number(field('process_id'));
    if (!existsSync(`/proc/${pid}/stat`)) {
      skip(results, 'Redis Streams', `its process ${pid} is not on this machine, so its CPU cannot be measured`);
      return;
    }
    const config = async (k: string) => ((await redis.config('GET', k)) as string[])[1] ?? '?';
    const appendonly = await config('appendonly');
    const appendfsync = await config('appendfsync');
    const durability =
      appendonly !== 'yes'
        ? 'none: memory only (no AOF)'
        : appendfsync === 'always'
          ? 'fsync per write (AOF always)'
          : `no fsync per write (AOF ${appendfsync})`;
    results.systems.push({
      system: 'redis-streams',
      description:
        `redis-server ${field('redis_version')} at 127.0.0.1:6379 (pid ${pid}); CONFIG GET appendonly=${appendonly}, ` +
        `appendfsync=${appendfsync}: an XADD reply means ${appendonly === 'yes' ? `appended to the AOF (fsync: ${appendfsync})` : 'in memory only'}; ` +
        `one stream key per partition, one entry per record, XADD pipelines of a 64 KiB batch's worth of records, XREAD to read.`,
    });
    const keys = (name: string) => Array.from({ length: settings.partitions }, (_, p) => `${name}:${p}`);
    await measurePeer(
      settings,
      {
        system: 'redis-streams',
        client: `ioredis ${packageVersion('ioredis')}`,
        durability,
        acks: 1,
        serverPid: pid,
        worker: 'redis-peer',
        target: { url: REDIS_URL },
        name: (what) => `samsa-bench-${process.pid}-${what}`,
        create: async (name) => {
          await redis.del(...keys(name));
        },
        remove: async (name) => {
          await redis.del(...keys(name));
        },
        consume: true,
      },
      results,
    );
  } finally {
    redis.disconnect();
  }
}

/** NATS JetStream on 127.0.0.1:4222, if there is one: a file-storage stream per phase, deleted afterwards. */
export async function measureNatsJetStream(settings: BenchSettings, results: BenchResults): Promise<void> {
  let nc: Awaited<ReturnType<typeof natsConnect>>;
  try {
    nc = await natsConnect({ servers: NATS_URL, timeout: CONNECT_TIMEOUT_MS, reconnect: false });
  } catch (err) {
    skip(results, 'NATS JetStream', `nothing answers at ${NATS_URL} (${(err as Error).message})`);
    return;
  }
  try {
    let jsm: Awaited<ReturnType<typeof jetstreamManager>>;
    try {
      jsm = await jetstreamManager(nc);
    } catch (err) {
      skip(results, 'NATS JetStream', `JetStream is not enabled at ${NATS_URL} (${(err as Error).message})`);
      return;
    }
    const pids = pgrep('nats-server');
    if (pids.length !== 1) {
      skip(
        results,
        'NATS JetStream',
        `found ${pids.length} nats-server processes; need exactly one to measure its CPU`,
      );
      return;
    }
    const pid = pids[0]!;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a !== '');
    const hasConfig = cmdline.some((a) => a === '-c' || a === '--config' || a.startsWith('--config='));
    results.systems.push({
      system: 'nats-jetstream',
      description:
        `nats-server ${nc.info?.version ?? '?'} at 127.0.0.1:4222 (pid ${pid}, ${cmdline.join(' ')}); ` +
        (hasConfig
          ? 'started with a config file (not read here): check its jetstream sync_interval; '
          : 'no config file, so the default sync: a PubAck means written to the OS, fsync every 2 minutes; ') +
        'a file-storage stream, one subject per partition, a 64 KiB batch worth of publishes awaited together, an ordered consumer to read.',
    });
    await measurePeer(
      settings,
      {
        system: 'nats-jetstream',
        client: `nats.js ${packageVersion('@nats-io/jetstream')}`,
        durability: hasConfig ? 'see its config (sync_interval)' : 'no fsync per batch (2 min)',
        acks: 1,
        serverPid: pid,
        worker: 'nats-peer',
        target: { url: NATS_URL },
        name: (what) => `samsa-bench-${process.pid}-${what}`,
        create: async (name) => {
          await jsm.streams.add({ name, subjects: [`${name}.>`], storage: StorageType.File, num_replicas: 1 });
        },
        remove: async (name) => {
          await jsm.streams.delete(name).catch(() => false);
        },
        consume: true,
      },
      results,
    );
  } finally {
    await nc.close();
  }
}

/** librdkafka (confluent-kafka on /usr/bin/python3) against a Samsa broker of its own, acks=1 and acks=all. */
export async function measureLibrdkafka(settings: BenchSettings, results: BenchResults): Promise<void> {
  let versions: string;
  try {
    versions = execFileSync(PYTHON, ['-c', 'import confluent_kafka as c; print(c.version()[0], c.libversion()[0])'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    skip(results, 'librdkafka', `${PYTHON} cannot import confluent_kafka (apt: python3-confluent-kafka)`);
    return;
  }
  const [pythonClient, librdkafka] = versions.split(' ');
  const broker = await startBenchBroker(settings, 'broker-librdkafka');
  try {
    results.systems.push({
      system: 'samsa-librdkafka',
      description:
        `librdkafka ${librdkafka} through confluent-kafka ${pythonClient} (${PYTHON}), one process each for producer ` +
        `and consumer: linger.ms=5, batch.size=${COMPARED_BATCH_SIZE_BYTES} (1 ms linger for latency), no compression, ` +
        'one produce() call per record; the consumer reads assigned partitions from offset 0.',
    });
    for (const acks of [1, -1]) {
      await measurePeer(
        settings,
        {
          system: 'samsa-librdkafka',
          client: `librdkafka ${librdkafka}`,
          durability: SAMSA_DURABILITY[acks]!,
          acks,
          serverPid: broker.pid,
          worker: 'rdkafka-peer.py',
          target: { bootstrap: `127.0.0.1:${broker.port}`, acks },
          name: (what) => `bench-rdkafka-acks${acks === -1 ? 'all' : acks}-${what}`,
          create: async (name) => {
            await broker.createTopic(name);
          },
          remove: async () => {},
          consume: acks === 1,
        },
        results,
      );
    }
  } finally {
    await broker.stop();
  }
}

function pgrep(name: string): number[] {
  try {
    return execFileSync('pgrep', ['-x', name], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map(Number);
  } catch {
    return [];
  }
}
