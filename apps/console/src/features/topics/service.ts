/**
 * A tenant's topics: metadata in Postgres, the topic itself on the broker (through the cluster-admin seam).
 * Creation is checked against the tenant's quotas first, with an error that names the quota.
 */
import type { Tenant, Topic } from '@samsa/db';
import { db } from '../../server/db.ts';
import { ApiError } from '../../server/errors.ts';
import type { Actor } from '../../server/with-tenant.ts';
import { audit } from '../audit/audit.ts';
import { brokerTopicName, clusterAdmin } from '../cluster/cluster-admin.ts';
import { lagService } from '../consumer-groups/lag-host.ts';
import { type CreateTopicInput, toBrokerConfigs, type UpdateTopicInput } from './schemas.ts';

export function topicView(t: Topic) {
  return {
    id: t.id,
    name: t.name,
    partitions: t.partitions,
    description: t.description,
    ownerTeam: t.ownerTeam,
    tags: t.tags,
    createdAt: t.createdAt.toISOString(),
  };
}

export async function findTopic(tenant: Tenant, name: string): Promise<Topic> {
  const t = await db().topic.findUnique({ where: { tenantId_name: { tenantId: tenant.id, name } } });
  if (!t) throw new ApiError('not_found', `No topic '${name}' in tenant '${tenant.slug}'`);
  return t;
}

export async function listTopics(tenant: Tenant) {
  const topics = await db().topic.findMany({ where: { tenantId: tenant.id }, orderBy: { name: 'asc' } });
  let stats: Awaited<ReturnType<ReturnType<typeof clusterAdmin>['topicStats']>> | null = null;
  let clusterError: string | null = null;
  try {
    stats = await clusterAdmin().topicStats(topics.map((t) => t.brokerName));
  } catch (err) {
    clusterError = (err as Error).message;
  }
  return {
    topics: topics.map((t) => {
      const s = stats?.get(t.brokerName);
      return {
        ...topicView(t),
        messages: s?.messages ?? null,
        sizeBytes: s?.sizeBytes ?? null,
        retentionMs: s?.retentionMs ?? null,
      };
    }),
    clusterError,
  };
}

/** Throws `quota_exceeded` naming the quota when adding `topics` topics with `partitions` partitions would go over. */
export async function checkTopicQuota(tenant: Tenant, add: { topics: number; partitions: number }) {
  const quota = await db().tenantQuota.findUnique({ where: { tenantId: tenant.id } });
  if (!quota) return;
  const agg = await db().topic.aggregate({
    where: { tenantId: tenant.id },
    _count: { _all: true },
    _sum: { partitions: true },
  });
  const topics = agg._count._all;
  const partitions = agg._sum.partitions ?? 0;
  if (quota.maxTopics !== null && topics + add.topics > quota.maxTopics) {
    throw new ApiError(
      'quota_exceeded',
      `Quota exceeded: max topics is ${quota.maxTopics} for tenant '${tenant.slug}', which already has ${topics}.`,
      { name: [`Over the max topics quota (${quota.maxTopics})`] },
    );
  }
  if (quota.maxPartitions !== null && partitions + add.partitions > quota.maxPartitions) {
    throw new ApiError(
      'quota_exceeded',
      `Quota exceeded: max partitions is ${quota.maxPartitions} for tenant '${tenant.slug}'; it has ${partitions} and this needs ${add.partitions} more.`,
      {
        partitions: [
          `Over the max partitions quota (${quota.maxPartitions}); ${quota.maxPartitions - partitions} left`,
        ],
      },
    );
  }
}

export async function createTopic(actor: Actor, tenant: Tenant, input: CreateTopicInput) {
  const existing = await db().topic.findUnique({ where: { tenantId_name: { tenantId: tenant.id, name: input.name } } });
  if (existing) throw new ApiError('conflict', `Topic '${input.name}' already exists`, { name: ['Already exists'] });
  await checkTopicQuota(tenant, { topics: 1, partitions: input.partitions });
  const brokerName = brokerTopicName(tenant.slug, input.name);
  if (brokerName.length > 249) throw new ApiError('validation_failed', 'Topic name too long', { name: ['Too long'] });
  await clusterAdmin().createTopic(brokerName, input.partitions, toBrokerConfigs(input));
  let topic: Topic;
  try {
    topic = await db().topic.create({
      data: {
        tenantId: tenant.id,
        name: input.name,
        brokerName,
        partitions: input.partitions,
        description: input.description,
        ownerTeam: input.ownerTeam,
        tags: input.tags,
      },
    });
  } catch (err) {
    await clusterAdmin()
      .deleteTopics([brokerName])
      .catch(() => {});
    throw err;
  }
  await audit(actor, {
    tenantId: tenant.id,
    action: 'topic.create',
    targetType: 'topic',
    targetId: input.name,
    after: { ...topicView(topic), configs: toBrokerConfigs(input) },
  });
  return topicView(topic);
}

export async function describeTopic(tenant: Tenant, name: string) {
  const topic = await findTopic(tenant, name);
  const info = await clusterAdmin().describeTopic(topic.brokerName);
  // Groups live in the tenant's namespace too: `<slug>.<group>` on the broker.
  const prefix = brokerTopicName(tenant.slug, '');
  const groups = info
    ? await clusterAdmin()
        .consumerGroupsOf(topic.brokerName, prefix)
        .catch(() => [])
    : [];
  const lagStatus = new Map(
    lagService()
      .getTopicConsumers(topic.brokerName, { tenantId: tenant.id })
      .map((c) => [c.groupId, c]),
  );
  return {
    ...topicView(topic),
    partitionDetails: info?.partitions ?? [],
    configs: info?.configs ?? {},
    messages: info?.messages ?? 0,
    sizeBytes: info?.sizeBytes ?? null,
    missingOnBroker: info === null,
    consumerGroups: groups.map((g) => {
      const watched = lagStatus.get(g.brokerGroupId);
      return {
        groupId: g.brokerGroupId.slice(prefix.length),
        state: g.state,
        lag: g.lag,
        partitions: g.partitions,
        /** From the lag collector's last pass (null until it has seen the group). */
        status: watched?.status ?? null,
        maxTimeLagMs: watched?.maxTimeLagMs ?? null,
      };
    }),
  };
}

export async function updateTopic(actor: Actor, tenant: Tenant, name: string, input: UpdateTopicInput) {
  const topic = await findTopic(tenant, name);
  if (input.partitions !== undefined && input.partitions !== topic.partitions) {
    if (input.partitions < topic.partitions) {
      throw new ApiError('validation_failed', 'Partitions can only be added', {
        partitions: [`At least ${topic.partitions}`],
      });
    }
    await checkTopicQuota(tenant, { topics: 0, partitions: input.partitions - topic.partitions });
    await clusterAdmin().createPartitions(topic.brokerName, input.partitions);
  }
  if (input.configs && Object.keys(toBrokerConfigs(input.configs)).length > 0) {
    await clusterAdmin().alterTopicConfigs(topic.brokerName, toBrokerConfigs(input.configs));
  }
  const updated = await db().topic.update({
    where: { id: topic.id },
    data: {
      description: input.description,
      ownerTeam: input.ownerTeam,
      tags: input.tags,
      partitions: input.partitions,
    },
  });
  await audit(actor, {
    tenantId: tenant.id,
    action: 'topic.update',
    targetType: 'topic',
    targetId: name,
    before: topicView(topic),
    after: { ...topicView(updated), configs: input.configs },
  });
  return topicView(updated);
}

export async function deleteTopic(actor: Actor, tenant: Tenant, name: string) {
  const topic = await findTopic(tenant, name);
  await clusterAdmin().deleteTopics([topic.brokerName]);
  await db().topic.delete({ where: { id: topic.id } });
  await audit(actor, {
    tenantId: tenant.id,
    action: 'topic.delete',
    targetType: 'topic',
    targetId: name,
    before: topicView(topic),
  });
}

function hasControlChars(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return true;
  }
  return false;
}

/** UTF-8 text (JSON pretty-printed) when the bytes are valid UTF-8 without control characters, else hex. */
export function renderBytes(buf: Buffer | null): { encoding: 'utf8' | 'json' | 'hex' | 'null'; text: string | null } {
  if (buf === null) return { encoding: 'null', text: null };
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  const valid = Buffer.from(text, 'utf8').equals(buf) && !hasControlChars(text);
  if (!valid) return { encoding: 'hex', text: buf.toString('hex') };
  try {
    const parsed = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object')
      return { encoding: 'json', text: JSON.stringify(parsed, null, 2) };
  } catch {}
  return { encoding: 'utf8', text };
}

export async function browseMessages(
  tenant: Tenant,
  name: string,
  q: { partition: number; offset?: number; timestamp?: number; limit: number },
) {
  const topic = await findTopic(tenant, name);
  const from = q.timestamp !== undefined ? { timestamp: q.timestamp } : { offset: q.offset ?? 0 };
  const page = await clusterAdmin().readMessages(topic.brokerName, q.partition, from, q.limit);
  return {
    ...page,
    messages: page.messages.map((m) => ({
      partition: m.partition,
      offset: m.offset,
      timestamp: m.timestamp,
      key: renderBytes(m.key),
      value: renderBytes(m.value),
      headers: m.headers.map(([k, v]) => ({ key: k, value: renderBytes(v) })),
    })),
  };
}

export async function produceMessage(
  actor: Actor,
  tenant: Tenant,
  name: string,
  input: { partition?: number; key?: string | null; value: string; headers?: Record<string, string> },
) {
  const topic = await findTopic(tenant, name);
  const result = await clusterAdmin().produceAs(
    { tenantSlug: tenant.slug, topic: topic.name, brokerName: topic.brokerName },
    input,
  );
  await audit(actor, {
    tenantId: tenant.id,
    action: 'topic.produce',
    targetType: 'topic',
    targetId: name,
    after: { partition: result.partition, offset: result.offset },
  });
  return result;
}
