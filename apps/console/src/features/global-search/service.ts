/**
 * Global search over what the caller may see: platform admins every tenant, others the tenants they belong to.
 * Tenants and processors come from the database, topics from the broker's topic list, groups from the lag
 * collector's last pass. A source that fails is reported in `unavailable`, the others still answer.
 */
import { tenantNamespace } from '@samsa/cluster/namespace';
import { db } from '../../server/db.ts';
import { log } from '../../server/log.ts';
import type { Actor } from '../../server/with-tenant.ts';
import { clusterAdmin } from '../cluster/cluster-admin.ts';
import { lagService } from '../consumer-groups/lag-host.ts';
import type { GlobalSearchKind, GlobalSearchQuery, GlobalSearchResponse, GlobalSearchResult } from './schemas.ts';

interface VisibleTenant {
  id: string;
  slug: string;
  displayName: string;
}

async function visibleTenants(actor: Actor): Promise<VisibleTenant[]> {
  const select = { id: true, slug: true, displayName: true } as const;
  if (actor.user.isPlatformAdmin) return db().tenant.findMany({ select, orderBy: { slug: 'asc' } });
  const memberships = await db().membership.findMany({
    where: { userId: actor.user.id },
    select: { tenant: { select } },
    orderBy: { tenant: { slug: 'asc' } },
  });
  return memberships.map((m) => m.tenant);
}

const enc = encodeURIComponent;

async function topicsOf(tenants: VisibleTenant[], isAdmin: boolean, matches: (s: string) => boolean) {
  // One broker listing for admins; members belong to few tenants, so one listing per tenant.
  const prefixes = isAdmin ? [''] : tenants.map((t) => tenantNamespace(t.slug));
  const bySlug = new Map(tenants.map((t) => [t.slug, t]));
  const out: GlobalSearchResult[] = [];
  for (const prefix of prefixes) {
    for (const topic of await clusterAdmin().topicsWithPrefix(prefix)) {
      const dot = topic.brokerName.indexOf('.');
      const tenant = dot > 0 ? bySlug.get(topic.brokerName.slice(0, dot)) : undefined;
      const name = topic.brokerName.slice(dot + 1);
      if (tenant && matches(name))
        out.push({ kind: 'topic', name, tenant: tenant.slug, href: `/t/${tenant.slug}/topics/${enc(name)}` });
    }
  }
  return out;
}

async function groupsOf(tenants: VisibleTenant[], needle: string, matches: (s: string) => boolean) {
  const byId = new Map(tenants.map((t) => [t.id, t]));
  const items = await lagService().listGroupsWithStatus({
    search: needle || undefined,
    sortBy: 'groupId',
    order: 'asc',
  });
  const out: GlobalSearchResult[] = [];
  for (const g of items) {
    const tenant = g.tenantId === null ? undefined : byId.get(g.tenantId);
    if (tenant && matches(g.name))
      out.push({ kind: 'group', name: g.name, tenant: tenant.slug, href: `/t/${tenant.slug}/groups/${enc(g.name)}` });
  }
  return out;
}

async function processorsOf(tenants: VisibleTenant[], needle: string, max: number) {
  const bySlugId = new Map(tenants.map((t) => [t.id, t]));
  const rows = await db().processor.findMany({
    where: { tenantId: { in: [...bySlugId.keys()] }, name: { contains: needle, mode: 'insensitive' } },
    select: { name: true, tenantId: true },
    orderBy: { name: 'asc' },
    take: max,
  });
  return rows.flatMap((p) => {
    const tenant = bySlugId.get(p.tenantId);
    return tenant
      ? [
          {
            kind: 'processor' as const,
            name: p.name,
            tenant: tenant.slug,
            href: `/t/${tenant.slug}/processors/${enc(p.name)}`,
          },
        ]
      : [];
  });
}

export async function globalSearch(actor: Actor, query: GlobalSearchQuery): Promise<GlobalSearchResponse> {
  const needle = query.q.toLowerCase();
  const matches = (s: string) => s.toLowerCase().includes(needle);
  const tenants = await visibleTenants(actor);
  const tenantHits: GlobalSearchResult[] = tenants
    .filter((t) => matches(t.slug) || matches(t.displayName))
    .map((t) => ({ kind: 'tenant', name: t.displayName, tenant: t.slug, href: `/t/${t.slug}` }));
  const unavailable: GlobalSearchResponse['unavailable'] = [];
  const guarded = async (kind: GlobalSearchKind, run: () => Promise<GlobalSearchResult[]>) => {
    try {
      return await run();
    } catch (err) {
      log.warn({ err, kind }, 'global search source failed');
      unavailable.push({ kind, reason: (err as Error).message });
      return [];
    }
  };
  // With no text only tenants are listed: the palette's starting point, cheap and without the broker.
  const [topics, groups, processors] =
    needle === '' || tenants.length === 0
      ? [[], [], []]
      : await Promise.all([
          guarded('topic', () => topicsOf(tenants, actor.user.isPlatformAdmin, matches)),
          guarded('group', () => groupsOf(tenants, needle, matches)),
          guarded('processor', () => processorsOf(tenants, needle, query.limit + 1)),
        ]);
  // Exact and prefix matches first, then by kind in the order tenants, topics, groups, processors.
  const rank = (r: GlobalSearchResult) => {
    const n = r.name.toLowerCase();
    return n === needle ? 0 : n.startsWith(needle) ? 1 : 2;
  };
  const all = [...tenantHits, ...topics, ...groups, ...processors]
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i)
    .map(({ r }) => r);
  return { results: all.slice(0, query.limit), truncated: all.length > query.limit, unavailable };
}
