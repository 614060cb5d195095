/**
 * Broker configuration: one zod schema, filled from defaults, then a JSON file, then SAMSA_* environment variables,
 * then command-line flags. Every bound the broker enforces is here, with its unit in its name.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected HOST:PORT, e.g. 127.0.0.1:9092')
  .transform((s) => {
    const i = s.lastIndexOf(':');
    const port = Number(s.slice(i + 1));
    if (port < 0 || port > 65535) throw new Error(`port out of range in ${s}`);
    return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port };
  });

export const BrokerConfigSchema = z
  .object({
    dataDir: z.string().min(1).default('./data'),
    /** Loopback unless configured: nothing listens beyond this machine by default. */
    listen: hostPort.default({ host: '127.0.0.1', port: 9092 }),
    advertisedListener: hostPort.optional(),
    httpListen: hostPort.default({ host: '127.0.0.1', port: 9644 }),
    /** Bearer token required on /metrics when set (the HTTP listener exposed beyond loopback). Never logged. */
    metricsToken: z.string().min(16, 'use a token of at least 16 characters').optional(),
    nodeId: z.number().int().min(0).default(0),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    autoCreateTopicsEnable: z.boolean().default(true),
    defaultPartitions: z.number().int().min(1).max(10_000).default(1),
    /** socket.request.max.bytes */
    maxRequestBytes: z.number().int().min(1024).max(1_073_741_824).default(104_857_600),
    /** message.max.bytes: the largest record batch accepted (topic max.message.bytes overrides). */
    messageMaxBytes: z.number().int().min(1024).default(1_048_588),
    maxConnections: z.number().int().min(1).default(10_000),
    /** Concurrent connections from one remote address (loopback included); over it a new connection is closed. */
    maxConnectionsPerIp: z.number().int().min(1).default(1_000),
    /** sasl.server.max.receive.size: the largest frame accepted before SASL authentication has succeeded. */
    maxPreAuthRequestBytes: z.number().int().min(1024).max(104_857_600).default(524_288),
    /** A connection that has not authenticated within this time is closed (auth on). */
    authTimeoutMs: z.number().int().min(100).default(10_000),
    /** connections.max.idle.ms: a connection with no request (and none in flight) for this long is closed. */
    connectionsMaxIdleMs: z.number().int().min(100).default(600_000),
    /**
     * queued.max.request.bytes: memory all connections together may hold in requests received and not yet answered,
     * partial frames included. An unauthenticated frame that does not fit in its quarter of it closes its connection;
     * an authenticated one waits.
     */
    maxBufferedRequestBytes: z.number().int().min(1_048_576).default(536_870_912),
    maxInflightRequestsPerConnection: z.number().int().min(1).max(10_000).default(128),
    /** Response bytes queued on one socket before reading from it pauses. */
    maxPendingWriteBytesPerConnection: z.number().int().min(65_536).default(67_108_864),
    /** Upper bound on one Fetch response regardless of what the client asks. */
    fetchMaxBytes: z.number().int().min(1024).default(52_428_800),
    /** Upper bound on a Fetch long-poll wait regardless of what the client asks. */
    fetchMaxWaitMs: z.number().int().min(0).default(30_000),
    maxOpenFiles: z.number().int().min(16).default(4096),
    maxPartitionsPerTopic: z.number().int().min(1).default(10_000),
    retentionCheckIntervalMs: z.number().int().min(100).default(300_000),
    /** How often per-tenant traffic and throttling are written to the control plane (with a database). */
    trafficReportIntervalMs: z.number().int().min(100).max(3_600_000).default(5_000),
    /** How long the traffic history keeps its raw rows, minute roll-ups and hour roll-ups. */
    trafficHistoryRawRetentionMs: z.number().int().min(60_000).default(7_200_000),
    trafficHistoryMinuteRetentionMs: z.number().int().min(3_600_000).default(172_800_000),
    trafficHistoryHourRetentionMs: z.number().int().min(3_600_000).default(3_024_000_000),
    shutdownTimeoutMs: z.number().int().min(0).default(10_000),
    /** 'sasl' requires every client to authenticate (default when databaseUrl is set); 'none' is for local dev. */
    auth: z.enum(['none', 'sasl']).optional(),
    /** The control plane's Postgres: tenants, API keys, ACLs and quotas are read from it. */
    databaseUrl: z.string().min(1).optional(),
    superuserName: z.string().min(1).default('admin'),
    /** Password of the platform superuser (the console's admin connection). Never logged. */
    superuserPassword: z.string().min(8).optional(),
    tlsCertFile: z.string().min(1).optional(),
    tlsKeyFile: z.string().min(1).optional(),
    /** Allow unsafe combinations: SASL/PLAIN without TLS on a non-loopback address, or auth 'none' with tenants. */
    allowInsecure: z.boolean().default(false),
    groupMinSessionTimeoutMs: z.number().int().min(1).default(6_000),
    groupMaxSessionTimeoutMs: z.number().int().min(1).default(1_800_000),
    groupInitialRebalanceDelayMs: z.number().int().min(0).default(3_000),
    /** KIP-848 (group.protocol=consumer) groups: group.consumer.heartbeat.interval.ms and session.timeout.ms. */
    groupConsumerHeartbeatIntervalMs: z.number().int().min(100).max(60_000).default(5_000),
    groupConsumerSessionTimeoutMs: z.number().int().min(1_000).max(1_800_000).default(45_000),
    groupMaxSize: z.number().int().min(1).default(1_000),
    offsetsRetentionMinutes: z.number().int().min(1).default(10_080),
    /** offset.metadata.max.bytes: the metadata string of one committed offset. */
    offsetMetadataMaxBytes: z.number().int().min(0).max(1_048_576).default(4_096),
    /** One member's protocol metadata (each protocol) in JoinGroup, and one member's assignment in SyncGroup. */
    groupMemberMetadataMaxBytes: z.number().int().min(1_024).max(104_857_600).default(1_048_576),
    /** Consumer groups on the whole broker, every tenant together (new ones get COORDINATOR_NOT_AVAILABLE). */
    maxGroups: z.number().int().min(1).default(100_000),
    /** Consumer groups per tenant when its quota does not say (TenantQuota.maxGroups null). */
    maxGroupsPerTenant: z.number().int().min(1).default(1_000),
    /** Committed offsets (group, topic, partition) per tenant when its quota does not say. */
    maxCommittedOffsetsPerTenant: z.number().int().min(1).default(100_000),
    /** transaction.max.timeout.ms: the largest transaction.timeout.ms a producer may ask for. */
    transactionMaxTimeoutMs: z.number().int().min(1).default(900_000),
    /** transactional.id.expiration.ms: an id with no open transaction, unused this long, is forgotten. */
    transactionalIdExpirationMs: z.number().int().min(1).default(604_800_000),
    /** How often transactions past their timeout are looked for and aborted. */
    transactionAbortTimedOutIntervalMs: z.number().int().min(10).default(10_000),
    /** Transactional ids per tenant (InitProducerId of a new one beyond it: POLICY_VIOLATION). */
    maxTransactionalIdsPerTenant: z.number().int().min(1).default(1_000),
    /** Floor on a topic's segment.bytes (Kafka 4: 1 MiB). */
    topicMinSegmentBytes: z.number().int().min(14).default(1_048_576),
    /** Floor on a topic's segment.ms: each roll costs files and an fsync (Kafka allows 1 ms). */
    topicMinSegmentMs: z.number().int().min(1).default(60_000),
    /** Topic defaults (Kafka's log.* broker settings). */
    logSegmentBytes: z.number().int().min(1024).default(1_073_741_824),
    logSegmentMs: z.number().int().min(1).default(604_800_000),
    logRetentionMs: z.number().int().min(-1).default(604_800_000),
    logRetentionBytes: z.number().int().min(-1).default(-1),
    /** log.cleaner.dedupe.buffer.size: memory for the log cleaner's key map (hashed keys, fixed-size entries). */
    logCleanerDedupeBufferBytes: z.number().int().min(65_536).max(2_147_483_647).default(134_217_728),
    /** log.cleaner.io.max.bytes.per.second: bytes the cleaner reads and writes per second, all partitions. */
    logCleanerIoMaxBytesPerSecond: z.number().int().min(1024).default(104_857_600),
    /** log.cleaner.backoff.ms: how long the cleaner sleeps when no partition needs cleaning. */
    logCleanerBackoffMs: z.number().int().min(10).max(3_600_000).default(15_000),
    /**
     * Produce writes are refused (KAFKA_STORAGE_ERROR, retriable) while the data directory has less than this free,
     * leaving room for the group log, transaction markers, indexes and recovery. Unset: 256 MiB, or 5% of the
     * filesystem when that is smaller.
     */
    logDirMinFreeBytes: z.number().int().min(0).optional(),
    /** How often the data directory's free space is measured (statfs); never per write. */
    logDirCheckIntervalMs: z.number().int().min(10).max(60_000).default(1_000),
    /** How often every closed segment is read back and CRC-checked (a scrub); 0: never. */
    logScrubIntervalMs: z.number().int().min(0).default(0),
    /** Bytes a scrub reads per second, all partitions. */
    logScrubBytesPerSecond: z.number().int().min(65_536).default(52_428_800),
  })
  .strict();

export type BrokerConfig = z.infer<typeof BrokerConfigSchema>;
type BrokerConfigInput = z.input<typeof BrokerConfigSchema>;

/** Environment variables: SAMSA_<SCREAMING_SNAKE of the key>, e.g. SAMSA_DATA_DIR, SAMSA_BROKER_LISTEN. */
const ENV_ALIASES: Record<string, keyof BrokerConfigInput> = {
  DATABASE_URL: 'databaseUrl',
  SAMSA_BROKER_LISTEN: 'listen',
  SAMSA_BROKER_ADVERTISED_LISTENER: 'advertisedListener',
  SAMSA_BROKER_HTTP_LISTEN: 'httpListen',
};

function screaming(key: string): string {
  return `SAMSA_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

function coerce(key: string, raw: string): unknown {
  const shape = BrokerConfigSchema.shape as Record<string, z.ZodType>;
  const def = shape[key];
  const probe = def?.safeParse(Number(raw));
  if (raw.trim() !== '' && !Number.isNaN(Number(raw)) && probe?.success) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return raw;
}

export function configFromEnv(env: NodeJS.ProcessEnv): Partial<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(BrokerConfigSchema.shape)) {
    const v = env[screaming(key)];
    if (v !== undefined) out[key] = coerce(key, v);
  }
  for (const [name, key] of Object.entries(ENV_ALIASES)) {
    const v = env[name];
    if (v !== undefined) out[key] = coerce(key, v);
  }
  return out;
}

/** Flags are --kebab-case versions of the keys: --data-dir, --listen, --advertised-listener, --max-connections. */
export function configFromFlags(argv: string[]): Partial<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const keys = new Map(
    Object.keys(BrokerConfigSchema.shape).map((k) => [k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), k]),
  );
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument '${arg}'`);
    let [flag, value] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (flag === 'config') {
      i += value === undefined ? 1 : 0;
      continue;
    }
    const key = keys.get(flag);
    if (!key) throw new ConfigError(`unknown option --${flag} (see 'samsa broker --help')`);
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) value = 'true';
      else {
        value = next;
        i++;
      }
    }
    out[key] = coerce(key, value);
  }
  return out;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function configFileFrom(argv: string[], env: NodeJS.ProcessEnv): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config') return argv[i + 1];
    if (a.startsWith('--config=')) return a.slice('--config='.length);
  }
  return env.SAMSA_CONFIG;
}

/** Loads and validates the configuration; throws ConfigError with every problem listed. */
export function loadConfig(argv: string[] = [], env: NodeJS.ProcessEnv = process.env): BrokerConfig {
  let fromFile: Record<string, unknown> = {};
  const file = configFileFrom(argv, env);
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
  }
  const merged = { ...fromFile, ...configFromEnv(env), ...configFromFlags(argv) };
  const parsed = BrokerConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new ConfigError(`invalid configuration:\n${problems}`);
  }
  checkSafety(parsed.data);
  return parsed.data;
}

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || host.startsWith('127.');
}

/** The effective auth mode: SASL as soon as tenants are configured, unless told otherwise. */
export function authMode(config: BrokerConfig): 'none' | 'sasl' {
  return config.auth ?? (config.databaseUrl ? 'sasl' : 'none');
}

/** Refuses configurations that would silently expose data, unless allowInsecure is set. */
function checkSafety(c: BrokerConfig): void {
  const problems: string[] = [];
  const mode = authMode(c);
  if ((c.tlsCertFile === undefined) !== (c.tlsKeyFile === undefined)) {
    problems.push('give both --tls-cert-file and --tls-key-file, or neither');
  }
  if (mode === 'sasl' && !c.databaseUrl && !c.superuserPassword) {
    problems.push(
      'auth is sasl but there are no credentials: set --database-url (DATABASE_URL) or --superuser-password',
    );
  }
  if (!c.allowInsecure) {
    if (mode === 'none' && c.databaseUrl) {
      problems.push(
        'tenants are configured (--database-url) but auth is none: anyone could read every tenant (use --allow-insecure to force)',
      );
    }
    if (mode === 'sasl' && !c.tlsCertFile && !isLoopback(c.listen.host)) {
      problems.push(
        `SASL without TLS on ${c.listen.host} sends PLAIN passwords in clear text: set --tls-cert-file/--tls-key-file, listen on loopback, or --allow-insecure`,
      );
    }
  }
  if (c.maxBufferedRequestBytes < c.maxRequestBytes) {
    problems.push(
      `--max-buffered-request-bytes (${c.maxBufferedRequestBytes}) is below --max-request-bytes (${c.maxRequestBytes}): a largest request could never be read; raise the first or lower the second`,
    );
  }
  if (c.maxPreAuthRequestBytes * 4 > c.maxBufferedRequestBytes) {
    problems.push(
      `--max-pre-auth-request-bytes (${c.maxPreAuthRequestBytes}) is above a quarter of --max-buffered-request-bytes (${c.maxBufferedRequestBytes}), the share unauthenticated connections may hold: lower the first or raise the second`,
    );
  }
  if (problems.length > 0) throw new ConfigError(`unsafe configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
}

/** The address clients are told to connect to. */
export function advertisedAddress(config: BrokerConfig): { host: string; port: number } {
  if (config.advertisedListener) return config.advertisedListener;
  const { host, port } = config.listen;
  if (host === '0.0.0.0' || host === '::') return { host: hostname(), port };
  return { host, port };
}

export const CONFIG_HELP = `Options (flag / env var / config-file key; defaults in brackets):
  --config FILE                    JSON file with any of the keys below        SAMSA_CONFIG
  --data-dir DIR                   where logs and metadata live [./data]       SAMSA_DATA_DIR
  --listen HOST:PORT               Kafka listener [127.0.0.1:9092]             SAMSA_BROKER_LISTEN
  --advertised-listener HOST:PORT  address given to clients [listen host, or this machine's hostname for 0.0.0.0]
                                                                               SAMSA_BROKER_ADVERTISED_LISTENER
  --http-listen HOST:PORT          health and Prometheus metrics [127.0.0.1:9644] SAMSA_BROKER_HTTP_LISTEN
  --metrics-token TOKEN            require 'Authorization: Bearer TOKEN' on /metrics [unset]  SAMSA_METRICS_TOKEN
  --node-id N                      broker id [0]                               SAMSA_NODE_ID
  --log-level LEVEL                trace..fatal, silent [info]                 SAMSA_LOG_LEVEL
  --auto-create-topics-enable B    create topics on first produce/metadata [true]
  --default-partitions N           partitions of auto-created topics [1]
  --max-request-bytes N            largest request frame (socket.request.max.bytes) [104857600]
  --message-max-bytes N            largest record batch (message.max.bytes) [1048588]
  --max-connections N              concurrent client connections [10000]
  --max-connections-per-ip N       concurrent connections from one address, loopback included [1000]
  --max-pre-auth-request-bytes N   largest frame before SASL succeeds (sasl.server.max.receive.size) [524288]
  --auth-timeout-ms N              close connections not authenticated within this time [10000]
  --connections-max-idle-ms N      close connections with no request for this long [600000]
  --max-buffered-request-bytes N   memory for requests received and not yet answered, all connections
                                   (queued.max.request.bytes) [536870912]; unauthenticated ones get a quarter and are
                                   closed over it; one connection reads at most --max-request-bytes of requests ahead
  --max-inflight-requests-per-connection N   pipelined requests read ahead per connection [128]
  --max-pending-write-bytes-per-connection N  unsent response bytes before reading pauses [67108864]
  --fetch-max-bytes N              cap on one Fetch response [52428800]
  --fetch-max-wait-ms N            cap on a Fetch long-poll [30000]
  --max-open-files N               segment file handles kept open (LRU) [4096]
  --retention-check-interval-ms N  how often retention runs [300000]
  --traffic-report-interval-ms N   how often tenant traffic and throttling go to the database [5000]
  --traffic-history-raw-retention-ms N     keep raw traffic history rows this long [7200000]
  --traffic-history-minute-retention-ms N  keep minute roll-ups this long [172800000]
  --traffic-history-hour-retention-ms N    keep hour roll-ups this long [3024000000]
  --shutdown-timeout-ms N          graceful shutdown budget [10000]
  --group-min-session-timeout-ms N     smallest session.timeout.ms a consumer may ask for [6000]
  --group-max-session-timeout-ms N     largest session.timeout.ms [1800000]
  --group-initial-rebalance-delay-ms N wait for more members before the first rebalance of a group [3000]
  --group-consumer-heartbeat-interval-ms N  KIP-848 groups: how often members heartbeat [5000]
  --group-consumer-session-timeout-ms N     KIP-848 groups: a silent member leaves after this long [45000]
  --group-max-size N               members per group (GROUP_MAX_SIZE_REACHED beyond) [1000]
  --offsets-retention-minutes N    keep offsets of empty groups this long [10080]
  --offset-metadata-max-bytes N    metadata string of a committed offset (OFFSET_METADATA_TOO_LARGE) [4096]
  --group-member-metadata-max-bytes N  a member's JoinGroup metadata or SyncGroup assignment [1048576]
  --max-groups N                   consumer groups on the whole broker [100000]
  --max-groups-per-tenant N        consumer groups per tenant unless its quota says otherwise [1000]
  --max-committed-offsets-per-tenant N  committed offsets per tenant unless its quota says otherwise [100000]
  --transaction-max-timeout-ms N   largest transaction.timeout.ms a producer may ask for [900000]
  --transaction-abort-timed-out-interval-ms N  how often timed-out transactions are aborted [10000]
  --transactional-id-expiration-ms N  forget a transactional id unused this long [604800000]
  --max-transactional-ids-per-tenant N  transactional ids per tenant [1000]
  --topic-min-segment-bytes N      smallest segment.bytes a topic may set [1048576]
  --topic-min-segment-ms N         smallest segment.ms a topic may set [60000]
  --log-segment-bytes N            default segment.bytes [1073741824]
  --log-segment-ms N               default segment.ms [604800000]
  --log-retention-ms N             default retention.ms [604800000]
  --log-retention-bytes N          default retention.bytes [-1]
  --log-cleaner-dedupe-buffer-bytes N    memory for the compaction key map (24 bytes a key) [134217728]
  --log-cleaner-io-max-bytes-per-second N  compaction I/O budget, reads and writes together [104857600]
  --log-cleaner-backoff-ms N       how often the cleaner looks for compacted partitions to clean [15000]
  --log-dir-min-free-bytes N       refuse produce writes (KAFKA_STORAGE_ERROR) below this much free space
                                   [256 MiB, or 5% of the filesystem when smaller]
  --log-dir-check-interval-ms N    how often free space is measured (statfs) [1000]
  --log-scrub-interval-ms N        read back and CRC-check every closed segment this often; 0 = never [0]
  --log-scrub-bytes-per-second N   the scrub's read budget [52428800]
Security:
  --auth none|sasl                 require SASL (PLAIN, SCRAM-SHA-256/512) [sasl when --database-url is set]
  --database-url URL               control-plane Postgres with tenants, API keys, ACLs, quotas   DATABASE_URL
  --superuser-name NAME            platform superuser (sees every tenant) [admin]
  --superuser-password PASSWORD    its password (prefer the env var SAMSA_SUPERUSER_PASSWORD)
  --tls-cert-file FILE, --tls-key-file FILE   serve the Kafka listener over TLS
  --allow-insecure                 allow SASL without TLS off loopback, or auth none with tenants
Every option is also SAMSA_<NAME> in the environment (e.g. SAMSA_MAX_CONNECTIONS=500).`;
