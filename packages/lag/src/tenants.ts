/**
 * Which tenant owns a consumer group. The broker has no namespaces yet, so tenant resources carry the tenant's
 * slug as a prefix (`<slug>.orders`, see the console's brokerTopicName; slugs contain no dots). A group belongs
 * to the tenant named by its own prefix, else to the one tenant whose prefix all its topics carry, else to none.
 */
import type { Db } from '@samsa/db';
import type { GroupMemberInfo } from './types.ts';

export type TenantResolver = (groupId: string, topics: string[]) => string | null;

/** Resolves tenants from a slug -> tenant id map. */
export function slugTenantResolver(slugToId: ReadonlyMap<string, string>): TenantResolver {
  const owner = (name: string): string | null => {
    const dot = name.indexOf('.');
    return dot > 0 ? (slugToId.get(name.slice(0, dot)) ?? null) : null;
  };
  return (groupId, topics) => {
    const byGroup = owner(groupId);
    if (byGroup) return byGroup;
    const owners = new Set(topics.map(owner));
    if (owners.size === 1) return [...owners][0];
    return null;
  };
}

/**
 * Member assignments are opaque client bytes, so a tenant's consumers name topics as the tenant does (`orders`)
 * while committed offsets carry the broker's names (`acme.orders`). An assigned topic is renamed into the group's
 * namespace (the group id up to its first dot) when only the namespaced name has committed offsets in the group,
 * so assignments and offsets meet; names that already match, or match nothing, stay as they are.
 */
export function namespacedAssignments(
  groupId: string,
  members: GroupMemberInfo[],
  committedTopics: ReadonlySet<string>,
): GroupMemberInfo[] {
  const dot = groupId.indexOf('.');
  if (dot <= 0) return members;
  const ns = groupId.slice(0, dot + 1);
  const rename = (t: string) => (!committedTopics.has(t) && committedTopics.has(ns + t) ? ns + t : t);
  return members.map((m) => ({
    ...m,
    assignments: Object.fromEntries(Object.entries(m.assignments).map(([t, ps]) => [rename(t), ps])),
  }));
}

/**
 * A resolver over the Tenant table, reloaded at most every `refreshMs` (call `refresh` before each pass): a new
 * tenant's groups are attributed to it within seconds.
 */
export class DbTenantDirectory {
  private resolver: TenantResolver = () => null;
  private slugs = new Map<string, string>();
  private loadedAtMs = -Infinity;
  private readonly db: Db;
  private readonly refreshMs: number;

  constructor(db: Db, refreshMs = 5_000) {
    this.db = db;
    this.refreshMs = refreshMs;
  }

  async refresh(nowMs: number): Promise<void> {
    if (nowMs - this.loadedAtMs < this.refreshMs) return;
    const tenants = await this.db.tenant.findMany({ select: { id: true, slug: true } });
    this.resolver = slugTenantResolver(new Map(tenants.map((t) => [t.slug, t.id])));
    this.slugs = new Map(tenants.map((t) => [t.id, t.slug]));
    this.loadedAtMs = nowMs;
  }

  readonly resolve: TenantResolver = (groupId, topics) => this.resolver(groupId, topics);

  /** The name a tenant's own clients use: `acme.billing` is `billing` to tenant acme. */
  localName(tenantId: string | null, name: string): string {
    return localName(tenantId === null ? null : (this.slugs.get(tenantId) ?? null), name);
  }
}

/** `acme.orders` -> `orders` for the tenant with slug `acme`; names of other namespaces (or no tenant) stay whole. */
export function localName(slug: string | null, name: string): string {
  return slug !== null && name.startsWith(`${slug}.`) ? name.slice(slug.length + 1) : name;
}
