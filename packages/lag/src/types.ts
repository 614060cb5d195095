/**
 * The shapes the lag engine passes around: what one collection pass observes (GroupSnapshot), and what the
 * evaluator concludes from a history of them (statuses). Offsets and lags are JS numbers: exact up to 2^53,
 * which a partition reaches after 285 years at a million messages per second.
 */
import type { GroupMemberInfo } from '@samsa/cluster';

/** Per-partition status, from best to worst (see `STATUS_SEVERITY`). */
export type PartitionStatus = 'OK' | 'WARNING' | 'REWIND' | 'STALLED' | 'STOPPED';

/**
 * A group's status: its worst partition's, or EMPTY (no members, nothing wrong) or INACTIVE (no members and no
 * committed offsets to measure).
 */
export type GroupStatus = PartitionStatus | 'EMPTY' | 'INACTIVE';

/** The statuses an alert fires for, when a group enters or leaves one of them. */
export const ALERT_STATUSES: ReadonlySet<GroupStatus> = new Set(['WARNING', 'STALLED', 'STOPPED']);

export const STATUS_SEVERITY: Record<GroupStatus, number> = {
  INACTIVE: 0,
  EMPTY: 0,
  OK: 0,
  WARNING: 1,
  REWIND: 2,
  STALLED: 3,
  STOPPED: 4,
};

/**
 * Where a group without a committed offset on a partition starts reading: the consumers' `auto.offset.reset`. The
 * protocol does not carry it, so it is a setting of the lag engine (SAMSA_LAG_AUTO_OFFSET_RESET), `earliest` by
 * default: every message in the log counts as unread.
 */
export type OffsetReset = 'earliest' | 'latest';

/** One partition as one collection pass saw it. */
export interface PartitionSample {
  topic: string;
  partition: number;
  /** The group's committed offset (the next offset it will read); null when it has committed none here. */
  committedOffset: number | null;
  /**
   * Where the group reads next, and what lag is measured from: the committed offset, or without one the group's
   * reset position (the log-start offset for `earliest`, the log-end offset for `latest`).
   */
  positionOffset: number;
  /** The partition's log-end offset (high watermark). */
  logEndOffset: number;
  /** max(0, logEndOffset - positionOffset). */
  lag: number;
  /** How far behind in time the consumer is, in ms; null while the log-end history is too short to tell. */
  timeLagMs: number | null;
  /** Whether a live member of the group has this partition assigned. */
  assigned: boolean;
}

/** A group member and what it was assigned, as DescribeGroups tells it (defined with the group admin). */
export type { GroupMemberInfo };

/** One consumer group as one collection pass saw it. */
export interface GroupSnapshot {
  groupId: string;
  /** The tenant owning the group, when the resolver knows it. */
  tenantId: string | null;
  /** The coordinator's state: Stable, Empty, PreparingRebalance, CompletingRebalance, Dead. */
  state: string;
  members: GroupMemberInfo[];
  /**
   * Every partition of every topic the group has committed offsets on or is assigned, sorted by topic then
   * partition; those without a committed offset have `committedOffset: null`.
   */
  partitions: PartitionSample[];
  /** Wall-clock time of the pass, ms since the epoch; all groups of one pass share it. */
  sampledAtMs: number;
  /** Why part of the group could not be read this pass (e.g. a member's malformed assignment bytes). */
  error?: string | null;
}

export interface PartitionEvaluation {
  topic: string;
  partition: number;
  status: PartitionStatus;
  /** One sentence saying which rule decided, for the console and the webhook body. */
  reason: string;
  lag: number;
  timeLagMs: number | null;
  /** The group has no committed offset here: lag counts from its reset position. */
  noCommittedOffset: boolean;
}

export interface GroupEvaluation {
  groupId: string;
  tenantId: string | null;
  status: GroupStatus;
  reason: string;
  state: string;
  members: number;
  topics: string[];
  totalLag: number;
  maxTimeLagMs: number | null;
  partitions: PartitionEvaluation[];
  evaluatedAtMs: number;
  /**
   * Why the group could not be (fully) read in the last pass: shown on its page and in the API. Its status is then
   * from what could be read (committed offsets), or from the last pass that could read it.
   */
  error: string | null;
}

/** A group whose status changed between two passes. */
export interface StatusChange {
  groupId: string;
  tenantId: string | null;
  from: GroupStatus | null;
  to: GroupStatus;
  atMs: number;
  evaluation: GroupEvaluation;
}
