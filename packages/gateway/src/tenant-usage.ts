/**
 * TenantUsageCache: what a tenant holds on the cluster — its topics and partitions (names under its prefix) and the
 * bytes they store — counted through the gateway's admin connections, for the topic, partition and storage quotas
 * (rewrite/topics.ts). Kept per tenant for `refreshMs`, for at most `maxTenants` tenants (the oldest is dropped).
 *
 * Bytes stored are counted as Samsa's broker counts them: one copy of each partition, the largest of its replicas in
 * DescribeLogDirs (the leader's log, give or take a follower's lag; replicas being moved between disks are left out).
 * Kafka keeps replication-factor copies on disk, so a tenant's quota of N bytes takes up to N times the replication
 * factor of the cluster's disks; a node that does not answer leaves its replicas out, and the others still count each
 * partition once.
 *
 * Kafka's Metadata answers follow a create or delete a moment later, so what this gateway created, grew or deleted is
 * kept aside and laid over each count until a count shows it (or `RECENT_CHANGE_MS` has passed).
 *
 * Every gateway counts for itself, against what the cluster held at its last count: gateways together can admit up
 * to what each admits within one refresh beyond a quota (README, "Scale-out on Apache Kafka").
 */
import { DescribeLogDirs, ErrorCode, Metadata } from '@samsa/protocol';
import type { Logger } from 'pino';
import type { AdminConnections } from './admin-connections.ts';

export interface ClusterUsage {
  topics: number;
  partitions: number;
  storageBytes: number;
  /** The tenant's topics (cluster names) and their partition counts. */
  partitionsByTopic: ReadonlyMap<string, number>;
}

/** The cluster could not be asked for a tenant's usage. */
export class UsageUnavailableError extends Error {}

/** How long a change this gateway made is laid over counts that do not show it yet. */
const RECENT_CHANGE_MS = 60_000;
/** Changes kept per tenant; the oldest is dropped first. */
const MAX_RECENT_CHANGES = 1_000;

interface Entry {
  /** When the count in `usage` started. */
  atMs: number;
  /** null: to be counted before it is used (none yet, or the gateway changed the tenant's topics since). */
  usage: ClusterUsage | null;
  /** When the gateway last changed the tenant's topics: a count started before then is not kept. */
  changedAtMs: number;
  counting: Promise<ClusterUsage> | null;
  /** Topics this gateway created or grew (their partition count) or deleted (null), by cluster name, oldest first. */
  recent: Map<string, { partitions: number | null; atMs: number }>;
}

interface ClusterVersions {
  get(apiKey: number): { max: number } | undefined;
}

export class TenantUsageCache {
  private readonly admin: AdminConnections;
  private readonly metadataVersion: number;
  private readonly logDirsVersion: number;
  private readonly refreshMs: number;
  private readonly maxTenants: number;
  private readonly log: Logger;
  /** By tenant prefix (`<slug>.`), oldest first. */
  private readonly entries = new Map<string, Entry>();

  constructor(deps: {
    admin: AdminConnections;
    clusterVersions: ClusterVersions;
    refreshMs: number;
    maxTenants: number;
    log: Logger;
  }) {
    this.admin = deps.admin;
    this.metadataVersion = Math.min(12, deps.clusterVersions.get(Metadata.key)?.max ?? 0);
    this.logDirsVersion = Math.min(4, deps.clusterVersions.get(DescribeLogDirs.key)?.max ?? 0);
    this.refreshMs = deps.refreshMs;
    this.maxTenants = deps.maxTenants;
    this.log = deps.log;
  }

  /**
   * The tenant's usage: with `fresh`, counted now (creates decide on a fresh count, as the broker does); else the
   * last count, a stale one while a new count runs in the background, waiting only when there is none.
   */
  async current(prefix: string, opts: { fresh: boolean }): Promise<ClusterUsage> {
    const entry = this.entry(prefix);
    if (!opts.fresh && entry.usage !== null) {
      if (Date.now() - entry.atMs >= this.refreshMs) {
        this.count(prefix, entry).catch((err) =>
          this.log.warn({ prefix, err: (err as Error).message }, 'tenant usage not counted: the last count stays'),
        );
      }
      return entry.usage;
    }
    return this.count(prefix, entry);
  }

  /** Bytes the cluster accepted from this gateway since the last count: kept until the next count replaces them. */
  noteProduced(prefix: string, bytes: number): void {
    const usage = this.entries.get(prefix)?.usage;
    if (usage) usage.storageBytes += bytes;
  }

  /**
   * The gateway created a topic of the tenant (cluster name) or grew it to `partitions`, or deleted it (null): the
   * next check waits for a new count, and counts show it until the cluster's Metadata does.
   */
  changed(prefix: string, topic: string, partitions: number | null): void {
    const entry = this.entry(prefix);
    entry.usage = null;
    entry.changedAtMs = Date.now();
    entry.recent.delete(topic);
    if (entry.recent.size >= MAX_RECENT_CHANGES) entry.recent.delete(entry.recent.keys().next().value!);
    entry.recent.set(topic, { partitions, atMs: Date.now() });
  }

  private entry(prefix: string): Entry {
    let entry = this.entries.get(prefix);
    if (!entry) {
      if (this.entries.size >= this.maxTenants) this.entries.delete(this.entries.keys().next().value!);
      entry = { atMs: 0, usage: null, changedAtMs: 0, counting: null, recent: new Map() };
      this.entries.set(prefix, entry);
    }
    return entry;
  }

  /** One count at a time per tenant: callers arriving meanwhile share it. */
  private count(prefix: string, entry: Entry): Promise<ClusterUsage> {
    if (entry.counting) return entry.counting;
    const startedMs = Date.now();
    entry.counting = this.countOnCluster(prefix, entry.recent)
      .then((usage) => {
        if (startedMs >= entry.changedAtMs) {
          entry.usage = usage;
          entry.atMs = startedMs;
        }
        return usage;
      })
      .finally(() => {
        entry.counting = null;
      });
    return entry.counting;
  }

  private async countOnCluster(
    prefix: string,
    recent: Map<string, { partitions: number | null; atMs: number }>,
  ): Promise<ClusterUsage> {
    const admin = await this.admin.any().catch((err: Error) => {
      throw new UsageUnavailableError(`could not reach the cluster as the admin principal: ${err.message}`);
    });
    const metadata = await admin.send(Metadata, this.metadataVersion, {
      topics: null,
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    const partitionsByTopic = new Map<string, number>();
    for (const t of metadata.topics as { name: string | null; errorCode: number; partitions: unknown[] }[]) {
      if (t.name === null || !t.name.startsWith(prefix) || t.errorCode !== ErrorCode.NONE) continue;
      partitionsByTopic.set(t.name, t.partitions.length);
    }
    overlayRecentChanges(partitionsByTopic, recent);
    let partitions = 0;
    for (const n of partitionsByTopic.values()) partitions += n;
    const nodes = metadata.brokers as { nodeId: number; host: string; port: number }[];
    const storageBytes = partitionsByTopic.size === 0 ? 0 : await this.storedBytes(nodes, partitionsByTopic);
    return { topics: partitionsByTopic.size, partitions, storageBytes, partitionsByTopic };
  }

  /** One copy of each partition: the largest replica any node reports. */
  private async storedBytes(
    nodes: { nodeId: number; host: string; port: number }[],
    partitionsByTopic: ReadonlyMap<string, number>,
  ): Promise<number> {
    const request = {
      topics: [...partitionsByTopic].map(([topic, count]) => ({
        topic,
        partitions: Array.from({ length: count }, (_, i) => i),
      })),
    };
    const answers = await Promise.allSettled(
      nodes.map(async (n) => {
        const admin = await this.admin.at(n.nodeId, { host: n.host, port: n.port });
        return admin.send(DescribeLogDirs, this.logDirsVersion, request);
      }),
    );
    const largest = new Map<string, number>();
    const problems: string[] = [];
    for (const [i, answer] of answers.entries()) {
      if (answer.status === 'rejected') {
        problems.push(`node ${nodes[i]!.nodeId}: ${(answer.reason as Error).message}`);
        continue;
      }
      if ((answer.value.errorCode ?? ErrorCode.NONE) !== ErrorCode.NONE) {
        problems.push(
          `node ${nodes[i]!.nodeId}: DescribeLogDirs error ${answer.value.errorCode} (the admin principal needs DESCRIBE on the cluster)`,
        );
        continue;
      }
      for (const dir of answer.value.results as {
        errorCode: number;
        topics: { name: string; partitions: any[] }[];
      }[]) {
        if (dir.errorCode !== ErrorCode.NONE) continue;
        for (const t of dir.topics) {
          for (const p of t.partitions as { partitionIndex: number; partitionSize: bigint; isFutureKey: boolean }[]) {
            if (p.isFutureKey) continue;
            const key = `${t.name}\u0000${p.partitionIndex}`;
            largest.set(key, Math.max(largest.get(key) ?? 0, Number(p.partitionSize)));
          }
        }
      }
    }
    if (problems.length === nodes.length && nodes.length > 0) {
      throw new UsageUnavailableError(`no Kafka node described its log dirs: ${problems.join('; ')}`);
    }
    if (problems.length > 0) this.log.warn({ problems }, 'some Kafka nodes did not describe their log dirs');
    let bytes = 0;
    for (const size of largest.values()) bytes += size;
    return bytes;
  }
}

/** Lays this gateway's recent changes over a count from Metadata; those the count shows, or too old, are forgotten. */
function overlayRecentChanges(
  partitionsByTopic: Map<string, number>,
  recent: Map<string, { partitions: number | null; atMs: number }>,
): void {
  const oldestMs = Date.now() - RECENT_CHANGE_MS;
  for (const [topic, change] of recent) {
    const counted = partitionsByTopic.get(topic);
    const shown = change.partitions === null ? counted === undefined : (counted ?? 0) >= change.partitions;
    if (shown || change.atMs < oldestMs) {
      recent.delete(topic);
    } else if (change.partitions === null) {
      partitionsByTopic.delete(topic);
    } else {
      partitionsByTopic.set(topic, change.partitions);
    }
  }
}
