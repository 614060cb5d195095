/**
 * The two home pages' data: a platform admin's view of the hub (health, totals, top tenants and topics by traffic
 * and storage, groups needing attention, recent audit) and a tenant's (its topics by traffic, groups needing
 * attention, quota usage against limits, recent changes). Traffic figures come from the traffic history.
 */
import { localName } from '@samsa/cluster/namespace';
import type { Tenant } from '@samsa/db';
import { db } from '../../server/db.ts';
import type { Role } from '../../server/with-tenant.ts';
import { listAudit } from '../audit/service.ts';
import { lagService } from '../consumer-groups/lag-host.ts';
import { getQuota, quotaView, tenantUsage } from '../tenants/service.ts';
import { tenantTraffic } from '../tenants/traffic.ts';
import { hubHealth, needsAttention } from './health.ts';
import { type RecentTraffic, recentTraffic } from './history.ts';
import type { PlatformOverview, RankedTraffic, TenantOverview } from './schemas.ts';

/** Entries in each ranked list and in the audit excerpts. */
const TOP_N = 10;
/** Groups needing attention listed at most. */
const MAX_ATTENTION_GROUPS = 50;

const trafficOf = (r: RecentTraffic) => r.produceBytesPerSec + r.fetchBytesPerSec;

function ranked(rows: RecentTraffic[], by: 'traffic' | 'storage', name: (r: RecentTraffic) => RankedTraffic) {
  const score = by === 'traffic' ? trafficOf : (r: RecentTraffic) => r.storageBytes ?? 0;
  return rows
    .filter((r) => score(r) > 0)
    .sort((a, b) => score(b) - score(a))
    .slice(0, TOP_N)
    .map(name);
}

export async function platformOverview(nowMs = Date.now()): Promise<PlatformOverview> {
  const tenants = await db().tenant.findMany({ select: { id: true, slug: true } });
  const slugOf = new Map(tenants.map((t) => [t.id, t.slug]));
  const [health, perTenant, perTopic] = await Promise.all([
    hubHealth(nowMs),
    recentTraffic({ topics: false }, nowMs),
    recentTraffic({ topics: true }, nowMs),
  ]);
  const view = (r: RecentTraffic): RankedTraffic => {
    const tenant = slugOf.get(r.tenantId) ?? r.tenantId;
    return {
      name: r.topic === '' ? tenant : `${tenant}/${r.topic}`,
      tenant,
      topic: r.topic === '' ? null : r.topic,
      produceBytesPerSec: r.produceBytesPerSec,
      fetchBytesPerSec: r.fetchBytesPerSec,
      produceRecordsPerSec: r.produceRecordsPerSec,
      fetchRecordsPerSec: r.fetchRecordsPerSec,
      storageBytes: r.storageBytes,
    };
  };
  const total = (
    k: 'produceBytesPerSec' | 'fetchBytesPerSec' | 'produceRecordsPerSec' | 'fetchRecordsPerSec' | 'storageBytes',
  ) => perTenant.reduce((a, r) => a + (r[k] ?? 0), 0);
  const groups = await lagService().listGroupsWithStatus({});
  return {
    health,
    totals: {
      produceBytesPerSec: total('produceBytesPerSec'),
      fetchBytesPerSec: total('fetchBytesPerSec'),
      produceRecordsPerSec: total('produceRecordsPerSec'),
      fetchRecordsPerSec: total('fetchRecordsPerSec'),
      storageBytes: total('storageBytes'),
      tenants: tenants.length,
    },
    topTenantsByTraffic: ranked(perTenant, 'traffic', view),
    topTenantsByStorage: ranked(perTenant, 'storage', view),
    topTopicsByTraffic: ranked(perTopic, 'traffic', view),
    topTopicsByStorage: ranked(perTopic, 'storage', view),
    groupsNeedingAttention: groups
      .filter((g) => needsAttention(g.status))
      .slice(0, MAX_ATTENTION_GROUPS)
      .map((g) => {
        const slug = g.tenantId === null ? null : (slugOf.get(g.tenantId) ?? null);
        return {
          tenant: slug,
          name: localName(slug, g.groupId),
          status: g.status,
          reason: g.reason,
          totalLag: g.totalLag,
        };
      }),
    recentAudit: await listAudit({ limit: TOP_N }),
  };
}

export async function tenantOverview(tenant: Tenant, role: Role, nowMs = Date.now()): Promise<TenantOverview> {
  const [topics, usage, quota, traffic, groups] = await Promise.all([
    recentTraffic({ tenantId: tenant.id, topics: true }, nowMs),
    tenantUsage(tenant),
    getQuota(tenant.id).then(quotaView),
    tenantTraffic(tenant, nowMs),
    lagService().listGroupsWithStatus({ tenantId: tenant.id }),
  ]);
  const view = (r: RecentTraffic): RankedTraffic => ({
    name: r.topic,
    tenant: tenant.slug,
    topic: r.topic,
    produceBytesPerSec: r.produceBytesPerSec,
    fetchBytesPerSec: r.fetchBytesPerSec,
    produceRecordsPerSec: r.produceRecordsPerSec,
    fetchRecordsPerSec: r.fetchRecordsPerSec,
    storageBytes: r.storageBytes,
  });
  return {
    tenant: { slug: tenant.slug, displayName: tenant.displayName, status: tenant.status },
    topicsByTraffic: topics
      .sort((a, b) => trafficOf(b) - trafficOf(a) || (b.storageBytes ?? 0) - (a.storageBytes ?? 0))
      .slice(0, 2 * TOP_N)
      .map(view),
    groupsNeedingAttention: groups
      .filter((g) => needsAttention(g.status))
      .slice(0, MAX_ATTENTION_GROUPS)
      .map((g) => ({
        tenant: tenant.slug,
        name: localName(tenant.slug, g.groupId),
        status: g.status,
        reason: g.reason,
        totalLag: g.totalLag,
      })),
    quotaUsage: [
      {
        key: 'produceBytesPerSec',
        label: 'Produce',
        unit: 'bytesPerSec',
        used: traffic.produceBytesPerSec,
        limit: quota.produceBytesPerSec,
      },
      {
        key: 'fetchBytesPerSec',
        label: 'Fetch',
        unit: 'bytesPerSec',
        used: traffic.fetchBytesPerSec,
        limit: quota.fetchBytesPerSec,
      },
      { key: 'storageBytes', label: 'Storage', unit: 'bytes', used: usage.storageBytes, limit: quota.storageBytes },
      { key: 'maxTopics', label: 'Topics', unit: 'count', used: usage.topics, limit: quota.maxTopics },
      { key: 'maxPartitions', label: 'Partitions', unit: 'count', used: usage.partitions, limit: quota.maxPartitions },
      {
        key: 'maxConnections',
        label: 'Connections',
        unit: 'count',
        used: traffic.connections,
        limit: quota.maxConnections,
      },
      { key: 'maxGroups', label: 'Consumer groups', unit: 'count', used: groups.length, limit: quota.maxGroups },
    ],
    throttled: traffic.throttled,
    recentChanges: role === 'member' ? null : await listAudit({ limit: TOP_N }, tenant.id),
  };
}
