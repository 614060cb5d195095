/**
 * GroupCoordinator: Kafka's classic group protocol as a state machine (Empty -> PreparingRebalance ->
 * CompletingRebalance -> Stable), with member-id and generation fencing, static membership, session expiry,
 * rebalance timeouts, and durable committed offsets. It never touches sockets: handlers call it and it answers with
 * Kafka error codes. Time comes from an injected Clock so every transition is unit-testable.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@samsa/protocol';
import type { Clock } from './clock.ts';
import {
  type CommittedOffset,
  Group,
  type GroupState,
  type JoinResult,
  type Member,
  type SyncResult,
} from './group.ts';
import type { GroupSnapshot, GroupStore, StoreRecord } from './group-store.ts';

export interface GroupCoordinatorConfig {
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  groupInitialRebalanceDelayMs: number;
  groupMaxSize: number;
  maxGroups: number;
  offsetsRetentionMs: number;
  offsetMetadataMaxBytes: number;
}

export const DEFAULT_GROUP_CONFIG: GroupCoordinatorConfig = {
  groupMinSessionTimeoutMs: 6_000,
  groupMaxSessionTimeoutMs: 1_800_000,
  groupInitialRebalanceDelayMs: 3_000,
  groupMaxSize: 1_000,
  maxGroups: 100_000,
  offsetsRetentionMs: 7 * 24 * 3_600_000,
  offsetMetadataMaxBytes: 4_096,
};

export interface JoinRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
  /** JoinGroup v4+: a new dynamic member first gets MEMBER_ID_REQUIRED and an id. */
  requireKnownMemberId: boolean;
}

export interface SyncRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

/**
 * A namespace's bounds (a tenant's quota): how many groups and committed offsets (group, topic, partition) it may
 * hold. Requests that would go past them are refused with POLICY_VIOLATION; nothing already stored is touched.
 */
export interface NamespaceLimits {
  maxGroups: number;
  maxCommittedOffsets: number;
}

/** How many groups and committed offsets a namespace holds. */
interface NamespaceUsage {
  groups: number;
  offsets: number;
  /** New groups and offsets of commits waiting for their fsync: counted so concurrent commits cannot overshoot. */
  pendingGroups: number;
  pendingOffsets: number;
}

export interface OffsetCommitPartition {
  partition: number;
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
}

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

function joinError(errorCode: number, memberId = ''): JoinResult {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    skipAssignment: false,
    memberId,
    members: [],
  };
}

function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly config: GroupCoordinatorConfig;
  private readonly clock: Clock;
  private readonly store: GroupStore | null;
  private retentionTimer: unknown = null;
  /** The namespace (tenant) a group id belongs to, or null; usage is counted per namespace for its limits. */
  private readonly namespaceOf: (groupId: string) => string | null;
  private readonly usageByNamespace = new Map<string, NamespaceUsage>();
  /** Groups that commits waiting for their fsync will create, with how many such commits: reserved once each. */
  private readonly pendingNewGroups = new Map<string, number>();

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
    this.namespaceOf = namespaceOf;
    for (const r of records) this.replay(r, true);
    for (const g of this.groups.values()) {
      // Members loaded from disk must heartbeat within their session timeout, as after a coordinator failover.
      for (const m of g.members.values()) this.scheduleExpiry(g, m);
    }
    store?.setLiveState(() => this.liveRecords());
  }

  // ------------------------------------------------------------------ queries

  group(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  listGroups(): { groupId: string; protocolType: string; state: GroupState }[] {
    return [...this.groups.values()]
      .filter((g) => g.state !== 'Dead')
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state }));
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

  committedOffsets(groupId: string): Map<string, Map<number, CommittedOffset>> {
    return this.groups.get(groupId)?.offsets ?? new Map();
  }

  /** Groups on this broker (every namespace). */
  groupCount(): number {
    return this.groups.size;
  }

  /** Groups and committed offsets held in a namespace (a tenant). */
  usage(namespace: string): { groups: number; offsets: number } {
    const u = this.usageByNamespace.get(namespace);
    return { groups: u?.groups ?? 0, offsets: u?.offsets ?? 0 };
  }

  private usageOf(groupId: string): NamespaceUsage | null {
    const ns = this.namespaceOf(groupId);
    if (ns === null) return null;
    let u = this.usageByNamespace.get(ns);
    if (!u) {
      u = { groups: 0, offsets: 0, pendingGroups: 0, pendingOffsets: 0 };
      this.usageByNamespace.set(ns, u);
    }
    return u;
  }

  /** Whether the group's namespace may hold one more group. */
  private roomForGroup(groupId: string, limits: NamespaceLimits | null): boolean {
    if (limits === null) return true;
    if (this.pendingNewGroups.has(groupId)) return true;
    const u = this.usageOf(groupId);
    return u === null || u.groups + u.pendingGroups < limits.maxGroups;
  }

  private createGroup(groupId: string): Group {
    const g = new Group(groupId, this.clock.nowMs());
    this.groups.set(groupId, g);
    const u = this.usageOf(groupId);
    if (u) u.groups++;
    return g;
  }

  private dropGroup(g: Group): void {
    g.state = 'Dead';
    this.groups.delete(g.groupId);
    const u = this.usageOf(g.groupId);
    if (!u) return;
    u.groups--;
    for (const partitions of g.offsets.values()) u.offsets -= partitions.size;
    assert.ok(u.groups >= 0 && u.offsets >= 0, 'namespace usage never goes negative');
    if (u.groups === 0 && u.pendingGroups === 0 && u.pendingOffsets === 0)
      this.usageByNamespace.delete(this.namespaceOf(g.groupId)!);
  }

  // ------------------------------------------------------------------ JoinGroup

  /** `limits`: the bounds of the group's namespace (a tenant), or null for none (superuser, auth off). */
  join(req: JoinRequest, limits: NamespaceLimits | null = null): Promise<JoinResult> {
    if (!req.groupId) return Promise.resolve(joinError(ErrorCode.INVALID_GROUP_ID, req.memberId));
    if (
      req.sessionTimeoutMs < this.config.groupMinSessionTimeoutMs ||
      req.sessionTimeoutMs > this.config.groupMaxSessionTimeoutMs
    ) {
      return Promise.resolve(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId));
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
      if (!this.roomForGroup(req.groupId, limits)) {
        return Promise.resolve(joinError(ErrorCode.POLICY_VIOLATION, req.memberId));
      }
      g = this.createGroup(req.groupId);
    }
    if (g.state === 'Dead') return Promise.resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId));
    if (!this.protocolsCompatible(g, req)) {
      return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    }
    if (req.memberId === '') return this.joinUnknownMember(g, req);
    return this.joinKnownMember(g, req);
  }

  private protocolsCompatible(g: Group, req: JoinRequest): boolean {
    if (req.protocolType === '' || req.protocols.length === 0) return false;
    if (g.members.size === 0) return true;
    if (g.protocolType !== req.protocolType) return false;
    const common = g.commonProtocols();
    return req.protocols.some((p) => common.includes(p.name));
  }

  private newMemberId(clientId: string): string {
    return `${clientId || 'member'}-${randomUUID()}`;
  }

  private joinUnknownMember(g: Group, req: JoinRequest): Promise<JoinResult> {
    const memberId = this.newMemberId(req.clientId);
    if (req.groupInstanceId !== null) {
      const oldId = g.staticMembers.get(req.groupInstanceId);
      if (oldId !== undefined && g.members.has(oldId)) return this.replaceStaticMember(g, oldId, memberId, req);
      return this.addMemberAndJoin(g, memberId, req);
    }
    if (req.requireKnownMemberId) {
      if (g.members.size + g.pendingMembers.size >= this.config.groupMaxSize) {
        return Promise.resolve(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, ''));
      }
      // KIP-394: hand out an id first; the member must join again with it within its session timeout.
      const timer = this.clock.setTimeout(() => {
        g.pendingMembers.delete(memberId);
        if (g.state === 'PreparingRebalance') this.maybeCompleteJoin(g);
      }, req.sessionTimeoutMs);
      g.pendingMembers.set(memberId, timer);
      return Promise.resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
    }
    return this.addMemberAndJoin(g, memberId, req);
  }

  /** A static member restarted: it takes over its old entry (fencing the old id) and keeps its assignment. */
  private replaceStaticMember(g: Group, oldId: string, newId: string, req: JoinRequest): Promise<JoinResult> {
    const old = g.members.get(oldId)!;
    this.clock.clearTimeout(old.expiryTimer);
    old.joinWaiter?.(joinError(ErrorCode.FENCED_INSTANCE_ID, oldId));
    old.syncWaiter?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
    g.members.delete(oldId);
    const protocolsChanged =
      g.protocolName === null ||
      !req.protocols.some((p) => p.name === g.protocolName && p.metadata.equals(g.metadataFor(old, g.protocolName)));
    const member: Member = {
      ...old,
      memberId: newId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      protocols: req.protocols,
      joinWaiter: null,
      syncWaiter: null,
      expiryTimer: null,
    };
    g.members.set(newId, member);
    g.staticMembers.set(req.groupInstanceId!, newId);
    const previousLeader = g.leaderId;
    if (g.leaderId === oldId) g.leaderId = newId;
    if (g.state === 'Stable' && !protocolsChanged) {
      this.scheduleExpiry(g, member);
      void this.persistGroup(g);
      // The old leader id is returned so that a restarted leader does not recompute (and overwrite) assignments.
      return Promise.resolve({
        errorCode: ErrorCode.NONE,
        generationId: g.generationId,
        protocolType: g.protocolType,
        protocolName: g.protocolName,
        leader: previousLeader ?? '',
        skipAssignment: false,
        memberId: newId,
        members: [],
      });
    }
    return this.awaitJoin(g, member);
  }

  private addMemberAndJoin(g: Group, memberId: string, req: JoinRequest): Promise<JoinResult> {
    if (g.members.size >= this.config.groupMaxSize) {
      return Promise.resolve(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, memberId));
    }
    const member: Member = {
      memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
      assignment: Buffer.alloc(0),
      joinWaiter: null,
      syncWaiter: null,
      isNew: true,
      expiryTimer: null,
    };
    if (g.members.size === 0) g.protocolType = req.protocolType;
    g.members.set(memberId, member);
    if (req.groupInstanceId !== null) g.staticMembers.set(req.groupInstanceId, memberId);
    if (g.leaderId === null) g.leaderId = memberId;
    return this.awaitJoin(g, member);
  }

  private joinKnownMember(g: Group, req: JoinRequest): Promise<JoinResult> {
    if (req.groupInstanceId !== null) {
      const current = g.staticMembers.get(req.groupInstanceId);
      if (current !== undefined && current !== req.memberId) {
        return Promise.resolve(joinError(ErrorCode.FENCED_INSTANCE_ID, req.memberId));
      }
    }
    const pendingTimer = g.pendingMembers.get(req.memberId);
    if (pendingTimer !== undefined) {
      this.clock.clearTimeout(pendingTimer);
      g.pendingMembers.delete(req.memberId);
      return this.addMemberAndJoin(g, req.memberId, req);
    }
    const member = g.members.get(req.memberId);
    if (!member) return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    const unchanged =
      member.protocols.length === req.protocols.length &&
      member.protocols.every(
        (p, i) => p.name === req.protocols[i]!.name && p.metadata.equals(req.protocols[i]!.metadata),
      );
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.protocols = req.protocols;
    if (unchanged && (g.state === 'CompletingRebalance' || (g.state === 'Stable' && !g.isLeader(member.memberId)))) {
      // A repeated join (e.g. a lost response): answer with the current generation, no rebalance.
      this.scheduleExpiry(g, member);
      return Promise.resolve(this.joinResultFor(g, member));
    }
    return this.awaitJoin(g, member);
  }

  private awaitJoin(g: Group, member: Member): Promise<JoinResult> {
    return new Promise((resolve) => {
      member.joinWaiter?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
      member.joinWaiter = resolve;
      this.clock.clearTimeout(member.expiryTimer);
      if (g.state === 'PreparingRebalance') this.maybeCompleteJoin(g);
      else this.prepareRebalance(g);
    });
  }

  private prepareRebalance(g: Group): void {
    if (g.state === 'CompletingRebalance') {
      for (const m of g.members.values()) {
        m.syncWaiter?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        m.syncWaiter = null;
      }
    }
    const wasEmpty = g.state === 'Empty';
    g.state = 'PreparingRebalance';
    this.clock.clearTimeout(g.rebalanceTimer);
    const rebalanceTimeoutMs = Math.max(0, ...[...g.members.values()].map((m) => m.rebalanceTimeoutMs));
    if (wasEmpty && this.config.groupInitialRebalanceDelayMs > 0) {
      // Like group.initial.rebalance.delay.ms: let consumers that start together join one generation.
      g.initialDelayUntilMs =
        this.clock.nowMs() + Math.min(this.config.groupInitialRebalanceDelayMs, rebalanceTimeoutMs);
      g.rebalanceTimer = this.clock.setTimeout(
        () => this.onInitialDelayEnd(g, rebalanceTimeoutMs),
        g.initialDelayUntilMs - this.clock.nowMs(),
      );
      return;
    }
    g.initialDelayUntilMs = 0;
    g.rebalanceTimer = this.clock.setTimeout(() => this.completeJoin(g), rebalanceTimeoutMs);
    this.maybeCompleteJoin(g);
  }

  private onInitialDelayEnd(g: Group, rebalanceTimeoutMs: number): void {
    g.initialDelayUntilMs = 0;
    if (g.allMembersJoined()) {
      this.completeJoin(g);
      return;
    }
    g.rebalanceTimer = this.clock.setTimeout(() => this.completeJoin(g), rebalanceTimeoutMs);
  }

  private maybeCompleteJoin(g: Group): void {
    if (g.state !== 'PreparingRebalance') return;
    if (this.clock.nowMs() < g.initialDelayUntilMs) return;
    if (g.allMembersJoined()) this.completeJoin(g);
  }

  private completeJoin(g: Group): void {
    if (g.state !== 'PreparingRebalance') return;
    this.clock.clearTimeout(g.rebalanceTimer);
    g.rebalanceTimer = null;
    // Members that did not rejoin within the rebalance timeout are out.
    for (const m of [...g.members.values()]) if (!m.joinWaiter) this.removeMember(g, m);
    const previousGeneration = g.generationId;
    g.generationId++;
    assert.ok(g.generationId > previousGeneration, 'a generation only goes up');
    if (g.members.size === 0) {
      this.becomeEmpty(g);
      return;
    }
    g.protocolName = g.selectProtocol();
    if (g.leaderId === null || !g.members.has(g.leaderId)) g.leaderId = g.members.keys().next().value!;
    assert.ok(g.members.has(g.leaderId), 'the leader is a live member');
    g.state = 'CompletingRebalance';
    for (const m of g.members.values()) {
      m.assignment = Buffer.alloc(0);
      const waiter = m.joinWaiter!;
      m.joinWaiter = null;
      m.isNew = false;
      this.scheduleExpiry(g, m);
      waiter(this.joinResultFor(g, m));
    }
  }

  private joinResultFor(g: Group, m: Member): JoinResult {
    const leader = g.isLeader(m.memberId);
    return {
      errorCode: ErrorCode.NONE,
      generationId: g.generationId,
      protocolType: g.protocolType,
      protocolName: g.protocolName,
      leader: g.leaderId ?? '',
      skipAssignment: false,
      memberId: m.memberId,
      members: leader
        ? [...g.members.values()].map((x) => ({
            memberId: x.memberId,
            groupInstanceId: x.groupInstanceId,
            metadata: g.metadataFor(x, g.protocolName),
          }))
        : [],
    };
  }

  // ------------------------------------------------------------------ SyncGroup

  sync(req: SyncRequest): Promise<SyncResult> {
    const g = this.groups.get(req.groupId);
    const fail = (code: number) => Promise.resolve(syncError(code));
    if (!g || g.state === 'Dead') return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const member = g.members.get(req.memberId);
    if (!member) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (req.groupInstanceId !== null && g.staticMembers.get(req.groupInstanceId) !== req.memberId) {
      return fail(ErrorCode.FENCED_INSTANCE_ID);
    }
    if (req.generationId !== g.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    if (
      (req.protocolType !== null && req.protocolType !== g.protocolType) ||
      (req.protocolName !== null && req.protocolName !== g.protocolName)
    ) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    this.scheduleExpiry(g, member);
    switch (g.state) {
      case 'Empty':
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      case 'PreparingRebalance':
        return fail(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Stable':
        return Promise.resolve(this.syncResultFor(g, member));
      case 'CompletingRebalance':
        return new Promise((resolve) => {
          member.syncWaiter = resolve;
          if (!g.isLeader(member.memberId)) return;
          const given = new Map(req.assignments.map((a) => [a.memberId, a.assignment]));
          for (const m of g.members.values()) {
            // The broker never parses assignments; members the leader left out get an empty one.
            m.assignment = Buffer.from(given.get(m.memberId) ?? Buffer.alloc(0));
          }
          g.state = 'Stable';
          const generation = g.generationId;
          this.persistGroup(g).then(
            () => this.completeSync(g, generation, ErrorCode.NONE),
            () => this.completeSync(g, generation, ErrorCode.COORDINATOR_NOT_AVAILABLE),
          );
        });
      default:
        return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  }

  private completeSync(g: Group, generation: number, errorCode: number): void {
    if (g.generationId !== generation) return;
    for (const m of g.members.values()) {
      const waiter = m.syncWaiter;
      m.syncWaiter = null;
      if (!waiter) continue;
      waiter(errorCode === ErrorCode.NONE ? this.syncResultFor(g, m) : syncError(errorCode));
    }
  }

  private syncResultFor(g: Group, m: Member): SyncResult {
    return {
      errorCode: ErrorCode.NONE,
      protocolType: g.protocolType,
      protocolName: g.protocolName,
      assignment: m.assignment,
    };
  }

  // ------------------------------------------------------------------ Heartbeat / LeaveGroup

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): number {
    const g = this.groups.get(groupId);
    if (!g || g.state === 'Dead') return ErrorCode.UNKNOWN_MEMBER_ID;
    if (
      groupInstanceId !== null &&
      g.staticMembers.has(groupInstanceId) &&
      g.staticMembers.get(groupInstanceId) !== memberId
    ) {
      return ErrorCode.FENCED_INSTANCE_ID;
    }
    const member = g.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== g.generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (g.state) {
      case 'PreparingRebalance':
        this.scheduleExpiry(g, member);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case 'CompletingRebalance':
      case 'Stable':
        this.scheduleExpiry(g, member);
        return ErrorCode.NONE;
      default:
        return ErrorCode.UNKNOWN_MEMBER_ID;
    }
  }

  /** Removes members; returns an error code per member. */
  leave(
    groupId: string,
    members: { memberId: string; groupInstanceId: string | null }[],
  ): {
    errorCode: number;
    members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
  } {
    const g = this.groups.get(groupId);
    if (!g || g.state === 'Dead') {
      return {
        errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
        members: members.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })),
      };
    }
    const results = members.map((req) => {
      let memberId = req.memberId;
      if (req.groupInstanceId !== null) {
        const current = g.staticMembers.get(req.groupInstanceId);
        if (current === undefined) return { ...req, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
        if (memberId !== '' && memberId !== current) return { ...req, errorCode: ErrorCode.FENCED_INSTANCE_ID };
        memberId = current;
      }
      const pending = g.pendingMembers.get(memberId);
      if (pending !== undefined) {
        this.clock.clearTimeout(pending);
        g.pendingMembers.delete(memberId);
        this.maybeCompleteJoin(g);
        return { ...req, errorCode: ErrorCode.NONE };
      }
      const member = g.members.get(memberId);
      if (!member) return { ...req, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
      this.memberLeft(g, member);
      return { ...req, errorCode: ErrorCode.NONE };
    });
    return { errorCode: ErrorCode.NONE, members: results };
  }

  private removeMember(g: Group, m: Member): void {
    this.clock.clearTimeout(m.expiryTimer);
    m.joinWaiter?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, m.memberId));
    m.syncWaiter?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    m.joinWaiter = null;
    m.syncWaiter = null;
    g.members.delete(m.memberId);
    if (m.groupInstanceId !== null && g.staticMembers.get(m.groupInstanceId) === m.memberId) {
      g.staticMembers.delete(m.groupInstanceId);
    }
    if (g.leaderId === m.memberId) g.leaderId = g.members.keys().next().value ?? null;
  }

  /** A member left or its session expired: the others rebalance; the last one leaves the group Empty. */
  private memberLeft(g: Group, m: Member): void {
    this.removeMember(g, m);
    if (g.state === 'PreparingRebalance') {
      this.maybeCompleteJoin(g);
      return;
    }
    if (g.members.size === 0 && g.state !== 'Empty') {
      this.clock.clearTimeout(g.rebalanceTimer);
      const previousGeneration = g.generationId;
      g.generationId++;
      assert.ok(g.generationId > previousGeneration, 'a generation only goes up');
      this.becomeEmpty(g);
      return;
    }
    if (g.state === 'Stable' || g.state === 'CompletingRebalance') this.prepareRebalance(g);
  }

  /** The last member is gone: the group keeps its offsets and generation, and waits Empty. */
  private becomeEmpty(g: Group): void {
    g.state = 'Empty';
    g.protocolName = null;
    g.leaderId = null;
    g.emptySinceMs = this.clock.nowMs();
    void this.persistGroup(g);
  }

  private scheduleExpiry(g: Group, m: Member): void {
    this.clock.clearTimeout(m.expiryTimer);
    m.expiryTimer = this.clock.setTimeout(() => {
      if (g.members.get(m.memberId) !== m) return;
      // A member waiting for a join or sync answer is alive by definition.
      if (m.joinWaiter || m.syncWaiter) {
        this.scheduleExpiry(g, m);
        return;
      }
      this.memberLeft(g, m);
    }, m.sessionTimeoutMs);
  }

  // ------------------------------------------------------------------ offsets

  /** Validates an OffsetCommit against group membership; NONE means the commit may be stored. */
  validateCommit(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null): number {
    if (!groupId) return ErrorCode.INVALID_GROUP_ID;
    const g = this.groups.get(groupId);
    if (!g) {
      return generationId < 0 ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    }
    if (g.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generationId < 0 && g.state === 'Empty') return ErrorCode.NONE;
    if (groupInstanceId !== null && g.staticMembers.get(groupInstanceId) !== memberId) {
      return ErrorCode.FENCED_INSTANCE_ID;
    }
    if (g.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    const member = g.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== g.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.scheduleExpiry(g, member);
    return ErrorCode.NONE;
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
    const results = new Map<string, Map<number, number>>();
    // A new group is created by the first offset stored (in replay), never by a refused commit.
    const g = this.groups.get(groupId);
    if (!g) {
      const full = this.groups.size >= this.config.maxGroups;
      if (full || !this.roomForGroup(groupId, limits)) {
        const code = full ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.POLICY_VIOLATION;
        for (const t of topics) results.set(t.topic, new Map(t.partitions.map((p) => [p.partition, code])));
        return results;
      }
    }
    const usage = limits === null ? null : this.usageOf(groupId);
    const now = this.clock.nowMs();
    const records: StoreRecord[] = [];
    let newOffsets = 0;
    for (const t of topics) {
      const perPartition = new Map<number, number>();
      results.set(t.topic, perPartition);
      const existing = g?.offsets.get(t.topic);
      for (const p of t.partitions) {
        if (p.metadata !== null && Buffer.byteLength(p.metadata) > this.config.offsetMetadataMaxBytes) {
          perPartition.set(p.partition, ErrorCode.OFFSET_METADATA_TOO_LARGE);
          continue;
        }
        if (usage !== null && limits !== null && !existing?.has(p.partition)) {
          if (usage.offsets + usage.pendingOffsets + newOffsets >= limits.maxCommittedOffsets) {
            perPartition.set(p.partition, ErrorCode.POLICY_VIOLATION);
            continue;
          }
          newOffsets++;
        }
        perPartition.set(p.partition, ErrorCode.NONE);
        records.push({
          type: 'offset',
          group: groupId,
          topic: t.topic,
          partition: p.partition,
          offset: p.offset.toString(),
          leaderEpoch: p.leaderEpoch,
          metadata: p.metadata,
          commitTimestampMs: now,
        });
      }
    }
    const createsGroup = !g && records.length > 0;
    this.reserve(groupId, usage, createsGroup, newOffsets, true);
    try {
      if (this.store) await this.store.append(records);
    } finally {
      this.reserve(groupId, usage, createsGroup, newOffsets, false);
    }
    for (const r of records) this.replay(r, false);
    return results;
  }

  /** Holds or releases room for a commit waiting for its fsync: its new offsets, and its new group once per id. */
  private reserve(
    groupId: string,
    usage: NamespaceUsage | null,
    createsGroup: boolean,
    newOffsets: number,
    hold: boolean,
  ): void {
    if (createsGroup) {
      const holders = (this.pendingNewGroups.get(groupId) ?? 0) + (hold ? 1 : -1);
      assert.ok(holders >= 0, 'a pending group is released once per hold');
      if (holders === 0) this.pendingNewGroups.delete(groupId);
      else this.pendingNewGroups.set(groupId, holders);
      // Counted in the namespace whoever commits (a superuser may create a tenant's group too).
      const ns = this.usageOf(groupId);
      if (ns && hold && holders === 1) ns.pendingGroups++;
      if (ns && !hold && holders === 0) ns.pendingGroups--;
    }
    if (usage) usage.pendingOffsets += hold ? newOffsets : -newOffsets;
  }

  /** Deletes groups (only empty ones); returns an error code per group. */
  async deleteGroups(groupIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const records: StoreRecord[] = [];
    for (const id of groupIds) {
      const g = this.groups.get(id);
      if (!g || g.state === 'Dead') out.set(id, ErrorCode.GROUP_ID_NOT_FOUND);
      else if (g.state !== 'Empty') out.set(id, ErrorCode.NON_EMPTY_GROUP);
      else {
        out.set(id, ErrorCode.NONE);
        records.push({ type: 'group-delete', group: id });
      }
    }
    if (this.store) await this.store.append(records);
    for (const r of records) this.replay(r, false);
    return out;
  }

  /** OffsetDelete: removes offsets of partitions the group does not subscribe to (or of an empty group). */
  async deleteOffsets(
    groupId: string,
    topics: { topic: string; partitions: number[] }[],
    subscribedTopics: (g: Group) => Set<string> | null,
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
    if (this.store) await this.store.append(records);
    for (const r of records) this.replay(r, false);
    return { errorCode: ErrorCode.NONE, perTopic };
  }

  /** Drops the offsets of groups that have been empty longer than the retention (offsets.retention.minutes). */
  async expireOffsets(): Promise<number> {
    const cutoff = this.clock.nowMs() - this.config.offsetsRetentionMs;
    const records: StoreRecord[] = [];
    for (const g of this.groups.values()) {
      if (g.state !== 'Empty' || g.emptySinceMs > cutoff) continue;
      for (const [topic, partitions] of g.offsets) {
        for (const [partition, o] of partitions) {
          if (o.commitTimestampMs <= cutoff)
            records.push({ type: 'offset-delete', group: g.groupId, topic, partition });
        }
      }
    }
    if (this.store) await this.store.append(records);
    for (const r of records) this.replay(r, false);
    for (const g of [...this.groups.values()]) {
      if (g.state === 'Empty' && !g.hasOffsets() && g.members.size === 0) {
        if (this.store) await this.store.append([{ type: 'group-delete', group: g.groupId }]);
        if (this.groups.get(g.groupId) === g) this.dropGroup(g);
      }
    }
    return records.length;
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
    for (const g of this.groups.values()) {
      this.clock.clearTimeout(g.rebalanceTimer);
      for (const m of g.members.values()) this.clock.clearTimeout(m.expiryTimer);
      for (const t of g.pendingMembers.values()) this.clock.clearTimeout(t);
    }
  }

  // ------------------------------------------------------------------ persistence

  private snapshot(g: Group): GroupSnapshot {
    return {
      protocolType: g.protocolType,
      protocolName: g.protocolName,
      generationId: g.generationId,
      leaderId: g.leaderId,
      members:
        g.state === 'Stable'
          ? [...g.members.values()].map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              clientId: m.clientId,
              clientHost: m.clientHost,
              sessionTimeoutMs: m.sessionTimeoutMs,
              rebalanceTimeoutMs: m.rebalanceTimeoutMs,
              metadata: g.metadataFor(m, g.protocolName).toString('base64'),
              assignment: m.assignment.toString('base64'),
            }))
          : [],
    };
  }

  private persistGroup(g: Group): Promise<void> {
    if (!this.store) return Promise.resolve();
    return this.store.append([{ type: 'group', group: g.groupId, snapshot: this.snapshot(g) }]);
  }

  private replay(r: StoreRecord, fromDisk: boolean): void {
    if (r.type === 'group-delete') {
      const g = this.groups.get(r.group);
      if (g) this.dropGroup(g);
      return;
    }
    const g = this.groups.get(r.group) ?? this.createGroup(r.group);
    if (r.type === 'offset') {
      let partitions = g.offsets.get(r.topic);
      if (!partitions) {
        partitions = new Map();
        g.offsets.set(r.topic, partitions);
      }
      if (!partitions.has(r.partition)) {
        const u = this.usageOf(r.group);
        if (u) u.offsets++;
      }
      partitions.set(r.partition, {
        offset: BigInt(r.offset),
        leaderEpoch: r.leaderEpoch,
        metadata: r.metadata,
        commitTimestampMs: r.commitTimestampMs,
      });
    } else if (r.type === 'offset-delete') {
      if (g.offsets.get(r.topic)?.delete(r.partition)) {
        const u = this.usageOf(r.group);
        if (u) u.offsets--;
      }
    } else if (r.type === 'group' && fromDisk) {
      // Loading from disk: restore the last stable membership (live groups are never overwritten by replay).
      const s = r.snapshot;
      g.generationId = s.generationId;
      g.protocolType = s.protocolType;
      g.protocolName = s.protocolName;
      g.leaderId = s.leaderId;
      g.staticMembers.clear();
      for (const m of s.members) {
        g.members.set(m.memberId, {
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          sessionTimeoutMs: m.sessionTimeoutMs,
          rebalanceTimeoutMs: m.rebalanceTimeoutMs,
          protocolType: s.protocolType ?? '',
          protocols: [{ name: s.protocolName ?? '', metadata: Buffer.from(m.metadata, 'base64') }],
          assignment: Buffer.from(m.assignment, 'base64'),
          joinWaiter: null,
          syncWaiter: null,
          isNew: false,
          expiryTimer: null,
        });
        if (m.groupInstanceId !== null) g.staticMembers.set(m.groupInstanceId, m.memberId);
      }
      g.state = g.members.size > 0 ? 'Stable' : 'Empty';
    }
  }

  private liveRecords(): StoreRecord[] {
    const out: StoreRecord[] = [];
    for (const g of this.groups.values()) {
      out.push({ type: 'group', group: g.groupId, snapshot: this.snapshot(g) });
      for (const [topic, partitions] of g.offsets) {
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
          });
        }
      }
    }
    return out;
  }
}
