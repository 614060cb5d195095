/**
 * Rewrites of the APIs that name topics: Metadata, Produce, Fetch, ListOffsets, OffsetForLeaderEpoch, CreateTopics,
 * DeleteTopics, CreatePartitions, DescribeConfigs and IncrementalAlterConfigs. Names gain the tenant's prefix on the
 * way in and lose it on the way out; anything outside the prefix is dropped from answers; topic ids are accepted only
 * when known as the tenant's; Samsa's ACLs refuse a topic in the gateway with the error Kafka would give. CreateTopics,
 * CreatePartitions and Produce also apply the tenant's topic, partition and storage quotas against its usage on the
 * cluster (tenant-usage.ts), with the broker's error codes and messages.
 */
import { storageQuotaMessage, type TenantQuota, topicQuotaMessage } from '@samsa/broker/tenancy';
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

/** The tenant whose quotas a connection's requests count against; null for the superuser's platform view. */
function quotaTenant(ctx: RewriteContext): { slug: string; prefix: string; quota: TenantQuota } | null {
  const principal = ctx.access.principal;
  const prefix = ctx.access.prefix;
  if (principal.kind !== 'tenant' || prefix === null) return null;
  return { slug: principal.tenant.slug, prefix, quota: ctx.limits.quota(principal.tenant.id) };
}

/** A tenant's quota and its topic and partition counts, to which a request's additions are added as checked. */
interface TopicCounts {
  slug: string;
  quota: TenantQuota;
  topics: number;
  partitions: number;
  byTopic: ReadonlyMap<string, number>;
}

/** The tenant's topics and partitions now, when a topic or partition quota applies to it (else null). */
async function topicCounts(ctx: RewriteContext): Promise<TopicCounts | null> {
  const tenant = quotaTenant(ctx);
  if (tenant === null || (tenant.quota.maxTopics === null && tenant.quota.maxPartitions === null)) return null;
  // A create decides on a fresh count, as the broker does: what other gateways created is seen.
  const usage = await ctx.limits.usage.current(tenant.prefix, { fresh: true });
  return { ...tenant, topics: usage.topics, partitions: usage.partitions, byTopic: usage.partitionsByTopic };
}

/**
 * After the gateway created a tenant's topic (its cluster name), grew it to `partitions`, or deleted it (null): its
 * usage is counted again, with this change laid over counts until Kafka's Metadata shows it.
 */
function usageChanged(ctx: RewriteContext, topic: string, partitions: number | null): void {
  if (ctx.access.prefix !== null) ctx.limits.usage.changed(ctx.access.prefix, topic, partitions);
}

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

/** A Produce answer's partitions refused with `errorCode` and `errorMessage`. */
function produceRefusal(topic: Msg, errorCode: number, errorMessage: string | null): Msg {
  return {
    name: topic.name,
    partitionResponses: (topic.partitionData as Msg[]).map((p) => ({
      index: p.index,
      errorCode,
      baseOffset: -1n,
      logAppendTimeMs: -1n,
      logStartOffset: -1n,
      recordErrors: [],
      errorMessage,
    })),
  };
}

/** The storage quota's message when the tenant is at or over it (the broker's words), else null. */
async function storageProblem(ctx: RewriteContext): Promise<string | null> {
  const tenant = quotaTenant(ctx);
  if (tenant === null || tenant.quota.storageBytes === null) return null;
  const usage = await ctx.limits.usage.current(tenant.prefix, { fresh: false });
  return storageQuotaMessage(tenant.slug, tenant.quota.storageBytes, usage.storageBytes);
}

export const produceRewrite: ApiRewrite = {
  api: Produce,
  async request(ctx, req) {
    // A transactional producer needs WRITE on its transactional id too: Kafka refuses every partition without it.
    const txnAllowed = req.transactionalId === null || ctx.access.canTransactionalId('WRITE', req.transactionalId);
    const { kept, refused } = partition(
      req.topicData as Msg[],
      (t) => txnAllowed && ctx.access.canTopic('WRITE', t.name),
    );
    // At or over its storage quota, a tenant writes nothing until retention or deletion frees room (as the broker).
    const overQuota = kept.length > 0 ? await storageProblem(ctx) : null;
    const sent = overQuota === null ? kept : [];
    const send = {
      ...req,
      transactionalId: req.transactionalId === null ? null : ctx.access.toInternal(req.transactionalId),
      topicData: sent.map((t) => ({ ...t, name: ctx.access.toInternal(t.name) })),
    };
    return {
      send,
      merge: (res) => {
        notePartitionsWritten(ctx, sent, res.responses as Msg[]);
        const refusal = txnAllowed ? DENIED : ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
        for (const t of refused) res.responses.push(produceRefusal(t, refusal, null));
        if (overQuota !== null)
          for (const t of kept) res.responses.push(produceRefusal(t, ErrorCode.POLICY_VIOLATION, overQuota));
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

/** Counts the record bytes the cluster accepted against the tenant's stored bytes until its usage is counted again. */
function notePartitionsWritten(ctx: RewriteContext, sent: Msg[], responses: Msg[]): void {
  const tenant = quotaTenant(ctx);
  if (tenant === null || tenant.quota.storageBytes === null) return;
  const accepted = new Set<string>();
  for (const t of responses)
    for (const p of t.partitionResponses as Msg[])
      if (p.errorCode === ErrorCode.NONE) accepted.add(`${t.name}\u0000${p.index}`);
  let bytes = 0;
  for (const t of sent)
    for (const p of t.partitionData as Msg[])
      if (accepted.has(`${t.name}\u0000${p.index}`)) bytes += (p.records as Uint8Array | null)?.length ?? 0;
  if (bytes > 0) ctx.limits.usage.noteProduced(tenant.prefix, bytes);
}

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

function createTopicRefusal(name: string, errorCode: number, errorMessage: string): Msg {
  return {
    name,
    errorCode,
    errorMessage,
    topicConfigErrorCode: 0,
    numPartitions: -1,
    replicationFactor: -1,
    configs: null,
  };
}

/**
 * Partitions a CreateTopics entry asks for: its assignments, else its count; -1 (the cluster's default) counts as 1,
 * Kafka's default `num.partitions` (a cluster with a higher default is recounted after the create).
 */
function requestedPartitions(t: Msg): number {
  if ((t.assignments as Msg[]).length > 0) return (t.assignments as Msg[]).length;
  return t.numPartitions === -1 ? 1 : (t.numPartitions as number);
}

export const createTopicsRewrite: ApiRewrite = {
  api: CreateTopics,
  async request(ctx, req) {
    const { kept: allowed, refused } = partition(
      req.topics as Msg[],
      (t) => ctx.access.canTopic('CREATE', t.name) || ctx.access.canCluster('CREATE'),
    );
    const refusals = refused.map((t) =>
      createTopicRefusal(t.name, DENIED, `not authorized to create topic '${t.name}'`),
    );
    // What this request adds is counted topic by topic (validateOnly too), against the tenant's count on the cluster.
    const counts = await topicCounts(ctx);
    const max = ctx.limits.maxPartitionsPerTopic;
    const kept: Msg[] = [];
    for (const t of allowed) {
      const internal = ctx.access.toInternal(t.name);
      const partitions = requestedPartitions(t);
      if (partitions > max) {
        const message = `number of partitions ${partitions} exceeds the broker limit of ${max}`;
        refusals.push(createTopicRefusal(t.name, ErrorCode.INVALID_PARTITIONS, message));
        continue;
      }
      // A topic that exists is left to Kafka (TOPIC_ALREADY_EXISTS), as the broker checks that first.
      if (counts !== null && !counts.byTopic.has(internal)) {
        const problem = topicQuotaMessage(counts.slug, counts.quota, counts, 1, partitions);
        if (problem !== null) {
          refusals.push(createTopicRefusal(t.name, ErrorCode.POLICY_VIOLATION, problem));
          continue;
        }
        counts.topics++;
        counts.partitions += partitions;
      }
      kept.push({ ...t, name: internal });
    }
    return {
      send: { ...req, topics: kept },
      merge: (res) => {
        if (!req.validateOnly) {
          const asked = new Map(kept.map((t) => [ctx.access.toExternal(t.name), requestedPartitions(t)]));
          for (const t of res.topics as Msg[]) {
            const partitions = asked.get(t.name);
            if (t.errorCode !== ErrorCode.NONE || partitions === undefined) continue;
            usageChanged(ctx, ctx.access.toInternal(t.name), t.numPartitions > 0 ? t.numPartitions : partitions);
          }
        }
        res.topics.push(...refusals);
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
      const internal = t.name ?? ctx.topicIds.nameOf(tenant, t.topicId);
      if (t.errorCode === ErrorCode.NONE && internal !== null && ctx.access.owns(internal))
        usageChanged(ctx, internal, null);
      if (t.name === null || t.name === undefined) return ctx.topicIds.nameOf(tenant, t.topicId) !== null;
      const name = external(ctx, t.name);
      if (name === null) return false;
      t.name = name;
      t.errorMessage = stripMessage(ctx, t.errorMessage);
      return true;
    });
  },
};

/** CreatePartitions' ACL check and names; the partition bound and quota come first (createPartitionsRewrite). */
const createPartitionsNames = namedTopicsRewrite(CreatePartitions, {
  requestList: 'topics',
  responseList: 'results',
  nameField: 'name',
  operation: 'ALTER',
  refusal: (t) => ({ name: t.name, errorCode: DENIED, errorMessage: null }),
});

export const createPartitionsRewrite: ApiRewrite = {
  api: CreatePartitions,
  async request(ctx, req, version) {
    const counts = await topicCounts(ctx);
    const max = ctx.limits.maxPartitionsPerTopic;
    const refusals: Msg[] = [];
    const passed: Msg[] = [];
    for (const t of req.topics as Msg[]) {
      // Topics Samsa's ACLs refuse are refused as such below, whatever their count.
      if (!ctx.access.canTopic('ALTER', t.name)) {
        passed.push(t);
        continue;
      }
      if (t.count > max) {
        const message = `partition count ${t.count} exceeds the limit of ${max}`;
        refusals.push({ name: t.name, errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: message });
        continue;
      }
      // An unknown topic, or a count not above the current one, is Kafka's to refuse.
      const current = counts?.byTopic.get(ctx.access.toInternal(t.name));
      const added = current === undefined ? 0 : Math.max(0, (t.count as number) - current);
      if (counts !== null && added > 0) {
        const problem = topicQuotaMessage(counts.slug, counts.quota, counts, 0, added);
        if (problem !== null) {
          refusals.push({ name: t.name, errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: problem });
          continue;
        }
        counts.partitions += added;
      }
      passed.push(t);
    }
    const rewritten = await createPartitionsNames.request(ctx, { ...req, topics: passed }, version);
    if ('answer' in rewritten) return rewritten;
    return {
      send: rewritten.send,
      merge: (res) => {
        if (!req.validateOnly) {
          const asked = new Map((passed as Msg[]).map((t) => [t.name as string, t.count as number]));
          for (const t of res.results as Msg[]) {
            const count = asked.get(t.name);
            if (t.errorCode === ErrorCode.NONE && count !== undefined)
              usageChanged(ctx, ctx.access.toInternal(t.name), count);
          }
        }
        rewritten.merge?.(res);
        res.results.push(...refusals);
      },
    };
  },
  response: (ctx, res, version) => createPartitionsNames.response(ctx, res, version),
};

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
