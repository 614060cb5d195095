/**
 * GatewayCore: what every gateway connection shares — settings, the tenancy (keys, ACLs, quotas from Postgres), the
 * tenants' known topic ids, the versions advertised, and the listeners: the bootstrap listener plus one per Kafka
 * node, so an answer that names node N (Metadata, FindCoordinator, DescribeCluster, Produce/Fetch node endpoints)
 * points at the gateway's listener that forwards to node N. A node first seen in an answer gets its listener then.
 * With TLS every listener serves it; admission (the connection caps) sees the TCP connection before the handshake,
 * and the handshake must end within the authentication deadline, as on the broker.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Principal } from '@samsa/broker/principal';
import type { Tenancy } from '@samsa/broker/tenancy';
import { ApiVersions, parseRange, SaslAuthenticate, SaslHandshake } from '@samsa/protocol';
import type { Logger } from 'pino';
import { GatewayConnection } from './client-connection.ts';
import type { KeyCredentials } from './key-credentials.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { GatewayConfig } from './options.ts';
import type { GatewayAddress, TenantLimits } from './rewrite/context.ts';
import { REWRITES } from './rewrite/index.ts';
import type { UpstreamCredential } from './scram-client.ts';
import type { TenantUsageCache } from './tenant-usage.ts';
import { type ListenerTls, MIN_TLS_VERSION, type UpstreamTls } from './tls-settings.ts';
import type { TopicIdRegistry } from './topic-ids.ts';
import { type UpstreamAddress, UpstreamAuthError, UpstreamConnection, upstreamOptions } from './upstream.ts';
import { upstreamClientId, upstreamIdentity } from './upstream-identity.ts';

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** Each API the gateway answers or rewrites, at the versions both it and the cluster support. */
export function advertisedVersions(
  cluster: ReadonlyMap<number, { min: number; max: number }>,
): Map<number, ApiVersionRange> {
  const out = new Map<number, ApiVersionRange>();
  // Answered by the gateway itself (SaslHandshake v0 is followed by raw SASL tokens; librdkafka requires v0 listed).
  out.set(ApiVersions.key, { apiKey: ApiVersions.key, minVersion: 0, maxVersion: parseRange(ApiVersions.versions)[1] });
  const [handshakeMin, handshakeMax] = parseRange(SaslHandshake.versions);
  out.set(SaslHandshake.key, { apiKey: SaslHandshake.key, minVersion: handshakeMin, maxVersion: handshakeMax });
  const [saslMin, saslMax] = parseRange(SaslAuthenticate.versions);
  out.set(SaslAuthenticate.key, { apiKey: SaslAuthenticate.key, minVersion: saslMin, maxVersion: saslMax });
  for (const rewrite of REWRITES.values()) {
    const theirs = cluster.get(rewrite.api.key);
    if (!theirs) continue;
    const [lo, hi] = parseRange(rewrite.api.versions);
    const minVersion = Math.max(lo, theirs.min);
    const maxVersion = Math.min(hi, theirs.max);
    if (minVersion <= maxVersion) out.set(rewrite.api.key, { apiKey: rewrite.api.key, minVersion, maxVersion });
  }
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

interface NodeListener {
  kafka: UpstreamAddress;
  server: Server;
  port: number;
}

export class GatewayCore {
  readonly config: GatewayConfig;
  readonly log: Logger;
  readonly tenancy: Tenancy;
  readonly topicIds: TopicIdRegistry;
  readonly limits: TenantLimits;
  readonly metrics: GatewayMetrics;
  readonly clusterVersions: ReadonlyMap<number, { min: number; max: number }>;
  readonly advertised: Map<number, ApiVersionRange>;
  private readonly credentials: KeyCredentials;
  private readonly advertisedHost: string;
  private readonly nodes = new Map<number, Promise<NodeListener>>();
  private readonly connections = new Set<GatewayConnection>();
  private readonly perAddress = new Map<string, number>();
  /** Admitted TCP connections, TLS handshakes under way included. */
  private admitted = 0;
  /** TCP connections whose TLS handshake is under way, with its deadline. */
  private readonly handshakes = new Map<string, { raw: Socket; timer: NodeJS.Timeout }>();
  private readonly listenerTls: ListenerTls | null;
  private readonly upstreamTls: UpstreamTls | null;
  private readonly servers: Server[] = [];
  private nextBootstrapNode = 0;
  private closing = false;

  constructor(deps: {
    config: GatewayConfig;
    log: Logger;
    tenancy: Tenancy;
    topicIds: TopicIdRegistry;
    usage: TenantUsageCache;
    metrics: GatewayMetrics;
    credentials: KeyCredentials;
    clusterVersions: ReadonlyMap<number, { min: number; max: number }>;
    listenerTls: ListenerTls | null;
    upstreamTls: UpstreamTls | null;
  }) {
    this.config = deps.config;
    this.log = deps.log;
    this.tenancy = deps.tenancy;
    this.topicIds = deps.topicIds;
    this.limits = {
      quota: (tenantId) => deps.tenancy.quota(tenantId),
      usage: deps.usage,
      maxPartitionsPerTopic: deps.config.maxPartitionsPerTopic,
    };
    this.metrics = deps.metrics;
    this.credentials = deps.credentials;
    this.clusterVersions = deps.clusterVersions;
    this.advertised = advertisedVersions(deps.clusterVersions);
    this.advertisedHost = deps.config.advertisedHost ?? deps.config.host;
    this.listenerTls = deps.listenerTls;
    this.upstreamTls = deps.upstreamTls;
  }

  /** Starts a listener whose connections go to `nodeId` (null: the bootstrap listener, any node). */
  async listen(nodeId: number | null, port: number): Promise<{ server: Server; port: number }> {
    const server = this.listenerTls ? this.tlsServer(nodeId, this.listenerTls) : this.plainServer(nodeId);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.servers.push(server);
    const address = server.address();
    const bound = typeof address === 'object' && address !== null ? address.port : port;
    this.log.info(
      { node: nodeId, host: this.config.host, port: bound },
      nodeId === null ? 'bootstrap listener' : 'node listener',
    );
    return { server, port: bound };
  }

  /** The port node `nodeId` is served at: `nodePortBase + nodeId`, or ephemeral when the bootstrap port is 0. */
  private nodePort(nodeId: number): number {
    if (this.config.port === 0) return 0;
    const port = (this.config.nodePortBase ?? this.config.port + 1) + nodeId;
    if (port > 65_535)
      throw new Error(
        `Kafka node ${nodeId} would be served at port ${port}: choose a lower nodePortBase (--node-port-base)`,
      );
    return port;
  }

  /** The gateway's listener for Kafka node `nodeId`, opened the first time the node is seen. */
  async gatewayAddress(nodeId: number, host: string, port: number): Promise<GatewayAddress> {
    let listener = this.nodes.get(nodeId);
    if (!listener) {
      listener = this.listen(nodeId, this.nodePort(nodeId)).then(({ server, port: bound }) => ({
        kafka: { host, port },
        server,
        port: bound,
      }));
      this.nodes.set(nodeId, listener);
      listener.catch(() => this.nodes.delete(nodeId));
    }
    const node = await listener;
    // A node that moved (restarted elsewhere) is reached at its new address from now on.
    if (node.kafka.host !== host || node.kafka.port !== port) node.kafka = { host, port };
    return { host: this.advertisedHost, port: node.port };
  }

  /** Node id to the gateway port serving it. */
  async brokerPorts(): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (const [id, listener] of this.nodes) out.set(id, (await listener).port);
    return out;
  }

  private plainServer(nodeId: number | null): Server {
    return createServer((socket) => {
      if (this.admit(socket)) this.connections.add(new GatewayConnection(socket, this, nodeId));
    });
  }

  private tlsServer(nodeId: number | null, tls: ListenerTls): Server {
    // Our deadline runs from the TCP accept, so it also covers a client that never starts the handshake; Node's
    // own (from the same moment) is only a backstop behind it.
    const server = createTlsServer({
      cert: tls.cert,
      key: tls.key,
      minVersion: MIN_TLS_VERSION,
      handshakeTimeout: 2 * this.config.authTimeoutMs,
    });
    const peer = (s: Socket) => `${s.remoteAddress}:${s.remotePort}`;
    server.on('connection', (raw: Socket) => {
      if (!this.admit(raw)) return;
      const key = peer(raw);
      const timer = setTimeout(() => {
        this.handshakes.delete(key);
        this.metrics.closed('auth_timeout');
        this.log.warn(
          { remote: key, authTimeoutMs: this.config.authTimeoutMs },
          `TLS handshake not done within ${this.config.authTimeoutMs} ms`,
        );
        raw.destroy();
      }, this.config.authTimeoutMs);
      this.handshakes.set(key, { raw, timer });
      raw.once('close', () => {
        clearTimeout(timer);
        this.handshakes.delete(key);
      });
    });
    server.on('secureConnection', (socket: Socket) => {
      const handshake = this.handshakes.get(peer(socket));
      if (handshake) clearTimeout(handshake.timer);
      this.handshakes.delete(peer(socket));
      if (this.closing) socket.destroy();
      else this.connections.add(new GatewayConnection(socket, this, nodeId));
    });
    server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      // A socket already torn down was closed by the gateway (a cap, the deadline: logged there) or by the client.
      if (socket.remoteAddress === undefined) {
        this.log.debug({ err: err.message }, 'TLS connection closed during the handshake');
        return;
      }
      this.metrics.closed('tls_handshake');
      this.log.warn({ remote: peer(socket), err: err.message }, 'TLS handshake failed');
    });
    return server;
  }

  /** The connection caps, applied to the TCP connection (before any TLS handshake); counted until it closes. */
  private admit(socket: Socket): boolean {
    const address = socket.remoteAddress ?? 'unknown';
    if (this.closing) {
      socket.destroy();
      return false;
    }
    if (this.admitted >= this.config.maxConnections) {
      this.metrics.closed('max_connections');
      this.log.warn(
        { remote: address, maxConnections: this.config.maxConnections },
        'connection refused: gateway full',
      );
      socket.destroy();
      return false;
    }
    const count = this.perAddress.get(address) ?? 0;
    if (count >= this.config.maxConnectionsPerAddress) {
      this.metrics.closed('per_address');
      this.log.warn(
        { remote: address, maxConnectionsPerAddress: this.config.maxConnectionsPerAddress },
        'connection refused: too many from this address',
      );
      socket.destroy();
      return false;
    }
    this.perAddress.set(address, count + 1);
    this.admitted++;
    this.metrics.acceptedTotal++;
    this.metrics.openConnections++;
    socket.once('close', () => {
      this.admitted--;
      this.metrics.openConnections--;
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left <= 0) this.perAddress.delete(address);
      else this.perAddress.set(address, left);
    });
    return true;
  }

  connectionClosed(conn: GatewayConnection): void {
    this.connections.delete(conn);
  }

  /** After a metadata change: connections of revoked keys and suspended tenants are closed. */
  revalidate(): void {
    for (const c of this.connections) c.revalidate();
  }

  /**
   * Signs in to Kafka as the principal's key (the superuser, alone or acting for a tenant, as the admin principal:
   * upstream-identity.ts): at `nodeId`, or (bootstrap listener) at the known nodes in turn until
   * one answers. A refused credential is not retried elsewhere.
   */
  async openUpstream(principal: Principal, nodeId: number | null): Promise<UpstreamConnection> {
    const identity = upstreamIdentity(principal);
    const credential: UpstreamCredential =
      identity.kind === 'key' ? await this.credentials.forKey(identity.slug, identity.keyId) : this.config.cluster.sasl;
    const options = upstreamOptions(this.config, this.upstreamTls, upstreamClientId(principal), this.log);
    const candidates = nodeId === null ? await this.bootstrapOrder() : [(await this.nodes.get(nodeId)!).kafka];
    let last: Error = new Error('no Kafka node known');
    for (const address of candidates) {
      try {
        const upstream = await UpstreamConnection.open(address, credential, options);
        this.metrics.upstreamOpenedTotal++;
        return upstream;
      } catch (err) {
        this.metrics.upstreamFailedTotal++;
        if (err instanceof UpstreamAuthError) throw err;
        last = err as Error;
      }
    }
    throw last;
  }

  private async bootstrapOrder(): Promise<UpstreamAddress[]> {
    return (await this.knownNodes()).map((n) => n.address);
  }

  /** The Kafka nodes known so far, starting at the next in turn (bootstrap connections are spread over them). */
  async knownNodes(): Promise<{ nodeId: number; address: UpstreamAddress }[]> {
    const ids = [...this.nodes.keys()];
    const nodes = (await Promise.all(this.nodes.values())).map((n, i) => ({ nodeId: ids[i]!, address: n.kafka }));
    const start = this.nextBootstrapNode++ % Math.max(1, nodes.length);
    return [...nodes.slice(start), ...nodes.slice(0, start)];
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const c of this.connections) c.close('gateway closing');
    for (const { raw } of this.handshakes.values()) raw.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
