/**
 * Rewrites of the APIs that name topics: Metadata, Produce, Fetch, ListOffsets, OffsetForLeaderEpoch, CreateTopics,
 * DeleteTopics, CreatePartitions, DescribeConfigs and IncrementalAlterConfigs. Names gain the tenant's prefix on the
 * way in and lose it on the way out; anything outside the prefix is dropped from answers; topic ids are accepted only
 * when known as the tenant's; Samsa's ACLs refuse a topic in the gateway with the error Kafka would give.
 */
import {
  CreatePartitions,
  CreateTopics,
  DeleteTopics,
  DescribeCluster,
  DescribeConfigs,
  ErrorCode,
  Fetch,
  IncrementalAlterConfigs,
  ListOffsets,
  Metadata,
  OffsetForLeaderEpoch,
  Produce,
} from '@samsa/protocol';
import {
  type ApiRewrite,
  external,
  mapNode,
  type Msg,
  partition,
  type RewriteContext,
  stripMessage,
} from './context.ts';

const TOPIC_RESOURCE = 2;
const DENIED = ErrorCode.TOPIC_AUTHORIZATION_FAILED;

function tenantId(ctx: RewriteContext): string {
  return ctx.access.tenantId ?? '';
}

/** The client's name for each topic the answer lists; topics outside the tenant are dropped. */
function keepOwnTopics(ctx: RewriteContext, topics: Msg[], field: string): Msg[] {
  return topics.filter((t) => {
    const name = external(ctx, t[field]);
    if (name === null) return false;
    t[field] = name;
    return true;
  });
}

/** Whether a topic id is the tenant's; an unknown id is looked up once (a Metadata refresh) before it is refused. */
async function knownTopicIds(ctx: RewriteContext, ids: Iterable<string>): Promise<(id: string) => string | null> {
  const tenant = tenantId(ctx);
  const nameOf = (id: string) => ctx.topicIds.nameOf(tenant, id);
  for (const id of ids) {
    if (nameOf(id) === null) {
      await ctx.refreshTopicIds();
      break;
    }
  }
  return nameOf;
}

async function mapNodeEndpoints(ctx: RewriteContext, res: Msg): Promise<void> {
  if (Array.isArray(res.nodeEndpoints)) for (const n of res.nodeEndpoints) await mapNode(ctx, n);
}

export const metadataRewrite: ApiRewrite = {
  api: Metadata,
  async request(ctx, req) {
    // Kafka creates an unknown topic asked for by name only if Samsa's ACLs would allow creating it (as the broker).
    const mayCreate = ctx.access.canCluster('CREATE');
    if (req.topics === null) return { send: req };
    const byId = (req.topics as Msg[]).filter((t) => t.name === null || t.name === undefined);
    const nameOf = await knownTopicIds(
      ctx,
      byId.map((t) => t.topicId),
    );
    const refused: Msg[] = [];
    const kept: Msg[] = [];
    for (const t of req.topics as Msg[]) {
      if (t.name === null || t.name === undefined) {
        // By id (v10+): only the tenant's ids.
        const name = nameOf(t.topicId);
        if (name === null) refused.push({ ...t, errorCode: ErrorCode.UNKNOWN_TOPIC_ID });
        else kept.push(t);
      } else if (!ctx.access.canTopic('DESCRIBE', t.name)) {
        refused.push({ ...t, errorCode: DENIED });
      } else {
        kept.push({ ...t, name: ctx.access.toInternal(t.name) });
      }
    }
    const allowAutoTopicCreation =
      req.allowAutoTopicCreation &&
      kept.every((t) => t.name == null || mayCreate || ctx.access.canTopic('CREATE', ctx.access.toExternal(t.name)));
    return {
      send: { ...req, topics: kept, allowAutoTopicCreation },
      merge: (res) => {
        for (const t of refused) {
          res.topics.push({
            errorCode: t.errorCode,
            name: t.name ?? null,
            topicId: t.topicId,
            isInternal: false,
            partitions: [],
            topicAuthorizedOperations: -2147483648,
          });
        }
      },
    };
  },
  async response(ctx, res) {
    for (const b of res.brokers as Msg[]) await mapNode(ctx, b);
    const tenant = tenantId(ctx);
    res.topics = (res.topics as Msg[]).filter((t) => {
      if (t.name === null) return ctx.topicIds.nameOf(tenant, t.topicId) !== null;
      if (!ctx.access.owns(t.name)) return false;
      if (t.errorCode === ErrorCode.NONE) ctx.topicIds.learn(tenant, t.topicId, t.name);
      t.name = ctx.access.toExternal(t.name);
      // A topic Samsa's ACLs hide is not listed (asked by name, it is refused in the request).
      return ctx.access.canTopic('DESCRIBE', t.name);
    });
  },
};

export const describeClusterRewrite: ApiRewrite = {
  api: DescribeCluster,
  request: (_ctx, req) => ({ send: req }),
  async response(ctx, res) {
    for (const b of res.brokers as Msg[]) await mapNode(ctx, b, 'brokerId');
  },
};

export const produceRewrite: ApiRewrite = {
  api: Produce,
  request(ctx, req) {
    // A transactional producer needs WRITE on its transactional id too: Kafka refuses every partition without it.
    const txnAllowed = req.transactionalId === null || ctx.access.canTransactionalId('WRITE', req.transactionalId);
    const { kept, refused } = partition(
      req.topicData as Msg[],
      (t) => txnAllowed && ctx.access.canTopic('WRITE', t.name),
    );
    const send = {
      ...req,
      transactionalId: req.transactionalId === null ? null : ctx.access.toInternal(req.transactionalId),
      topicData: kept.map((t) => ({ ...t, name: ctx.access.toInternal(t.name) })),
    };
    return {
      send,
      merge: (res) => {
        for (const t of refused) {
          res.responses.push({
            name: t.name,
            partitionResponses: (t.partitionData as Msg[]).map((p) => ({
              index: p.index,
              errorCode: txnAllowed ? DENIED : ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
              baseOffset: -1n,
              logAppendTimeMs: -1n,
              logStartOffset: -1n,
              recordErrors: [],
              errorMessage: null,
            })),
          });
        }
      },
    };
  },
  async response(ctx, res) {
    res.responses = keepOwnTopics(ctx, res.responses, 'name');
    for (const t of res.responses as Msg[])
      for (const p of t.partitionResponses as Msg[]) p.errorMessage = stripMessage(ctx, p.errorMessage);
    await mapNodeEndpoints(ctx, res);
  },
};

function fetchError(partitionIndex: number, errorCode: number): Msg {
  return {
    partitionIndex,
    errorCode,
    highWatermark: -1n,
    lastStableOffset: -1n,
    logStartOffset: -1n,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: null,
  };
}

export const fetchRewrite: ApiRewrite = {
  api: Fetch,
  waitsMs: (req) => Math.max(0, Number(req.maxWaitMs)),
  async request(ctx, req, version) {
    const byId = version >= 13;
    const topics = req.topics as Msg[];
    const forgotten = req.forgottenTopicsData as Msg[];
    if (!byId) {
      const { kept, refused } = partition(topics, (t) => ctx.access.canTopic('READ', t.topic));
      return {
        send: {
          ...req,
          topics: kept.map((t) => ({ ...t, topic: ctx.access.toInternal(t.topic) })),
          forgottenTopicsData: forgotten.map((t) => ({ ...t, topic: ctx.access.toInternal(t.topic) })),
        },
        merge: (res) => {
          for (const t of refused)
            res.responses.push({
              topic: t.topic,
              partitions: t.partitions.map((p: Msg) => fetchError(p.partition, DENIED)),
            });
        },
      };
    }
    const nameOf = await knownTopicIds(
      ctx,
      topics.map((t) => t.topicId),
    );
    const refused: { topic: Msg; errorCode: number }[] = [];
    const kept: Msg[] = [];
    for (const t of topics) {
      const name = nameOf(t.topicId);
      if (name === null) refused.push({ topic: t, errorCode: ErrorCode.UNKNOWN_TOPIC_ID });
      else if (!ctx.access.canTopic('READ', ctx.access.toExternal(name))) refused.push({ topic: t, errorCode: DENIED });
      else kept.push(t);
    }
    return {
      send: { ...req, topics: kept, forgottenTopicsData: forgotten.filter((t) => nameOf(t.topicId) !== null) },
      merge: (res) => {
        for (const { topic, errorCode } of refused) {
          res.responses.push({
            topicId: topic.topicId,
            partitions: topic.partitions.map((p: Msg) => fetchError(p.partition, errorCode)),
          });
        }
      },
    };
  },
  async response(ctx, res, version) {
    if (version < 13) res.responses = keepOwnTopics(ctx, res.responses, 'topic');
    else {
      const tenant = tenantId(ctx);
      res.responses = (res.responses as Msg[]).filter((t) => ctx.topicIds.nameOf(tenant, t.topicId) !== null);
    }
    await mapNodeEndpoints(ctx, res);
  },
};

/**
 * An API whose request lists topics by name in `list[].<nameField>` and whose answer lists them the same way: each
 * topic Samsa's ACLs refuse `operation` on is left out of the request and answered by `refusal`.
 */
function namedTopicsRewrite(
  api: ApiRewrite['api'],
  spec: {
    requestList: string;
    responseList: string;
    nameField: string;
    operation: 'DESCRIBE' | 'ALTER';
    refusal: (topic: Msg) => Msg;
  },
): ApiRewrite {
  const { requestList, responseList, nameField, operation, refusal } = spec;
  return {
    api,
    request(ctx, req) {
      const { kept, refused } = partition(req[requestList] as Msg[], (t) =>
        ctx.access.canTopic(operation, t[nameField]),
      );
      return {
        send: {
          ...req,
          [requestList]: kept.map((t) => ({ ...t, [nameField]: ctx.access.toInternal(t[nameField]) })),
        },
        merge: (res) => {
          for (const t of refused) res[responseList].push(refusal(t));
        },
      };
    },
    response(ctx, res) {
      res[responseList] = keepOwnTopics(ctx, res[responseList], nameField);
      for (const t of res[responseList] as Msg[])
        if (typeof t.errorMessage === 'string') t.errorMessage = stripMessage(ctx, t.errorMessage);
    },
  };
}

export const listOffsetsRewrite = namedTopicsRewrite(ListOffsets, {
  requestList: 'topics',
  responseList: 'topics',
  nameField: 'name',
  operation: 'DESCRIBE',
  refusal: (t) => ({
    name: t.name,
    partitions: (t.partitions as Msg[]).map((p) => ({
      partitionIndex: p.partitionIndex,
      errorCode: DENIED,
      oldStyleOffsets: [],
      timestamp: -1n,
      offset: -1n,
      leaderEpoch: -1,
    })),
  }),
});

export const offsetForLeaderEpochRewrite = namedTopicsRewrite(OffsetForLeaderEpoch, {
  requestList: 'topics',
  responseList: 'topics',
  nameField: 'topic',
  operation: 'DESCRIBE',
  refusal: (t) => ({
    topic: t.topic,
    partitions: (t.partitions as Msg[]).map((p) => ({
      errorCode: DENIED,
      partition: p.partition,
      leaderEpoch: -1,
      endOffset: -1n,
    })),
  }),
});

export const createTopicsRewrite: ApiRewrite = {
  api: CreateTopics,
  request(ctx, req) {
    const { kept, refused } = partition(
      req.topics as Msg[],
      (t) => ctx.access.canTopic('CREATE', t.name) || ctx.access.canCluster('CREATE'),
    );
    return {
      send: { ...req, topics: kept.map((t) => ({ ...t, name: ctx.access.toInternal(t.name) })) },
      merge: (res) => {
        for (const t of refused) {
          res.topics.push({
            name: t.name,
            errorCode: DENIED,
            errorMessage: `not authorized to create topic '${t.name}'`,
            topicConfigErrorCode: 0,
            numPartitions: -1,
            replicationFactor: -1,
            configs: null,
          });
        }
      },
    };
  },
  response(ctx, res) {
    res.topics = keepOwnTopics(ctx, res.topics, 'name');
    for (const t of res.topics as Msg[]) t.errorMessage = stripMessage(ctx, t.errorMessage);
  },
};

export const deleteTopicsRewrite: ApiRewrite = {
  api: DeleteTopics,
  async request(ctx, req, version) {
    if (version < 6) {
      const { kept, refused } = partition(req.topicNames as string[], (n) => ctx.access.canTopic('DELETE', n));
      return {
        send: { ...req, topicNames: kept.map((n) => ctx.access.toInternal(n)) },
        merge: (res) => {
          for (const name of refused) res.responses.push({ name, errorCode: DENIED, errorMessage: null });
        },
      };
    }
    const topics = req.topics as Msg[];
    const nameOf = await knownTopicIds(
      ctx,
      topics.filter((t) => t.name === null).map((t) => t.topicId),
    );
    const kept: Msg[] = [];
    const refused: Msg[] = [];
    for (const t of topics) {
      const internal = t.name === null ? nameOf(t.topicId) : ctx.access.toInternal(t.name);
      if (internal === null) refused.push({ name: null, topicId: t.topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID });
      else if (!ctx.access.canTopic('DELETE', ctx.access.toExternal(internal)))
        refused.push({ name: t.name, topicId: t.topicId, errorCode: DENIED });
      else kept.push(t.name === null ? t : { ...t, name: internal });
    }
    return {
      send: { ...req, topics: kept },
      merge: (res) => {
        for (const t of refused) res.responses.push({ ...t, errorMessage: null });
      },
    };
  },
  response(ctx, res) {
    const tenant = tenantId(ctx);
    res.responses = (res.responses as Msg[]).filter((t) => {
      if (t.name === null || t.name === undefined) return ctx.topicIds.nameOf(tenant, t.topicId) !== null;
      const name = external(ctx, t.name);
      if (name === null) return false;
      t.name = name;
      t.errorMessage = stripMessage(ctx, t.errorMessage);
      return true;
    });
  },
};

export const createPartitionsRewrite = namedTopicsRewrite(CreatePartitions, {
  requestList: 'topics',
  responseList: 'results',
  nameField: 'name',
  operation: 'ALTER',
  refusal: (t) => ({ name: t.name, errorCode: DENIED, errorMessage: null }),
});

/** DescribeConfigs and IncrementalAlterConfigs: TOPIC resources only (broker configs are the platform's). */
function configsRewrite(
  api: typeof DescribeConfigs | typeof IncrementalAlterConfigs,
  operation: 'DESCRIBE_CONFIGS' | 'ALTER_CONFIGS',
  resultsField: 'results' | 'responses',
): ApiRewrite {
  return {
    api,
    request(ctx, req) {
      const { kept, refused } = partition(
        req.resources as Msg[],
        (r) => r.resourceType === TOPIC_RESOURCE && ctx.access.canTopic(operation, r.resourceName),
      );
      return {
        send: { ...req, resources: kept.map((r) => ({ ...r, resourceName: ctx.access.toInternal(r.resourceName) })) },
        merge: (res) => {
          for (const r of refused) {
            const topic = r.resourceType === TOPIC_RESOURCE;
            res[resultsField].push({
              errorCode: topic ? DENIED : ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
              errorMessage: topic
                ? `not authorized: ${operation} on topic '${r.resourceName}'`
                : 'the gateway serves topic configs only: broker configs belong to the platform',
              resourceType: r.resourceType,
              resourceName: r.resourceName,
              configs: [],
            });
          }
        },
      };
    },
    response(ctx, res) {
      res[resultsField] = (res[resultsField] as Msg[]).filter((r) => {
        const name = external(ctx, r.resourceName);
        if (name === null) return false;
        r.resourceName = name;
        r.errorMessage = stripMessage(ctx, r.errorMessage);
        return true;
      });
    },
  };
}

export const describeConfigsRewrite = configsRewrite(DescribeConfigs, 'DESCRIBE_CONFIGS', 'results');
export const incrementalAlterConfigsRewrite = configsRewrite(IncrementalAlterConfigs, 'ALTER_CONFIGS', 'responses');
