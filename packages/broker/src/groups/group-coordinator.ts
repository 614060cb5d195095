/**
 * GroupCoordinator: the consumer groups of this broker as the request handlers see them. It composes one
 * GroupMembership state machine per group, the CommittedOffsets of every group with each namespace's usage
 * (NamespaceUsage), and their durable record (GroupStore). Every change to offsets or groups is a record that is
 * applied to the live state only once it is fsync'd, and the same records rebuild the state at start-up, so the live
 * state is always what a restart would load. It never touches sockets: handlers call it and it answers with Kafka
 * error codes.
 */
import { ErrorCode } from '@samsa/protocol';
import type { Clock } from './clock.ts';
import {
  type ConsumerHeartbeat,
  type ConsumerHeartbeatResult,
  ConsumerProtocolGroups,
  heartbeatRefusal,
  type SubscribedTopic,
} from './consumer-protocol-groups.ts';
import {
  type CommittedOffset,
  CommittedOffsets,
  type GroupOffsets,
  type OffsetCommitPartition,
} from './committed-offsets.ts';
import {
  GroupMembership,
  type GroupState,
  type JoinRequest,
  type JoinResult,
  joinError,
  type LeaveResult,
  type MembershipHost,
  type MembershipSnapshot,
  type SyncRequest,
  type SyncResult,
} from './group-membership.ts';
import type { GroupSnapshot, GroupStore, StoreRecord } from './group-store.ts';
import { type NamespaceLimits, NamespaceUsage } from './namespace-usage.ts';
import { StorageError } from '../log/storage-error.ts';

export type {
  CommittedOffset,
  GroupOffsets,
  GroupState,
  JoinRequest,
  JoinResult,
  NamespaceLimits,
  OffsetCommitPartition,
  SyncRequest,
  SyncResult,
};

export interface GroupCoordinatorConfig {
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  groupInitialRebalanceDelayMs: number;
  groupMaxSize: number;
  maxGroups: number;
  offsetsRetentionMs: number;
  offsetMetadataMaxBytes: number;
  /** KIP-848 groups: how often members heartbeat (group.consumer.heartbeat.interval.ms). */
  consumerHeartbeatIntervalMs: number;
  /** KIP-848 groups: a member silent this long leaves (group.consumer.session.timeout.ms). */
  consumerSessionTimeoutMs: number;
}

export const DEFAULT_GROUP_CONFIG: GroupCoordinatorConfig = {
  groupMinSessionTimeoutMs: 6_000,
  groupMaxSessionTimeoutMs: 1_800_000,
  groupInitialRebalanceDelayMs: 3_000,
  groupMaxSize: 1_000,
  maxGroups: 100_000,
  offsetsRetentionMs: 7 * 24 * 3_600_000,
  offsetMetadataMaxBytes: 4_096,
  consumerHeartbeatIntervalMs: 5_000,
  consumerSessionTimeoutMs: 45_000,
};

export interface GroupDescription {
  groupId: string;
  state: GroupState;
  protocolType: string;
  protocolName: string;
  members: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    metadata: Buffer;
    assignment: Buffer;
  }[];
}

function toStored(s: MembershipSnapshot): GroupSnapshot {
  return {
    ...s,
    members: s.members.map((m) => ({
      ...m,
      metadata: m.metadata.toString('base64'),
      assignment: m.assignment.toString('base64'),
    })),
  };
}

function fromStored(s: GroupSnapshot): MembershipSnapshot {
  return {
    ...s,
    members: s.members.map((m) => ({
      ...m,
      metadata: Buffer.from(m.metadata, 'base64'),
      assignment: Buffer.from(m.assignment, 'base64'),
    })),
  };
}

export class GroupCoordinator {
  private readonly groups = new Map<string, GroupMembership>();
  private readonly config: GroupCoordinatorConfig;
  private readonly clock: Clock;
  private readonly store: GroupStore | null;
  private readonly namespaces: NamespaceUsage;
  private readonly offsets: CommittedOffsets;
  private readonly host: MembershipHost;
  private retentionTimer: unknown = null;
  /** KIP-848 groups (group.protocol=consumer); their committed offsets are kept here like any group's. */
  readonly consumerProtocol: ConsumerProtocolGroups;

  /** `namespaceOf`: the namespace (tenant) a group id belongs to, or null; usage is counted per namespace. */
  constructor(
    config: GroupCoordinatorConfig,
    clock: Clock,
    store: GroupStore | null,
    records: StoreRecord[] = [],
    namespaceOf: (groupId: string) => string | null = () => null,
  ) {
    this.config = config;
    this.clock = clock;
    this.store = store;
    this.namespaces = new NamespaceUsage(namespaceOf);
    this.offsets = new CommittedOffsets(config, this.namespaces);
    this.host = { config, clock, persist: (g) => this.persistGroup(g) };
    this.consumerProtocol = new ConsumerProtocolGroups(
      {
        heartbeatIntervalMs: config.consumerHeartbeatIntervalMs,
        sessionTimeoutMs: config.consumerSessionTimeoutMs,
        groupMaxSize: config.groupMaxSize,
      },
      clock,
    );
    for (const r of records) this.apply(r, true);
    for (const g of this.groups.values()) g.startSessionTimers();
    store?.setLiveState({
      count: () => this.groups.size + this.offsets.size,
      records: () => this.liveRecords(),
    });
  }

  // ------------------------------------------------------------------ queries

  group(groupId: string): GroupMembership | undefined {
    return this.groups.get(groupId);
  }

  listGroups(): { groupId: string; protocolType: string; state: string; type: 'classic' | 'consumer' }[] {
    const consumer = this.consumerProtocol.all();
    const ids = new Set(consumer.map((g) => g.groupId));
    return [
      ...[...this.groups.values()]
        .filter((g) => g.state !== 'Dead' && !ids.has(g.groupId))
        .map((g) => ({
          groupId: g.groupId,
          protocolType: g.protocolType ?? '',
          state: g.state,
          type: 'classic' as const,
        })),
      ...consumer.map((g) => ({
        groupId: g.groupId,
        protocolType: 'consumer',
        state: g.state,
        type: 'consumer' as const,
      })),
    ];
  }

  describe(groupId: string): GroupDescription {
    const g = this.groups.get(groupId);
    if (!g || g.state === 'Dead') {
      return { groupId, state: 'Dead', protocolType: '', protocolName: '', members: [] };
    }
    const stable = g.state === 'Stable';
    return {
      groupId,
      state: g.state,
      protocolType: g.protocolType ?? '',
      protocolName: stable ? (g.protocolName ?? '') : '',
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? g.metadataFor(m, g.protocolName) : Buffer.alloc(0),
        assignment: stable ? m.assignment : Buffer.alloc(0),
      })),
    };
  }

  committedOffsets(groupId: string): GroupOffsets {
    return this.offsets.of(groupId);
  }

  /** Groups on this broker (every namespace). */
  groupCount(): number {
    return this.groups.size;
  }

  /** Groups and committed offsets held in a namespace (a tenant). */
  usage(namespace: string): { groups: number; offsets: number } {
    return this.namespaces.usage(namespace);
  }

  // ------------------------------------------------------------------ membership

  /** `limits`: the bounds of the group's namespace (a tenant), or null for none (superuser, auth off). */
  join(req: JoinRequest, limits: NamespaceLimits | null = null): Promise<JoinResult> {
    if (!req.groupId) return Promise.resolve(joinError(ErrorCode.INVALID_GROUP_ID, req.memberId));
    if (
      req.sessionTimeoutMs < this.config.groupMinSessionTimeoutMs ||
      req.sessionTimeoutMs > this.config.groupMaxSessionTimeoutMs
    ) {
      return Promise.resolve(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId));
    }
    if ((this.consumerProtocol.get(req.groupId)?.members.size ?? 0) > 0) {
      return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    }
    let g = this.groups.get(req.groupId);
    if (!g) {
      if (req.memberId !== '') return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
      // Nothing is created for a join that would be refused anyway.
      if (req.protocolType === '' || req.protocols.length === 0) {
        return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
      }
      if (this.groups.size >= this.config.maxGroups) {
        return Promise.resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId));
      }
      if (!this.namespaces.roomForGroup(req.groupId, limits)) {
        return Promise.resolve(joinError(ErrorCode.POLICY_VIOLATION, req.memberId));
      }
      g = this.createGroup(req.groupId);
    }
    return g.join(req);
  }

  sync(req: SyncRequest): Promise<SyncResult> {
    const g = this.groups.get(req.groupId);
    if (!g) {
      return Promise.resolve({
        errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
        protocolType: null,
        protocolName: null,
        assignment: Buffer.alloc(0),
      });
    }
    return g.sync(req);
  }

  /**
   * A KIP-848 ConsumerGroupHeartbeat. A classic group with members keeps its id (GROUP_ID_NOT_FOUND, as Kafka answers);
   * an empty one (offsets only) becomes a consumer-protocol group and keeps its offsets.
   */
  consumerHeartbeat(
    req: ConsumerHeartbeat,
    resolve: (names: string[]) => SubscribedTopic[],
    limits: NamespaceLimits | null = null,
  ): ConsumerHeartbeatResult {
    const classic = this.groups.get(req.groupId);
    if (classic && classic.members.size > 0) {
      return heartbeatRefusal(ErrorCode.GROUP_ID_NOT_FOUND, `group ${req.groupId} is a classic group with members`);
    }
    return this.consumerProtocol.heartbeat(req, resolve, () => {
      if (classic) return ErrorCode.NONE;
      if (this.groups.size >= this.config.maxGroups) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      if (!this.namespaces.roomForGroup(req.groupId, limits)) return ErrorCode.POLICY_VIOLATION;
      // Counted like any group (and holding its offsets later) through an empty classic entry.
      this.createGroup(req.groupId);
      return ErrorCode.NONE;
    });
  }

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): number {
    const g = this.groups.get(groupId);
    if (!g) return ErrorCode.UNKNOWN_MEMBER_ID;
    return g.heartbeat(memberId, groupInstanceId, generationId);
  }

  /** Removes members; returns an error code per member. */
  leave(groupId: string, members: { memberId: string; groupInstanceId: string | null }[]): LeaveResult {
    const g = this.groups.get(groupId);
    if (!g) {
      return {
        errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
        members: members.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })),
      };
    }
    return g.leave(members);
  }

  // ------------------------------------------------------------------ offsets

  /** Validates an OffsetCommit against group membership; NONE means the commit may be stored. */
  validateCommit(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null): number {
    if (!groupId) return ErrorCode.INVALID_GROUP_ID;
    const consumer = this.consumerProtocol.get(groupId);
    if (consumer) return this.consumerProtocol.validateCommit(consumer, generationId, memberId);
    const g = this.groups.get(groupId);
    if (!g) return generationId < 0 ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    return g.validateCommit(generationId, memberId, groupInstanceId);
  }

  /**
   * Validates a TxnOffsetCommit's group fields (KIP-447), as Kafka's validateTransactionalOffsetCommit: an unknown
   * group takes it only without a generation; a consumer-protocol group's stale member epoch is ILLEGAL_GENERATION.
   */
  validateTxnCommit(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null): number {
    const consumer = this.consumerProtocol.get(groupId);
    if (consumer) {
      const code = this.consumerProtocol.validateCommit(consumer, generationId, memberId);
      return code === ErrorCode.STALE_MEMBER_EPOCH ? ErrorCode.ILLEGAL_GENERATION : code;
    }
    const g = this.groups.get(groupId);
    if (!g) return generationId < 0 ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    return g.validateTxnCommit(generationId, memberId, groupInstanceId);
  }

  /**
   * Stores offsets durably (resolves after fsync); returns an error code per partition. `limits` bounds the
   * namespace's groups and committed offsets: a commit that would create a group past the limit fails whole, and
   * each new (topic, partition) past the offset limit fails with POLICY_VIOLATION; refused ones are never written.
   */
  async commitOffsets(
    groupId: string,
    topics: { topic: string; partitions: OffsetCommitPartition[] }[],
    limits: NamespaceLimits | null = null,
  ): Promise<Map<string, Map<number, number>>> {
    // A new group is created by the first offset stored (in apply), never by a refused commit.
    const exists = this.groups.has(groupId);
    if (!exists) {
      const full = this.groups.size >= this.config.maxGroups;
      if (full || !this.namespaces.roomForGroup(groupId, limits)) {
        const code = full ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.POLICY_VIOLATION;
        return new Map(topics.map((t) => [t.topic, new Map(t.partitions.map((p) => [p.partition, code]))]));
      }
    }
    const plan = this.offsets.plan(groupId, topics, limits);
    const now = this.clock.nowMs();
    const records: StoreRecord[] = plan.accepted.map(({ topic, partition: p }) => ({
      type: 'offset',
      group: groupId,
      topic,
      partition: p.partition,
      offset: p.offset.toString(),
      leaderEpoch: p.leaderEpoch,
      metadata: p.metadata,
      // Kafka keeps a v1 commit's own timestamp: offsets retention counts from it.
      commitTimestampMs: p.commitTimestampMs !== undefined && p.commitTimestampMs >= 0 ? p.commitTimestampMs : now,
      ...(p.retentionMs !== undefined && p.retentionMs >= 0
        ? { expireTimestampMs: Math.min(now + p.retentionMs, Number.MAX_SAFE_INTEGER) }
        : {}),
    }));
    // Room is held while the commit waits for its fsync, so concurrent commits cannot overshoot the limits.
    const reservation = this.namespaces.reserve(groupId, !exists && records.length > 0, plan.newOffsets);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      reservation.release();
    };
    try {
      await this.record(records, release);
    } catch (err) {
      if (!(err instanceof StorageError)) throw err;
      // Kafka's coordinator answers a failed write of its offsets log with NOT_COORDINATOR: clients look the
      // coordinator up again and retry the commit.
      for (const { topic, partition: p } of plan.accepted) {
        plan.results.get(topic)?.set(p.partition, ErrorCode.NOT_COORDINATOR);
      }
    } finally {
      release();
    }
    return plan.results;
  }

  /** Deletes groups (only empty ones) with their offsets; returns an error code per group. */
  async deleteGroups(groupIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const records: StoreRecord[] = [];
    for (const id of groupIds) {
      const g = this.groups.get(id);
      if (!this.consumerProtocol.drop(id)) out.set(id, ErrorCode.NON_EMPTY_GROUP);
      else if (!g || g.state === 'Dead') out.set(id, ErrorCode.GROUP_ID_NOT_FOUND);
      else if (g.state !== 'Empty') out.set(id, ErrorCode.NON_EMPTY_GROUP);
      else {
        out.set(id, ErrorCode.NONE);
        records.push({ type: 'group-delete', group: id });
      }
    }
    await this.record(records);
    return out;
  }

  /** OffsetDelete: removes offsets of partitions the group does not subscribe to (or of an empty group). */
  async deleteOffsets(
    groupId: string,
    topics: { topic: string; partitions: number[] }[],
    subscribedTopics: (g: GroupMembership) => Set<string> | null,
  ): Promise<{ errorCode: number; perTopic: Map<string, Map<number, number>> }> {
    const g = this.groups.get(groupId);
    const perTopic = new Map<string, Map<number, number>>();
    if (!g || g.state === 'Dead') return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, perTopic };
    const subscribed = g.state === 'Empty' ? new Set<string>() : subscribedTopics(g);
    if (subscribed === null) return { errorCode: ErrorCode.NON_EMPTY_GROUP, perTopic };
    const records: StoreRecord[] = [];
    for (const t of topics) {
      const codes = new Map<number, number>();
      perTopic.set(t.topic, codes);
      for (const p of t.partitions) {
        if (subscribed.has(t.topic)) codes.set(p, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
        else {
          codes.set(p, ErrorCode.NONE);
          records.push({ type: 'offset-delete', group: groupId, topic: t.topic, partition: p });
        }
      }
    }
    await this.record(records);
    return { errorCode: ErrorCode.NONE, perTopic };
  }

  /**
   * Drops the offsets of groups that have been empty longer than the retention (offsets.retention.minutes), then
   * every empty group left with no offsets. Returns how many offsets expired.
   */
  async expireOffsets(): Promise<number> {
    const now = this.clock.nowMs();
    const cutoff = now - this.config.offsetsRetentionMs;
    const expired: StoreRecord[] = [];
    for (const g of this.groups.values()) {
      if (g.state !== 'Empty') continue;
      for (const { topic, partition } of this.offsets.expired(g.groupId, now, cutoff, g.emptySinceMs)) {
        expired.push({ type: 'offset-delete', group: g.groupId, topic, partition });
      }
    }
    await this.record(expired);
    const unused: StoreRecord[] = [];
    for (const g of this.groups.values()) {
      const consumerMembers = this.consumerProtocol.get(g.groupId)?.members.size ?? 0;
      if (g.state === 'Empty' && g.members.size === 0 && consumerMembers === 0 && this.offsets.count(g.groupId) === 0) {
        unused.push({ type: 'group-delete', group: g.groupId });
      }
    }
    await this.record(unused);
    return expired.length;
  }

  startOffsetExpiry(intervalMs: number): void {
    const tick = () => {
      this.retentionTimer = this.clock.setTimeout(() => {
        void this.expireOffsets().finally(tick);
      }, intervalMs);
    };
    tick();
  }

  shutdown(): void {
    this.clock.clearTimeout(this.retentionTimer);
    for (const g of this.groups.values()) g.shutdown();
  }

  // ------------------------------------------------------------------ records

  private createGroup(groupId: string): GroupMembership {
    const g = new GroupMembership(groupId, this.host);
    this.groups.set(groupId, g);
    this.namespaces.groupAdded(groupId);
    return g;
  }

  private dropGroup(g: GroupMembership): void {
    g.markDead();
    this.groups.delete(g.groupId);
    this.offsets.removeGroup(g.groupId);
    this.namespaces.groupRemoved(g.groupId);
  }

  private persistGroup(g: GroupMembership): Promise<void> {
    if (!this.store) return Promise.resolve();
    return this.store.append([{ type: 'group', group: g.groupId, snapshot: toStored(g.snapshot()) }]);
  }

  /**
   * Makes records durable, then applies them to the live state, right after their fsync and before the store may
   * compact. `beforeApply` runs first (a commit releases the room it held there).
   */
  private record(records: StoreRecord[], beforeApply?: () => void): Promise<void> {
    const apply = () => {
      beforeApply?.();
      for (const r of records) this.apply(r, false);
    };
    if (!this.store) {
      apply();
      return Promise.resolve();
    }
    return this.store.append(records, apply);
  }

  /** Applies one record: every record at start-up (fromDisk), and each record once it is durable. */
  private apply(r: StoreRecord, fromDisk: boolean): void {
    if (r.type === 'group-delete') {
      const g = this.groups.get(r.group);
      if (!g) return;
      // A member that joined while the delete waited for its fsync keeps the group alive (without its offsets,
      // as a restart would load it).
      if (!fromDisk && g.members.size > 0) this.offsets.removeGroup(r.group);
      else this.dropGroup(g);
      return;
    }
    const g = this.groups.get(r.group) ?? this.createGroup(r.group);
    if (r.type === 'offset') {
      this.offsets.put(r.group, r.topic, r.partition, {
        offset: BigInt(r.offset),
        leaderEpoch: r.leaderEpoch,
        metadata: r.metadata,
        commitTimestampMs: r.commitTimestampMs,
        ...(r.expireTimestampMs !== undefined ? { expireTimestampMs: r.expireTimestampMs } : {}),
      });
    } else if (r.type === 'offset-delete') {
      this.offsets.remove(r.group, r.topic, r.partition);
    } else if (r.type === 'group' && fromDisk) {
      // Loading from disk: restore the last stable membership (live groups are never overwritten by replay).
      g.restore(fromStored(r.snapshot));
    }
  }

  /** The records that rebuild the live state (what the store compacts to). */
  private liveRecords(): StoreRecord[] {
    const out: StoreRecord[] = [];
    for (const g of this.groups.values()) {
      out.push({ type: 'group', group: g.groupId, snapshot: toStored(g.snapshot()) });
      for (const [topic, partitions] of this.offsets.of(g.groupId)) {
        for (const [partition, o] of partitions) {
          out.push({
            type: 'offset',
            group: g.groupId,
            topic,
            partition,
            offset: o.offset.toString(),
            leaderEpoch: o.leaderEpoch,
            metadata: o.metadata,
            commitTimestampMs: o.commitTimestampMs,
            ...(o.expireTimestampMs !== undefined ? { expireTimestampMs: o.expireTimestampMs } : {}),
          });
        }
      }
    }
    return out;
  }
}
