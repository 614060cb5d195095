/**
 * GroupMembership: the membership state machine of one classic consumer group (Empty -> PreparingRebalance ->
 * CompletingRebalance -> Stable; Dead once deleted). JoinGroup, SyncGroup, Heartbeat and LeaveGroup with member-id
 * and generation fencing, static membership, KIP-394 member ids, the protocol vote, session expiry and rebalance
 * timeouts. It holds no offsets and does no I/O: time comes from a Clock, and each membership worth keeping (a
 * completed sync, a static member's restart, the group becoming empty) goes to `persist`, whose outcome decides the
 * SyncGroup answer.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@samsa/protocol';
import type { Clock } from './clock.ts';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

/** Who a member is and how long it may stay silent, as given in its JoinGroup. */
export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
}

export interface JoinRequest extends MemberIdentity {
  groupId: string;
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

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface LeaveResult {
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export interface Member extends MemberIdentity {
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
  assignment: Buffer;
  joinWaiter: ((r: JoinResult) => void) | null;
  syncWaiter: ((r: SyncResult) => void) | null;
  /** True until the member's first join completes (a new member gets less patience). */
  isNew: boolean;
  expiryTimer: unknown;
}

/** The last stable membership of a group, as kept across restarts (members only when the group was Stable). */
export interface MembershipSnapshot {
  protocolType: string | null;
  protocolName: string | null;
  generationId: number;
  leaderId: string | null;
  /** Each member with the chosen protocol's metadata and its assignment. */
  members: (MemberIdentity & { metadata: Buffer; assignment: Buffer })[];
}

export interface MembershipConfig {
  /** Wait this long for more members before the first rebalance of an empty group (group.initial.rebalance.delay.ms). */
  groupInitialRebalanceDelayMs: number;
  /** Members per group; more get GROUP_MAX_SIZE_REACHED. */
  groupMaxSize: number;
}

export interface MembershipHost {
  readonly config: MembershipConfig;
  readonly clock: Clock;
  /** Makes the group's current membership durable; SyncGroup answers only after it resolves. */
  persist(group: GroupMembership): Promise<void>;
}

function identityOf(m: MemberIdentity): MemberIdentity {
  return {
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    sessionTimeoutMs: m.sessionTimeoutMs,
    rebalanceTimeoutMs: m.rebalanceTimeoutMs,
  };
}

export function joinError(errorCode: number, memberId = ''): JoinResult {
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

export class GroupMembership {
  readonly groupId: string;
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** group.instance.id -> member id */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet, with their expiry timers. */
  readonly pendingMembers = new Map<string, unknown>();
  /** When the group last became empty (for offset retention). */
  emptySinceMs: number;
  private rebalanceTimer: unknown = null;
  /** When the initial-rebalance delay of an empty group ends. */
  private initialDelayUntilMs = 0;
  private readonly host: MembershipHost;

  constructor(groupId: string, host: MembershipHost) {
    this.groupId = groupId;
    this.host = host;
    this.emptySinceMs = host.clock.nowMs();
  }

  private get clock(): Clock {
    return this.host.clock;
  }

  // ------------------------------------------------------------------ queries

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  /** Protocol names every member supports. */
  commonProtocols(): string[] {
    let common: string[] | null = null;
    for (const m of this.members.values()) {
      const names = m.protocols.map((p) => p.name);
      common = common === null ? names : common.filter((n) => names.includes(n));
    }
    return common ?? [];
  }

  metadataFor(member: Member, protocol: string | null): Buffer {
    return member.protocols.find((p) => p.name === protocol)?.metadata ?? Buffer.alloc(0);
  }

  private allMembersJoined(): boolean {
    for (const m of this.members.values()) if (!m.joinWaiter) return false;
    return this.pendingMembers.size === 0;
  }

  /** Picks the protocol by vote: each member votes for its most preferred protocol that everyone supports. */
  private selectProtocol(): string | null {
    const common = this.commonProtocols();
    if (common.length === 0) return null;
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => common.includes(p.name))!.name;
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best = common[0]!;
    for (const name of common) if ((votes.get(name) ?? 0) > (votes.get(best) ?? 0)) best = name;
    return best;
  }

  // ------------------------------------------------------------------ JoinGroup

  join(req: JoinRequest): Promise<JoinResult> {
    if (this.state === 'Dead') return Promise.resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId));
    if (!this.protocolsCompatible(req)) {
      return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    }
    if (req.memberId === '') return this.joinUnknownMember(req);
    return this.joinKnownMember(req);
  }

  private protocolsCompatible(req: JoinRequest): boolean {
    if (req.protocolType === '' || req.protocols.length === 0) return false;
    if (this.members.size === 0) return true;
    if (this.protocolType !== req.protocolType) return false;
    const common = this.commonProtocols();
    return req.protocols.some((p) => common.includes(p.name));
  }

  private joinUnknownMember(req: JoinRequest): Promise<JoinResult> {
    const memberId = `${req.clientId || 'member'}-${randomUUID()}`;
    if (req.groupInstanceId !== null) {
      const oldId = this.staticMembers.get(req.groupInstanceId);
      if (oldId !== undefined && this.members.has(oldId)) return this.replaceStaticMember(oldId, memberId, req);
      return this.addMemberAndJoin(memberId, req);
    }
    if (req.requireKnownMemberId) {
      if (this.members.size + this.pendingMembers.size >= this.host.config.groupMaxSize) {
        return Promise.resolve(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, ''));
      }
      // KIP-394: hand out an id first; the member must join again with it within its session timeout.
      const timer = this.clock.setTimeout(() => {
        this.pendingMembers.delete(memberId);
        if (this.state === 'PreparingRebalance') this.maybeCompleteJoin();
      }, req.sessionTimeoutMs);
      this.pendingMembers.set(memberId, timer);
      return Promise.resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
    }
    return this.addMemberAndJoin(memberId, req);
  }

  /** A static member restarted: it takes over its old entry (fencing the old id) and keeps its assignment. */
  private replaceStaticMember(oldId: string, newId: string, req: JoinRequest): Promise<JoinResult> {
    const old = this.members.get(oldId)!;
    this.clock.clearTimeout(old.expiryTimer);
    old.joinWaiter?.(joinError(ErrorCode.FENCED_INSTANCE_ID, oldId));
    old.syncWaiter?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
    this.members.delete(oldId);
    const protocolsChanged =
      this.protocolName === null ||
      !req.protocols.some(
        (p) => p.name === this.protocolName && p.metadata.equals(this.metadataFor(old, this.protocolName)),
      );
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
    this.members.set(newId, member);
    this.staticMembers.set(req.groupInstanceId!, newId);
    const previousLeader = this.leaderId;
    if (this.leaderId === oldId) this.leaderId = newId;
    if (this.state === 'Stable' && !protocolsChanged) {
      this.scheduleExpiry(member);
      void this.persist();
      // The old leader id is returned so that a restarted leader does not recompute (and overwrite) assignments.
      return Promise.resolve({
        errorCode: ErrorCode.NONE,
        generationId: this.generationId,
        protocolType: this.protocolType,
        protocolName: this.protocolName,
        leader: previousLeader ?? '',
        skipAssignment: false,
        memberId: newId,
        members: [],
      });
    }
    return this.awaitJoin(member);
  }

  private addMemberAndJoin(memberId: string, req: JoinRequest): Promise<JoinResult> {
    if (this.members.size >= this.host.config.groupMaxSize) {
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
    if (this.members.size === 0) this.protocolType = req.protocolType;
    this.members.set(memberId, member);
    if (req.groupInstanceId !== null) this.staticMembers.set(req.groupInstanceId, memberId);
    if (this.leaderId === null) this.leaderId = memberId;
    return this.awaitJoin(member);
  }

  private joinKnownMember(req: JoinRequest): Promise<JoinResult> {
    if (req.groupInstanceId !== null) {
      const current = this.staticMembers.get(req.groupInstanceId);
      if (current !== undefined && current !== req.memberId) {
        return Promise.resolve(joinError(ErrorCode.FENCED_INSTANCE_ID, req.memberId));
      }
    }
    const pendingTimer = this.pendingMembers.get(req.memberId);
    if (pendingTimer !== undefined) {
      this.clock.clearTimeout(pendingTimer);
      this.pendingMembers.delete(req.memberId);
      return this.addMemberAndJoin(req.memberId, req);
    }
    const member = this.members.get(req.memberId);
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
    if (
      unchanged &&
      (this.state === 'CompletingRebalance' || (this.state === 'Stable' && !this.isLeader(member.memberId)))
    ) {
      // A repeated join (e.g. a lost response): answer with the current generation, no rebalance.
      this.scheduleExpiry(member);
      return Promise.resolve(this.joinResultFor(member));
    }
    return this.awaitJoin(member);
  }

  private awaitJoin(member: Member): Promise<JoinResult> {
    return new Promise((resolve) => {
      member.joinWaiter?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
      member.joinWaiter = resolve;
      this.clock.clearTimeout(member.expiryTimer);
      if (this.state === 'PreparingRebalance') this.maybeCompleteJoin();
      else this.prepareRebalance();
    });
  }

  private prepareRebalance(): void {
    if (this.state === 'CompletingRebalance') {
      for (const m of this.members.values()) {
        m.syncWaiter?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        m.syncWaiter = null;
      }
    }
    const wasEmpty = this.state === 'Empty';
    this.state = 'PreparingRebalance';
    this.clock.clearTimeout(this.rebalanceTimer);
    const rebalanceTimeoutMs = Math.max(0, ...[...this.members.values()].map((m) => m.rebalanceTimeoutMs));
    const initialDelayMs = this.host.config.groupInitialRebalanceDelayMs;
    if (wasEmpty && initialDelayMs > 0) {
      // Like group.initial.rebalance.delay.ms: let consumers that start together join one generation.
      this.initialDelayUntilMs = this.clock.nowMs() + Math.min(initialDelayMs, rebalanceTimeoutMs);
      this.rebalanceTimer = this.clock.setTimeout(
        () => this.onInitialDelayEnd(rebalanceTimeoutMs),
        this.initialDelayUntilMs - this.clock.nowMs(),
      );
      return;
    }
    this.initialDelayUntilMs = 0;
    this.rebalanceTimer = this.clock.setTimeout(() => this.completeJoin(), rebalanceTimeoutMs);
    this.maybeCompleteJoin();
  }

  private onInitialDelayEnd(rebalanceTimeoutMs: number): void {
    this.initialDelayUntilMs = 0;
    if (this.allMembersJoined()) {
      this.completeJoin();
      return;
    }
    this.rebalanceTimer = this.clock.setTimeout(() => this.completeJoin(), rebalanceTimeoutMs);
  }

  private maybeCompleteJoin(): void {
    if (this.state !== 'PreparingRebalance') return;
    if (this.clock.nowMs() < this.initialDelayUntilMs) return;
    if (this.allMembersJoined()) this.completeJoin();
  }

  private completeJoin(): void {
    if (this.state !== 'PreparingRebalance') return;
    this.clock.clearTimeout(this.rebalanceTimer);
    this.rebalanceTimer = null;
    // Members that did not rejoin within the rebalance timeout are out.
    for (const m of [...this.members.values()]) if (!m.joinWaiter) this.removeMember(m);
    this.nextGeneration();
    if (this.members.size === 0) {
      this.becomeEmpty();
      return;
    }
    this.protocolName = this.selectProtocol();
    if (this.leaderId === null || !this.members.has(this.leaderId)) this.leaderId = this.members.keys().next().value!;
    assert.ok(this.members.has(this.leaderId), 'the leader is a live member');
    this.state = 'CompletingRebalance';
    for (const m of this.members.values()) {
      m.assignment = Buffer.alloc(0);
      const waiter = m.joinWaiter!;
      m.joinWaiter = null;
      m.isNew = false;
      this.scheduleExpiry(m);
      waiter(this.joinResultFor(m));
    }
  }

  /** The only place a live group's generation changes (`restore` loads one at start-up). */
  private nextGeneration(): void {
    const previous = this.generationId;
    this.generationId++;
    assert.ok(this.generationId > previous, 'a generation only goes up');
  }

  private joinResultFor(m: Member): JoinResult {
    const leader = this.isLeader(m.memberId);
    return {
      errorCode: ErrorCode.NONE,
      generationId: this.generationId,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      leader: this.leaderId ?? '',
      skipAssignment: false,
      memberId: m.memberId,
      members: leader
        ? [...this.members.values()].map((x) => ({
            memberId: x.memberId,
            groupInstanceId: x.groupInstanceId,
            metadata: this.metadataFor(x, this.protocolName),
          }))
        : [],
    };
  }

  // ------------------------------------------------------------------ SyncGroup

  sync(req: SyncRequest): Promise<SyncResult> {
    const fail = (code: number) => Promise.resolve(syncError(code));
    if (this.state === 'Dead') return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const member = this.members.get(req.memberId);
    if (!member) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (req.groupInstanceId !== null && this.staticMembers.get(req.groupInstanceId) !== req.memberId) {
      return fail(ErrorCode.FENCED_INSTANCE_ID);
    }
    if (req.generationId !== this.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    if (
      (req.protocolType !== null && req.protocolType !== this.protocolType) ||
      (req.protocolName !== null && req.protocolName !== this.protocolName)
    ) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    this.scheduleExpiry(member);
    switch (this.state) {
      case 'Empty':
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      case 'PreparingRebalance':
        return fail(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Stable':
        return Promise.resolve(this.syncResultFor(member));
      case 'CompletingRebalance':
        return new Promise((resolve) => {
          member.syncWaiter = resolve;
          if (!this.isLeader(member.memberId)) return;
          const given = new Map(req.assignments.map((a) => [a.memberId, a.assignment]));
          for (const m of this.members.values()) {
            // The broker never parses assignments; members the leader left out get an empty one.
            m.assignment = Buffer.from(given.get(m.memberId) ?? Buffer.alloc(0));
          }
          this.state = 'Stable';
          const generation = this.generationId;
          this.persist().then(
            () => this.completeSync(generation, ErrorCode.NONE),
            () => this.completeSync(generation, ErrorCode.COORDINATOR_NOT_AVAILABLE),
          );
        });
      default:
        return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  }

  private completeSync(generation: number, errorCode: number): void {
    if (this.generationId !== generation) return;
    for (const m of this.members.values()) {
      const waiter = m.syncWaiter;
      m.syncWaiter = null;
      if (!waiter) continue;
      waiter(errorCode === ErrorCode.NONE ? this.syncResultFor(m) : syncError(errorCode));
    }
  }

  private syncResultFor(m: Member): SyncResult {
    return {
      errorCode: ErrorCode.NONE,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      assignment: m.assignment,
    };
  }

  // ------------------------------------------------------------------ Heartbeat / LeaveGroup / OffsetCommit

  heartbeat(memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (this.state === 'Dead') return ErrorCode.UNKNOWN_MEMBER_ID;
    if (
      groupInstanceId !== null &&
      this.staticMembers.has(groupInstanceId) &&
      this.staticMembers.get(groupInstanceId) !== memberId
    ) {
      return ErrorCode.FENCED_INSTANCE_ID;
    }
    const member = this.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (this.state) {
      case 'PreparingRebalance':
        this.scheduleExpiry(member);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case 'CompletingRebalance':
      case 'Stable':
        this.scheduleExpiry(member);
        return ErrorCode.NONE;
      default:
        return ErrorCode.UNKNOWN_MEMBER_ID;
    }
  }

  /** Removes members; returns an error code per member. */
  leave(members: { memberId: string; groupInstanceId: string | null }[]): LeaveResult {
    if (this.state === 'Dead') {
      return {
        errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
        members: members.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })),
      };
    }
    const results = members.map((req) => {
      let memberId = req.memberId;
      if (req.groupInstanceId !== null) {
        const current = this.staticMembers.get(req.groupInstanceId);
        if (current === undefined) return { ...req, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
        if (memberId !== '' && memberId !== current) return { ...req, errorCode: ErrorCode.FENCED_INSTANCE_ID };
        memberId = current;
      }
      const pending = this.pendingMembers.get(memberId);
      if (pending !== undefined) {
        this.clock.clearTimeout(pending);
        this.pendingMembers.delete(memberId);
        this.maybeCompleteJoin();
        return { ...req, errorCode: ErrorCode.NONE };
      }
      const member = this.members.get(memberId);
      if (!member) return { ...req, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
      this.memberLeft(member);
      return { ...req, errorCode: ErrorCode.NONE };
    });
    return { errorCode: ErrorCode.NONE, members: results };
  }

  /**
   * Whether a member may commit offsets for this group (NONE: it may). A negative generation commits as a
   * stand-alone consumer, allowed only while the group has no members. A valid commit counts as a heartbeat.
   */
  /**
   * TxnOffsetCommit's check (Kafka's ClassicGroup.validateOffsetCommit with isTransactional): member fields given
   * are checked (UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID, ILLEGAL_GENERATION); without them (v0-2) the commit is
   * accepted, and a rebalance in progress does not refuse it.
   */
  validateTxnCommit(generationId: number, memberId: string, groupInstanceId: string | null): number {
    if (this.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generationId < 0 && this.state === 'Empty') return ErrorCode.NONE;
    if (generationId < 0 && memberId === '' && groupInstanceId === null) return ErrorCode.NONE;
    if (groupInstanceId !== null) {
      const existing = this.staticMembers.get(groupInstanceId);
      if (existing === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (existing !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    } else if (!this.members.has(memberId)) {
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    return generationId === this.generationId ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
  }

  validateCommit(generationId: number, memberId: string, groupInstanceId: string | null): number {
    if (this.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generationId < 0 && this.state === 'Empty') return ErrorCode.NONE;
    if (groupInstanceId !== null && this.staticMembers.get(groupInstanceId) !== memberId) {
      return ErrorCode.FENCED_INSTANCE_ID;
    }
    if (this.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    const member = this.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.scheduleExpiry(member);
    return ErrorCode.NONE;
  }

  private removeMember(m: Member): void {
    this.clock.clearTimeout(m.expiryTimer);
    m.joinWaiter?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, m.memberId));
    m.syncWaiter?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    m.joinWaiter = null;
    m.syncWaiter = null;
    this.members.delete(m.memberId);
    if (m.groupInstanceId !== null && this.staticMembers.get(m.groupInstanceId) === m.memberId) {
      this.staticMembers.delete(m.groupInstanceId);
    }
    if (this.leaderId === m.memberId) this.leaderId = this.members.keys().next().value ?? null;
  }

  /** A member left or its session expired: the others rebalance; the last one leaves the group Empty. */
  private memberLeft(m: Member): void {
    this.removeMember(m);
    if (this.state === 'PreparingRebalance') {
      this.maybeCompleteJoin();
      return;
    }
    if (this.members.size === 0 && this.state !== 'Empty') {
      this.clock.clearTimeout(this.rebalanceTimer);
      this.nextGeneration();
      this.becomeEmpty();
      return;
    }
    if (this.state === 'Stable' || this.state === 'CompletingRebalance') this.prepareRebalance();
  }

  /** The last member is gone: the group keeps its offsets and generation, and waits Empty. */
  private becomeEmpty(): void {
    this.state = 'Empty';
    this.protocolName = null;
    this.leaderId = null;
    this.emptySinceMs = this.clock.nowMs();
    void this.persist();
  }

  private scheduleExpiry(m: Member): void {
    this.clock.clearTimeout(m.expiryTimer);
    m.expiryTimer = this.clock.setTimeout(() => {
      if (this.members.get(m.memberId) !== m) return;
      // A member waiting for a join or sync answer is alive by definition.
      if (m.joinWaiter || m.syncWaiter) {
        this.scheduleExpiry(m);
        return;
      }
      this.memberLeft(m);
    }, m.sessionTimeoutMs);
  }

  private persist(): Promise<void> {
    return this.host.persist(this);
  }

  // ------------------------------------------------------------------ snapshots and lifetime

  /** The membership to keep across a restart: members only when Stable (any other state rebalances anyway). */
  snapshot(): MembershipSnapshot {
    return {
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      generationId: this.generationId,
      leaderId: this.leaderId,
      members:
        this.state === 'Stable'
          ? [...this.members.values()].map((m) => ({
              ...identityOf(m),
              metadata: this.metadataFor(m, this.protocolName),
              assignment: m.assignment,
            }))
          : [],
    };
  }

  /** Loads a snapshot at start-up, replacing any earlier one; call `startSessionTimers` once all are loaded. */
  restore(s: MembershipSnapshot): void {
    this.generationId = s.generationId;
    this.protocolType = s.protocolType;
    this.protocolName = s.protocolName;
    this.leaderId = s.leaderId;
    this.members.clear();
    this.staticMembers.clear();
    for (const m of s.members) {
      this.members.set(m.memberId, {
        ...identityOf(m),
        protocolType: s.protocolType ?? '',
        protocols: [{ name: s.protocolName ?? '', metadata: m.metadata }],
        assignment: m.assignment,
        joinWaiter: null,
        syncWaiter: null,
        isNew: false,
        expiryTimer: null,
      });
      if (m.groupInstanceId !== null) this.staticMembers.set(m.groupInstanceId, m.memberId);
    }
    this.state = this.members.size > 0 ? 'Stable' : 'Empty';
  }

  /** Members loaded from disk must heartbeat within their session timeout, as after a coordinator failover. */
  startSessionTimers(): void {
    for (const m of this.members.values()) this.scheduleExpiry(m);
  }

  /** Deleted: every later request gets an error and no timer of this group fires again. */
  markDead(): void {
    this.shutdown();
    this.state = 'Dead';
  }

  /** Cancels the group's timers (broker stop). */
  shutdown(): void {
    this.clock.clearTimeout(this.rebalanceTimer);
    for (const m of this.members.values()) this.clock.clearTimeout(m.expiryTimer);
    for (const t of this.pendingMembers.values()) this.clock.clearTimeout(t);
  }
}
