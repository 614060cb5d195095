/**
 * Apache Kafka on loopback: formats and starts a KRaft cluster of 1 or 3 combined broker+controller nodes on free
 * ports, waits until every broker is registered, and stops and removes it. With `sasl`, each node also has a
 * SASL_PLAINTEXT listener (SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN) and the StandardAuthorizer, the superuser's SCRAM
 * credentials are written at format time, and the PLAINTEXT listener stays for the nodes themselves (its ANONYMOUS
 * principal is a super user, as the inter-broker principal must be). With `sasl` and `tls`, each node also has a
 * SASL_SSL listener (the same mechanisms) serving the given PEM certificate and key (`ssl.keystore.type=PEM`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaClasspath } from './jars.ts';
import { runJava } from './java.ts';

export interface KafkaUser {
  name: string;
  password: string;
}

export interface KafkaOptions {
  /** 1 (default) or 3 combined broker+controller nodes. */
  nodes?: 1 | 3;
  /** A SASL listener with SCRAM and PLAIN, the StandardAuthorizer, and these users (the first is a super user). */
  sasl?: { superuser: KafkaUser; users?: KafkaUser[] };
  /**
   * With `sasl`: a SASL_SSL listener on each node too, serving this PEM certificate (chain) and its unencrypted PEM
   * (PKCS#8) key; the certificate should hold 127.0.0.1 as a subjectAltName.
   */
  tls?: { certFile: string; keyFile: string };
  /** Extra server.properties, set on every node (e.g. `flush.messages: '1'`). */
  props?: Record<string, string>;
  /** Heap per node in MiB; default 512 (the bench passes Kafka's own default, 1024). */
  heapMb?: number;
  /** Log level of Kafka's own log (stderr); default warn. */
  logLevel?: 'error' | 'warn' | 'info';
  /** How long to wait for the cluster; default 90 s. */
  startTimeoutMs?: number;
  /**
   * Feature levels set at format time (`kafka-storage format --feature name=level`), e.g. `transaction.version: 1`
   * to compare with Samsa's transaction protocol (KIP-98/447) rather than KIP-890's version 2, Kafka 4's default.
   */
  features?: Record<string, number>;
}

export interface KafkaNode {
  id: number;
  port: number;
  saslPort?: number;
  saslSslPort?: number;
  controllerPort: number;
  dataDir: string;
  proc: ChildProcess;
  logs: string[];
}

export interface KafkaCluster {
  /** PLAINTEXT listeners, comma-separated. */
  bootstrap: string;
  /** SASL_PLAINTEXT listeners, comma-separated (only with `sasl`). */
  saslBootstrap?: string;
  /** SASL_SSL listeners, comma-separated (only with `sasl` and `tls`). */
  saslSslBootstrap?: string;
  nodes: KafkaNode[];
  clusterId: string;
  /** SIGTERM every node, wait, then remove the data. */
  stop(): Promise<void>;
  /** SIGKILL one node (index into `nodes`). */
  kill9(index: number): Promise<void>;
}

/** Default JVM settings of Kafka's own `kafka-server-start.sh`, with the heap from the options. */
export function kafkaJvmFlags(heapMb: number): string[] {
  return [
    `-Xms${heapMb}m`,
    `-Xmx${heapMb}m`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-Djava.awt.headless=true',
  ];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A Kafka cluster id: 16 random bytes in URL-safe base64, not starting with '-'. */
function clusterUuid(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** A value inside a JAAS config line's double quotes. */
export function jaasValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

export async function startKafka(opts: KafkaOptions = {}): Promise<KafkaCluster> {
  const count = opts.nodes ?? 1;
  const heapMb = opts.heapMb ?? 512;
  const level = opts.logLevel ?? 'warn';
  const classpath = await kafkaClasspath();
  const root = await mkdtemp(join(tmpdir(), 'samsa-kafka-'));
  const clusterId = clusterUuid();
  const users = opts.sasl ? [opts.sasl.superuser, ...(opts.sasl.users ?? [])] : [];
  // Every port of the cluster differs: the kernel may hand out a port again once the probe closed it, and two
  // nodes given the same one fail to start (seen: a node's listener on another's controller port).
  if (opts.tls && !opts.sasl) throw new Error('startKafka: tls needs sasl (the TLS listener is SASL_SSL)');
  const withTls = opts.sasl !== undefined && opts.tls !== undefined;
  const ports = new Set<number>();
  while (ports.size < count * (2 + (opts.sasl ? 1 : 0) + (withTls ? 1 : 0))) ports.add(await freePort());
  const free = [...ports];
  const nodes: KafkaNode[] = [];
  for (let i = 0; i < count; i++) {
    nodes.push({
      id: i + 1,
      port: free.shift()!,
      saslPort: opts.sasl ? free.shift()! : undefined,
      saslSslPort: withTls ? free.shift()! : undefined,
      controllerPort: free.shift()!,
      dataDir: join(root, `node-${i + 1}`),
      proc: undefined as unknown as ChildProcess,
      logs: [],
    });
  }
  const voters = nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(',');
  const rf = String(Math.min(count, 3));
  const configs = nodes.map((n) => {
    const props: Record<string, string> = {
      'process.roles': 'broker,controller',
      'node.id': String(n.id),
      'controller.quorum.voters': voters,
      listeners: [
        `PLAINTEXT://127.0.0.1:${n.port}`,
        ...(n.saslPort ? [`SASL_PLAINTEXT://127.0.0.1:${n.saslPort}`] : []),
        ...(n.saslSslPort ? [`SASL_SSL://127.0.0.1:${n.saslSslPort}`] : []),
        `CONTROLLER://127.0.0.1:${n.controllerPort}`,
      ].join(','),
      'advertised.listeners': [
        `PLAINTEXT://127.0.0.1:${n.port}`,
        ...(n.saslPort ? [`SASL_PLAINTEXT://127.0.0.1:${n.saslPort}`] : []),
        ...(n.saslSslPort ? [`SASL_SSL://127.0.0.1:${n.saslSslPort}`] : []),
      ].join(','),
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'listener.security.protocol.map':
        'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
      'log.dirs': join(n.dataDir, 'data'),
      'offsets.topic.replication.factor': rf,
      'transaction.state.log.replication.factor': rf,
      'transaction.state.log.min.isr': String(Math.min(count, 2)),
      'share.coordinator.state.topic.replication.factor': rf,
      'share.coordinator.state.topic.min.isr': String(Math.min(count, 2)),
      'group.initial.rebalance.delay.ms': '0',
      'num.partitions': '1',
      'default.replication.factor': rf,
      'auto.create.topics.enable': 'true',
    };
    if (opts.sasl) {
      const su = opts.sasl.superuser;
      const plainJaas = `org.apache.kafka.common.security.plain.PlainLoginModule required ${users
        .map((u) => `user_${u.name}="${jaasValue(u.password)}"`)
        .join(' ')};`;
      const scramJaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
      for (const listener of withTls ? ['sasl_plaintext', 'sasl_ssl'] : ['sasl_plaintext']) {
        props[`listener.name.${listener}.scram-sha-256.sasl.jaas.config`] = scramJaas;
        props[`listener.name.${listener}.scram-sha-512.sasl.jaas.config`] = scramJaas;
        props[`listener.name.${listener}.plain.sasl.jaas.config`] = plainJaas;
      }
      if (withTls) {
        // Kafka's PEM keystore (KIP-651): one file with the unencrypted PKCS#8 key and the certificate chain.
        props['listener.name.sasl_ssl.ssl.keystore.type'] = 'PEM';
        props['listener.name.sasl_ssl.ssl.keystore.location'] = join(root, 'keystore.pem');
      }
      Object.assign(props, {
        'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512,PLAIN',
        'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'super.users': `User:ANONYMOUS;User:${su.name}`,
      });
    }
    Object.assign(props, opts.props ?? {});
    return props;
  });

  if (opts.tls) {
    const [key, cert] = await Promise.all([readFile(opts.tls.keyFile, 'utf8'), readFile(opts.tls.certFile, 'utf8')]);
    await writeFile(join(root, 'keystore.pem'), `${key.trim()}\n${cert.trim()}\n`, { mode: 0o600 });
  }
  await Promise.all(
    nodes.map(async (n, i) => {
      const file = join(root, `node-${n.id}.properties`);
      await writeFile(
        file,
        `${Object.entries(configs[i]!)
          .map(([k, v]) => `${k}=${v.replace(/\\/g, '\\\\')}`)
          .join('\n')}\n`,
      );
      const scram = users.flatMap((u) =>
        ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => [
          '--add-scram',
          `${m}=[name=${u.name},password=${u.password}]`,
        ]),
      );
      const features = Object.entries(opts.features ?? {}).flatMap(([name, level]) => [
        '--feature',
        `${name}=${level}`,
      ]);
      const r = await runJava(
        'kafka.tools.StorageTool',
        ['format', '-t', clusterId, '-c', file, ...scram, ...features],
        {
          classpath,
          timeoutMs: 60_000,
        },
      );
      if (r.code !== 0) throw new Error(`kafka-storage format failed for node ${n.id}:\n${r.stdout}\n${r.stderr}`);
    }),
  );

  let stopping = false;
  const exits = new Map<number, Promise<void>>();
  for (const n of nodes) {
    n.proc = spawn(
      'java',
      [
        ...kafkaJvmFlags(heapMb),
        `-Dorg.slf4j.simpleLogger.defaultLogLevel=${level}`,
        '-Dorg.slf4j.simpleLogger.log.kafka.server.KafkaRaftServer=info',
        '-cp',
        classpath,
        'kafka.Kafka',
        join(root, `node-${n.id}.properties`),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (c: Buffer) => {
      for (const line of c.toString().split('\n')) if (line) n.logs.push(line);
      if (n.logs.length > 2000) n.logs.splice(0, n.logs.length - 2000);
    };
    n.proc.stdout!.on('data', keep);
    n.proc.stderr!.on('data', keep);
    exits.set(n.id, new Promise((r) => n.proc.on('exit', () => r())));
  }
  const killAll = () => {
    for (const n of nodes) if (n.proc.exitCode === null) n.proc.kill('SIGKILL');
  };
  process.once('exit', killAll);

  const cluster: KafkaCluster = {
    bootstrap: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    saslBootstrap: opts.sasl ? nodes.map((n) => `127.0.0.1:${n.saslPort}`).join(',') : undefined,
    saslSslBootstrap: withTls ? nodes.map((n) => `127.0.0.1:${n.saslSslPort}`).join(',') : undefined,
    nodes,
    clusterId,
    async stop() {
      if (stopping) return;
      stopping = true;
      for (const n of nodes) if (n.proc.exitCode === null) n.proc.kill('SIGTERM');
      const timer = setTimeout(killAll, 20_000);
      await Promise.all(exits.values());
      clearTimeout(timer);
      process.removeListener('exit', killAll);
      await rm(root, { recursive: true, force: true });
    },
    async kill9(index: number) {
      const n = nodes[index]!;
      if (n.proc.exitCode === null) n.proc.kill('SIGKILL');
      await exits.get(n.id);
    },
  };

  try {
    await waitForBrokers(cluster, count, opts.startTimeoutMs ?? 90_000);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** Waits until a Metadata request lists every broker. */
async function waitForBrokers(cluster: KafkaCluster, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const kafka = new Kafka({
    clientId: 'kafka-harness',
    brokers: cluster.bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 2_000,
  });
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const dead = cluster.nodes.find((n) => n.proc.exitCode !== null);
    if (dead) throw new Error(`Kafka node ${dead.id} exited with ${dead.proc.exitCode}:\n${dead.logs.join('\n')}`);
    const admin = kafka.admin();
    try {
      await admin.connect();
      const d = await admin.describeCluster();
      if (d.brokers.length === count) return;
      last = `${d.brokers.length} of ${count} brokers registered`;
    } catch (err) {
      last = (err as Error).message;
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(
    `Kafka did not start in ${timeoutMs} ms (${last}):\n${cluster.nodes.map((n) => n.logs.slice(-30).join('\n')).join('\n---\n')}`,
  );
}
