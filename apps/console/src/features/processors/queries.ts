/**
 * Reading a tenant's processors: the list, one processor with its active version, instances, limits and stats, its
 * versions and deploy history, its captured log and its metric samples. Secrets appear as names only.
 */
import type { Prisma, Tenant } from '@samsa/db';
import { processorGroupId } from '@samsa/processors';
import { db } from '../../server/db.ts';
import { ApiError } from '../../server/errors.ts';
import { getQuota } from '../tenants/service.ts';
import { metricsWindows } from './schemas.ts';
import { processorLimits } from './settings.ts';
import {
  aggregateStats,
  deliveryView,
  deploymentView,
  liveInstances,
  logView,
  policyView,
  sampleView,
  summaryView,
  versionView,
} from './views.ts';

const withActive = {
  activeDeployment: { include: { version: true } },
  instances: true,
} satisfies Prisma.ProcessorInclude;

/** The processor with its active deployment, or `not_found`. */
export async function findProcessor(tenant: Tenant, name: string) {
  const p = await db().processor.findUnique({
    where: { tenantId_name: { tenantId: tenant.id, name } },
    include: { ...withActive, secrets: { select: { name: true }, orderBy: { name: 'asc' } } },
  });
  if (!p) throw new ApiError('not_found', `No processor '${name}' in tenant '${tenant.slug}'`);
  return p;
}

export function activeVersionOf(p: Awaited<ReturnType<typeof findProcessor>>) {
  const v = p.activeDeployment?.version;
  if (!v) throw new ApiError('conflict', `Processor '${p.name}' has no deployed version yet`);
  return v;
}

export async function listProcessors(tenant: Tenant) {
  const rows = await db().processor.findMany({
    where: { tenantId: tenant.id },
    include: withActive,
    orderBy: { name: 'asc' },
  });
  return { processors: rows.map((p) => summaryView(p)) };
}

export async function getProcessor(tenant: Tenant, name: string) {
  const p = await findProcessor(tenant, name);
  const v = activeVersionOf(p);
  const live = liveInstances(p.instances);
  const limits = processorLimits(await getQuota(tenant.id));
  return {
    ...summaryView(p),
    id: p.id,
    createdAt: p.createdAt.toISOString(),
    version: versionView(
      v,
      p.secrets.map((s) => s.name),
    ),
    lastError: p.lastError ?? null,
    instances: live.map((i) => ({
      hostId: i.hostId,
      partitions: i.partitions,
      heartbeatAt: i.heartbeatAt.toISOString(),
      stats: i.stats,
    })),
    limits: { memoryMb: limits.memoryMb, cpuMsPerSec: limits.cpuMsPerSec },
    stats: aggregateStats(live),
    dlqTopic: v.dlqTopic,
    groupId: processorGroupId(p.name),
    activeDeployment: p.activeDeployment ? deploymentView(p.activeDeployment) : null,
  };
}

export async function listVersions(tenant: Tenant, name: string) {
  const p = await findProcessor(tenant, name);
  const [versions, deployments] = await Promise.all([
    db().processorVersion.findMany({ where: { processorId: p.id }, orderBy: { version: 'desc' } }),
    db().processorDeployment.findMany({
      where: { processorId: p.id },
      orderBy: { at: 'desc' },
      include: { version: true },
      take: 1000,
    }),
  ]);
  return {
    versions: versions.map((v) => ({
      version: v.version,
      createdAt: v.createdAt.toISOString(),
      createdByEmail: v.createdByEmail,
      comment: v.comment,
      delivery: deliveryView(v.delivery),
      errorPolicy: policyView(v.errorPolicy),
      deployedAt: deployments.filter((d) => d.versionId === v.id).map((d) => d.at.toISOString()),
    })),
    deployments: deployments.map(deploymentView),
  };
}

export async function getVersion(tenant: Tenant, name: string, version: string) {
  const p = await findProcessor(tenant, name);
  const number = /^\d{1,9}$/.test(version) ? Number(version) : Number.NaN;
  const v = Number.isNaN(number)
    ? null
    : await db().processorVersion.findUnique({
        where: { processorId_version: { processorId: p.id, version: number } },
      });
  if (!v) throw new ApiError('not_found', `Processor '${name}' has no version '${version}'`);
  return versionView(
    v,
    p.secrets.map((s) => s.name),
  );
}

export async function listLogs(tenant: Tenant, name: string, q: { after?: number | undefined; limit: number }) {
  const p = await findProcessor(tenant, name);
  const rows =
    q.after !== undefined
      ? await db().processorLog.findMany({
          where: { processorId: p.id, id: { gt: BigInt(q.after) } },
          orderBy: { id: 'asc' },
          take: q.limit,
        })
      : (
          await db().processorLog.findMany({ where: { processorId: p.id }, orderBy: { id: 'desc' }, take: q.limit })
        ).reverse();
  return { logs: rows.map(logView) };
}

/** Samples are written every 10 s and kept 24 h: the longest window holds 8,640. */
const SAMPLES_MAX = 10_000;

export async function processorMetrics(tenant: Tenant, name: string, q: { window: keyof typeof metricsWindows }) {
  const p = await findProcessor(tenant, name);
  const since = new Date(Date.now() - metricsWindows[q.window]);
  const samples = await db().processorMetricSample.findMany({
    where: { processorId: p.id, at: { gte: since } },
    orderBy: { at: 'asc' },
    take: SAMPLES_MAX,
  });
  return { series: samples.map(sampleView), current: aggregateStats(liveInstances(p.instances)) };
}
