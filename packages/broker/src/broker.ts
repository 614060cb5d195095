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
import { localName, namespaceOf } from '@samsa/cluster/namespace';
import { pino, type Logger } from 'pino';
import { advertisedAddress, authMode, type BrokerConfig, isLoopback } from './config.ts';
import { PgMetadataSource } from './tenancy/pg-metadata-source.ts';
import { MetadataView } from './tenancy/metadata-view.ts';
import { Tenancy } from './tenancy/tenancy.ts';
import { ControlPlaneStore } from './tenancy/control-plane-store.ts';
import { systemClock } from './groups/clock.ts';
import { DEFAULT_GROUP_CONFIG, GroupCoordinator } from './groups/group-coordinator.ts';
import { GroupStore } from './groups/group-store.ts';
import { TransactionCoordinator } from './transactions/transaction-coordinator.ts';
import { TransactionStore } from './transactions/transaction-store.ts';
import { FileHandleCache } from './log/file-handle-cache.ts';
import { LogCleaner } from './log/log-cleaner.ts';
import { LogDirHealth } from './log/log-dir-health.ts';
import { Metrics } from './metrics.ts';
import { ProducerIdAllocator } from './producers/producer-ids.ts';
import { Connection, type ConnectionHost } from './server/connection.ts';
import { type HealthReport, type HealthReason, startHttpServer } from './server/http-server.ts';
import { RateLimitedLog } from './server/rate-limited-log.ts';
import { RequestBufferBudget } from './server/request-buffer-budget.ts';
import { FetchWaiters } from './topics/fetch-waiters.ts';
import { TopicRegistry } from './topics/topic-registry.ts';
import { crc32cImplementation } from './log/crc32c.ts';
import { TrafficReporter } from './tenancy/traffic-reporter.ts';

/** How long a connection refused over --max-connections-per-ip is held, unread, before it is closed. */
const REFUSED_CLOSE_DELAY_MS = 1000;
/** Bound on refused connections held at once (file descriptors); beyond it a refused connection is closed at once. */
const MAX_REFUSED_PENDING_CLOSE = 1000;

/** One key per client address: an IPv4 client seen through an IPv6 socket ('::ffff:10.0.0.1') counts as itself. */
function addressKey(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown';
  return remoteAddress.startsWith('::ffff:') ? remoteAddress.slice('::ffff:'.length) : remoteAddress;
}

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

export class Broker implements ConnectionHost {
  readonly config: BrokerConfig;
  readonly logger: Logger;
  readonly metrics = new Metrics();
  readonly fetchWaiters = new FetchWaiters();
  clusterId = '';
  topics!: TopicRegistry;
  groups!: GroupCoordinator;
  producerIds!: ProducerIdAllocator;
  transactions!: TransactionCoordinator;
  private txnStore: TransactionStore | undefined;
  tenancy: Tenancy | null = null;
  metadataSource: PgMetadataSource | null = null;
  controlPlane: ControlPlaneStore | null = null;
  private trafficReporter: TrafficReporter | null = null;
  private groupStore?: GroupStore;
  stopping = false;
  private handles!: FileHandleCache;
  /** Free space, offline logs and corrupt batches of the data directory (KIP-112's log-directory health). */
  logDir!: LogDirHealth;
  private server?: Server;
  private http?: HttpServer;
  private readonly connections = new Set<Connection>();
  /** Open connections per remote address, for --max-connections-per-ip. */
  private readonly connectionsPerIp = new Map<string, number>();
  /** Refused connections held (not read) until their close is due; see refuse(). */
  private readonly refusedPendingClose = new Set<Socket>();
  private requestBuffer!: RequestBufferBudget;
  /** Warnings for refused and limit-closed connections, at most one per reason a second. */
  private limitLog!: RateLimitedLog;
  private idleTimer?: NodeJS.Timeout;
  private retentionTimer?: NodeJS.Timeout;
  private cleanerTimer?: NodeJS.Timeout;
  /** The cleaner skipped its passes while the log directory was below its free-space floor (logged once). */
  private cleanerPausedForSpace = false;
  private scrubTimer?: NodeJS.Timeout;
  cleaner!: LogCleaner;
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

  /** ok, or degraded with reason codes; the details (e.g. Postgres errors) are in the log, never in the answer. */
  health(): HealthReport {
    const reasons: HealthReason[] = [];
    if (this.stopping) reasons.push('stopping');
    const metadata = this.metadataSource?.status;
    if (metadata && !metadata.connected) reasons.push('metadata_unreachable');
    if (metadata?.stale) reasons.push('metadata_stale');
    if (!this.logDir) return { status: reasons.length === 0 ? 'ok' : 'degraded', reasons };
    reasons.push(...this.logDir.healthReasons());
    return { status: reasons.length === 0 ? 'ok' : 'degraded', reasons, storage: this.logDir.storageHealth() };
  }

  async start(): Promise<void> {
    await mkdir(this.config.dataDir, { recursive: true });
    this.requestBuffer = new RequestBufferBudget(this.config.maxBufferedRequestBytes);
    this.limitLog = new RateLimitedLog(this.logger);
    this.clusterId = await loadClusterId(this.config.dataDir);
    this.handles = new FileHandleCache({ maxOpenFiles: this.config.maxOpenFiles });
    this.logDir = new LogDirHealth({
      dir: this.config.dataDir,
      minFreeBytes: this.config.logDirMinFreeBytes ?? null,
      checkIntervalMs: this.config.logDirCheckIntervalMs,
      logger: this.logger,
    });
    await this.logDir.start();
    this.topics = await TopicRegistry.open(this.config, {
      logger: this.logger,
      handles: this.handles,
      health: this.logDir,
    });
    this.cleaner = new LogCleaner({
      dedupeBufferBytes: this.config.logCleanerDedupeBufferBytes,
      ioMaxBytesPerSecond: this.config.logCleanerIoMaxBytesPerSecond,
      logger: this.logger,
      crashAt: process.env.SAMSA_TEST_CLEANER_CRASH_AT,
    });
    this.producerIds = await ProducerIdAllocator.open(this.config.dataDir);
    const { store, records } = await GroupStore.open(join(this.config.dataDir, 'groups'), {
      logger: this.logger,
      storageFaults: this.logDir,
    });
    this.groupStore = store;
    this.groups = new GroupCoordinator(
      {
        ...DEFAULT_GROUP_CONFIG,
        groupMinSessionTimeoutMs: this.config.groupMinSessionTimeoutMs,
        groupMaxSessionTimeoutMs: this.config.groupMaxSessionTimeoutMs,
        groupInitialRebalanceDelayMs: this.config.groupInitialRebalanceDelayMs,
        consumerHeartbeatIntervalMs: this.config.groupConsumerHeartbeatIntervalMs,
        consumerSessionTimeoutMs: this.config.groupConsumerSessionTimeoutMs,
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
    const txns = await TransactionStore.open(join(this.config.dataDir, 'transactions'), this.logger, this.logDir);
    this.txnStore = txns.store;
    this.transactions = new TransactionCoordinator(
      {
        transactionMaxTimeoutMs: this.config.transactionMaxTimeoutMs,
        transactionalIdExpirationMs: this.config.transactionalIdExpirationMs,
      },
      txns.store,
      txns.records,
      {
        partition: (topic, index) => this.topics.get(topic)?.partitions[index],
        allocateProducerId: () => this.producerIds.allocate(),
        commitOffsets: (groupId, topics) => this.groups.commitOffsets(groupId, topics),
        notify: (topic, index) => this.fetchWaiters.notify(topic, index),
        nowMs: () => Date.now(),
        namespaceOf,
      },
      this.logger,
    );
    await this.transactions.recover();
    this.transactions.startTimeoutChecker(this.config.transactionAbortTimedOutIntervalMs);
    this.metrics.storage = () => this.logDir.metricsLines();
    this.metrics.gauges = () => ({
      connections: this.connections.size,
      requestBuffer: {
        authenticatedBytes: this.requestBuffer.authenticatedBytes,
        unauthenticatedBytes: this.requestBuffer.unauthenticatedBytes,
        waitingConnections: this.requestBuffer.waitingConnections,
      },
      partitions: this.topics.list().flatMap((t) =>
        t.partitions.map((p, i) => ({
          topic: t.name,
          partition: i,
          sizeBytes: p.log.sizeBytes,
          logStartOffset: p.log.logStartOffset,
          logEndOffset: p.log.logEndOffset,
          cleaner: this.cleaner.statsFor(p.log),
        })),
      ),
    });
    if (authMode(this.config) === 'sasl') await this.startTenancy();
    // Admission (the per-address cap) sees the TCP connection, before any TLS handshake; a TLS connection becomes a
    // Kafka connection once its handshake is done, within the authentication deadline.
    if (this.config.tlsCertFile && this.config.tlsKeyFile) {
      this.server = createTlsServer({
        cert: readFileSync(this.config.tlsCertFile),
        key: readFileSync(this.config.tlsKeyFile),
        minVersion: 'TLSv1.2',
        handshakeTimeout: this.config.authTimeoutMs,
      });
      // Node's handshakeTimeout does not cover a client that never starts the handshake: our own deadline does.
      const handshakes = new Map<string, NodeJS.Timeout>();
      const peer = (s: Socket) => `${s.remoteAddress}|${s.remotePort}`;
      this.server.on('connection', (raw: Socket) => {
        if (!this.admit(raw)) return;
        const key = peer(raw);
        handshakes.set(
          key,
          setTimeout(() => {
            handshakes.delete(key);
            this.metrics.connectionsClosed.inc('auth_timeout');
            this.limitLog.warn(
              'auth_timeout',
              { reason: 'auth_timeout', remote: key, authTimeoutMs: this.config.authTimeoutMs },
              `TLS handshake not done within ${this.config.authTimeoutMs} ms (--auth-timeout-ms)`,
            );
            raw.destroy();
          }, this.config.authTimeoutMs),
        );
        raw.once('close', () => {
          clearTimeout(handshakes.get(key));
          handshakes.delete(key);
        });
      });
      this.server.on('secureConnection', (socket: Socket) => {
        clearTimeout(handshakes.get(peer(socket)));
        handshakes.delete(peer(socket));
        this.onConnection(socket);
      });
    } else {
      this.server = createServer();
      this.server.on('connection', (socket: Socket) => {
        if (this.admit(socket)) this.onConnection(socket);
      });
    }
    this.server.on('tlsClientError', (err: Error) =>
      this.limitLog.warn('tls_handshake', { err: err.message }, 'TLS handshake failed'),
    );
    this.server.maxConnections = this.config.maxConnections;
    this.server.on('drop', (data?: { remoteAddress?: string }) => {
      this.metrics.connectionsRefused.inc('max_connections');
      this.limitLog.warn(
        'max_connections',
        { reason: 'max_connections', remote: data?.remoteAddress, maxConnections: this.config.maxConnections },
        'connection refused: the broker is at --max-connections',
      );
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.config.listen.port, this.config.listen.host, () => resolve());
    });
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : this.config.listen.port;
    this.http = await startHttpServer(this.config.httpListen.host, this.config.httpListen.port, {
      ready: () => !this.stopping,
      metrics: () => this.metrics.render(),
      health: () => this.health(),
      metricsToken: this.config.metricsToken,
      log: this.logger.child({ component: 'http' }),
    });
    if (!this.config.metricsToken && !isLoopback(this.config.httpListen.host)) {
      this.logger.warn(
        { http: this.config.httpListen.host },
        '/metrics is reachable beyond loopback without a token and names every topic: set --metrics-token (SAMSA_METRICS_TOKEN)',
      );
    }
    const idleSweepMs = Math.max(50, Math.min(this.config.connectionsMaxIdleMs / 4, 10_000));
    this.idleTimer = setInterval(() => this.closeIdleConnections(), idleSweepMs);
    this.idleTimer.unref();
    const httpAddr = this.http!.address();
    this.httpPort = typeof httpAddr === 'object' && httpAddr ? httpAddr.port : this.config.httpListen.port;
    this.retentionTimer = setInterval(() => void this.runRetention(), this.config.retentionCheckIntervalMs);
    this.retentionTimer.unref();
    this.scheduleCleaner(this.config.logCleanerBackoffMs);
    this.scheduleScrub();
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
        topicSizes: () =>
          this.topics.list().map((t) => ({
            topic: t.name,
            sizeBytes: t.partitions.reduce((sum, p) => sum + p.log.sizeBytes, 0),
          })),
        topicOwner: (name) => {
          const slug = namespaceOf(name);
          const tenant = slug === null ? undefined : tenancy.view().tenantsBySlug.get(slug);
          return tenant ? { tenantId: tenant.id, topic: localName(tenant.slug, name) } : null;
        },
        historyRetention: {
          rawMs: this.config.trafficHistoryRawRetentionMs,
          minuteMs: this.config.trafficHistoryMinuteRetentionMs,
          hourMs: this.config.trafficHistoryHourRetentionMs,
        },
        cleanerStates: () =>
          this.topics.list().flatMap((t) =>
            t.partitions.flatMap((p, partition) => {
              const stats = this.cleaner.statsFor(p.log);
              return stats
                ? [{ topic: t.name, partition, dirtyRatio: stats.dirtyRatio, lastClean: stats.lastClean ?? null }]
                : [];
            }),
          ),
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

  /**
   * The log cleaner's loop: a pass over the compacted partitions, then again at once if it cleaned something (more
   * may be due), else after --log-cleaner-backoff-ms.
   */
  private scheduleCleaner(delayMs: number): void {
    if (this.stopping) return;
    this.cleanerTimer = setTimeout(() => {
      // A clean writes a partition's cleaned copy before it frees the old segments: below the free-space floor it
      // would eat the room kept for the group log, indexes and recovery, so it waits for space like produce does.
      if (this.logDir && !this.logDir.writable) {
        if (!this.cleanerPausedForSpace) {
          this.cleanerPausedForSpace = true;
          this.logger.warn('log cleaner paused: the log directory is below --log-dir-min-free-bytes');
        }
        this.scheduleCleaner(this.config.logCleanerBackoffMs);
        return;
      }
      if (this.cleanerPausedForSpace) {
        this.cleanerPausedForSpace = false;
        this.logger.info('log cleaner resumed: the log directory has room again');
      }
      void this.topics
        .runCleaner(this.cleaner, () => this.stopping)
        .catch((err) => {
          this.logger.warn({ err: (err as Error).message }, 'log cleaner pass failed');
          return 0;
        })
        .then((cleaned) => {
          this.scheduleCleaner(cleaned > 0 ? 0 : this.config.logCleanerBackoffMs);
        });
    }, delayMs);
    this.cleanerTimer.unref();
  }

  /**
   * --log-scrub-interval-ms: every closed segment of every partition is read back and CRC-checked, at most
   * --log-scrub-bytes-per-second; what it finds is reported like a read that found it (log line, metric, /healthz).
   */
  private scheduleScrub(): void {
    if (this.stopping || this.config.logScrubIntervalMs === 0) return;
    this.scrubTimer = setTimeout(() => {
      void this.scrubAll()
        .catch((err) => this.logger.warn({ err: (err as Error).message }, 'log scrub failed'))
        .then(() => this.scheduleScrub());
    }, this.config.logScrubIntervalMs);
    this.scrubTimer.unref();
  }

  private async scrubAll(): Promise<void> {
    const rate = this.config.logScrubBytesPerSecond;
    const pace = (bytes: number) => new Promise<void>((r) => setTimeout(r, (bytes / rate) * 1000).unref());
    const startedMs = Date.now();
    let bytes = 0;
    for (const topic of this.topics.list()) {
      for (const p of topic.partitions) {
        if (this.stopping) return;
        bytes += await p.log.scrub(Math.min(rate, 4 * 1024 * 1024), pace);
      }
    }
    const found = this.logDir.corruptBatchesFound;
    this.logger.info({ bytes, durationMs: Date.now() - startedMs, corruptBatchesFound: found }, 'log scrub done');
  }

  /** connections.max.idle.ms: closes connections with no request, none in flight, for that long. */
  private closeIdleConnections(): void {
    const nowMs = Date.now();
    const maxIdleMs = this.config.connectionsMaxIdleMs;
    for (const c of this.connections) {
      if (c.idleMs(nowMs) >= maxIdleMs) {
        c.closeFor('idle', `no request for ${maxIdleMs} ms (--connections-max-idle-ms)`, { maxIdleMs });
      }
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
      maxPreAuthRequestBytes: this.config.maxPreAuthRequestBytes,
      authTimeoutMs: this.config.authTimeoutMs,
      requestBuffer: this.requestBuffer,
      limitLog: this.limitLog,
      maxInflightRequests: this.config.maxInflightRequestsPerConnection,
      maxPendingWriteBytes: this.config.maxPendingWriteBytesPerConnection,
    });
    this.connections.add(conn);
  }

  /** --max-connections-per-ip: counts the TCP connection until it closes, or refuses it at once. */
  private admit(socket: Socket): boolean {
    const ip = addressKey(socket.remoteAddress);
    const fromIp = this.connectionsPerIp.get(ip) ?? 0;
    if (fromIp >= this.config.maxConnectionsPerIp) {
      this.metrics.connectionsRefused.inc('per_ip');
      this.limitLog.warn(
        'per_ip',
        { reason: 'per_ip', remote: ip, maxConnectionsPerIp: this.config.maxConnectionsPerIp },
        'connection refused: too many connections from this address (--max-connections-per-ip)',
      );
      this.refuse(socket);
      return false;
    }
    this.connectionsPerIp.set(ip, fromIp + 1);
    socket.once('close', () => {
      const n = (this.connectionsPerIp.get(ip) ?? 1) - 1;
      if (n <= 0) this.connectionsPerIp.delete(ip);
      else this.connectionsPerIp.set(ip, n);
    });
    return true;
  }

  /**
   * Closes a refused connection after REFUSED_CLOSE_DELAY_MS without reading from it, as Kafka does for connections
   * over its connection-rate quota (KIP-612): a client that reconnects as soon as it is closed then costs one accept a
   * second, not thousands. At most MAX_REFUSED_PENDING_CLOSE are held; beyond that they are closed at once.
   */
  private refuse(socket: Socket): void {
    if (this.stopping || this.refusedPendingClose.size >= MAX_REFUSED_PENDING_CLOSE) {
      socket.destroy();
      return;
    }
    socket.pause();
    this.refusedPendingClose.add(socket);
    const timer = setTimeout(() => socket.destroy(), REFUSED_CLOSE_DELAY_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      this.refusedPendingClose.delete(socket);
    });
    socket.on('error', () => {});
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.logger.info('broker stopping');
    clearInterval(this.retentionTimer);
    clearInterval(this.idleTimer);
    this.logDir?.stop();
    // A running clean is not awaited (it may be long and throttled): closed logs refuse its swap, and the copy it
    // leaves is removed when the log is next opened.
    clearTimeout(this.cleanerTimer);
    clearTimeout(this.scrubTimer);
    const closed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    for (const c of this.connections) c.stopReading();
    this.fetchWaiters.wakeAll();
    const drained = Promise.all([...this.connections].map((c) => c.drained()));
    const timeout = new Promise((resolve) => setTimeout(resolve, this.config.shutdownTimeoutMs).unref());
    await Promise.race([drained, timeout]);
    for (const c of this.connections) c.close('shutdown');
    for (const s of this.refusedPendingClose) s.destroy();
    await closed;
    this.groups?.shutdown();
    this.transactions?.shutdown();
    await this.metadataSource?.stop();
    await this.trafficReporter?.stop();
    await this.controlPlane?.close();
    await this.groupStore?.close();
    await this.txnStore?.close();
    await this.topics?.close();
    await this.handles?.closeAll?.();
    await new Promise<void>((resolve) => (this.http ? this.http.close(() => resolve()) : resolve()));
    this.logger.info('broker stopped');
  }
}
