/**
 * A tenant's topics. The broker is the one record of topics, partitions and configs: the console lists them by the
 * tenant's namespace prefix (Metadata, ListOffsets, DescribeConfigs, DescribeLogDirs), so topics the tenant created
 * over Kafka (auto-create, CreateTopics, CreatePartitions) show here as they are. Postgres keeps only what Kafka has
 * no place for (description, owner team, tags) in TopicAnnotation, bound to the broker's topic id: an annotation whose
 * topic is gone, or was deleted and created again under the same name, is stale and removed on read. Creating
 * topics, adding partitions and changing configs run AS the tenant, so the broker applies the tenant's quotas (they
 * are enforced there only) and its refusal becomes `quota_exceeded` with the broker's message.
 */
import { brokerName, localName, tenantNamespace } from '@samsa/cluster/namespace';
import type { Tenant, TopicAnnotation } from '@samsa/db';
import { db } from '../../server/db.ts';
import { ApiError } from '../../server/errors.ts';
import { log } from '../../server/log.ts';
import type { Actor } from '../../server/with-tenant.ts';
import { audit } from '../audit/audit.ts';
import { type BrokerTopic, clusterAdmin, clusterError, type TenantTopic } from '../cluster/cluster-admin.ts';
import { lagService } from '../consumer-groups/lag-host.ts';
import { renderRecord } from './render-bytes.ts';
import { type CompactionView, type CreateTopicInput, toBrokerConfigs, type UpdateTopicInput } from './schemas.ts';

/** The broker's topics of a tenant, keyed by the tenant's name for them. */
function byLocalName(tenant: Tenant, topics: BrokerTopic[]): Map<string, BrokerTopic> {
  return new Map(topics.map((t) => [localName(tenant.slug, t.brokerName), t]));
}

export function topicView(tenant: Tenant, t: BrokerTopic, a: TopicAnnotation | undefined) {
  return {
    /** The broker's topic id. */
    id: t.topicId,
    name: localName(tenant.slug, t.brokerName),
    partitions: t.partitions,
    description: a?.description ?? '',
    ownerTeam: a?.ownerTeam ?? '',
    tags: a?.tags ?? [],
    /** When the console created or first annotated it; null for a topic made over Kafka and never annotated. */
    createdAt: a?.createdAt.toISOString() ?? null,
  };
}

/**
 * The annotations of the tenant's live topics, keyed by name. Removes stale rows (their topic is gone, or has another
 * id now: a topic deleted and created again does not inherit them) and binds rows carried over from the old Topic
 * table (no id yet) to the topic of their name. `listedAtMs` is when the broker was asked: a row written after it
 * (a topic created meanwhile) is never taken for stale. With `only`, just that topic's row is looked at.
 */
async function annotationsOf(
  tenant: Tenant,
  live: Map<string, BrokerTopic>,
  listedAtMs: number,
  only?: string,
): Promise<Map<string, TopicAnnotation>> {
  const rows = await db().topicAnnotation.findMany({
    where: { tenantId: tenant.id, ...(only === undefined ? {} : { name: only }) },
  });
  const out = new Map<string, TopicAnnotation>();
  const stale: string[] = [];
  for (const row of rows) {
    const topic = live.get(row.name);
    if (topic && row.topicId === topic.topicId) {
      out.set(row.name, row);
    } else if (topic && row.topicId === null) {
      const bound = await db().topicAnnotation.updateMany({
        where: { id: row.id, topicId: null },
        data: { topicId: topic.topicId },
      });
      if (bound.count === 1) out.set(row.name, { ...row, topicId: topic.topicId });
    } else if (row.updatedAt.getTime() < listedAtMs) {
      stale.push(row.id);
    }
  }
  if (stale.length > 0) {
    const removed = await db().topicAnnotation.deleteMany({
      where: { id: { in: stale }, updatedAt: { lt: new Date(listedAtMs) } },
    });
    log.info({ tenant: tenant.slug, removed: removed.count }, 'removed annotations of topics no longer on the broker');
  }
  return out;
}

/** The tenant's topic as the broker has it, with its annotation; `not_found` when the broker has no such topic. */
export async function findTopic(tenant: Tenant, name: string) {
  const listedAtMs = Date.now();
  const topics = await clusterAdmin().topicsWithPrefix(brokerName(tenant.slug, name));
  const topic = topics.find((t) => t.brokerName === brokerName(tenant.slug, name));
  const annotations = await annotationsOf(tenant, new Map(topic ? [[name, topic]] : []), listedAtMs, name);
  if (!topic) throw new ApiError('not_found', `No topic '${name}' in tenant '${tenant.slug}'`);
  return { topic, annotation: annotations.get(name), target: tenantTopic(tenant, name) };
}

/**
 * The broker's quota refusal, pointed at the form field it concerns (its message names the quota: `topic quota
 * exceeded: ...`, `partition quota exceeded: ...`).
 */
async function onField<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (caught) {
    const err = clusterError(caught);
    if (err.code !== 'quota_exceeded' || err.fieldErrors) throw err;
    const field = /\btopic quota\b/.test(err.message)
      ? 'name'
      : /\bpartition quota\b/.test(err.message)
        ? 'partitions'
        : null;
    throw field ? new ApiError(err.code, err.message, { [field]: [err.message] }) : err;
  }
}

function tenantTopic(tenant: Tenant, name: string): TenantTopic {
  return { tenantSlug: tenant.slug, topic: name, brokerName: brokerName(tenant.slug, name) };
}

export async function listTopics(tenant: Tenant) {
  const listedAtMs = Date.now();
  let live: Map<string, BrokerTopic>;
  try {
    live = byLocalName(tenant, await clusterAdmin().topicsWithPrefix(tenantNamespace(tenant.slug)));
  } catch (err) {
    // The broker is the record of topics: without it there is no list, only the reason.
    return { topics: [], clusterError: (err as Error).message };
  }
  const annotations = await annotationsOf(tenant, live, listedAtMs);
  let stats: Awaited<ReturnType<ReturnType<typeof clusterAdmin>['topicStats']>> | null = null;
  let clusterError: string | null = null;
  try {
    stats = await clusterAdmin().topicStats([...live.values()].map((t) => t.brokerName));
  } catch (err) {
    clusterError = (err as Error).message;
  }
  return {
    topics: [...live].map(([name, t]) => {
      const s = stats?.get(t.brokerName);
      return {
        ...topicView(tenant, t, annotations.get(name)),
        messages: s?.messages ?? null,
        sizeBytes: s?.sizeBytes ?? null,
        retentionMs: s?.retentionMs ?? null,
      };
    }),
    clusterError,
  };
}

export async function createTopic(actor: Actor, tenant: Tenant, input: CreateTopicInput) {
  const target = tenantTopic(tenant, input.name);
  if (target.brokerName.length > 249) {
    throw new ApiError('validation_failed', 'Topic name too long', { name: ['Too long'] });
  }
  // As the tenant: the broker checks its topic and partition quotas and refuses a name that exists.
  const { topicId } = await onField(() => clusterAdmin().createTopic(target, input.partitions, toBrokerConfigs(input)));
  const annotation = { topicId, description: input.description, ownerTeam: input.ownerTeam, tags: input.tags };
  // A row left by an earlier topic of this name (not yet cleaned up on read) is replaced.
  const row = await db().topicAnnotation.upsert({
    where: { tenantId_name: { tenantId: tenant.id, name: input.name } },
    create: { tenantId: tenant.id, name: input.name, ...annotation },
    update: { ...annotation, createdAt: new Date() },
  });
  const view = topicView(tenant, { brokerName: target.brokerName, topicId, partitions: input.partitions }, row);
  await audit(actor, {
    tenantId: tenant.id,
    action: 'topic.create',
    targetType: 'topic',
    targetId: input.name,
    after: { ...view, configs: toBrokerConfigs(input) },
  });
  return view;
}

/** The cleaner's figures the broker reported for a compacted topic (TopicCleanerState); null when not compacted. */
async function compactionOf(
  tenant: Tenant,
  name: string,
  configs: Record<string, string | null>,
  partitions: number,
): Promise<CompactionView | null> {
  if (!(configs['cleanup.policy'] ?? '').split(',').includes('compact')) return null;
  const rows = await db().topicCleanerState.findMany({
    where: { tenantId: tenant.id, topic: name, partition: { lt: partitions } },
    orderBy: { partition: 'asc' },
  });
  const num = (v: bigint | null) => (v === null ? null : Number(v));
  const views = rows.map((r) => ({
    partition: r.partition,
    dirtyRatio: r.dirtyRatio,
    lastCleanAtMs: r.lastCleanAt?.getTime() ?? null,
    lastCleanDurationMs: num(r.lastCleanDurationMs),
    lastCleanBytesBefore: num(r.lastCleanBytesBefore),
    lastCleanBytesAfter: num(r.lastCleanBytesAfter),
    reportedAtMs: r.reportedAt.getTime(),
  }));
  const latest = views
    .filter((v) => v.lastCleanAtMs !== null)
    .sort((a, b) => (b.lastCleanAtMs ?? 0) - (a.lastCleanAtMs ?? 0))[0];
  const ratio = configs['min.cleanable.dirty.ratio'];
  return {
    dirtyRatio: views.length === 0 ? null : Math.max(...views.map((v) => v.dirtyRatio)),
    minCleanableDirtyRatio: ratio === null || ratio === undefined ? null : Number(ratio),
    lastClean: latest
      ? {
          partition: latest.partition,
          atMs: latest.lastCleanAtMs ?? 0,
          durationMs: latest.lastCleanDurationMs ?? 0,
          bytesBefore: latest.lastCleanBytesBefore ?? 0,
          bytesAfter: latest.lastCleanBytesAfter ?? 0,
        }
      : null,
    partitions: views,
  };
}

export async function describeTopic(tenant: Tenant, name: string) {
  const { topic, annotation } = await findTopic(tenant, name);
  const info = await clusterAdmin().describeTopic(topic.brokerName);
  if (!info) throw new ApiError('not_found', `No topic '${name}' in tenant '${tenant.slug}'`);
  // Groups live in the tenant's namespace too: `<slug>.<group>` on the broker.
  const prefix = tenantNamespace(tenant.slug);
  const groups = await clusterAdmin()
    .consumerGroupsOf(topic.brokerName, prefix)
    .catch(() => []);
  const lagStatus = new Map(
    lagService()
      .getTopicConsumers(topic.brokerName, { tenantId: tenant.id })
      .map((c) => [c.groupId, c]),
  );
  return {
    ...topicView(tenant, { ...topic, partitions: info.partitions.length }, annotation),
    partitionDetails: info.partitions,
    configs: info.configs,
    compaction: await compactionOf(tenant, name, info.configs, info.partitions.length),
    messages: info.messages,
    sizeBytes: info.sizeBytes,
    consumerGroups: groups.map((g) => {
      const watched = lagStatus.get(g.brokerGroupId);
      return {
        groupId: g.brokerGroupId.slice(prefix.length),
        state: g.state,
        // The collector's lag counts every partition the group consumes, those without a committed offset included
        // (from the reset position), as the group pages do; the direct read counts committed partitions only and
        // stands in until the collector has seen the group.
        lag: watched?.lag ?? g.lag,
        /** How many partitions of the topic the group reads (the collector's count; committed ones until then). */
        partitions: watched?.partitions ?? g.partitions.length,
        /** The group's committed offsets on this topic, read directly from the broker. */
        committed: g.partitions.map(({ partition, committedOffset, lag }) => ({ partition, committedOffset, lag })),
        /** From the lag collector's last pass (null until it has seen the group). */
        status: watched?.status ?? null,
        maxTimeLagMs: watched?.maxTimeLagMs ?? null,
      };
    }),
  };
}

export async function updateTopic(actor: Actor, tenant: Tenant, name: string, input: UpdateTopicInput) {
  const { topic, annotation, target } = await findTopic(tenant, name);
  const before = topicView(tenant, topic, annotation);
  const partitions = input.partitions ?? topic.partitions;
  if (partitions !== topic.partitions) {
    if (partitions < topic.partitions) {
      throw new ApiError('validation_failed', 'Partitions can only be added', {
        partitions: [`At least ${topic.partitions}`],
      });
    }
    // As the tenant: the broker checks its partition quota.
    await onField(() => clusterAdmin().createPartitions(target, partitions));
  }
  if (input.configs && Object.keys(toBrokerConfigs(input.configs)).length > 0) {
    await clusterAdmin().alterTopicConfigs(target, toBrokerConfigs(input.configs));
  }
  let row = annotation;
  if (input.description !== undefined || input.ownerTeam !== undefined || input.tags !== undefined) {
    const changes = { description: input.description, ownerTeam: input.ownerTeam, tags: input.tags };
    row = await db().topicAnnotation.upsert({
      where: { tenantId_name: { tenantId: tenant.id, name } },
      create: { tenantId: tenant.id, name, topicId: topic.topicId, ...changes },
      update: { topicId: topic.topicId, ...changes },
    });
  }
  const after = topicView(tenant, { ...topic, partitions }, row);
  await audit(actor, {
    tenantId: tenant.id,
    action: 'topic.update',
    targetType: 'topic',
    targetId: name,
    before,
    after: { ...after, configs: input.configs },
  });
  return after;
}

export async function deleteTopic(actor: Actor, tenant: Tenant, name: string) {
  const { topic, annotation } = await findTopic(tenant, name);
  await clusterAdmin().deleteTopics([topic.brokerName]);
  await db().topicAnnotation.deleteMany({ where: { tenantId: tenant.id, name } });
  await audit(actor, {
    tenantId: tenant.id,
    action: 'topic.delete',
    targetType: 'topic',
    targetId: name,
    before: topicView(tenant, topic, annotation),
  });
}

export async function browseMessages(
  tenant: Tenant,
  name: string,
  q: { partition: number; offset?: number; timestamp?: number; limit: number },
) {
  const { topic } = await findTopic(tenant, name);
  const from = q.timestamp !== undefined ? { timestamp: q.timestamp } : { offset: q.offset ?? 0 };
  const page = await clusterAdmin().readMessages(topic.brokerName, q.partition, from, q.limit);
  return {
    ...page,
    messages: await Promise.all(
      page.messages.map(async (m) => ({
        partition: m.partition,
        offset: m.offset,
        timestamp: m.timestamp,
        ...(await renderRecord(tenant, name, m)),
      })),
    ),
  };
}

export async function produceMessage(
  actor: Actor,
  tenant: Tenant,
  name: string,
  input: { partition?: number; key?: string | null; value: string; headers?: Record<string, string> },
) {
  const { target } = await findTopic(tenant, name);
  const result = await clusterAdmin().produceAs(target, input);
  await audit(actor, {
    tenantId: tenant.id,
    action: 'topic.produce',
    targetType: 'topic',
    targetId: name,
    after: { partition: result.partition, offset: result.offset },
  });
  return result;
}
