/** `ClusterAdmin` over the Kafka protocol with @platformatic/kafka (Admin, Producer and a group-less fetch). */
import { Admin, Consumer, Producer } from '@platformatic/kafka';
import { type Logger, pino } from 'pino';
import { TenantClients, type TenantClientSettings, tenantClientSettingsSchema } from './tenant-clients.ts';
import type {
  BrokerTopic,
  BrowsedMessage,
  ClusterAdmin,
  FetchPosition,
  PartitionRange,
  ProduceInput,
  RemovedGroups,
  TenantTopic,
  TopicConsumerGroup,
  TopicInfo,
  TopicStats,
} from './cluster-admin.ts';
import { type ClusterConnection, saslOptions } from './connection.ts';
import { type ClientError, ClusterError, clusterError, isSignInRefused } from './errors.ts';
import { KafkaGroupAdmin } from './group-admin.ts';
import {
  describeTransactions,
  fenceTransactionalId,
  listTransactionalIds,
  type OpenTransactionOnPartition,
  openTransactionsOnPartitions,
  type TransactionInfo,
} from './transaction-admin.ts';

/** Bytes fetched per browse request: enough for a page of ordinary messages, bounded for huge ones. */
const BROWSE_FETCH_BYTES_MAX = 4 * 1024 * 1024;
/**
 * How long an operation as a tenant keeps retrying a refused sign-in: the broker learns a new tenant over
 * LISTEN/NOTIFY, so right after the tenant is created its authorization id may name no tenant yet.
 */
/** How long a scan's fetch waits for data the broker does not have yet (it reads only up to the end it saw). */
const SCAN_FETCH_WAIT_MS = 100;
const TENANT_SIGN_IN_WAIT_MS = 5_000;
const TENANT_SIGN_IN_RETRY_MS = 200;

/** States of a transaction that is not finished: listed first. */
const OPEN_TRANSACTION_STATES = new Set(['Ongoing', 'PrepareCommit', 'PrepareAbort', 'PrepareEpochFence']);

/** Total of known partition sizes; null when the cluster reported none. */
function sumOf(sizes: Map<number, number> | undefined): number | null {
  if (!sizes) return null;
  let total = 0;
  for (const v of sizes.values()) total += v;
  return total;
}

type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;

/** The records of one partition in a fetch response at or after `fromOffset`, at most `limit`. */
function recordsOf(response: FetchResponse, partition: number, fromOffset: number, limit: number): BrowsedMessage[] {
  const out: BrowsedMessage[] = [];
  for (const t of response.responses) {
    for (const p of t.partitions) {
      for (const batch of p.records ?? []) {
        for (const r of batch.records) {
          const recordOffset = Number(batch.firstOffset) + r.offsetDelta;
          if (recordOffset < fromOffset || out.length >= limit) continue;
          out.push({
            partition,
            offset: recordOffset,
            timestamp: Number(batch.firstTimestamp + r.timestampDelta),
            key: r.key,
            value: r.value,
            headers: r.headers.map(([k, v]) => [k?.toString('utf8') ?? '', v]),
          });
        }
      }
    }
  }
  return out;
}

/** A Fetch request for one partition from `offset`, named by id and name (the broker uses what its version has). */
function fetchRequest(topic: string, at: FetchPosition, maxWaitMs: number) {
  return {
    node: at.leader,
    maxWaitTime: maxWaitMs,
    minBytes: 1,
    maxBytes: at.maxBytes,
    topics: [
      {
        topicId: at.topicId,
        topic,
        partitions: [
          {
            partition: at.partition,
            currentLeaderEpoch: -1,
            fetchOffset: BigInt(at.offset),
            lastFetchedEpoch: -1,
            partitionMaxBytes: at.maxBytes,
          },
        ],
      } as any,
    ],
  };
}

async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw clusterError(err);
  }
}

export class KafkaClusterAdmin implements ClusterAdmin {
  readonly #connection: ClusterConnection;
  readonly #log: Logger;
  #groupAdmin: KafkaGroupAdmin | undefined;
  #admin: Admin | undefined;
  #producer: Producer | undefined;
  #consumer: Consumer | undefined;

  /** Clients acting as tenants; only with credentials (a broker without SASL has no tenants to act as). */
  #tenantClients: TenantClients | undefined;

  /**
   * With credentials, the console connects as the broker's platform superuser (sees every tenant's topics), and
   * changes a tenant's topics and produces to them as that tenant.
   */
  constructor(
    connection: ClusterConnection,
    tenantSettings: TenantClientSettings = tenantClientSettingsSchema.parse({}),
    logger: Logger = pino({ level: 'silent' }),
  ) {
    this.#connection = connection;
    this.#log = logger;
    const credentials = connection.sasl;
    if (credentials) {
      // Acting as a tenant names it in SCRAM's authorization id, whatever mechanism the superuser connection uses.
      const sasl = {
        mechanism: 'SCRAM-SHA-512' as const,
        username: credentials.username,
        password: credentials.password,
      };
      this.#tenantClients = new TenantClients(() => ({ ...this.#base(), sasl }), tenantSettings, logger);
    }
  }

  #base() {
    const c = this.#connection;
    return {
      clientId: c.clientId,
      bootstrapBrokers: c.bootstrapBrokers,
      timeout: c.requestTimeoutMs,
      retries: 1,
      retryDelay: 200,
      ...(c.sasl ? { sasl: saslOptions(c) } : {}),
    };
  }

  get #adminClient(): Admin {
    this.#admin ??= new Admin(this.#base());
    return this.#admin;
  }

  get #producerClient(): Producer {
    this.#producer ??= new Producer({ ...this.#base(), autocreateTopics: false });
    return this.#producer;
  }

  get #consumerClient(): Consumer {
    this.#consumer ??= new Consumer({ ...this.#base(), groupId: `${this.#connection.clientId}-browser` });
    return this.#consumer;
  }

  /**
   * Runs `op` with the clients acting as the tenant (naming the topic as the tenant does), or, without credentials
   * (a broker without tenancy), with the console's own clients and the broker's name. A refused sign-in (nothing was
   * sent) is retried for up to TENANT_SIGN_IN_WAIT_MS: the broker may not know a just-created tenant yet.
   */
  async #asTenant<T>(
    target: TenantTopic,
    op: (
      clients: { admin: () => Admin; producer: () => Producer; consumer: () => Consumer },
      topic: string,
    ) => Promise<T>,
  ): Promise<T> {
    const clients = this.#tenantClients;
    if (!clients) {
      const own = {
        admin: () => this.#adminClient,
        producer: () => this.#producerClient,
        consumer: () => this.#consumerClient,
      };
      return guard(() => op(own, target.brokerName));
    }
    const slug = target.tenantSlug;
    const deadlineMs = Date.now() + TENANT_SIGN_IN_WAIT_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        const own = {
          admin: () => clients.admin(slug),
          producer: () => clients.producer(slug),
          consumer: () => clients.consumer(slug),
        };
        return await op(own, target.topic);
      } catch (err) {
        if (!isSignInRefused(err as ClientError)) throw clusterError(err);
        // A client whose sign-in failed is not reused: the next attempt signs in afresh.
        clients.close(slug);
        if (Date.now() >= deadlineMs) {
          this.#log.warn(
            { tenant: slug, attempts: attempt, waitMs: TENANT_SIGN_IN_WAIT_MS },
            'the broker refused the sign-in as the tenant',
          );
          throw new ClusterError(
            'cluster_error',
            `The broker refused the console's sign-in as tenant '${slug}' for ${TENANT_SIGN_IN_WAIT_MS} ms (${clusterError(err).message}). Check that the tenant is active and that the broker reads the console's database`,
          );
        }
        if (attempt === 1)
          this.#log.info(
            { tenant: slug, waitMs: TENANT_SIGN_IN_WAIT_MS },
            'the broker refused the sign-in as the tenant (it may not know the tenant yet); retrying',
          );
        await new Promise((r) => setTimeout(r, TENANT_SIGN_IN_RETRY_MS));
      }
    }
  }

  async createTopic(
    target: TenantTopic,
    partitions: number,
    configs: Record<string, string>,
  ): Promise<{ topicId: string }> {
    const [created] = await this.#asTenant(target, (c, topic) =>
      c.admin().createTopics({
        topics: [topic],
        partitions,
        replicas: 1,
        configs: Object.entries(configs).map(([name, value]) => ({ name, value })),
      }),
    );
    return { topicId: created?.id ?? '' };
  }

  async deleteTopics(brokerNames: string[]): Promise<void> {
    if (brokerNames.length === 0) return;
    await guard(async () => {
      const existing = new Set(await this.#adminClient.listTopics());
      const present = brokerNames.filter((n) => existing.has(n));
      if (present.length > 0) await this.#adminClient.deleteTopics({ topics: present });
    });
  }

  async topicsWithPrefix(prefix: string): Promise<BrokerTopic[]> {
    return guard(async () => {
      const names = (await this.#adminClient.listTopics({ includeInternals: true }))
        .filter((n) => n.startsWith(prefix))
        .sort();
      if (names.length === 0) return [];
      const counts = await this.#partitionCounts(names);
      // A topic deleted between the listing and Metadata is left out.
      return names.flatMap((brokerName) => {
        const c = counts.get(brokerName);
        return c ? [{ brokerName, topicId: c.topicId, partitions: c.count }] : [];
      });
    });
  }

  async groupsWithPrefix(prefix: string): Promise<string[]> {
    return guard(async () => [...(await this.#adminClient.listGroups()).keys()].filter((id) => id.startsWith(prefix)));
  }

  async removeGroups(brokerGroupIds: string[]): Promise<RemovedGroups> {
    const removed: RemovedGroups = { groups: 0, members: 0, offsets: 0, remaining: [] };
    if (brokerGroupIds.length === 0) return removed;
    return guard(async () => {
      const admin = this.#adminClient;
      const described = await admin.describeGroups({ groups: brokerGroupIds });
      for (const [groupId, group] of described) {
        const memberIds = [...group.members.keys()];
        if (memberIds.length === 0) continue;
        await admin.removeMembersFromConsumerGroup({ groupId, members: memberIds.map((memberId) => ({ memberId })) });
        removed.members += memberIds.length;
      }
      const offsets = await admin.listConsumerGroupOffsets({ groups: brokerGroupIds });
      const offsetsOf = new Map(
        offsets.map((g) => [
          g.groupId,
          g.topics.reduce((n, t) => n + t.partitions.filter((p) => p.committedOffset >= 0n).length, 0),
        ]),
      );
      for (const groupId of brokerGroupIds) {
        try {
          await admin.deleteGroups({ groups: [groupId] });
          removed.groups++;
          removed.offsets += offsetsOf.get(groupId) ?? 0;
        } catch (err) {
          // GROUP_ID_NOT_FOUND: already gone (another pass got it); NON_EMPTY_GROUP: a member is still joining.
          if (/GROUP_ID_NOT_FOUND|does not exist/i.test(clusterError(err).message)) continue;
          removed.remaining.push(groupId);
        }
      }
      return removed;
    });
  }

  async createPartitions(target: TenantTopic, totalCount: number): Promise<void> {
    await this.#asTenant(target, (c, topic) =>
      c.admin().createPartitions({ topics: [{ name: topic, count: totalCount, assignments: [] }] }),
    );
  }

  async alterTopicConfigs(target: TenantTopic, configs: Record<string, string | null>): Promise<void> {
    await this.#asTenant(target, (c, topic) =>
      c.admin().incrementalAlterConfigs({
        resources: [
          {
            resourceType: 2,
            resourceName: topic,
            // configOperation: 0 = SET, 1 = DELETE (back to the default).
            configs: Object.entries(configs).map(([name, value]) =>
              value === null
                ? ({ name, configOperation: 1, value: null } as any)
                : { name, configOperation: 0 as const, value },
            ),
          },
        ],
      }),
    );
  }

  async #offsets(brokerNames: string[], counts: Map<string, number>, timestamp: bigint) {
    const listed = await this.#adminClient.listOffsets({
      topics: brokerNames.map((name) => ({
        name,
        partitions: Array.from({ length: counts.get(name) ?? 0 }, (_, i) => ({ partitionIndex: i, timestamp })),
      })),
    });
    const out = new Map<string, Map<number, number>>();
    for (const t of listed) {
      out.set(t.name, new Map(t.partitions.map((p) => [p.partitionIndex, Number(p.offset)])));
    }
    return out;
  }

  /**
   * Bytes on disk per partition (DescribeLogDirs). A cluster that does not answer it (no DESCRIBE on the cluster, an
   * old broker) leaves sizes unknown rather than failing the page.
   */
  async #sizes(brokerNames: string[], counts: Map<string, number>): Promise<Map<string, Map<number, number>> | null> {
    try {
      const described = await this.#adminClient.describeLogDirs({
        topics: brokerNames.map((name) => ({
          name,
          partitions: Array.from({ length: counts.get(name) ?? 0 }, (_, i) => i),
        })),
      });
      const out = new Map<string, Map<number, number>>();
      for (const broker of described)
        for (const dir of broker.results)
          for (const t of dir.topics) {
            const sizes = out.get(t.name) ?? new Map<number, number>();
            for (const p of t.partitions) sizes.set(p.partitionIndex, Number(p.partitionSize));
            out.set(t.name, sizes);
          }
      return out;
    } catch {
      return null;
    }
  }

  async #partitionCounts(
    brokerNames: string[],
  ): Promise<Map<string, { topicId: string; count: number; leaders: number[] }>> {
    const md = await this.#adminClient.metadata({ topics: brokerNames, forceUpdate: true, autocreateTopics: false });
    const out = new Map<string, { topicId: string; count: number; leaders: number[] }>();
    for (const [name, t] of md.topics)
      out.set(name, { topicId: t.id, count: t.partitionsCount, leaders: t.partitions.map((p) => p.leader) });
    return out;
  }

  async topicStats(brokerNames: string[]) {
    const result = new Map<string, TopicStats>();
    if (brokerNames.length === 0) return result;
    return guard(async () => {
      const existing = new Set(await this.#adminClient.listTopics());
      const present = brokerNames.filter((n) => existing.has(n));
      if (present.length === 0) return result;
      const parts = await this.#partitionCounts(present);
      const counts = new Map([...parts].map(([n, p]) => [n, p.count]));
      const ends = await this.#offsets(present, counts, -1n);
      const starts = await this.#offsets(present, counts, -2n);
      const described = await this.#adminClient.describeConfigs({
        resources: present.map((resourceName) => ({
          resourceType: 2,
          resourceName,
          configurationKeys: ['retention.ms'],
        })),
      });
      const retention = new Map(
        described.map((d) => [d.resourceName, d.configs.find((c) => c.name === 'retention.ms')?.value ?? null]),
      );
      const sizes = await this.#sizes(present, counts);
      for (const name of present) {
        let messages = 0;
        for (const [p, end] of ends.get(name) ?? []) messages += end - (starts.get(name)?.get(p) ?? 0);
        const r = retention.get(name);
        result.set(name, {
          partitions: counts.get(name) ?? 0,
          messages,
          sizeBytes: sumOf(sizes?.get(name)),
          retentionMs: r === null || r === undefined ? null : Number(r),
        });
      }
      return result;
    });
  }

  async describeTopic(brokerName: string): Promise<TopicInfo | null> {
    return guard(async () => {
      const existing = new Set(await this.#adminClient.listTopics());
      if (!existing.has(brokerName)) return null;
      const parts = (await this.#partitionCounts([brokerName])).get(brokerName);
      const count = parts?.count ?? 0;
      const counts = new Map([[brokerName, count]]);
      const ends = (await this.#offsets([brokerName], counts, -1n)).get(brokerName) ?? new Map();
      const starts = (await this.#offsets([brokerName], counts, -2n)).get(brokerName) ?? new Map();
      const described = await this.#adminClient.describeConfigs({
        resources: [{ resourceType: 2, resourceName: brokerName }],
      });
      const configs: Record<string, string | null> = {};
      for (const c of described[0]?.configs ?? []) configs[c.name] = c.value ?? null;
      const sizes = (await this.#sizes([brokerName], counts))?.get(brokerName);
      const partitions = Array.from({ length: count }, (_, i) => {
        const startOffset = starts.get(i) ?? 0;
        const endOffset = ends.get(i) ?? 0;
        return {
          partition: i,
          leader: parts?.leaders[i] ?? -1,
          startOffset,
          endOffset,
          messages: endOffset - startOffset,
          sizeBytes: sizes?.get(i) ?? null,
        };
      });
      return {
        brokerName,
        topicId: parts?.topicId ?? '',
        partitions,
        configs,
        messages: partitions.reduce((s, p) => s + p.messages, 0),
        sizeBytes: sumOf(sizes),
      };
    });
  }

  async consumerGroupsOf(brokerTopic: string, groupPrefix: string): Promise<TopicConsumerGroup[]> {
    return guard(async () => {
      const groups = [...(await this.#adminClient.listGroups()).values()].filter((g) => g.id.startsWith(groupPrefix));
      if (groups.length === 0) return [];
      const parts = (await this.#partitionCounts([brokerTopic])).get(brokerTopic);
      const ends =
        (await this.#offsets([brokerTopic], new Map([[brokerTopic, parts?.count ?? 0]]), -1n)).get(brokerTopic) ??
        new Map();
      const offsets = await this.#adminClient.listConsumerGroupOffsets({ groups: groups.map((g) => g.id) });
      const out: TopicConsumerGroup[] = [];
      for (const g of offsets) {
        const t = g.topics.find((x) => x.name === brokerTopic);
        if (!t) continue;
        const partitions = t.partitions
          .filter((p) => p.committedOffset >= 0n)
          .map((p) => {
            const endOffset = ends.get(p.partitionIndex) ?? 0;
            const committedOffset = Number(p.committedOffset);
            return {
              partition: p.partitionIndex,
              committedOffset,
              endOffset,
              lag: Math.max(0, endOffset - committedOffset),
            };
          });
        if (partitions.length === 0) continue;
        out.push({
          brokerGroupId: g.groupId,
          state: groups.find((x) => x.id === g.groupId)?.state ?? 'UNKNOWN',
          partitions,
          lag: partitions.reduce((sum, p) => sum + p.lag, 0),
        });
      }
      return out.sort((a, b) => a.brokerGroupId.localeCompare(b.brokerGroupId));
    });
  }

  async readMessages(
    brokerName: string,
    partition: number,
    from: { offset: number } | { timestamp: number },
    limit: number,
  ) {
    return guard(async () => {
      const parts = (await this.#partitionCounts([brokerName])).get(brokerName);
      if (!parts || partition >= parts.count)
        throw new ClusterError('not_found', `Partition ${partition} does not exist`);
      const counts = new Map([[brokerName, parts.count]]);
      const startOffset = (await this.#offsets([brokerName], counts, -2n)).get(brokerName)?.get(partition) ?? 0;
      const endOffset = (await this.#offsets([brokerName], counts, -1n)).get(brokerName)?.get(partition) ?? 0;
      let offset: number;
      if ('offset' in from) {
        offset = Math.max(from.offset, startOffset);
      } else {
        const byTime = await this.#offsets([brokerName], counts, BigInt(from.timestamp));
        const found = byTime.get(brokerName)?.get(partition);
        offset = found === undefined || found < 0 ? endOffset : found;
      }
      let messages: BrowsedMessage[] = [];
      if (offset < endOffset) {
        const md = await this.#adminClient.metadata({ topics: [brokerName] });
        const topicId = md.topics.get(brokerName)?.id ?? '';
        const at = {
          topicId,
          partition,
          leader: parts.leaders[partition] ?? 0,
          offset,
          maxBytes: BROWSE_FETCH_BYTES_MAX,
        };
        const response = await this.#consumerClient.fetch(fetchRequest(brokerName, at, 100));
        messages = recordsOf(response, partition, offset, limit);
      }
      const last = messages.at(-1);
      return { messages, nextOffset: last ? last.offset + 1 : offset, endOffset, startOffset };
    });
  }

  async partitionRanges(brokerName: string, timestampsMs: number[]) {
    return guard(async () => {
      const parts = (await this.#partitionCounts([brokerName])).get(brokerName);
      if (!parts) return null;
      const counts = new Map([[brokerName, parts.count]]);
      const starts = (await this.#offsets([brokerName], counts, -2n)).get(brokerName);
      const ends = (await this.#offsets([brokerName], counts, -1n)).get(brokerName);
      const atTimes: (Map<number, number> | undefined)[] = [];
      for (const ts of timestampsMs)
        atTimes.push((await this.#offsets([brokerName], counts, BigInt(ts))).get(brokerName));
      const partitions: PartitionRange[] = Array.from({ length: parts.count }, (_, partition) => {
        const endOffset = ends?.get(partition) ?? 0;
        return {
          partition,
          leader: parts.leaders[partition] ?? 0,
          startOffset: starts?.get(partition) ?? 0,
          endOffset,
          offsetsAt: atTimes.map((m) => {
            const found = m?.get(partition);
            return found === undefined || found < 0 ? endOffset : found;
          }),
        };
      });
      return { topicId: parts.topicId, partitions };
    });
  }

  async fetchAs(target: TenantTopic, at: FetchPosition) {
    return this.#asTenant(target, async (c, topic) => {
      const response = await c.consumer().fetch(fetchRequest(topic, at, SCAN_FETCH_WAIT_MS));
      const p = response.responses[0]?.partitions.find((x) => x.partitionIndex === at.partition);
      return {
        records: recordsOf(response, at.partition, at.offset, Number.MAX_SAFE_INTEGER),
        highWatermark: Number(p?.highWatermark ?? at.offset),
      };
    });
  }

  async produceAs(target: TenantTopic, message: ProduceInput) {
    return this.#asTenant(target, async (c, topic) => {
      const result = await c.producer().send({
        acks: -1,
        messages: [
          {
            topic,
            partition: message.partition,
            key: message.key ? Buffer.from(message.key) : undefined,
            value: Buffer.from(message.value),
            headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, Buffer.from(v)])),
          },
        ],
      });
      const o = result.offsets?.[0];
      return { partition: o?.partition ?? message.partition ?? 0, offset: Number(o?.offset ?? -1) };
    });
  }

  /** Runs `op` with an admin acting as tenant `slug`, or with the superuser's for null. */
  async #adminAs<T>(slug: string | null, op: (admin: Admin) => Promise<T>): Promise<T> {
    if (slug === null) return guard(() => op(this.#adminClient));
    return this.#asTenant({ tenantSlug: slug, topic: '', brokerName: '' }, (c) => op(c.admin()));
  }

  async transactions(
    tenantSlug: string | null,
    limit: number,
  ): Promise<{ transactions: TransactionInfo[]; total: number }> {
    return this.#adminAs(tenantSlug, async (admin) => {
      const listed = await listTransactionalIds(admin);
      const open = (s: string) => (OPEN_TRANSACTION_STATES.has(s) ? 0 : 1);
      const chosen = [...listed].sort((a, b) => open(a.state) - open(b.state)).slice(0, Math.max(0, limit));
      const described = await describeTransactions(
        admin,
        chosen.map((t) => t.transactionalId),
      );
      return { transactions: described, total: listed.length };
    });
  }

  async describeTransaction(tenantSlug: string | null, transactionalId: string): Promise<TransactionInfo | null> {
    return this.#adminAs(
      tenantSlug,
      async (admin) => (await describeTransactions(admin, [transactionalId]))[0] ?? null,
    );
  }

  async openTransactionsOnPartitions(
    tenantSlug: string | null,
    topics: { topic: string; partitions: number }[],
  ): Promise<OpenTransactionOnPartition[] | null> {
    return this.#adminAs(tenantSlug, (admin) => openTransactionsOnPartitions(admin, topics));
  }

  async fenceTransactionalId(
    tenantSlug: string | null,
    transactionalId: string,
  ): Promise<{ producerId: number; producerEpoch: number }> {
    return this.#adminAs(tenantSlug, (admin) => fenceTransactionalId(admin, transactionalId));
  }

  groupAdmin(): KafkaGroupAdmin {
    this.#groupAdmin ??= new KafkaGroupAdmin({ admin: this.#adminClient });
    return this.#groupAdmin;
  }

  forgetTenant(tenantSlug: string): void {
    this.#tenantClients?.close(tenantSlug);
  }

  async close(): Promise<void> {
    await Promise.allSettled([
      this.#admin?.close(),
      this.#producer?.close(),
      this.#consumer?.close(),
      this.#tenantClients?.closeAll(),
    ]);
    this.#admin = this.#producer = this.#consumer = this.#groupAdmin = undefined;
  }
}
