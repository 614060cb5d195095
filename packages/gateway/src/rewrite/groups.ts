/**
 * Rewrites of the APIs that name consumer groups and transactional ids: FindCoordinator, JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, ListGroups, DescribeGroups, DeleteGroups and InitProducerId. Group
 * ids and transactional ids gain the tenant's prefix; Samsa's ACLs refuse a group in the gateway. The consumer
 * protocol's payloads (subscriptions and assignments inside JoinGroup and SyncGroup) are opaque to the cluster and
 * stay in the client's names.
 */
import {
  DeleteGroups,
  DescribeGroups,
  ErrorCode,
  FindCoordinator,
  Heartbeat,
  InitProducerId,
  JoinGroup,
  LeaveGroup,
  ListGroups,
  OffsetCommit,
  OffsetFetch,
  SyncGroup,
} from '@samsa/protocol';
import { type ApiRewrite, external, mapNode, type Msg, partition, stripMessage } from './context.ts';

const GROUP_DENIED = ErrorCode.GROUP_AUTHORIZATION_FAILED;

/** JoinGroup, SyncGroup, Heartbeat and LeaveGroup: one group id; refused whole when Samsa's ACLs deny READ. */
function singleGroupRewrite(
  api: ApiRewrite['api'],
  refusal: (req: Msg) => Msg,
  waits?: (req: Msg) => number,
): ApiRewrite {
  return {
    api,
    ...(waits ? { waitsMs: waits } : {}),
    request(ctx, req) {
      if (!ctx.access.canGroup('READ', req.groupId)) return { answer: refusal(req) };
      return { send: { ...req, groupId: ctx.access.toInternal(req.groupId) } };
    },
    response() {},
  };
}

export const joinGroupRewrite = singleGroupRewrite(
  JoinGroup,
  (req) => ({
    errorCode: GROUP_DENIED,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    skipAssignment: false,
    memberId: req.memberId,
    members: [],
  }),
  (req) => Math.max(Number(req.rebalanceTimeoutMs ?? 0), Number(req.sessionTimeoutMs ?? 0)),
);
export const syncGroupRewrite = singleGroupRewrite(
  SyncGroup,
  () => ({ errorCode: GROUP_DENIED, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) }),
  // A follower's SyncGroup waits for the leader's assignment, up to the rebalance.
  () => 300_000,
);
export const heartbeatRewrite = singleGroupRewrite(Heartbeat, () => ({ errorCode: GROUP_DENIED }));
export const leaveGroupRewrite = singleGroupRewrite(LeaveGroup, () => ({ errorCode: GROUP_DENIED, members: [] }));

export const findCoordinatorRewrite: ApiRewrite = {
  api: FindCoordinator,
  request(ctx, req, version) {
    if (version < 4) return { send: { ...req, key: ctx.access.toInternal(req.key) } };
    return {
      send: { ...req, coordinatorKeys: (req.coordinatorKeys as string[]).map((k) => ctx.access.toInternal(k)) },
    };
  },
  async response(ctx, res, version) {
    if (version < 4) {
      await mapNode(ctx, res);
      res.errorMessage = stripMessage(ctx, res.errorMessage);
      return;
    }
    res.coordinators = (res.coordinators as Msg[]).filter((c) => {
      const key = external(ctx, c.key);
      if (key === null) return false;
      c.key = key;
      c.errorMessage = stripMessage(ctx, c.errorMessage);
      return true;
    });
    for (const c of res.coordinators as Msg[]) await mapNode(ctx, c);
  },
};

export const offsetCommitRewrite: ApiRewrite = {
  api: OffsetCommit,
  request(ctx, req) {
    const groupAllowed = ctx.access.canGroup('READ', req.groupId);
    const { kept, refused } = partition(
      req.topics as Msg[],
      (t) => groupAllowed && ctx.access.canTopic('READ', t.name),
    );
    const merge = (res: Msg) => {
      for (const t of refused) {
        res.topics.push({
          name: t.name,
          partitions: (t.partitions as Msg[]).map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: groupAllowed ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : GROUP_DENIED,
          })),
        });
      }
    };
    if (kept.length === 0) return { answer: withMerged({ topics: [] }, merge) };
    return {
      send: {
        ...req,
        groupId: ctx.access.toInternal(req.groupId),
        topics: kept.map((t) => ({ ...t, name: ctx.access.toInternal(t.name) })),
      },
      merge,
    };
  },
  response(ctx, res) {
    res.topics = keepOwn(ctx, res.topics, 'name');
  },
};

function withMerged(res: Msg, merge: (res: Msg) => void): Msg {
  merge(res);
  return res;
}

function keepOwn(ctx: Parameters<ApiRewrite['response']>[0], items: Msg[], field: string): Msg[] {
  return items.filter((item) => {
    const name = external(ctx, item[field]);
    if (name === null) return false;
    item[field] = name;
    return true;
  });
}

function internalTopics(ctx: Parameters<ApiRewrite['response']>[0], topics: Msg[] | null): Msg[] | null {
  return topics === null ? null : topics.map((t) => ({ ...t, name: ctx.access.toInternal(t.name) }));
}

export const offsetFetchRewrite: ApiRewrite = {
  api: OffsetFetch,
  request(ctx, req, version) {
    if (version < 8) {
      if (!ctx.access.canGroup('DESCRIBE', req.groupId)) return { answer: { topics: [], errorCode: GROUP_DENIED } };
      return { send: { ...req, groupId: ctx.access.toInternal(req.groupId), topics: internalTopics(ctx, req.topics) } };
    }
    const { kept, refused } = partition(req.groups as Msg[], (g) => ctx.access.canGroup('DESCRIBE', g.groupId));
    const merge = (res: Msg) => {
      for (const g of refused) res.groups.push({ groupId: g.groupId, topics: [], errorCode: GROUP_DENIED });
    };
    if (kept.length === 0) return { answer: withMerged({ groups: [] }, merge) };
    return {
      send: {
        ...req,
        groups: kept.map((g) => ({
          ...g,
          groupId: ctx.access.toInternal(g.groupId),
          topics: internalTopics(ctx, g.topics),
        })),
      },
      merge,
    };
  },
  response(ctx, res, version) {
    if (version < 8) {
      res.topics = keepOwn(ctx, res.topics, 'name');
      return;
    }
    res.groups = keepOwn(ctx, res.groups, 'groupId');
    for (const g of res.groups as Msg[]) g.topics = keepOwn(ctx, g.topics, 'name');
  },
};

export const listGroupsRewrite: ApiRewrite = {
  api: ListGroups,
  request: (_ctx, req) => ({ send: req }),
  response(ctx, res) {
    res.groups = keepOwn(ctx, res.groups, 'groupId').filter((g) => ctx.access.canGroup('DESCRIBE', g.groupId));
  },
};

export const describeGroupsRewrite: ApiRewrite = {
  api: DescribeGroups,
  request(ctx, req) {
    const { kept, refused } = partition(req.groups as string[], (g) => ctx.access.canGroup('DESCRIBE', g));
    const merge = (res: Msg) => {
      for (const groupId of refused) {
        res.groups.push({
          errorCode: GROUP_DENIED,
          groupId,
          groupState: '',
          protocolType: '',
          protocolData: '',
          members: [],
          authorizedOperations: -2147483648,
        });
      }
    };
    if (kept.length === 0) return { answer: withMerged({ groups: [] }, merge) };
    return { send: { ...req, groups: kept.map((g) => ctx.access.toInternal(g)) }, merge };
  },
  response(ctx, res) {
    res.groups = keepOwn(ctx, res.groups, 'groupId');
  },
};

export const deleteGroupsRewrite: ApiRewrite = {
  api: DeleteGroups,
  request(ctx, req) {
    const { kept, refused } = partition(req.groupsNames as string[], (g) => ctx.access.canGroup('DELETE', g));
    const merge = (res: Msg) => {
      for (const groupId of refused) res.results.push({ groupId, errorCode: GROUP_DENIED });
    };
    if (kept.length === 0) return { answer: withMerged({ results: [] }, merge) };
    return { send: { ...req, groupsNames: kept.map((g) => ctx.access.toInternal(g)) }, merge };
  },
  response(ctx, res) {
    res.results = keepOwn(ctx, res.results, 'groupId');
  },
};

export const initProducerIdRewrite: ApiRewrite = {
  api: InitProducerId,
  request(ctx, req) {
    if (req.transactionalId === null) return { send: req };
    if (!ctx.access.canTransactionalId('WRITE', req.transactionalId)) {
      return {
        answer: { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 },
      };
    }
    return { send: { ...req, transactionalId: ctx.access.toInternal(req.transactionalId) } };
  },
  response() {},
};
