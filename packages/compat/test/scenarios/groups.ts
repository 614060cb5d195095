/**
 * Consumer groups: the classic protocol driven by hand (member ids, generations, rebalances, stale generations and
 * unknown members), kafkajs consumers joining and leaving, and OffsetCommit/OffsetFetch edge cases.
 */
import {
  DeleteGroups,
  DescribeGroups,
  decodeConsumerAssignment,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
  Heartbeat,
  JoinGroup,
  LeaveGroup,
  ListGroups,
  OffsetCommit,
  OffsetDelete,
  OffsetFetch,
  SyncGroup,
} from '@samsa/protocol';
import type { RawClient } from '@samsa/test-support/raw-client';
import { createTopics, errName, kafkaClient, rawClient, type Scenario, type Target, withRaw } from './target.ts';

const TOPIC = 'diff-group-topic';

async function join(c: RawClient, groupId: string, memberId: string) {
  const r = await c.request(JoinGroup, 6, {
    groupId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: encodeConsumerSubscription({ version: 0, topics: [TOPIC] }) }],
  });
  return {
    errorCode: errName(r.errorCode),
    generationId: r.generationId as number,
    memberId: r.memberId as string,
    leader: r.leader as string,
    protocolName: r.protocolName as string,
    memberCount: (r.members as unknown[]).length,
  };
}

/** JoinGroup as a new member: MEMBER_ID_REQUIRED first, then the join with the id the broker gave. */
async function joinNew(c: RawClient, groupId: string) {
  const first = await join(c, groupId, '');
  const joined = await join(c, groupId, first.memberId);
  return { firstErrorCode: first.errorCode, gotMemberId: first.memberId.length > 0, joined };
}

async function sync(
  c: RawClient,
  groupId: string,
  generationId: number,
  memberId: string,
  assignments: [string, number[]][],
) {
  const r = await c.request(SyncGroup, 4, {
    groupId,
    generationId,
    memberId,
    groupInstanceId: null,
    assignments: assignments.map(([m, partitions]) => ({
      memberId: m,
      assignment: encodeConsumerAssignment({ version: 0, assignedPartitions: [{ topic: TOPIC, partitions }] }),
    })),
  });
  const bytes = r.assignment as Buffer;
  return {
    errorCode: errName(r.errorCode),
    partitions: bytes.length ? decodeConsumerAssignment(bytes).assignedPartitions.flatMap((a) => a.partitions) : [],
  };
}

async function heartbeat(c: RawClient, groupId: string, generationId: number, memberId: string) {
  const r = await c.request(Heartbeat, 3, { groupId, generationId, memberId, groupInstanceId: null });
  return errName(r.errorCode);
}

async function commit(
  c: RawClient,
  groupId: string,
  generation: number,
  memberId: string,
  topics: {
    name: string;
    partitions: { partitionIndex: number; committedOffset: bigint; committedMetadata: string | null }[];
  }[],
) {
  const r = await c.request(OffsetCommit, 8, {
    groupId,
    generationIdOrMemberEpoch: generation,
    memberId,
    groupInstanceId: null,
    topics,
  });
  return Object.fromEntries(
    (r.topics as { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[]).flatMap((t) =>
      t.partitions.map((p) => [`${t.name}/${p.partitionIndex}`, errName(p.errorCode)]),
    ),
  );
}

async function deleteGroups(c: RawClient, groups: string[]) {
  const r = await c.request(DeleteGroups, 2, { groupsNames: groups });
  return Object.fromEntries(
    (r.results as { groupId: string; errorCode: number }[]).map((g) => [g.groupId, errName(g.errorCode)]),
  );
}

export const groupGenerations: Scenario = async (t) => {
  await createTopics(t, [{ topic: TOPIC, numPartitions: 2 }]);
  const group = 'diff-generations';
  const a = await rawClient(t);
  const b = await rawClient(t);
  try {
    const aJoin = await joinNew(a, group);
    const g1 = aJoin.joined.generationId;
    const aId = aJoin.joined.memberId;
    const aSync1 = await sync(a, group, g1, aId, [[aId, [0, 1]]]);
    const aCommit1 = await commit(a, group, g1, aId, [
      { name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 5n, committedMetadata: 'gen1' }] },
    ]);

    // B joins: the group rebalances, A learns it from its heartbeat and joins again.
    const bFirst = await join(b, group, '');
    const bJoining = join(b, group, bFirst.memberId);
    // B's join travels on its own connection: A's heartbeats answer NONE until the coordinator has seen it.
    let aHeartbeatDuringRebalance = await heartbeat(a, group, g1, aId);
    for (let i = 0; i < 100 && aHeartbeatDuringRebalance === 'NONE'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      aHeartbeatDuringRebalance = await heartbeat(a, group, g1, aId);
    }
    const aRejoin = await join(a, group, aId);
    const bJoin = await bJoining;
    const g2 = aRejoin.generationId;
    const bId = bFirst.memberId;
    const leaderIsA = aRejoin.leader === aId;
    const leader = leaderIsA ? a : b;
    const follower = leaderIsA ? b : a;
    const [leaderId, followerId] = leaderIsA ? [aId, bId] : [bId, aId];
    const followerSyncing = sync(follower, group, g2, followerId, []);
    const leaderSync = await sync(leader, group, g2, leaderId, [
      [leaderId, [0]],
      [followerId, [1]],
    ]);
    const followerSync = await followerSyncing;

    const stale = {
      commitWithOldGeneration: await commit(a, group, g1, aId, [
        { name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 6n, committedMetadata: null }] },
      ]),
      commitWithUnknownMember: await commit(a, group, g2, 'no-such-member', [
        { name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 6n, committedMetadata: null }] },
      ]),
      commitWithCurrentGeneration: await commit(a, group, g2, aId, [
        { name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 7n, committedMetadata: 'gen2' }] },
      ]),
      heartbeatWithOldGeneration: await heartbeat(a, group, g1, aId),
      heartbeatWithUnknownMember: await heartbeat(a, group, g2, 'no-such-member'),
      heartbeatCurrent: await heartbeat(b, group, g2, bId),
    };

    // B leaves: A's heartbeat says rebalance, A joins alone in the next generation.
    const leave = await b.request(LeaveGroup, 3, {
      groupId: group,
      members: [{ memberId: bId, groupInstanceId: null }],
    });
    const aHeartbeatAfterLeave = await heartbeat(a, group, g2, aId);
    const aAlone = await join(a, group, aId);
    const aSync3 = await sync(a, group, aAlone.generationId, aId, [[aId, [0, 1]]]);
    const leftMemberSync = await sync(b, group, aAlone.generationId, bId, []);
    const unknownGroupHeartbeat = await heartbeat(a, 'diff-no-such-group', 1, aId);
    const described = await a.request(DescribeGroups, 5, {
      groups: [group, 'diff-no-such-group'],
      includeAuthorizedOperations: false,
    });
    const deleteWhileActive = await deleteGroups(a, [group]);
    // A leaves too, so the group is Empty for what comes after (not waiting for A's session to expire).
    const aLeaves = await a.request(LeaveGroup, 3, {
      groupId: group,
      members: [{ memberId: aId, groupInstanceId: null }],
    });
    return {
      first: { ...aJoin, joined: { ...aJoin.joined, memberId: 'A', leader: aJoin.joined.leader === aId ? 'A' : '?' } },
      firstGeneration: g1,
      aSync1,
      aCommit1,
      bFirstJoinErrorCode: bFirst.errorCode,
      aHeartbeatDuringRebalance,
      secondJoin: {
        generationIncreased: g2 === g1 + 1,
        sameGenerationForBoth: aRejoin.generationId === bJoin.generationId,
        errorCodes: [aRejoin.errorCode, bJoin.errorCode],
        leaderGotMembers: leaderIsA ? aRejoin.memberCount : bJoin.memberCount,
        followerGotMembers: leaderIsA ? bJoin.memberCount : aRejoin.memberCount,
        protocolName: aRejoin.protocolName,
      },
      leaderSync,
      followerSync,
      stale,
      leave: {
        errorCode: errName(leave.errorCode),
        members: (leave.members as { errorCode: number }[]).map((m) => errName(m.errorCode)),
      },
      aHeartbeatAfterLeave,
      thirdJoin: {
        errorCode: aAlone.errorCode,
        generationIncreased: aAlone.generationId === g2 + 1,
        members: aAlone.memberCount,
      },
      aSync3,
      leftMemberSync,
      unknownGroupHeartbeat,
      described: (described.groups as Record<string, unknown>[]).map((g) => ({
        groupId: g.groupId,
        errorCode: errName(g.errorCode),
        state: g.groupState,
        protocolType: g.protocolType,
        protocol: g.protocolData,
        members: (g.members as Record<string, unknown>[]).map((m) => ({
          isA: m.memberId === aId,
          clientId: m.clientId,
          assignment: decodeConsumerAssignment(m.memberAssignment as Buffer).assignedPartitions,
        })),
      })),
      deleteWhileActive,
      aLeaves: errName(aLeaves.errorCode),
    };
  } finally {
    a.close();
    b.close();
  }
};

export const offsetCommitFetchEdgeCases: Scenario = async (t) => {
  const topic = 'diff-offsets-topic';
  await createTopics(t, [{ topic, numPartitions: 2 }]);
  const c = await rawClient(t);
  try {
    const group = 'diff-offsets';
    const first = await commit(c, group, -1, '', [
      {
        name: topic,
        partitions: [
          { partitionIndex: 0, committedOffset: 7n, committedMetadata: 'hello metadata' },
          { partitionIndex: 1, committedOffset: 0n, committedMetadata: null },
          { partitionIndex: 9, committedOffset: 1n, committedMetadata: '' },
        ],
      },
      { name: 'diff-no-such-topic', partitions: [{ partitionIndex: 0, committedOffset: 3n, committedMetadata: '' }] },
    ]);
    const minusOne = await commit(c, group, -1, '', [
      { name: topic, partitions: [{ partitionIndex: 1, committedOffset: -1n, committedMetadata: 'minus one' }] },
    ]);
    const tooLargeMetadata = await commit(c, group, -1, '', [
      { name: topic, partitions: [{ partitionIndex: 0, committedOffset: 8n, committedMetadata: 'x'.repeat(5000) }] },
    ]);
    const ghostMember = await commit(c, group, 3, 'ghost-member', [
      { name: topic, partitions: [{ partitionIndex: 0, committedOffset: 9n, committedMetadata: null }] },
    ]);
    const fetchGroups = async (
      groups: { groupId: string; topics: { name: string; partitionIndexes: number[] }[] | null }[],
    ) => {
      const r = await c.request(OffsetFetch, 8, { groups, requireStable: false });
      return (
        r.groups as {
          groupId: string;
          errorCode: number;
          topics: { name: string; partitions: Record<string, unknown>[] }[];
        }[]
      ).map((g) => ({
        groupId: g.groupId,
        errorCode: errName(g.errorCode),
        partitions: g.topics
          .flatMap((tp) =>
            tp.partitions.map((p) => ({
              partition: `${tp.name}/${p.partitionIndex}`,
              offset: p.committedOffset,
              metadata: p.metadata,
              errorCode: errName(p.errorCode),
            })),
          )
          .sort((x, y) => x.partition.localeCompare(y.partition)),
      }));
    };
    const fetched = await fetchGroups([
      { groupId: group, topics: null },
      {
        groupId: group,
        topics: [
          { name: topic, partitionIndexes: [0, 1, 5] },
          { name: 'diff-no-such-topic', partitionIndexes: [0] },
        ],
      },
      { groupId: 'diff-never-committed', topics: null },
      { groupId: 'diff-never-committed', topics: [{ name: topic, partitionIndexes: [0] }] },
    ]);
    const v7 = await c.request(OffsetFetch, 7, {
      groupId: 'diff-never-committed',
      topics: [{ name: topic, partitionIndexes: [1] }],
      requireStable: false,
    });
    const offsetDelete = await c.request(OffsetDelete, 0, {
      groupId: group,
      topics: [{ name: topic, partitions: [{ partitionIndex: 1 }] }],
    });
    const afterOffsetDelete = await fetchGroups([{ groupId: group, topics: null }]);
    const deleted = await deleteGroups(c, [group, 'diff-never-committed']);
    const afterDelete = await fetchGroups([{ groupId: group, topics: null }]);
    return {
      offsetDelete: {
        errorCode: errName(offsetDelete.errorCode),
        partitions: (offsetDelete.topics as { partitions: { errorCode: number }[] }[]).flatMap((tp) =>
          tp.partitions.map((p) => errName(p.errorCode)),
        ),
      },
      afterOffsetDelete,
      deleted,
      afterDelete,
      first,
      minusOne,
      tooLargeMetadata,
      ghostMember,
      fetched,
      v7NeverCommitted: {
        errorCode: errName(v7.errorCode),
        partitions: (v7.topics as { partitions: Record<string, unknown>[] }[]).flatMap((tp) =>
          tp.partitions.map((p) => ({
            offset: p.committedOffset,
            metadata: p.metadata,
            errorCode: errName(p.errorCode),
          })),
        ),
      },
    };
  } finally {
    c.close();
  }
};

/** Two kafkajs consumers: one alone, then sharing, then alone again after the other leaves; committed offsets. */
export const kafkajsRebalances: Scenario = async (t: Target) => {
  const topic = 'diff-rebalance';
  const groupId = 'diff-rebalance-group';
  await createTopics(t, [{ topic, numPartitions: 4 }]);
  const client = kafkaClient(t);
  const producer = client.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: [0, 1, 2, 3].flatMap((partition) => [0, 1].map((i) => ({ partition, value: `p${partition}-${i}` }))),
  });
  await producer.disconnect();

  type Joined = { member: string; partitions: number[] };
  const joins: Joined[] = [];
  const consumed: string[] = [];
  const consumer = (member: string) => {
    // A short fetch long-poll: kafkajs rejoins only once its running fetch has returned.
    const c = client.consumer({
      groupId,
      heartbeatInterval: 300,
      sessionTimeout: 10_000,
      rebalanceTimeout: 10_000,
      maxWaitTimeInMs: 100,
    });
    c.on(c.events.GROUP_JOIN, (e) => {
      joins.push({ member, partitions: [...(e.payload.memberAssignment[topic] ?? [])].sort() });
    });
    return c;
  };
  const t0 = Date.now();
  const waitFor = async (what: string, check: () => boolean) => {
    if (process.env.SAMSA_DIFF_SHOW) console.log(t.name, what, Date.now() - t0);
    const deadline = Date.now() + 30_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`${t.name}: timed out waiting for ${what}: ${JSON.stringify(joins)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const a = consumer('A');
  const b = consumer('B');
  const phases: Record<string, number[][]> = {};
  let whileShared: Record<string, unknown> = {};
  try {
    await a.connect();
    await a.subscribe({ topic, fromBeginning: true });
    await a.run({ eachMessage: async ({ message }) => void consumed.push(message.value!.toString()) });
    await waitFor('A alone', () => joins.length >= 1 && consumed.length === 8);
    phases.alone = joins.map((j) => j.partitions);

    const mark = joins.length;
    await b.connect();
    await b.subscribe({ topic, fromBeginning: true });
    await b.run({ eachMessage: async ({ message }) => void consumed.push(message.value!.toString()) });
    await waitFor('A and B sharing', () => {
      const since = joins.slice(mark);
      return since.some((j) => j.member === 'A') && since.some((j) => j.member === 'B');
    });
    const shared = joins.slice(mark);
    const last = (m: string) => shared.filter((j) => j.member === m).at(-1)!.partitions;
    phases.shared = [last('A'), last('B')].map((p) => [p.length]);
    phases.sharedCovers = [[...last('A'), ...last('B')].sort()];
    const admin = client.admin();
    await admin.connect();
    const d = (await admin.describeGroups([groupId])).groups[0]!;
    await admin.disconnect();
    whileShared = { state: d.state, protocolType: d.protocolType, protocol: d.protocol, members: d.members.length };

    const mark2 = joins.length;
    await b.disconnect();
    await waitFor('A alone again', () => joins.slice(mark2).some((j) => j.member === 'A'));
    phases.aloneAgain = [joins.slice(mark2).at(-1)!.partitions];
  } finally {
    await Promise.all([a.disconnect(), b.disconnect()]);
  }
  const admin = client.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    const described = await admin.describeGroups([groupId]);
    return {
      phases,
      whileShared,
      consumed: consumed.sort(),
      committed: offsets
        .flatMap((o) => o.partitions.map((p) => ({ partition: p.partition, offset: p.offset, metadata: p.metadata })))
        .sort((x, y) => x.partition - y.partition),
      groupAfterAllLeft: described.groups.map((g) => ({
        state: g.state,
        protocolType: g.protocolType,
        members: g.members.length,
      })),
    };
  } finally {
    await admin.disconnect();
  }
};

/** ListGroups after the other scenarios: every group both brokers know, with its state and type. */
export const listGroups: Scenario = async (t) =>
  withRaw(t, async (c) => {
    const all = await c.request(ListGroups, 5, { statesFilter: [], typesFilter: [] });
    const empty = await c.request(ListGroups, 5, { statesFilter: ['Empty'], typesFilter: [] });
    const row = (g: Record<string, unknown>) => `${g.groupId} ${g.protocolType} ${g.groupState} ${g.groupType}`;
    return {
      errorCode: errName(all.errorCode),
      groups: (all.groups as Record<string, unknown>[]).map(row).sort(),
      emptyOnly: (empty.groups as Record<string, unknown>[]).map(row).sort(),
    };
  });
