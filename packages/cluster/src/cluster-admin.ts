import type { KafkaGroupAdmin } from './group-admin.ts';
import type { OpenTransactionOnPartition, TransactionInfo } from './transaction-admin.ts';

/**
 * ClusterAdmin: everything the console asks of the cluster, as one interface implemented over the Kafka protocol
 * (`KafkaClusterAdmin`), so the console can manage any Kafka-compatible cluster.
 *
 * Tenancy: a tenant's topic `orders` lives on the broker as `<tenantSlug>.orders` (`brokerName` in namespace.ts),
 * which is the broker's own internal name for it: tenant clients say `orders`, the superuser sees `acme.orders`. The
 * broker is the one record of topics, partitions and configs: the console lists a tenant's topics by its namespace
 * prefix. What changes a tenant's topics or produces to them (create, add partitions, alter configs, produce) runs AS
 * that tenant (SASL authorization id `tenant:<slug>`, see tenant-clients.ts), so the broker's quota checks apply:
 * quotas are enforced in one place. Failures are `ClusterError`s (errors.ts).
 */
export interface PartitionInfo {
  partition: number;
  leader: number;
  startOffset: number;
  endOffset: number;
  /** Messages currently retained (end - start). */
  messages: number;
  /** Bytes on disk, when the cluster reports it (DescribeLogDirs); else null. */
  sizeBytes: number | null;
}

export interface TopicInfo {
  brokerName: string;
  /** The broker's topic id: a topic deleted and created again under the same name has a new one. */
  topicId: string;
  partitions: PartitionInfo[];
  configs: Record<string, string | null>;
  messages: number;
  sizeBytes: number | null;
}

export interface BrowsedMessage {
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: [string, Buffer | null][];
}

export interface ProduceInput {
  partition?: number;
  key?: string | null;
  value: string;
  headers?: Record<string, string>;
}

export interface TopicStats {
  partitions: number;
  messages: number;
  sizeBytes: number | null;
  retentionMs: number | null;
}

export interface TopicConsumerGroup {
  /** The group's name on the broker. */
  brokerGroupId: string;
  state: string;
  partitions: { partition: number; committedOffset: number; endOffset: number; lag: number }[];
  lag: number;
}

/** What removing a set of groups took away. */
export interface RemovedGroups {
  /** Groups deleted (with all their committed offsets). */
  groups: number;
  /** Live members removed from them first (LeaveGroup by member id, as Kafka's removeMembersFromConsumerGroup). */
  members: number;
  /** Committed offsets (one per group and partition) the deleted groups held. */
  offsets: number;
  /** Groups that could not be deleted yet (a member is still joining): try again. */
  remaining: string[];
}

/** One partition's offsets for a scan: its leader, start and end, and the first offset at or after each timestamp. */
export interface PartitionRange {
  partition: number;
  leader: number;
  startOffset: number;
  endOffset: number;
  /** For each timestamp asked for, in order: the first offset whose timestamp is at or after it (endOffset if none). */
  offsetsAt: number[];
}

/** Where one fetch of a scan reads: a partition of the tenant's topic from an offset. */
export interface FetchPosition {
  topicId: string;
  partition: number;
  leader: number;
  offset: number;
  /** Upper bound of the bytes the broker returns for this fetch. */
  maxBytes: number;
}

/** A topic as the broker lists it. */
export interface BrokerTopic {
  brokerName: string;
  /** The broker's topic id (a UUID): a topic deleted and created again under the same name has a new one. */
  topicId: string;
  partitions: number;
}

/** A tenant's topic: the tenant's own name for it and the broker's. */
export interface TenantTopic {
  tenantSlug: string;
  topic: string;
  brokerName: string;
}

export interface ClusterAdmin {
  /** Every topic whose broker name starts with `prefix` (a tenant's namespace; '' for all), sorted by name. */
  topicsWithPrefix(prefix: string): Promise<BrokerTopic[]>;
  /** Every group whose id starts with `prefix`, whatever its state (also groups that only hold offsets). */
  groupsWithPrefix(prefix: string): Promise<string[]>;
  /** Removes the groups' members, then deletes the groups and their committed offsets. */
  removeGroups(brokerGroupIds: string[]): Promise<RemovedGroups>;
  /** Consumer groups whose name starts with `groupPrefix` and that have committed offsets on the topic. */
  consumerGroupsOf(brokerTopic: string, groupPrefix: string): Promise<TopicConsumerGroup[]>;
  /**
   * Creates a topic as the tenant (the broker checks its topic and partition quotas: a refusal is `quota_exceeded`
   * with the broker's message); returns the broker's topic id.
   */
  createTopic(target: TenantTopic, partitions: number, configs: Record<string, string>): Promise<{ topicId: string }>;
  deleteTopics(brokerNames: string[]): Promise<void>;
  /** Raises the partition count as the tenant (the broker checks its partition quota). */
  createPartitions(target: TenantTopic, totalCount: number): Promise<void>;
  /** Sets (or, for null, resets) topic configs as the tenant (the broker checks the config bounds). */
  alterTopicConfigs(target: TenantTopic, configs: Record<string, string | null>): Promise<void>;
  describeTopic(brokerName: string): Promise<TopicInfo | null>;
  /** Partition counts, message counts and sizes of many topics at once (for lists). */
  topicStats(brokerNames: string[]): Promise<Map<string, TopicStats>>;
  /** Reads up to `limit` messages of one partition from an offset, or from the first offset at or after a timestamp. */
  readMessages(
    brokerName: string,
    partition: number,
    from: { offset: number } | { timestamp: number },
    limit: number,
  ): Promise<{ messages: BrowsedMessage[]; nextOffset: number; endOffset: number; startOffset: number }>;
  /** The topic id and every partition's range, for a scan (message search); null when the topic is gone. */
  partitionRanges(
    brokerName: string,
    timestampsMs: number[],
  ): Promise<{ topicId: string; partitions: PartitionRange[] } | null>;
  /**
   * One fetch of one partition AS the tenant (its ACLs and fetch quota apply): the records at or after
   * `at.offset` that the broker returned (at most about `at.maxBytes`), and the partition's high watermark.
   */
  fetchAs(target: TenantTopic, at: FetchPosition): Promise<{ records: BrowsedMessage[]; highWatermark: number }>;
  /**
   * Produces one message as the tenant: with cluster credentials the broker applies the tenant's namespace, storage
   * and byte-rate quotas (a full storage quota is `quota_exceeded`); without (a broker without tenancy) it produces
   * to `brokerName` directly.
   */
  produceAs(target: TenantTopic, message: ProduceInput): Promise<{ partition: number; offset: number }>;
  /**
   * Transactional ids and their transactions (ListTransactions, then DescribeTransactions of at most `limit` of them,
   * open ones first). As tenant `tenantSlug` (ids and topics named as the tenant does), or for null as the superuser
   * (every id, by its broker name). `total` counts every listed id.
   */
  transactions(tenantSlug: string | null, limit: number): Promise<{ transactions: TransactionInfo[]; total: number }>;
  /** One transactional id (DescribeTransactions), as the tenant or the superuser; null when there is none. */
  describeTransaction(tenantSlug: string | null, transactionalId: string): Promise<TransactionInfo | null>;
  /**
   * Producers holding an open transaction in the log of these topics' partitions (DescribeProducers), as the tenant
   * or the superuser; null when the cluster does not support DescribeProducers.
   */
  openTransactionsOnPartitions(
    tenantSlug: string | null,
    topics: { topic: string; partitions: number }[],
  ): Promise<OpenTransactionOnPartition[] | null>;
  /**
   * Fences a transactional id as Kafka's Admin.fenceProducers does (InitProducerId: the epoch is bumped and the
   * ongoing transaction aborted), as the tenant or the superuser; the id's new producer id and epoch.
   */
  fenceTransactionalId(
    tenantSlug: string | null,
    transactionalId: string,
  ): Promise<{ producerId: number; producerEpoch: number }>;
  /**
   * The lag collector's group admin over this admin's superuser connection, so the process holds one superuser
   * client; closing the group admin leaves the connection open (`close` here closes it).
   */
  groupAdmin(): KafkaGroupAdmin;
  /** Closes what the console holds open as a tenant (its clients), e.g. when the tenant is being deleted. */
  forgetTenant(tenantSlug: string): void;
  close(): Promise<void>;
}
