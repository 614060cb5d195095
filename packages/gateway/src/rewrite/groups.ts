/**
 * Rewrites of the APIs that name consumer groups and transactional ids: FindCoordinator, JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, ListGroups, DescribeGroups, DeleteGroups and InitProducerId. Group
 * ids and transactional ids gain the tenant's prefix; Samsa's ACLs refuse a group or transactional id in the gateway.
 * The consumer protocol's payloads (subscriptions and assignments inside JoinGroup, SyncGroup and DescribeGroups) are
 * rewritten too, so Kafka's tools see the cluster's topic names in them.
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
import { CONSUMER_PROTOCOL_TYPE, rewriteAssignment, rewriteSubscription } from './consumer-protocol.ts';
import {
  type ApiRewrite,
  external,
  keepOwn,
  mapNode,
  type Msg,
  partition,
  partitionErrors,
  type RewriteContext,
  stripMessage,
  withMerged,
} from './context.ts';

const GROUP_DENIED = ErrorCode.GROUP_AUTHORIZATION_FAILED;

/** Heartbeat and LeaveGroup: one group id; refused whole when Samsa's ACLs deny READ. */
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

/** Bound on the group protocol types one connection remembers (a consumer joins one or a few groups). */
const MAX_REMEMBERED_GROUPS = 1_000;

export const joinGroupRewrite: ApiRewrite = {
  api: JoinGroup,
  waitsMs: (req) => Math.max(Number(req.rebalanceTimeoutMs ?? 0), Number(req.sessionTimeoutMs ?? 0)),
  request(ctx, req) {
    if (!ctx.access.canGroup('READ', req.groupId)) {
      return {
        answer: {
          errorCode: GROUP_DENIED,
          generationId: -1,
          protocolType: null,
          protocolName: null,
          leader: '',
          skipAssignment: false,
          memberId: req.memberId,
          members: [],
        },
      };
    }
    const consumer = req.protocolType === CONSUMER_PROTOCOL_TYPE;
    if (ctx.groupProtocolTypes.size >= MAX_REMEMBERED_GROUPS) ctx.groupProtocolTypes.clear();
    ctx.groupProtocolTypes.set(req.groupId, req.protocolType);
    const protocols = consumer
      ? (req.protocols as Msg[]).map((p) => ({ ...p, metadata: rewriteSubscription(ctx, p.metadata, 'toCluster') }))
      : req.protocols;
    return {
      send: { ...req, groupId: ctx.access.toInternal(req.groupId), protocols },
      merge: (res) => {
        if (!consumer) return;
        for (const m of res.members as Msg[]) m.metadata = rewriteSubscription(ctx, m.metadata, 'toClient');
      },
    };
  },
  response() {},
};

export const syncGroupRewrite: ApiRewrite = {
  api: SyncGroup,
  // A follower's SyncGroup waits for the leader's assignment, up to the rebalance.
  waitsMs: () => 300_000,
  request(ctx, req) {
    if (!ctx.access.canGroup('READ', req.groupId)) {
      return {
        answer: { errorCode: GROUP_DENIED, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) },
      };
    }
    const consumer = (req.protocolType ?? ctx.groupProtocolTypes.get(req.groupId)) === CONSUMER_PROTOCOL_TYPE;
    const assignments = consumer
      ? (req.assignments as Msg[]).map((a) => ({ ...a, assignment: rewriteAssignment(ctx, a.assignment, 'toCluster') }))
      : req.assignments;
    return {
      send: { ...req, groupId: ctx.access.toInternal(req.groupId), assignments },
      merge: (res) => {
        if (consumer) res.assignment = rewriteAssignment(ctx, res.assignment, 'toClient');
      },
    };
  },
  response() {},
};

export const heartbeatRewrite = singleGroupRewrite(Heartbeat, () => ({ errorCode: GROUP_DENIED }));
export const leaveGroupRewrite = singleGroupRewrite(LeaveGroup, () => ({ errorCode: GROUP_DENIED, members: [] }));

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

/** Why a coordinator key is refused, as the broker answers (DESCRIBE on the group or transactional id), or null. */
function coordinatorRefusal(
  ctx: RewriteContext,
  keyType: number,
  key: string,
): { code: number; message: string } | null {
  if (keyType === KEY_TYPE_GROUP)
    return ctx.access.canGroup('DESCRIBE', key) ? null : { code: GROUP_DENIED, message: 'not authorized' };
  if (keyType === KEY_TYPE_TRANSACTION) {
    return ctx.access.canTransactionalId('DESCRIBE', key)
      ? null
      : { code: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, message: 'not authorized' };
  }
  return { code: ErrorCode.INVALID_REQUEST, message: `unknown coordinator key type ${keyType}` };
}

/**
 * FindCoordinator: groups (key type 0) and transactional ids (1) gain the tenant's prefix; other key types are refused.
 */
export const findCoordinatorRewrite: ApiRewrite = {
  api: FindCoordinator,
  request(ctx, req, version) {
    const keyType = (req.keyType as number | undefined) ?? KEY_TYPE_GROUP;
    const notFound = { nodeId: -1, host: '', port: -1 };
    if (version < 4) {
      const refusal = coordinatorRefusal(ctx, keyType, req.key);
      if (refusal !== null) return { answer: { ...notFound, errorCode: refusal.code, errorMessage: refusal.message } };
      return { send: { ...req, key: ctx.access.toInternal(req.key) } };
    }
    const refused: Msg[] = [];
    const kept: string[] = [];
    for (const key of req.coordinatorKeys as string[]) {
      const refusal = coordinatorRefusal(ctx, keyType, key);
      if (refusal === null) kept.push(ctx.access.toInternal(key));
      else refused.push({ ...notFound, key, errorCode: refusal.code, errorMessage: refusal.message });
    }
    const merge = (res: Msg) => {
      res.coordinators.push(...refused);
    };
    if (kept.length === 0) return { answer: withMerged({ coordinators: [] }, merge) };
    return { send: { ...req, coordinatorKeys: kept }, merge };
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
      res.topics.push(...partitionErrors(refused, groupAllowed ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : GROUP_DENIED));
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

function internalTopics(ctx: RewriteContext, topics: Msg[] | null): Msg[] | null {
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
    for (const g of res.groups as Msg[]) {
      if (g.protocolType !== CONSUMER_PROTOCOL_TYPE) continue;
      for (const m of g.members as Msg[]) {
        m.memberMetadata = rewriteSubscription(ctx, m.memberMetadata, 'toClient');
        m.memberAssignment = rewriteAssignment(ctx, m.memberAssignment, 'toClient');
      }
    }
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
