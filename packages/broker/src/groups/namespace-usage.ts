/**
 * NamespaceUsage: how many consumer groups and committed offsets each namespace (a tenant) holds, and the room held
 * for commits waiting for their fsync, so a tenant's bounds (NamespaceLimits) are checked in O(1) and concurrent
 * commits cannot overshoot them. Groups outside every namespace (namespaceOf gives null) are not counted.
 */
import { strict as assert } from 'node:assert';

/**
 * A namespace's bounds (a tenant's quota): how many groups and committed offsets (group, topic, partition) it may
 * hold. Requests that would go past them are refused with POLICY_VIOLATION; nothing already stored is touched.
 */
export interface NamespaceLimits {
  maxGroups: number;
  maxCommittedOffsets: number;
}

interface Counts {
  groups: number;
  offsets: number;
  /** New groups and offsets of commits waiting for their fsync. */
  pendingGroups: number;
  pendingOffsets: number;
}

/** Room held for one commit until it is stored or failed; release exactly once. */
export interface Reservation {
  release(): void;
}

export class NamespaceUsage {
  /** The namespace (tenant) a group id belongs to, or null. */
  private readonly namespaceOf: (groupId: string) => string | null;
  private readonly byNamespace = new Map<string, Counts>();
  /** Groups that commits waiting for their fsync will create, with how many such commits: reserved once each. */
  private readonly pendingNewGroups = new Map<string, number>();

  constructor(namespaceOf: (groupId: string) => string | null) {
    this.namespaceOf = namespaceOf;
  }

  /** Groups and committed offsets held in a namespace. */
  usage(namespace: string): { groups: number; offsets: number } {
    const c = this.byNamespace.get(namespace);
    return { groups: c?.groups ?? 0, offsets: c?.offsets ?? 0 };
  }

  /** Whether the group's namespace may hold one more group. */
  roomForGroup(groupId: string, limits: NamespaceLimits | null): boolean {
    if (limits === null) return true;
    if (this.pendingNewGroups.has(groupId)) return true;
    const c = this.countsOf(groupId);
    return c === null || c.groups + c.pendingGroups < limits.maxGroups;
  }

  /** Whether the group's namespace may hold one more offset beyond `planned` new ones of the same commit. */
  roomForOffset(groupId: string, limits: NamespaceLimits | null, planned: number): boolean {
    if (limits === null) return true;
    const c = this.countsOf(groupId);
    return c === null || c.offsets + c.pendingOffsets + planned < limits.maxCommittedOffsets;
  }

  /** Holds room for a commit waiting for its fsync: its new offsets, and its new group once per group id. */
  reserve(groupId: string, createsGroup: boolean, newOffsets: number): Reservation {
    const c = this.countsOf(groupId);
    if (createsGroup) {
      const holders = (this.pendingNewGroups.get(groupId) ?? 0) + 1;
      this.pendingNewGroups.set(groupId, holders);
      // Counted in the namespace whoever commits (a superuser may create a tenant's group too).
      if (c && holders === 1) c.pendingGroups++;
    }
    if (c) c.pendingOffsets += newOffsets;
    let released = false;
    return {
      release: () => {
        assert.ok(!released, 'a reservation is released once');
        released = true;
        if (createsGroup) {
          const holders = this.pendingNewGroups.get(groupId)! - 1;
          assert.ok(holders >= 0, 'a pending group is released once per hold');
          if (holders === 0) this.pendingNewGroups.delete(groupId);
          else this.pendingNewGroups.set(groupId, holders);
          if (c && holders === 0) c.pendingGroups--;
        }
        if (c) c.pendingOffsets -= newOffsets;
        this.forgetIfUnused(groupId);
      },
    };
  }

  groupAdded(groupId: string): void {
    const c = this.countsOf(groupId);
    if (c) c.groups++;
  }

  /** A group is gone (its offsets are removed on their own). */
  groupRemoved(groupId: string): void {
    const c = this.countsOf(groupId);
    if (!c) return;
    c.groups--;
    this.forgetIfUnused(groupId);
  }

  offsetsAdded(groupId: string, n: number): void {
    const c = this.countsOf(groupId);
    if (c) c.offsets += n;
  }

  offsetsRemoved(groupId: string, n: number): void {
    const c = this.countsOf(groupId);
    if (!c) return;
    c.offsets -= n;
    this.forgetIfUnused(groupId);
  }

  private countsOf(groupId: string): Counts | null {
    const ns = this.namespaceOf(groupId);
    if (ns === null) return null;
    let c = this.byNamespace.get(ns);
    if (!c) {
      c = { groups: 0, offsets: 0, pendingGroups: 0, pendingOffsets: 0 };
      this.byNamespace.set(ns, c);
    }
    return c;
  }

  private forgetIfUnused(groupId: string): void {
    const ns = this.namespaceOf(groupId);
    if (ns === null) return;
    const c = this.byNamespace.get(ns);
    if (!c) return;
    assert.ok(
      c.groups >= 0 && c.offsets >= 0 && c.pendingGroups >= 0 && c.pendingOffsets >= 0,
      'namespace usage never goes negative',
    );
    if (c.groups === 0 && c.offsets === 0 && c.pendingGroups === 0 && c.pendingOffsets === 0) {
      this.byNamespace.delete(ns);
    }
  }
}
