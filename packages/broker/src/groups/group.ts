/** The state of one classic consumer group: members, generation, protocol, leader and committed offsets. */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

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

export interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
  assignment: Buffer;
  joinWaiter: ((r: JoinResult) => void) | null;
  syncWaiter: ((r: SyncResult) => void) | null;
  /** True until the member's first join completes (a new member gets less patience). */
  isNew: boolean;
  expiryTimer: unknown;
}

export interface CommittedOffset {
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
  commitTimestampMs: number;
}

export class Group {
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
  readonly offsets = new Map<string, Map<number, CommittedOffset>>();
  rebalanceTimer: unknown = null;
  /** When the initial-rebalance delay of an empty group ends. */
  initialDelayUntilMs = 0;
  /** When the group last became empty (for offset retention). */
  emptySinceMs: number;

  constructor(groupId: string, nowMs: number) {
    this.groupId = groupId;
    this.emptySinceMs = nowMs;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  allMembersJoined(): boolean {
    for (const m of this.members.values()) if (!m.joinWaiter) return false;
    return this.pendingMembers.size === 0;
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

  /** Picks the protocol by vote: each member votes for its most preferred protocol that everyone supports. */
  selectProtocol(): string | null {
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

  metadataFor(member: Member, protocol: string | null): Buffer {
    return member.protocols.find((p) => p.name === protocol)?.metadata ?? Buffer.alloc(0);
  }

  hasOffsets(): boolean {
    for (const partitions of this.offsets.values()) if (partitions.size > 0) return true;
    return false;
  }
}
