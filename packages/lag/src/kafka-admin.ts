/**
 * KafkaGroupAdmin: everything the lag engine asks of a cluster, over the Kafka protocol only (ListGroups,
 * DescribeGroups, OffsetFetch, ListOffsets, Metadata, OffsetCommit via AlterConsumerGroupOffsets), through
 * @platformatic/kafka. It works against any Kafka-compatible cluster; requests are chunked so that none grows
 * without bound.
 */
import { Admin, type SASLOptions } from '@platformatic/kafka';
import type { GroupMemberInfo } from './types.ts';

export interface GroupListing {
  groupId: string;
  state: string;
  protocolType: string;
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  members: GroupMemberInfo[];
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: number;
}

/** Special ListOffsets timestamps. */
export const LATEST = -1;
export const EARLIEST = -2;

/** The part of the cluster the collector reads; tests may supply a fake. */
export interface LagSource {
  listGroups(): Promise<GroupListing[]>;
  describeGroups(groupIds: string[]): Promise<Map<string, GroupDescription>>;
  committedOffsets(groupIds: string[]): Promise<Map<string, CommittedOffset[]>>;
  /** Offsets at `timestamp` (LATEST, EARLIEST or ms) per `topic\0partition`; -1 where none. */
  offsetsAt(partitions: Map<string, number[]>, timestamp: number): Promise<Map<string, number>>;
}

export interface KafkaGroupAdminOptions {
  bootstrapBrokers: string[];
  clientId?: string;
  sasl?: SASLOptions;
  tls?: boolean;
  requestTimeoutMs?: number;
  /** Partitions per ListOffsets request [1000]. */
  maxPartitionsPerRequest?: number;
}

const DESCRIBE_CHUNK_GROUPS = 100;
const OFFSET_FETCH_CHUNK_GROUPS = 50;
const LIST_OFFSETS_CHUNK_PARTITIONS = 1000;

export const partitionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class KafkaGroupAdmin implements LagSource {
  private readonly admin: Admin;
  private readonly maxPartitionsPerRequest: number;

  constructor(options: KafkaGroupAdminOptions) {
    this.maxPartitionsPerRequest = options.maxPartitionsPerRequest ?? LIST_OFFSETS_CHUNK_PARTITIONS;
    this.admin = new Admin({
      clientId: options.clientId ?? 'samsa-lag',
      bootstrapBrokers: options.bootstrapBrokers,
      sasl: options.sasl,
      tls: options.tls ? {} : undefined,
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      retries: 2,
    });
  }

  async listGroups(): Promise<GroupListing[]> {
    const groups = await this.admin.listGroups();
    return [...groups.values()]
      .map((g) => ({ groupId: g.id, state: String(g.state), protocolType: g.protocolType }))
      .sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  async describeGroups(groupIds: string[]): Promise<Map<string, GroupDescription>> {
    const out = new Map<string, GroupDescription>();
    for (const chunk of chunks(groupIds, DESCRIBE_CHUNK_GROUPS)) {
      const described = await this.admin.describeGroups({ groups: chunk });
      for (const g of described.values()) {
        const members: GroupMemberInfo[] = [...g.members.values()].map((m) => {
          const assignments: Record<string, number[]> = {};
          for (const [topic, a] of m.assignments ?? new Map())
            assignments[topic] = [...a.partitions].sort((x, y) => x - y);
          return { memberId: m.id, clientId: m.clientId, clientHost: m.clientHost, assignments };
        });
        out.set(g.id, { groupId: g.id, state: String(g.state), protocolType: g.protocolType, members });
      }
    }
    return out;
  }

  async committedOffsets(groupIds: string[]): Promise<Map<string, CommittedOffset[]>> {
    const out = new Map<string, CommittedOffset[]>();
    for (const chunk of chunks(groupIds, OFFSET_FETCH_CHUNK_GROUPS)) {
      const groups = await this.admin.listConsumerGroupOffsets({ groups: chunk });
      for (const g of groups) {
        const offsets: CommittedOffset[] = [];
        for (const t of g.topics) {
          for (const p of t.partitions) {
            if (p.committedOffset >= 0n) {
              offsets.push({ topic: t.name, partition: p.partitionIndex, offset: Number(p.committedOffset) });
            }
          }
        }
        offsets.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
        out.set(g.groupId, offsets);
      }
    }
    return out;
  }

  async offsetsAt(partitions: Map<string, number[]>, timestamp: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (partitions.size === 0) return out;
    // At most maxPartitionsPerRequest partitions per request, so a large cluster does not make one huge request.
    const max = this.maxPartitionsPerRequest;
    let batch: { name: string; partitions: { partitionIndex: number; timestamp: bigint }[] }[] = [];
    let size = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const listed = await this.admin.listOffsets({ topics: batch });
      for (const t of listed) {
        for (const p of t.partitions) out.set(partitionKey(t.name, p.partitionIndex), Number(p.offset));
      }
      batch = [];
      size = 0;
    };
    for (const [name, ps] of partitions) {
      for (const slice of chunks(ps, max)) {
        if (size + slice.length > max) await flush();
        batch.push({
          name,
          partitions: slice.map((partitionIndex) => ({ partitionIndex, timestamp: BigInt(timestamp) })),
        });
        size += slice.length;
      }
    }
    await flush();
    return out;
  }

  /** Partition ids of each topic that exists; missing topics are left out. */
  async topicPartitions(topics: string[]): Promise<Map<string, number[]>> {
    const meta = await this.admin.metadata({ topics, forceUpdate: true });
    const out = new Map<string, number[]>();
    for (const [name, t] of meta.topics)
      out.set(
        name,
        Array.from({ length: t.partitionsCount }, (_, i) => i),
      );
    return out;
  }

  async alterOffsets(groupId: string, offsets: CommittedOffset[]): Promise<void> {
    const byTopic = new Map<string, { partition: number; offset: bigint }[]>();
    for (const o of offsets) {
      let list = byTopic.get(o.topic);
      if (!list) byTopic.set(o.topic, (list = []));
      list.push({ partition: o.partition, offset: BigInt(o.offset) });
    }
    await this.admin.alterConsumerGroupOffsets({
      groupId,
      topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
    });
  }

  async close(): Promise<void> {
    await this.admin.close();
  }
}
