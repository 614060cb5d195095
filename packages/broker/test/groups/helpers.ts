/** Shared fixtures for the group tests: join and sync requests, and a way to let promise callbacks run. */
import assert from 'node:assert/strict';
import { ErrorCode } from '@samsa/protocol';
import type { JoinRequest, JoinResult, SyncRequest, SyncResult } from '../../src/groups/group-membership.ts';

export function joinReq(overrides: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('m') }],
    requireKnownMemberId: true,
    ...overrides,
  };
}

export function syncReq(overrides: Partial<SyncRequest> & Pick<SyncRequest, 'generationId' | 'memberId'>): SyncRequest {
  return { groupId: 'g', groupInstanceId: null, protocolType: null, protocolName: null, assignments: [], ...overrides };
}

/** Lets promise callbacks run after timers fire. */
export const tick = () => new Promise((r) => setImmediate(r));

/** What both a GroupMembership and the GroupCoordinator answer: join and sync. */
interface Joinable {
  join(req: JoinRequest): Promise<JoinResult>;
  sync(req: SyncRequest): Promise<SyncResult>;
}

/** A new dynamic member: MEMBER_ID_REQUIRED with an id, then the join with it (resolves when the rebalance ends). */
export async function joinNew(group: Joinable, overrides: Partial<JoinRequest> = {}): Promise<JoinResult> {
  const first = await group.join(joinReq(overrides));
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.ok(first.memberId.startsWith(`${overrides.clientId ?? 'client'}-`), 'member ids start with the client id');
  return group.join(joinReq({ ...overrides, memberId: first.memberId }));
}

/** Two members join after the initial delay and sync: the leader assigns 'p0' to itself and 'p1' to the follower. */
export async function stableGroupOfTwo(group: Joinable, advance: (ms: number) => void) {
  const a = joinNew(group);
  const b = joinNew(group, { clientId: 'other' });
  await tick();
  advance(100);
  const [ja, jb] = await Promise.all([a, b]);
  assert.equal(ja.generationId, jb.generationId);
  const leader = ja.members.length > 0 ? ja : jb;
  const follower = leader === ja ? jb : ja;
  assert.equal(follower.members.length, 0, 'only the leader gets the member list');
  const followerSync = group.sync(syncReq({ generationId: follower.generationId, memberId: follower.memberId }));
  const leaderSync = group.sync(
    syncReq({
      generationId: leader.generationId,
      memberId: leader.memberId,
      assignments: [
        { memberId: leader.memberId, assignment: Buffer.from('p0') },
        { memberId: follower.memberId, assignment: Buffer.from('p1') },
      ],
    }),
  );
  const [fs, ls] = await Promise.all([followerSync, leaderSync]);
  assert.equal(fs.assignment.toString(), 'p1', 'the follower waits for the leader and gets its share');
  assert.equal(ls.assignment.toString(), 'p0');
  return { leader, follower };
}
