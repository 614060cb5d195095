/**
 * GatewayOptions: what `startGateway` takes, checked with zod (the programmatic API is a boundary too), with the
 * bounds every connection and request lives within. Defaults follow the broker's (README "Broker configuration").
 */
import type { Logger } from 'pino';
import { z } from 'zod';

const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected HOST:PORT');
const port = z.number().int().min(0).max(65_535);

export const GatewayOptionsSchema = z.object({
  cluster: z.object({
    bootstrap: z.array(hostPort).min(1, 'name at least one Kafka broker (HOST:PORT)'),
    sasl: z.object({
      mechanism: z.enum(['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN']),
      username: z.string().min(1),
      password: z.string().min(1),
    }),
    /**
     * Reach Kafka over TLS (its SASL_SSL listeners). `caFile`: PEM certificates to trust instead of the system's CAs;
     * `serverName`: the name every node's certificate must hold, instead of the host Kafka advertises.
     */
    tls: z.object({ caFile: z.string().min(1).optional(), serverName: z.string().min(1).optional() }).optional(),
  }),
  databaseUrl: z.string().min(1),
  /**
   * The platform superuser, as the broker's `--superuser-name` / SAMSA_SUPERUSER_PASSWORD: the console, the lag
   * collector and the processor host sign in with it (optionally acting for a tenant, SASL authorization id
   * `tenant:<slug>`). Unset: only tenants' keys sign in.
   */
  superuser: z.object({ name: z.string().min(1), password: z.string().min(8) }).optional(),
  secretsKey: z.custom<Buffer>((v) => Buffer.isBuffer(v) && v.length === 32, 'SAMSA_SECRETS_KEY must be 32 bytes'),
  /**
   * Serve every gateway listener over TLS (TLSv1.2 or later) with this PEM certificate (chain) and key, as the
   * broker's `--tls-cert-file`/`--tls-key-file`; the handshake must end within `authTimeoutMs`.
   */
  tls: z.object({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
  /** Listen address of every gateway listener. */
  host: z.string().min(1).default('127.0.0.1'),
  /** The host clients are told to connect to (Metadata, FindCoordinator, DescribeCluster); default `host`. */
  advertisedHost: z.string().min(1).optional(),
  /** The bootstrap listener; 0: an ephemeral port (and ephemeral ports for the nodes' listeners). */
  port: port.default(9092),
  /**
   * Kafka node N is served at `nodePortBase + N`; default `port + 1`. Ignored when `port` is 0 (ephemeral ports).
   */
  nodePortBase: port.optional(),
  /** `/metrics` (Prometheus text) and `/healthz` on this port of `host`; unset: no HTTP listener. */
  metricsPort: port.optional(),
  /** Where the last metadata view is cached for restarts without Postgres; default a fresh temporary directory. */
  dataDir: z.string().min(1).optional(),
  logger: z.custom<Logger>((v) => typeof v === 'object' && v !== null && 'child' in v).optional(),
  maxRequestBytes: z.number().int().positive().default(104_857_600),
  maxPreAuthRequestBytes: z.number().int().positive().default(524_288),
  /** Largest answer frame accepted from Kafka. */
  maxResponseBytes: z.number().int().positive().default(209_715_200),
  authTimeoutMs: z.number().int().positive().default(10_000),
  maxConnectionsPerAddress: z.number().int().positive().default(1_000),
  maxConnections: z.number().int().positive().default(10_000),
  maxInflightRequestsPerConnection: z.number().int().positive().default(128),
  /** Unsent answer bytes to one client before the gateway stops reading its requests. */
  maxPendingWriteBytesPerConnection: z.number().int().positive().default(67_108_864),
  upstreamConnectTimeoutMs: z.number().int().positive().default(10_000),
  upstreamRequestTimeoutMs: z.number().int().positive().default(30_000),
  /** Topic ids remembered as tenants' topics (all tenants); emptied and learned again when full. */
  maxKnownTopicIds: z.number().int().positive().default(100_000),
  /**
   * How often this gateway writes the bytes it served per tenant to Postgres and reads the other gateways' rates, so
   * that together they keep each tenant to its produce and fetch quota (`@samsa/broker/shared-quota`).
   */
  quotaSyncIntervalMs: z.number().int().min(100).max(10_000).default(1_000),
  /**
   * How long a tenant's usage on the cluster (topics, partitions, stored bytes: `tenant-usage.ts`) is trusted before
   * it is counted again, for its storage quota on Produce; creates count afresh. Gateways together may admit up to
   * one refresh's worth of writes beyond a storage quota.
   */
  usageRefreshMs: z.number().int().min(100).max(60_000).default(5_000),
  /** Tenants whose usage is kept in memory; the oldest is dropped (and counted again when needed). */
  maxUsageCachedTenants: z.number().int().positive().default(10_000),
  /** The most partitions one topic may have, created or added (the broker's default). */
  maxPartitionsPerTopic: z.number().int().min(1).default(10_000),
  /** Keys whose opened SCRAM credential is kept in memory. */
  maxCachedKeyCredentials: z.number().int().positive().default(10_000),
});

export type GatewayOptions = z.input<typeof GatewayOptionsSchema>;
export type GatewayConfig = z.output<typeof GatewayOptionsSchema>;
