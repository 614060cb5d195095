/**
 * KafkaGroupAdmin: everything the lag engine asks of a cluster, over the Kafka protocol only (ListGroups,
 * DescribeGroups, ConsumerGroupDescribe for KIP-848 groups, OffsetFetch, ListOffsets, Metadata, OffsetCommit via AlterConsumerGroupOffsets), through
 * @platformatic/kafka. It works against any Kafka-compatible cluster; requests are chunked so that none grows
 * without bound.
 */
import {
  Admin,
  type Connection,
  consumerGroupDescribeV0,
  type describeGroupsV5,
  FindCoordinatorKeyTypes,
  kGetApi,
  kGetBootstrapConnection,
  type metadataV12,
  ResponseError,
  type SASLOptions,
} from '@platformatic/kafka';
import { decodeConsumerAssignment } from './consumer-protocol.ts';

/** One member of a group and the partitions it was assigned (decoded from its consumer-protocol bytes). */
export interface GroupMemberInfo {
  memberId: string;
  clientId: string;
  clientHost: string;
  /** topic -> partitions assigned to this member. */
  assignments: Record<string, number[]>;
}

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
  /**
   * Why the group could not be fully described (the coordinator's error code, or a member whose assignment bytes
   * are not a consumer-protocol payload); the members that could be read are still listed.
   */
  error: string | null;
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
  /** Partition ids of each topic that exists (Metadata, never creating a topic); missing topics are left out. */
  topicPartitions(topics: string[]): Promise<Map<string, number[]>>;
}

/** Every DescribeGroups version's response has these fields (later versions add some). */
type DescribeGroupsResponse = Awaited<ReturnType<typeof describeGroupsV5.api.async>>;
type ConsumerGroupDescribeResponse = Awaited<ReturnType<typeof consumerGroupDescribeV0.api.async>>;
/** DescribeGroups' answer for a group that is not a classic group, e.g. a KIP-848 consumer group (as Kafka 4). */
const GROUP_ID_NOT_FOUND = 69;

/**
 * Whether DescribeGroups' answer may stand for a group that is not a classic group: GROUP_ID_NOT_FOUND (version 6
 * and Samsa's broker) or, below version 6, which is all the client library speaks, Apache Kafka's no-error `Dead`
 * with no protocol type and no members, the same answer as for a group that does not exist.
 */
function maybeNotClassic(g: DescribeGroupsResponse['groups'][number]): boolean {
  if (g.errorCode === GROUP_ID_NOT_FOUND) return true;
  return g.errorCode === 0 && g.groupState === 'Dead' && g.protocolType === '' && g.members.length === 0;
}
type MetadataResponse = Awaited<ReturnType<typeof metadataV12.api.async>>;

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
const METADATA_CHUNK_TOPICS = 1000;

export const partitionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** One DescribeGroups entry as the collector sees it; never throws on the members' bytes. */
export function describedGroup(g: DescribeGroupsResponse['groups'][number]): GroupDescription {
  const errors: string[] = [];
  if (g.errorCode !== 0) errors.push(`DescribeGroups returned error code ${g.errorCode} for this group`);
  const members: GroupMemberInfo[] = g.members.map((m) => {
    let assignments: Record<string, number[]> = {};
    // Only classic consumer groups carry consumer-protocol assignments; other protocols' bytes are opaque.
    if (g.protocolType === 'consumer') {
      const decoded = decodeConsumerAssignment(m.memberAssignment);
      if (decoded.ok) assignments = decoded.value;
      else
        errors.push(
          `member ${m.memberId} (client ${JSON.stringify(m.clientId)}, host ${m.clientHost}) sent an assignment ` +
            `that is not a valid consumer-protocol payload: ${decoded.error}`,
        );
    }
    return { memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost, assignments };
  });
  return {
    groupId: g.groupId,
    state: g.groupState,
    protocolType: g.protocolType,
    members,
    error: errors.length > 0 ? errors.slice(0, 3).join('; ') : null,
  };
}

/**
 * One ConsumerGroupDescribe entry (a KIP-848 group: the broker assigns, so each member's assignment is plain data,
 * already by topic name).
 */
export function describedConsumerGroup(g: ConsumerGroupDescribeResponse['groups'][number]): GroupDescription {
  return {
    groupId: g.groupId,
    state: g.groupState,
    protocolType: 'consumer',
    members: g.members.map((m) => {
      const assignments: Record<string, number[]> = {};
      for (const t of m.assignment.topicPartitions) assignments[t.topicName] = [...t.partitions].sort((a, b) => a - b);
      return { memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost, assignments };
    }),
    error: g.errorCode !== 0 ? `ConsumerGroupDescribe returned error code ${g.errorCode} for this group` : null,
  };
}

export class KafkaGroupAdmin implements LagSource {
  private readonly admin: Admin;
  /** Whether `close` closes the client: not when it was lent by its owner (the console's cluster admin). */
  private readonly ownsAdmin: boolean;
  private readonly maxPartitionsPerRequest: number;

  /** Opens its own admin client, or uses `options.admin` (shared with its owner, who closes it). */
  constructor(options: KafkaGroupAdminOptions | { admin: Admin; maxPartitionsPerRequest?: number }) {
    this.maxPartitionsPerRequest = options.maxPartitionsPerRequest ?? LIST_OFFSETS_CHUNK_PARTITIONS;
    if ('admin' in options) {
      this.admin = options.admin;
      this.ownsAdmin = false;
      return;
    }
    this.ownsAdmin = true;
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
    // The client asks for classic groups only unless told otherwise; KIP-848 groups are type "consumer".
    const groups = await this.admin.listGroups({ types: ['classic', 'consumer'] });
    return [...groups.values()]
      .map((g) => ({ groupId: g.id, state: String(g.state), protocolType: g.protocolType }))
      .sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  /**
   * DescribeGroups, decoding member assignments ourselves: the client library decodes them inside its response
   * callback, where a malformed payload throws out of the socket handler and the request never settles. Here the
   * raw bytes are decoded defensively, member by member, and a bad payload becomes that group's `error`.
   */
  async describeGroups(groupIds: string[]): Promise<Map<string, GroupDescription>> {
    const out = new Map<string, GroupDescription>();
    if (groupIds.length === 0) return out;
    const coordinators = await this.admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: groupIds });
    const byBroker = new Map<string, { host: string; port: number; groups: string[] }>();
    for (const c of coordinators) {
      const k = `${c.host}:${c.port}`;
      let entry = byBroker.get(k);
      if (!entry) byBroker.set(k, (entry = { host: c.host, port: c.port, groups: [] }));
      entry.groups.push(c.key);
    }
    for (const { host, port, groups } of byBroker.values()) {
      const connection: Connection = await this.admin.connections.get({ host, port });
      for (const chunk of chunks(groups, DESCRIBE_CHUNK_GROUPS)) {
        let response: DescribeGroupsResponse;
        try {
          response = await this.rawDescribeGroups(connection, chunk);
        } catch (err) {
          // Per-group error codes arrive as a ResponseError that still carries the whole response.
          if (!(err instanceof ResponseError)) throw err;
          response = (err as ResponseError & { response: DescribeGroupsResponse }).response;
        }
        const notClassic: string[] = [];
        for (const g of response.groups) {
          if (maybeNotClassic(g)) notClassic.push(g.groupId);
          out.set(g.groupId, describedGroup(g));
        }
        // A KIP-848 group is described by ConsumerGroupDescribe (DescribeGroups answers GROUP_ID_NOT_FOUND for it,
        // or `Dead` below version 6); a cluster without that API, or a group it does not know either (really gone),
        // keeps DescribeGroups' answer.
        if (notClassic.length > 0) {
          for (const g of (await this.rawConsumerGroupDescribe(connection, notClassic)) ?? []) {
            if (g.errorCode === 0) out.set(g.groupId, describedConsumerGroup(g));
          }
        }
      }
    }
    return out;
  }

  private async rawConsumerGroupDescribe(
    connection: Connection,
    groups: string[],
  ): Promise<ConsumerGroupDescribeResponse['groups'] | undefined> {
    try {
      return (await consumerGroupDescribeV0.api.async(connection, groups, false)).groups;
    } catch (err) {
      if (err instanceof ResponseError) {
        const response = (err as ResponseError & { response?: ConsumerGroupDescribeResponse }).response;
        if (response?.groups) return response.groups;
      }
      return undefined;
    }
  }

  /** DescribeGroups at the highest version both sides support, returning the raw (undecoded) member bytes. */
  private async rawDescribeGroups(connection: Connection, groups: string[]): Promise<DescribeGroupsResponse> {
    type Api = typeof describeGroupsV5.api;
    const api = await new Promise<Api>((resolve, reject) =>
      this.admin[kGetApi]('DescribeGroups', (err: Error | null, found: unknown) =>
        err ? reject(err) : resolve(found as Api),
      ),
    );
    return api.async(connection, groups, false);
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

  /**
   * Partition ids of each topic that exists; missing topics are left out. One Metadata request per chunk, read
   * topic by topic: the client library fails the whole request when one topic is unknown (e.g. a group kept
   * offsets on a deleted topic), so the raw response is used. Never asks the broker to create a topic.
   */
  async topicPartitions(topics: string[]): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    if (topics.length === 0) return out;
    type Api = typeof metadataV12.api;
    const api = await new Promise<Api>((resolve, reject) =>
      this.admin[kGetApi]('Metadata', (err: Error | null, found: unknown) =>
        err ? reject(err) : resolve(found as Api),
      ),
    );
    const connection = await new Promise<Connection>((resolve, reject) =>
      this.admin[kGetBootstrapConnection]((err: Error | null, found: Connection | undefined) =>
        err || !found ? reject(err ?? new Error('no bootstrap connection')) : resolve(found),
      ),
    );
    for (const chunk of chunks([...new Set(topics)], METADATA_CHUNK_TOPICS)) {
      let response: MetadataResponse;
      try {
        response = await api.async(connection, chunk, false, false);
      } catch (err) {
        // Per-topic error codes (UNKNOWN_TOPIC_OR_PARTITION) arrive as a ResponseError carrying the whole response.
        if (!(err instanceof ResponseError)) throw err;
        response = (err as ResponseError & { response: MetadataResponse }).response;
      }
      for (const t of response.topics) {
        if (t.errorCode !== 0 || !t.name) continue;
        out.set(
          t.name,
          t.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b),
        );
      }
    }
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
    if (this.ownsAdmin) await this.admin.close();
  }
}
