/**
 * startGateway: gateway mode (issue 15). A stateless Kafka-protocol proxy in front of an Apache Kafka cluster that
 * `samsa cluster reconcile` manages: tenants' clients sign in with their Samsa API keys and use unprefixed names, as
 * with Samsa's own broker; the gateway checks the key and Samsa's ACLs, rewrites names both ways and talks to the
 * cluster as the key's own SCRAM user (so Kafka's prefixed ACLs are a second wall). At start it signs in with the
 * admin credentials to learn the cluster's nodes and API versions.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgMetadataSource } from '@samsa/broker/pg-metadata-source';
import { SharedQuota } from '@samsa/broker/shared-quota';
import { Tenancy } from '@samsa/broker/tenancy';
import { createDb } from '@samsa/db';
import { Metadata } from '@samsa/protocol';
import pino from 'pino';
import { AdminConnections } from './admin-connections.ts';
import { GatewayCore } from './gateway-core.ts';
import { KeyCredentials } from './key-credentials.ts';
import { GatewayMetrics } from './metrics.ts';
import { type GatewayConfig, type GatewayOptions, GatewayOptionsSchema } from './options.ts';
import { TenantUsageCache } from './tenant-usage.ts';
import { TopicIdRegistry } from './topic-ids.ts';
import {
  type ListenerTls,
  readListenerTls,
  readUpstreamTls,
  TlsSettingsError,
  type UpstreamTls,
} from './tls-settings.ts';
import { UpstreamConnection, upstreamOptions } from './upstream.ts';

export interface Gateway {
  /** The bootstrap listener, `host:port` as clients should name it. */
  bootstrap: string;
  /** Kafka node id to the gateway port that forwards to it. */
  brokerPorts(): Map<number, number>;
  /** `host:port` of /metrics and /healthz, when `metricsPort` was given. */
  metricsAddress: string | null;
  close(): Promise<void>;
}

export class GatewayStartError extends Error {}

/** Signs in with the admin credentials and reads the cluster's API versions and nodes. */
async function discoverCluster(config: GatewayConfig, tls: UpstreamTls | null, log: pino.Logger) {
  const problems: string[] = [];
  for (const hostPort of config.cluster.bootstrap) {
    const colon = hostPort.lastIndexOf(':');
    const address = { host: hostPort.slice(0, colon), port: Number(hostPort.slice(colon + 1)) };
    let admin: UpstreamConnection | null = null;
    try {
      admin = await UpstreamConnection.open(
        address,
        config.cluster.sasl,
        upstreamOptions(config, tls, 'samsa-gateway', log),
      );
      const versions = await admin.apiVersions();
      const metadataVersion = Math.min(12, versions.get(Metadata.key)?.max ?? 0);
      const metadata = await admin.send(Metadata, metadataVersion, {
        topics: [],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      });
      const nodes = (metadata.brokers as { nodeId: number; host: string; port: number }[]).map((b) => ({
        nodeId: b.nodeId,
        host: b.host,
        port: b.port,
      }));
      return { versions, nodes };
    } catch (err) {
      problems.push(`${hostPort}: ${(err as Error).message}`);
    } finally {
      admin?.close();
    }
  }
  throw new GatewayStartError(`could not reach the Kafka cluster with the admin credentials: ${problems.join('; ')}`);
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const parsed = GatewayOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new GatewayStartError(
      `invalid gateway options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const config = parsed.data;
  const log = (config.logger ?? pino({ level: 'info' })).child({ component: 'gateway' });
  let listenerTls: ListenerTls | null;
  let upstreamTls: UpstreamTls | null;
  try {
    [listenerTls, upstreamTls] = await Promise.all([readListenerTls(config), readUpstreamTls(config)]);
  } catch (err) {
    if (err instanceof TlsSettingsError) throw new GatewayStartError(err.message);
    throw err;
  }
  const { versions, nodes } = await discoverCluster(config, upstreamTls, log);
  const dataDir = config.dataDir ?? (await mkdtemp(join(tmpdir(), 'samsa-gateway-')));
  const source = new PgMetadataSource(config.databaseUrl, dataDir, log);
  await source.start();
  const db = createDb(config.databaseUrl, { poolMax: 2 });
  const metrics = new GatewayMetrics();
  const tenancy = new Tenancy({ view: () => source.current(), superuser: config.superuser ?? null });
  // Tenant-wide produce and fetch rates are shared with the other gateways through Postgres: each enforces its share.
  const sharedQuota = new SharedQuota({
    instanceId: `gateway-${randomUUID()}`,
    syncIntervalMs: config.quotaSyncIntervalMs,
    databaseUrl: config.databaseUrl,
    logger: log,
  });
  sharedQuota.start();
  tenancy.sharedRates = sharedQuota;
  // The gateway's own view of tenants' usage on the cluster (topic, partition and storage quotas), as its admin.
  const admin: AdminConnections = new AdminConnections({
    credential: config.cluster.sasl,
    options: upstreamOptions(config, upstreamTls, 'samsa-gateway-usage', log),
    knownNodes: () => core.knownNodes(), // core is made below; asked only once requests flow
  });
  const usage = new TenantUsageCache({
    admin,
    clusterVersions: versions,
    refreshMs: config.usageRefreshMs,
    maxTenants: config.maxUsageCachedTenants,
    log,
  });
  const core = new GatewayCore({
    config,
    log,
    tenancy,
    topicIds: new TopicIdRegistry(config.maxKnownTopicIds),
    usage,
    metrics,
    credentials: new KeyCredentials(db, config.secretsKey, config.maxCachedKeyCredentials),
    clusterVersions: versions,
    listenerTls,
    upstreamTls,
  });
  source.onChange(() => core.revalidate());
  let http: HttpServer | null = null;
  try {
    const bootstrap = await core.listen(null, config.port);
    for (const n of nodes) await core.gatewayAddress(n.nodeId, n.host, n.port);
    if (config.metricsPort !== undefined) http = await startHttp(config, metrics, source);
    const ports = new Map<number, number>();
    const refreshPorts = async () => {
      for (const [id, port] of await core.brokerPorts()) ports.set(id, port);
    };
    await refreshPorts();
    const httpAddress = http?.address();
    log.info(
      {
        bootstrap: bootstrap.port,
        nodes: Object.fromEntries(ports),
        cluster: config.cluster.bootstrap,
        tls: listenerTls !== null,
        clusterTls: upstreamTls !== null,
      },
      'gateway started',
    );
    return {
      bootstrap: `${config.advertisedHost ?? config.host}:${bootstrap.port}`,
      brokerPorts: () => {
        void refreshPorts();
        return new Map(ports);
      },
      metricsAddress:
        typeof httpAddress === 'object' && httpAddress !== null ? `${config.host}:${httpAddress.port}` : null,
      close: async () => {
        await core.close();
        admin.close();
        await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
        await sharedQuota.stop();
        await source.stop();
        await db.$disconnect();
      },
    };
  } catch (err) {
    await core.close();
    admin.close();
    await sharedQuota.stop();
    await source.stop();
    await db.$disconnect();
    throw err;
  }
}

async function startHttp(
  config: GatewayConfig,
  metrics: GatewayMetrics,
  source: PgMetadataSource,
): Promise<HttpServer> {
  const server = createHttpServer((req, res) => {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render());
    } else if (req.url === '/healthz') {
      const reasons = source.status.stale ? ['metadata_stale'] : [];
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: reasons.length ? 'degraded' : 'ok', reasons }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(config.metricsPort, config.host, resolve));
  return server;
}
