/**
 * The peer lines of the side-by-side table: the same produce, consume and end-to-end latency workload through Redis
 * Streams (ioredis) and NATS JetStream (nats.js) when they run on this machine, and through librdkafka
 * (confluent-kafka on the system Python) against a Samsa broker. A system that cannot run is skipped with a note.
 * The shared servers are only read and used, never reconfigured; every stream and key made here is deleted.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
import { freePort } from '@samsa/db/embedded';
import { type PrivateServer, startPrivateServer } from './private-server.ts';
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
/** The servers the bench starts privately, for the rows at an fsync per write (Debian's packages). */
const REDIS_SERVER = '/usr/bin/redis-server';
const NATS_SERVER = '/usr/sbin/nats-server';
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
        const name = `${peer.system} produce ${recordValueBytes} B, ${peer.durability}`;
        results.throughput.push(throughputRow(results, peer.system, name, 'produce', p, { recordValueBytes, ...tags }));
        if (!peer.consume) return;
        const c = await sampled({ ...options('consume', topic, recordValueBytes), expectedRecords: p.records });
        const fetchName = `${peer.system} consume ${recordValueBytes} B, ${peer.durability}`;
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

/** Where a peer server runs: the machine's shared one (only read and used), or a private one the bench started. */
interface PeerServer {
  url: string;
  /** How the description names it, e.g. `at 127.0.0.1:6379`. */
  where: string;
  /** The pid of a private server (a shared one's pid is looked up). */
  pid?: number;
  /** Whether to read back what was produced: once per system is enough (reads do not depend on durability). */
  consume: boolean;
}

/** Redis Streams on 127.0.0.1:6379, if there is one. Durability is read with CONFIG GET, never changed. */
export async function measureRedisStreams(settings: BenchSettings, results: BenchResults): Promise<void> {
  await measureRedisAt(settings, results, { url: REDIS_URL, where: 'at 127.0.0.1:6379', consume: true });
}

/**
 * Redis Streams with an append-only file, on private redis-servers the bench starts (the shared one has none): one
 * with `appendfsync always`, where Redis fdatasyncs the AOF before it replies (once per event-loop turn, for every
 * write of that turn: a group commit, as Samsa's acks=all), and one with `appendfsync everysec`.
 */
export async function measurePrivateRedis(settings: BenchSettings, results: BenchResults): Promise<void> {
  if (!existsSync(REDIS_SERVER)) {
    skip(results, 'Redis Streams with an AOF', `${REDIS_SERVER} is not installed (apt: redis-server)`);
    return;
  }
  for (const appendfsync of ['always', 'everysec']) {
    const flags = [
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      appendfsync,
      // A rewrite forks a child whose CPU the server's pid does not show.
      '--auto-aof-rewrite-percentage',
      '0',
    ];
    let server: PrivateServer;
    try {
      server = await startPrivateServer(
        REDIS_SERVER,
        (dir, port) => ['--port', String(port), '--bind', '127.0.0.1', ...flags, '--dir', dir],
        'samsa-bench-redis',
      );
    } catch (err) {
      skip(results, `Redis Streams with appendfsync ${appendfsync}`, (err as Error).message);
      continue;
    }
    try {
      await measureRedisAt(settings, results, {
        url: `redis://127.0.0.1:${server.port}`,
        where:
          `started by the bench at 127.0.0.1:${server.port} (pid ${server.pid}, ` +
          `${flags.map((f) => (f === '' ? "''" : f)).join(' ')}, ` +
          'its data in a temp dir deleted afterwards)',
        pid: server.pid,
        consume: false,
      });
    } finally {
      await server.stop();
    }
  }
}

async function measureRedisAt(settings: BenchSettings, results: BenchResults, at: PeerServer): Promise<void> {
  const redis = new Redis(at.url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (err) {
    skip(results, 'Redis Streams', `nothing answers at ${at.url} (${(err as Error).message})`);
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
          ? 'AOF always: fsync before reply'
          : appendfsync === 'everysec'
            ? 'AOF everysec: fsync every 1 s'
            : `AOF ${appendfsync}: no fsync per write`;
    const reply =
      appendonly !== 'yes'
        ? 'in memory only'
        : appendfsync === 'always'
          ? 'appended to the AOF and fdatasynced (once per event-loop turn, for all its writes)'
          : `appended to the AOF, not yet fsynced (appendfsync ${appendfsync})`;
    results.systems.push({
      system: 'redis-streams',
      description:
        `redis-server ${field('redis_version')} ${at.where}${at.pid ? '' : ` (pid ${pid})`}; CONFIG GET appendonly=${appendonly}, ` +
        `appendfsync=${appendfsync}: an XADD reply means ${reply}; one stream key per partition, one entry per ` +
        `record, XADD pipelines of a 64 KiB batch's worth of records${at.consume ? ', XREAD to read' : ''}.`,
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
        target: { url: at.url },
        name: (what) => `samsa-bench-${process.pid}-${what}`,
        create: async (name) => {
          await redis.del(...keys(name));
        },
        remove: async (name) => {
          await redis.del(...keys(name));
        },
        consume: at.consume,
      },
      results,
    );
  } finally {
    redis.disconnect();
  }
}

/** NATS JetStream on 127.0.0.1:4222, if there is one: a file-storage stream per phase, deleted afterwards. */
export async function measureNatsJetStream(settings: BenchSettings, results: BenchResults): Promise<void> {
  await measureNatsAt(settings, results, { url: NATS_URL, where: 'at 127.0.0.1:4222', consume: true });
}

/**
 * NATS JetStream with an fsync per write, on a private nats-server the bench starts with `jetstream { sync_interval:
 * always }` (the shared one has the default, every 2 minutes). Servers that refuse or ignore the option (2.9 knows
 * no sync_interval) get a table line without figures and a note, not a row at a durability they did not have.
 */
export async function measurePrivateNats(settings: BenchSettings, results: BenchResults): Promise<void> {
  const system = 'NATS JetStream with sync_interval always';
  if (!existsSync(NATS_SERVER)) {
    skip(results, system, `${NATS_SERVER} is not installed (apt: nats-server)`);
    return;
  }
  let version: string;
  try {
    version = execFileSync(NATS_SERVER, ['--version'], { encoding: 'utf8' })
      .trim()
      .replace(/^nats-server: /, '');
  } catch (err) {
    skip(results, system, `${NATS_SERVER} --version failed (${(err as Error).message})`);
    return;
  }
  const unavailable = (why: string) => {
    results.unavailable.push({
      system: 'nats-jetstream',
      client: `nats.js ${packageVersion('@nats-io/jetstream')}`,
      durability: `fsync per write: not in ${version}`,
    });
    skip(results, system, why);
  };
  const monitorPort = await freePort();
  let server: PrivateServer;
  try {
    server = await startPrivateServer(
      NATS_SERVER,
      (dir, port) => {
        const config = join(dir, 'nats.conf');
        writeFileSync(config, `jetstream {\n  store_dir: "${join(dir, 'js')}"\n  sync_interval: always\n}\n`);
        return ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '-c', config];
      },
      'samsa-bench-nats',
    );
  } catch (err) {
    unavailable(
      `nats-server ${version} refuses jetstream { sync_interval: always } (${(err as Error).message}): ` +
        "it has no fsync-per-write option, so JetStream has no line at the durability of Samsa's acks=all",
    );
    return;
  }
  try {
    // The option took effect only if the server says so.
    const varz = (await fetch(`http://127.0.0.1:${monitorPort}/varz`)
      .then((r) => r.json())
      .catch(() => ({}))) as { jetstream?: { config?: { sync_always?: boolean } } };
    if (varz.jetstream?.config?.sync_always !== true) {
      unavailable(
        `nats-server ${version} started with sync_interval: always, but its /varz does not show sync_always: true`,
      );
      return;
    }
    await measureNatsAt(settings, results, {
      url: `nats://127.0.0.1:${server.port}`,
      where:
        `started by the bench at 127.0.0.1:${server.port} (pid ${server.pid}, jetstream { sync_interval: always }, ` +
        'its /varz shows sync_always: true; its store in a temp dir deleted afterwards)',
      pid: server.pid,
      consume: false,
    });
  } finally {
    await server.stop();
  }
}

async function measureNatsAt(settings: BenchSettings, results: BenchResults, at: PeerServer): Promise<void> {
  let nc: Awaited<ReturnType<typeof natsConnect>>;
  try {
    nc = await natsConnect({ servers: at.url, timeout: CONNECT_TIMEOUT_MS, reconnect: false });
  } catch (err) {
    skip(results, 'NATS JetStream', `nothing answers at ${at.url} (${(err as Error).message})`);
    return;
  }
  try {
    let jsm: Awaited<ReturnType<typeof jetstreamManager>>;
    try {
      jsm = await jetstreamManager(nc);
    } catch (err) {
      skip(results, 'NATS JetStream', `JetStream is not enabled at ${at.url} (${(err as Error).message})`);
      return;
    }
    let pid = at.pid;
    let how: string;
    let durability: string;
    if (pid !== undefined) {
      how = 'a PubAck means stored and fsynced';
      durability = 'sync_interval always: fsync per message';
    } else {
      const pids = pgrep('nats-server');
      if (pids.length !== 1) {
        skip(
          results,
          'NATS JetStream',
          `found ${pids.length} nats-server processes; need exactly one to measure its CPU`,
        );
        return;
      }
      pid = pids[0]!;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .filter((a) => a !== '');
      const hasConfig = cmdline.some((a) => a === '-c' || a === '--config' || a.startsWith('--config='));
      how = `${cmdline.join(' ')}; ${
        hasConfig
          ? 'started with a config file (not read here): check its jetstream sync_interval'
          : 'no config file, so the default sync: a PubAck means written to the OS, fsync every 2 minutes'
      }`;
      durability = hasConfig ? 'see its config (sync_interval)' : 'no fsync per batch (2 min)';
    }
    results.systems.push({
      system: 'nats-jetstream',
      description:
        `nats-server ${nc.info?.version ?? '?'} ${at.where} (pid ${pid}); ${how}; a file-storage stream, one subject ` +
        `per partition, a 64 KiB batch worth of publishes awaited together${at.consume ? ', an ordered consumer to read' : ''}.`,
    });
    await measurePeer(
      settings,
      {
        system: 'nats-jetstream',
        client: `nats.js ${packageVersion('@nats-io/jetstream')}`,
        durability,
        acks: 1,
        serverPid: pid,
        worker: 'nats-peer',
        target: { url: at.url },
        name: (what) => `samsa-bench-${process.pid}-${what}`,
        create: async (name) => {
          await jsm.streams.add({ name, subjects: [`${name}.>`], storage: StorageType.File, num_replicas: 1 });
        },
        remove: async (name) => {
          await jsm.streams.delete(name).catch(() => false);
        },
        consume: at.consume,
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
