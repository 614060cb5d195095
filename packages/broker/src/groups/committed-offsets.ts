/**
 * CommittedOffsets: the committed offset of every (group, topic, partition), with its leader epoch, metadata and
 * commit time. Entries are frozen and views read-only, so an offset moves only by a commit (`put`) and goes only by
 * OffsetDelete, DeleteGroups or retention (`remove`). It checks commits against the metadata bound and the
 * namespace's committed-offset quota, and keeps NamespaceUsage's offset counts; it knows nothing of members or files.
 */
import { ErrorCode } from '@samsa/protocol';
import type { NamespaceLimits, NamespaceUsage } from './namespace-usage.ts';

export interface CommittedOffset {
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string | null;
  readonly commitTimestampMs: number;
  /** When the offset expires once its group is empty (OffsetCommit v2-4's retention time); absent: the default. */
  readonly expireTimestampMs?: number;
}

export interface OffsetCommitPartition {
  partition: number;
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
  /** The commit time the client gave (OffsetCommit v1); absent or negative: the coordinator's clock. */
  commitTimestampMs?: number;
  /** How long to keep the offset after this commit (OffsetCommit v2-4); absent: offsets.retention.minutes. */
  retentionMs?: number;
}

/** A group's committed offsets by topic, then partition. */
export type GroupOffsets = ReadonlyMap<string, ReadonlyMap<number, CommittedOffset>>;

/** What may be stored of one OffsetCommit. */
export interface CommitPlan {
  /** Error code per topic and partition (NONE: accepted). */
  results: Map<string, Map<number, number>>;
  accepted: { topic: string; partition: OffsetCommitPartition }[];
  /** Accepted (topic, partition)s the group had no offset for, counted against the namespace's quota. */
  newOffsets: number;
}

export interface CommittedOffsetsConfig {
  /** Longest metadata string a commit may carry (offset.metadata.max.bytes); longer: OFFSET_METADATA_TOO_LARGE. */
  offsetMetadataMaxBytes: number;
}

const NO_OFFSETS: GroupOffsets = new Map();

export class CommittedOffsets {
  private readonly byGroup = new Map<string, Map<string, Map<number, CommittedOffset>>>();
  private readonly config: CommittedOffsetsConfig;
  private readonly usage: NamespaceUsage;
  /** Offsets held, every group together. */
  private total = 0;

  constructor(config: CommittedOffsetsConfig, usage: NamespaceUsage) {
    this.config = config;
    this.usage = usage;
  }

  of(groupId: string): GroupOffsets {
    return this.byGroup.get(groupId) ?? NO_OFFSETS;
  }

  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.byGroup.get(groupId)?.get(topic)?.get(partition);
  }

  /** Offsets held, every group together. */
  get size(): number {
    return this.total;
  }

  /** How many (topic, partition)s the group has an offset for. */
  count(groupId: string): number {
    let n = 0;
    for (const partitions of this.byGroup.get(groupId)?.values() ?? []) n += partitions.size;
    return n;
  }

  /**
   * Decides which partitions of a commit may be stored: metadata over the bound gets OFFSET_METADATA_TOO_LARGE, and
   * a partition new to the group past the namespace's committed-offset quota gets POLICY_VIOLATION. Stores nothing.
   */
  plan(
    groupId: string,
    topics: { topic: string; partitions: OffsetCommitPartition[] }[],
    limits: NamespaceLimits | null,
  ): CommitPlan {
    const results = new Map<string, Map<number, number>>();
    const accepted: CommitPlan['accepted'] = [];
    let newOffsets = 0;
    for (const t of topics) {
      const perPartition = new Map<number, number>();
      results.set(t.topic, perPartition);
      const existing = this.byGroup.get(groupId)?.get(t.topic);
      for (const p of t.partitions) {
        if (p.metadata !== null && Buffer.byteLength(p.metadata) > this.config.offsetMetadataMaxBytes) {
          perPartition.set(p.partition, ErrorCode.OFFSET_METADATA_TOO_LARGE);
          continue;
        }
        if (limits !== null && !existing?.has(p.partition)) {
          if (!this.usage.roomForOffset(groupId, limits, newOffsets)) {
            perPartition.set(p.partition, ErrorCode.POLICY_VIOLATION);
            continue;
          }
          newOffsets++;
        }
        perPartition.set(p.partition, ErrorCode.NONE);
        accepted.push({ topic: t.topic, partition: p });
      }
    }
    return { results, accepted, newOffsets };
  }

  /** Stores a commit (after it is durable). The only way an offset moves. */
  put(groupId: string, topic: string, partition: number, committed: CommittedOffset): void {
    let topics = this.byGroup.get(groupId);
    if (!topics) {
      topics = new Map();
      this.byGroup.set(groupId, topics);
    }
    let partitions = topics.get(topic);
    if (!partitions) {
      partitions = new Map();
      topics.set(topic, partitions);
    }
    if (!partitions.has(partition)) {
      this.total++;
      this.usage.offsetsAdded(groupId, 1);
    }
    partitions.set(partition, Object.freeze({ ...committed }));
  }

  /** Removes one offset; false when there was none. */
  remove(groupId: string, topic: string, partition: number): boolean {
    const topics = this.byGroup.get(groupId);
    const partitions = topics?.get(topic);
    if (!partitions?.delete(partition)) return false;
    if (partitions.size === 0) topics!.delete(topic);
    if (topics!.size === 0) this.byGroup.delete(groupId);
    this.total--;
    this.usage.offsetsRemoved(groupId, 1);
    return true;
  }

  /** Forgets every offset of a group (it was deleted). */
  removeGroup(groupId: string): void {
    const n = this.count(groupId);
    this.byGroup.delete(groupId);
    this.total -= n;
    if (n > 0) this.usage.offsetsRemoved(groupId, n);
  }

  /**
   * The offsets of an empty group that have expired at `nowMs`: those with their own expiry time once it has come,
   * the others when both the group has been empty and they were committed at or before `cutoffMs`
   * (offsets.retention.minutes), as Kafka does.
   */
  expired(
    groupId: string,
    nowMs: number,
    cutoffMs: number,
    emptySinceMs: number,
  ): { topic: string; partition: number }[] {
    const out: { topic: string; partition: number }[] = [];
    for (const [topic, partitions] of this.byGroup.get(groupId) ?? []) {
      for (const [partition, o] of partitions) {
        const gone =
          o.expireTimestampMs !== undefined
            ? nowMs >= o.expireTimestampMs
            : emptySinceMs <= cutoffMs && o.commitTimestampMs <= cutoffMs;
        if (gone) out.push({ topic, partition });
      }
    }
    return out;
  }
}
