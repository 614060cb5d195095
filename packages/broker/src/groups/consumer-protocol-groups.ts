/**
 * KIP-848 consumer groups (`group.protocol=consumer`): the broker assigns the partitions itself and hands each member
 * its share through ConsumerGroupHeartbeat. A partition moves only after its owner has acknowledged giving it up, so
 * no partition ever has two owners. Membership lives in memory (committed offsets are stored by the GroupCoordinator
 * as for classic groups): after a restart a member's heartbeat gets UNKNOWN_MEMBER_ID and the client rejoins with
 * epoch 0, as the Java consumer does on its own. Members that stop heartbeating leave after the session timeout.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@samsa/protocol';
import type { Clock } from './clock.ts';

/** A topic some member subscribes to, as the handler resolved it for the group's namespace. */
export interface SubscribedTopic {
  /** The name as members subscribe to it. */
  name: string;
  id: string;
  partitions: number;
}

export interface ConsumerHeartbeat {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  serverAssignor: string | null;
  topicPartitions: { topicId: string; partitions: number[] }[] | null;
  clientId: string;
  clientHost: string;
}

export interface ConsumerHeartbeatResult {
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  assignment: { topicPartitions: { topicId: string; partitions: number[] }[] } | null;
}

export interface ConsumerProtocolConfig {
  heartbeatIntervalMs: number;
  sessionTimeoutMs: number;
  groupMaxSize: number;
}

export type ConsumerGroupState = 'Empty' | 'Reconciling' | 'Stable';

export interface ConsumerMember {
  readonly memberId: string;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  subscribed: string[];
  memberEpoch: number;
  previousEpoch: number;
  /** Partitions ("topicId:partition") the member was told to own. */
  assigned: Set<string>;
  /** Partitions taken from the member that it has not yet acknowledged giving up. */
  revoking: Set<string>;
  /** When the member was asked to give partitions up; past its rebalance timeout it is removed. */
  revokingSinceMs: number;
  rebalanceTimeoutMs: number;
  lastSeenMs: number;
  /** The assignment last sent, to send it again only when it changes. */
  sent: string;
}

export class ConsumerProtocolGroup {
  groupEpoch = 0;
  assignmentEpoch = 0;
  readonly members = new Map<string, ConsumerMember>();
  /** Each member's target share, recomputed whenever the group epoch moves. */
  target = new Map<string, Set<string>>();
  topics: SubscribedTopic[] = [];
  private metadataKey = '';
  readonly groupId: string;

  constructor(groupId: string) {
    this.groupId = groupId;
  }

  get state(): ConsumerGroupState {
    if (this.members.size === 0) return 'Empty';
    for (const m of this.members.values()) {
      if (m.memberEpoch !== this.assignmentEpoch || m.revoking.size > 0) return 'Reconciling';
    }
    return 'Stable';
  }

  /** Every topic name some member subscribes to. */
  subscribedNames(): string[] {
    const names = new Set<string>();
    for (const m of this.members.values()) for (const n of m.subscribed) names.add(n);
    return [...names].sort();
  }

  /** Takes the resolved subscription metadata; a change (a topic created, deleted or grown) bumps the epoch. */
  updateTopics(topics: SubscribedTopic[]): void {
    const key = topics.map((t) => `${t.name}:${t.id}:${t.partitions}`).join(',');
    if (key === this.metadataKey) return;
    this.metadataKey = key;
    this.topics = topics;
    this.groupEpoch++;
  }

  /**
   * A balanced assignment per topic among the members subscribed to it, keeping each partition with its previous
   * owner while that owner is under its share (so a join or leave moves as few partitions as it can).
   */
  computeTarget(): void {
    const previousOwner = new Map<string, string>();
    for (const [memberId, keys] of this.target) for (const k of keys) previousOwner.set(k, memberId);
    const target = new Map<string, Set<string>>();
    for (const id of this.members.keys()) target.set(id, new Set());
    for (const t of [...this.topics].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const eligible = [...this.members.values()]
        .filter((m) => m.subscribed.includes(t.name))
        .map((m) => m.memberId)
        .sort();
      if (eligible.length === 0) continue;
      const base = Math.floor(t.partitions / eligible.length);
      let extras = t.partitions % eligible.length;
      const counts = new Map(eligible.map((id) => [id, 0]));
      const give = (memberId: string, key: string) => {
        const c = counts.get(memberId)!;
        if (c === base) extras--;
        counts.set(memberId, c + 1);
        target.get(memberId)!.add(key);
      };
      const room = (memberId: string) => {
        const c = counts.get(memberId)!;
        return c < base || (c === base && extras > 0);
      };
      const unplaced: string[] = [];
      for (let p = 0; p < t.partitions; p++) {
        const key = `${t.id}:${p}`;
        const owner = previousOwner.get(key);
        if (owner !== undefined && counts.has(owner) && room(owner)) give(owner, key);
        else unplaced.push(key);
      }
      for (const key of unplaced) {
        let best: string | null = null;
        for (const id of eligible) {
          if (room(id) && (best === null || counts.get(id)! < counts.get(best)!)) best = id;
        }
        give(best!, key);
      }
    }
    this.target = target;
    this.assignmentEpoch = this.groupEpoch;
  }

  /**
   * Moves `member` one step towards its target: first it gives up what it must (its epoch stays until it has), then
   * it takes what is in its target and no other member holds, and its epoch catches up with the assignment's.
   * `reported`: what the member says it owns (null when unchanged since its last heartbeat).
   */
  reconcile(member: ConsumerMember, reported: Set<string> | null, nowMs: number): void {
    if (reported !== null && member.revoking.size > 0 && ![...member.revoking].some((k) => reported.has(k))) {
      member.revoking.clear();
    }
    if (member.revoking.size > 0) return;
    const target = this.target.get(member.memberId) ?? new Set<string>();
    const revoke = [...member.assigned].filter((k) => !target.has(k));
    if (revoke.length > 0) {
      for (const k of revoke) {
        member.assigned.delete(k);
        member.revoking.add(k);
      }
      member.revokingSinceMs = nowMs;
      return;
    }
    const held = new Set<string>();
    for (const m of this.members.values()) {
      if (m === member) continue;
      for (const k of m.assigned) held.add(k);
      for (const k of m.revoking) held.add(k);
    }
    for (const k of target) if (!held.has(k)) member.assigned.add(k);
    if (member.memberEpoch !== this.assignmentEpoch) {
      member.previousEpoch = member.memberEpoch;
      member.memberEpoch = this.assignmentEpoch;
    }
  }
}

/** The assignment as the protocol carries it: partitions grouped by topic id, in order. */
export function assignmentOf(keys: Iterable<string>): { topicId: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>();
  for (const k of keys) {
    const at = k.lastIndexOf(':');
    const list = byTopic.get(k.slice(0, at)) ?? [];
    list.push(Number(k.slice(at + 1)));
    byTopic.set(k.slice(0, at), list);
  }
  return [...byTopic.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([topicId, partitions]) => ({ topicId, partitions: partitions.sort((x, y) => x - y) }));
}

/** A heartbeat refused: no member, no assignment. */
export function heartbeatRefusal(errorCode: number, errorMessage: string | null = null): ConsumerHeartbeatResult {
  return { errorCode, errorMessage, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
}

const SUPPORTED_ASSIGNORS = new Set(['uniform', 'range']);

export class ConsumerProtocolGroups {
  private readonly groups = new Map<string, ConsumerProtocolGroup>();
  private readonly config: ConsumerProtocolConfig;
  private readonly clock: Clock;

  constructor(config: ConsumerProtocolConfig, clock: Clock) {
    this.config = config;
    this.clock = clock;
  }

  get(groupId: string): ConsumerProtocolGroup | undefined {
    return this.groups.get(groupId);
  }

  /** The group as it is now (members past their session timeout gone), for ConsumerGroupDescribe. */
  describe(groupId: string): ConsumerProtocolGroup | undefined {
    const g = this.groups.get(groupId);
    if (g) this.expire(g);
    return g;
  }

  all(): ConsumerProtocolGroup[] {
    this.expireAll();
    return [...this.groups.values()];
  }

  /** Forgets an empty group (DeleteGroups); false if it still has members. */
  drop(groupId: string): boolean {
    const g = this.groups.get(groupId);
    if (!g) return true;
    this.expire(g);
    if (g.members.size > 0) return false;
    this.groups.delete(groupId);
    return true;
  }

  /** Whether an OffsetCommit with this member id and epoch may store offsets for a consumer-protocol group. */
  validateCommit(g: ConsumerProtocolGroup, memberEpoch: number, memberId: string): number {
    this.expire(g);
    if (memberEpoch < 0 && memberId === '') {
      return g.members.size === 0 ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
    }
    const m = g.members.get(memberId);
    if (!m) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (memberEpoch !== m.memberEpoch && memberEpoch !== m.previousEpoch) return ErrorCode.STALE_MEMBER_EPOCH;
    return ErrorCode.NONE;
  }

  /**
   * One heartbeat. `resolve` turns the group's subscribed topic names into existing topics the caller may read.
   * `mayCreate` says whether a new group may be created (capacity and the namespace's limits).
   */
  heartbeat(
    req: ConsumerHeartbeat,
    resolve: (names: string[]) => SubscribedTopic[],
    mayCreate: () => number,
  ): ConsumerHeartbeatResult {
    const fail = heartbeatRefusal;
    if (req.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID, 'the group id is empty');
    if (req.serverAssignor !== null && !SUPPORTED_ASSIGNORS.has(req.serverAssignor)) {
      return fail(ErrorCode.UNSUPPORTED_ASSIGNOR, `assignor ${req.serverAssignor} is not supported (uniform, range)`);
    }
    if (req.instanceId !== null) {
      return fail(ErrorCode.INVALID_REQUEST, 'static membership (group.instance.id) is not supported with KIP-848');
    }
    const now = this.clock.nowMs();
    let g = this.groups.get(req.groupId);
    if (g) this.expire(g);
    let member: ConsumerMember | undefined;
    if (req.memberEpoch === 0) {
      if (req.subscribedTopicNames === null) {
        return fail(ErrorCode.INVALID_REQUEST, 'subscribedTopicNames must be set when joining');
      }
      if (!g) {
        const refused = mayCreate();
        if (refused !== ErrorCode.NONE) return fail(refused);
        g = new ConsumerProtocolGroup(req.groupId);
        this.groups.set(req.groupId, g);
      }
      const memberId = req.memberId || randomUUID();
      if (!g.members.has(memberId) && g.members.size >= this.config.groupMaxSize) {
        return fail(ErrorCode.GROUP_MAX_SIZE_REACHED, `the group has ${this.config.groupMaxSize} members`);
      }
      g.members.delete(memberId);
      member = {
        memberId,
        instanceId: req.instanceId,
        rackId: req.rackId,
        clientId: req.clientId,
        clientHost: req.clientHost,
        subscribed: [...req.subscribedTopicNames].sort(),
        memberEpoch: 0,
        previousEpoch: 0,
        assigned: new Set(),
        revoking: new Set(),
        revokingSinceMs: 0,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        lastSeenMs: now,
        sent: '',
      };
      g.members.set(memberId, member);
      g.groupEpoch++;
    } else {
      member = g?.members.get(req.memberId);
      if (!g || !member) return fail(ErrorCode.UNKNOWN_MEMBER_ID, 'unknown member: rejoin with epoch 0');
      if (req.memberEpoch < 0) {
        g.members.delete(member.memberId);
        g.groupEpoch++;
        return {
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          memberId: member.memberId,
          memberEpoch: req.memberEpoch,
          heartbeatIntervalMs: 0,
          assignment: null,
        };
      }
      if (req.memberEpoch !== member.memberEpoch && req.memberEpoch !== member.previousEpoch) {
        return fail(
          ErrorCode.FENCED_MEMBER_EPOCH,
          `epoch ${req.memberEpoch} is not the member's ${member.memberEpoch}`,
        );
      }
      member.lastSeenMs = now;
      if (req.subscribedTopicNames !== null) {
        const subscribed = [...req.subscribedTopicNames].sort();
        if (subscribed.join('\n') !== member.subscribed.join('\n')) {
          member.subscribed = subscribed;
          g.groupEpoch++;
        }
      }
    }
    if (req.rebalanceTimeoutMs > 0) member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    g.updateTopics(resolve(g.subscribedNames()));
    if (g.groupEpoch > g.assignmentEpoch) g.computeTarget();
    const reported =
      req.topicPartitions === null
        ? null
        : new Set(req.topicPartitions.flatMap((t) => t.partitions.map((p) => `${t.topicId}:${p}`)));
    g.reconcile(member, reported, now);
    const owned = [...member.assigned].sort().join(',');
    const resend = req.memberEpoch === 0 || (reported !== null && [...reported].sort().join(',') !== owned);
    const changed = owned !== member.sent || resend;
    member.sent = owned;
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: member.memberId,
      memberEpoch: member.memberEpoch,
      heartbeatIntervalMs: this.config.heartbeatIntervalMs,
      assignment: changed ? { topicPartitions: assignmentOf(member.assigned) } : null,
    };
  }

  /**
   * Removes members silent for longer than the session timeout, and members that have not given up revoked
   * partitions within their rebalance timeout; their partitions go to the others.
   */
  private expire(g: ConsumerProtocolGroup): void {
    const now = this.clock.nowMs();
    const cutoff = now - this.config.sessionTimeoutMs;
    for (const m of [...g.members.values()]) {
      const stuck = m.revoking.size > 0 && now - m.revokingSinceMs > m.rebalanceTimeoutMs;
      if (m.lastSeenMs < cutoff || stuck) {
        g.members.delete(m.memberId);
        g.groupEpoch++;
      }
    }
  }

  private expireAll(): void {
    for (const g of this.groups.values()) this.expire(g);
  }
}
