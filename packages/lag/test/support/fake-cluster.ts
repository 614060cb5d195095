/** A scripted LagSource: tests set groups, members, commits and log-end offsets, then run collector passes. */
import type { CommittedOffset, GroupDescription, GroupListing, LagSource } from '@samsa/cluster';
import { EARLIEST, LATEST, partitionKey } from '@samsa/cluster';
import type { GroupMemberInfo } from '../../src/types.ts';

export class FakeCluster implements LagSource {
  readonly ends = new Map<string, number>();
  readonly groups = new Map<
    string,
    { members: GroupMemberInfo[]; commits: Map<string, number>; protocolType: string }
  >();
  calls = 0;
  /** The next `failures` ListGroups calls fail, as an unreachable cluster would. */
  failures = 0;

  setEnd(topic: string, partition: number, offset: number): void {
    this.ends.set(partitionKey(topic, partition), offset);
  }

  group(groupId: string, protocolType = 'consumer') {
    let g = this.groups.get(groupId);
    if (!g) this.groups.set(groupId, (g = { members: [], commits: new Map(), protocolType }));
    return g;
  }

  commit(groupId: string, topic: string, partition: number, offset: number): void {
    this.group(groupId).commits.set(partitionKey(topic, partition), offset);
  }

  /** One member owning the given partitions of `topic`, or none. */
  members(groupId: string, topic: string, partitions: number[] | null): void {
    this.group(groupId).members =
      partitions === null
        ? []
        : [
            {
              memberId: `${groupId}-m1`,
              clientId: `${groupId}-client`,
              clientHost: '/10.0.0.1',
              assignments: { [topic]: partitions },
            },
          ];
  }

  async listGroups(): Promise<GroupListing[]> {
    this.calls++;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('cluster unreachable');
    }
    return [...this.groups].map(([groupId, g]) => ({
      groupId,
      state: g.members.length > 0 ? 'Stable' : 'Empty',
      protocolType: g.protocolType,
    }));
  }

  async describeGroups(ids: string[]): Promise<Map<string, GroupDescription>> {
    return new Map(
      ids.map((id) => {
        const g = this.group(id);
        return [
          id,
          {
            groupId: id,
            state: g.members.length > 0 ? 'Stable' : 'Empty',
            protocolType: g.protocolType,
            members: g.members,
            error: null,
          },
        ];
      }),
    );
  }

  async committedOffsets(ids: string[]): Promise<Map<string, CommittedOffset[]>> {
    return new Map(
      ids.map((id) => [
        id,
        [...this.group(id).commits].map(([k, offset]) => {
          const [topic, p] = k.split('\u0000');
          return { topic, partition: Number(p), offset };
        }),
      ]),
    );
  }

  /** Log-start offsets; 0 where not set. */
  readonly starts = new Map<string, number>();

  /** Topics and partitions as Metadata reports them: those with a log-end offset set. */
  async topicPartitions(topics: string[]): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    for (const k of this.ends.keys()) {
      const [topic, p] = k.split('\u0000');
      if (!topics.includes(topic)) continue;
      out.set(
        topic,
        [...(out.get(topic) ?? []), Number(p)].sort((a, b) => a - b),
      );
    }
    return out;
  }

  async offsetsAt(partitions: Map<string, number[]>, timestamp: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const [topic, ps] of partitions) {
      for (const p of ps) {
        const k = partitionKey(topic, p);
        if (!this.ends.has(k)) continue;
        out.set(k, timestamp === LATEST ? this.ends.get(k)! : timestamp === EARLIEST ? (this.starts.get(k) ?? 0) : -1);
      }
    }
    return out;
  }
}
