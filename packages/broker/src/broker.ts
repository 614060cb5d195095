/**
 * Broker: wires configuration, the topic registry, the Kafka listener and the HTTP endpoint together, and owns start
 * and graceful shutdown (stop accepting, answer in-flight requests, flush logs, close).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { advertisedAddress, authMode, type BrokerConfig } from './config.ts';
import { PgMetadataSource } from './tenancy/pg-metadata-source.ts';
import { MetadataView } from './tenancy/metadata-view.ts';
import { Tenancy } from './tenancy/tenancy.ts';
import { namespaceOf } from './tenancy/access.ts';
import { ControlPlaneStore } from './tenancy/control-plane-store.ts';
import { systemClock } from './groups/clock.ts';
import { DEFAULT_GROUP_CONFIG, GroupCoordinator } from './groups/group-coordinator.ts';
import { GroupStore } from './groups/group-store.ts';
import { FileHandleCache } from './log/file-handle-cache.ts';
import { Metrics } from './metrics.ts';
import { ProducerIdAllocator } from './producers/producer-ids.ts';
import type { BrokerState } from './request-context.ts';
import { Connection } from './server/connection.ts';
import { startHttpServer } from './server/http-server.ts';
import { FetchWaiters } from './topics/fetch-waiters.ts';
import { TopicRegistry } from './topics/topic-registry.ts';
import { crc32cImplementation } from './log/crc32c.ts';
import { TrafficReporter } from './tenancy/traffic-reporter.ts';

async function loadClusterId(dataDir: string): Promise<string> {
  const path = join(dataDir, 'cluster.json');
  try {
    return JSON.parse(await readFile(path, 'utf8')).clusterId;
  } catch {
    const clusterId = randomUUID().replaceAll('-', '').slice(0, 22);
    await writeFile(path, JSON.stringify({ clusterId }));
    return clusterId;
  }
}

export class Broker implements BrokerState {
  readonly config: BrokerConfig;
  readonly logger: Logger;
  readonly metrics = new Metrics();
  readonly fetchWaiters = new FetchWaiters();
  clusterId = '';
  topics!: TopicRegistry;
  groups!: GroupCoordinator;
  producerIds!: ProducerIdAllocator;
  tenancy: Tenancy | null = null;
  metadataSource: PgMetadataSource | null = null;
  controlPlane: ControlPlaneStore | null = null;
  private trafficReporter: TrafficReporter | null = null;
  private groupStore?: GroupStore;
  stopping = false;
  private handles!: FileHandleCache;
  private server?: Server;
  private http?: HttpServer;
  private readonly connections = new Set<Connection>();
  private retentionTimer?: NodeJS.Timeout;
  private retentionRunning = false;
  /** Actual bound ports (useful when configured with port 0). */
  port = 0;
  httpPort = 0;

  constructor(config: BrokerConfig, logger?: Logger) {
    this.config = config;
    this.logger = logger ?? pino({ level: config.logLevel, base: { svc: 'broker' } });
  }

  advertised(): { host: string; port: number } {
    const a = advertisedAddress(this.config);
    return { host: a.host, port: this.config.advertisedListener ? a.port : this.port };
  }

  connectionClosed(conn: Connection): void {
    this.connections.delete(conn);
  }

  async start(): Promise<void> {
    await mkdir(this.config.dataDir, { recursive: true });
    this.clusterId = await loadClusterId(this.config.dataDir);
    this.handles = new FileHandleCache({ maxOpenFiles: this.config.maxOpenFiles });
    this.topics = await TopicRegistry.open(this.config, { logger: this.logger, handles: this.handles });
    this.producerIds = await ProducerIdAllocator.open(this.config.dataDir);
    const { store, records } = await GroupStore.open(join(this.config.dataDir, 'groups'), { logger: this.logger });
    this.groupStore = store;
    this.groups = new GroupCoordinator(
      {
        ...DEFAULT_GROUP_CONFIG,
        groupMinSessionTimeoutMs: this.config.groupMinSessionTimeoutMs,
        groupMaxSessionTimeoutMs: this.config.groupMaxSessionTimeoutMs,
        groupInitialRebalanceDelayMs: this.config.groupInitialRebalanceDelayMs,
        groupMaxSize: this.config.groupMaxSize,
        offsetsRetentionMs: this.config.offsetsRetentionMinutes * 60_000,
        offsetMetadataMaxBytes: this.config.offsetMetadataMaxBytes,
        maxGroups: this.config.maxGroups,
      },
      systemClock,
      store,
      records,
      namespaceOf,
    );
    this.groups.startOffsetExpiry(60_000);
    this.metrics.gauges = () => ({
      connections: this.connections.size,
      partitions: this.topics.list().flatMap((t) =>
        t.partitions.map((p, i) => ({
          topic: t.name,
          partition: i,
          sizeBytes: p.log.sizeBytes,
          logStartOffset: p.log.logStartOffset,
          logEndOffset: p.log.logEndOffset,
        })),
      ),
    });
    if (authMode(this.config) === 'sasl') await this.startTenancy();
    const onSocket = (socket: Socket) => this.onConnection(socket);
    this.server =
      this.config.tlsCertFile && this.config.tlsKeyFile
        ? createTlsServer(
            {
              cert: readFileSync(this.config.tlsCertFile),
              key: readFileSync(this.config.tlsKeyFile),
              minVersion: 'TLSv1.2',
            },
            onSocket,
          )
        : createServer(onSocket);
    this.server.on('tlsClientError', (err: Error) => this.logger.warn({ err: err.message }, 'TLS handshake failed'));
    this.server.maxConnections = this.config.maxConnections;
    this.server.on('drop', () => this.metrics.connectionsRejected.inc());
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.config.listen.port, this.config.listen.host, () => resolve());
    });
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : this.config.listen.port;
    this.http = await startHttpServer(this.config.httpListen.host, this.config.httpListen.port, {
      ready: () => !this.stopping,
      metrics: () => this.metrics.render(),
      health: () => ({
        topics: this.topics.list().length,
        connections: this.connections.size,
        auth: authMode(this.config),
        metadata: this.metadataSource ? { ...this.metadataSource.status } : null,
      }),
    });
    const httpAddr = this.http.address();
    this.httpPort = typeof httpAddr === 'object' && httpAddr ? httpAddr.port : this.config.httpListen.port;
    this.retentionTimer = setInterval(() => void this.runRetention(), this.config.retentionCheckIntervalMs);
    this.retentionTimer.unref();
    this.logger.info(
      {
        listen: `${this.config.listen.host}:${this.port}`,
        advertised: `${this.advertised().host}:${this.advertised().port}`,
        http: `${this.config.httpListen.host}:${this.httpPort}`,
        dataDir: this.config.dataDir,
        clusterId: this.clusterId,
        crc32c: crc32cImplementation,
      },
      'broker started',
    );
  }

  private async startTenancy(): Promise<void> {
    let view = () => MetadataView.empty();
    if (this.config.databaseUrl) {
      const source = new PgMetadataSource(this.config.databaseUrl, this.config.dataDir, this.logger);
      this.metadataSource = source;
      this.controlPlane = new ControlPlaneStore(this.config.databaseUrl);
      view = () => source.current();
      // A new view may revoke keys or suspend tenants: their connections are cut off at once.
      source.onChange(() => {
        for (const c of this.connections) c.revalidate();
      });
      await source.start();
    }
    this.tenancy = new Tenancy({
      view,
      superuser: this.config.superuserPassword
        ? { name: this.config.superuserName, password: this.config.superuserPassword }
        : null,
      topics: () => this.topics,
    });
    if (this.controlPlane) {
      const tenancy = this.tenancy;
      this.trafficReporter = new TrafficReporter({
        traffic: tenancy.traffic,
        store: this.controlPlane,
        tenantExists: (id) => tenancy.tenant(id) !== undefined,
        connectionCount: (id) => tenancy.connectionCount(id),
        connectedTenants: () => tenancy.connectedTenants(),
        intervalMs: this.config.trafficReportIntervalMs,
        logger: this.logger,
      });
      this.trafficReporter.start();
    }
    this.logger.info(
      {
        superuser: this.config.superuserPassword ? this.config.superuserName : null,
        database: Boolean(this.config.databaseUrl),
      },
      'SASL authentication required (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)',
    );
  }

  async reloadMetadata(): Promise<void> {
    await this.metadataSource
      ?.reload()
      .catch((err) => this.logger.warn({ err: (err as Error).message }, 'metadata reload failed'));
  }

  /** One retention pass (also run on a timer); never overlaps itself. */
  async runRetention(): Promise<void> {
    if (this.retentionRunning) return;
    this.retentionRunning = true;
    try {
      const r = await this.topics.runRetention();
      if (r.deletedSegments > 0) this.logger.info(r, 'retention deleted segments');
    } finally {
      this.retentionRunning = false;
    }
  }

  private onConnection(socket: Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    this.metrics.connectionsAccepted.inc();
    const conn = new Connection(socket, this, {
      maxRequestBytes: this.config.maxRequestBytes,
      maxInflightRequests: this.config.maxInflightRequestsPerConnection,
      maxPendingWriteBytes: this.config.maxPendingWriteBytesPerConnection,
    });
    this.connections.add(conn);
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.logger.info('broker stopping');
    clearInterval(this.retentionTimer);
    const closed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    for (const c of this.connections) c.stopReading();
    this.fetchWaiters.wakeAll();
    const drained = Promise.all([...this.connections].map((c) => c.drained()));
    const timeout = new Promise((resolve) => setTimeout(resolve, this.config.shutdownTimeoutMs).unref());
    await Promise.race([drained, timeout]);
    for (const c of this.connections) c.close('shutdown');
    await closed;
    this.groups?.shutdown();
    await this.metadataSource?.stop();
    await this.trafficReporter?.stop();
    await this.controlPlane?.close();
    await this.groupStore?.close();
    await this.topics?.close();
    await this.handles?.closeAll?.();
    await new Promise<void>((resolve) => (this.http ? this.http.close(() => resolve()) : resolve()));
    this.logger.info('broker stopped');
  }
}
