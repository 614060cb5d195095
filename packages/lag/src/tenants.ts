/**
 * Which tenant owns a consumer group. The broker has no namespaces yet, so tenant resources carry the tenant's
 * slug as a prefix (`<slug>.orders`, the rule in @samsa/cluster/namespace; slugs contain no dots). A group belongs
 * to the tenant named by its own prefix, else to the one tenant whose prefix all its topics carry, else to none.
 */
import { localName, namespaceOf, tenantNamespace } from '@samsa/cluster/namespace';
import type { Db } from '@samsa/db';
import type { GroupMemberInfo } from './types.ts';

export type TenantResolver = (groupId: string, topics: string[]) => string | null;

/** Resolves tenants from a slug -> tenant id map. */
export function slugTenantResolver(slugToId: ReadonlyMap<string, string>): TenantResolver {
  const owner = (name: string): string | null => {
    const slug = namespaceOf(name);
    return slug === null ? null : (slugToId.get(slug) ?? null);
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
 * while committed offsets carry the broker's names (`acme.orders`).
 *
 * With `tenantSlug` (the group's id starts with a known tenant's `<slug>.`), every assigned name is the
 * tenant's own and gets the prefix, exactly as the broker maps the tenant's names: a tenant's client that writes
 * `globex.orders` into its assignment means `acme.globex.orders`, never another tenant's topic (a name that
 * already carries the tenant's own prefix stays when only it exists).
 *
 * Without it (a group outside any known tenant, or no tenant directory, as in the CLI's direct mode), an assigned
 * topic is renamed into the group's prefix (the group id up to its first dot) when only the prefixed name is
 * among `knownTopics` (committed or existing topics); names that already match, or match nothing, stay as they are.
 */
export function namespacedAssignments(
  groupId: string,
  members: GroupMemberInfo[],
  knownTopics: ReadonlySet<string>,
  tenantSlug: string | null = null,
): GroupMemberInfo[] {
  let rename: (t: string) => string;
  if (tenantSlug !== null) {
    const ns = tenantNamespace(tenantSlug);
    // A name already in the namespace (a superuser client in the group) stays when only it exists: still this
    // tenant's topic.
    rename = (t) => (t.startsWith(ns) && !knownTopics.has(ns + t) && knownTopics.has(t) ? t : ns + t);
  } else {
    const slug = namespaceOf(groupId);
    if (slug === null) return members;
    const ns = tenantNamespace(slug);
    rename = (t) => (!knownTopics.has(t) && knownTopics.has(ns + t) ? ns + t : t);
  }
  return members.map((m) => ({
    ...m,
    assignments: Object.fromEntries(Object.entries(m.assignments).map(([t, ps]) => [rename(t), ps])),
  }));
}

/** The names an assigned topic may have on the broker, for `namespacedAssignments` to choose from. */
export function assignedTopicCandidates(groupId: string, topic: string, tenantSlug: string | null): string[] {
  if (tenantSlug !== null) {
    const ns = tenantNamespace(tenantSlug);
    return topic.startsWith(ns) ? [ns + topic, topic] : [ns + topic];
  }
  const slug = namespaceOf(groupId);
  return slug !== null ? [topic, tenantNamespace(slug) + topic] : [topic];
}

/**
 * A resolver over the Tenant table, reloaded at most every `refreshMs` (call `refresh` before each pass): a new
 * tenant's groups are attributed to it within seconds.
 */
export class DbTenantDirectory {
  private resolver: TenantResolver = () => null;
  private slugs = new Map<string, string>();
  private knownSlugs = new Set<string>();
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
    this.knownSlugs = new Set(tenants.map((t) => t.slug));
    this.loadedAtMs = nowMs;
  }

  readonly resolve: TenantResolver = (groupId, topics) => this.resolver(groupId, topics);

  /** The slug of the tenant whose namespace holds `groupId` (`acme` for `acme.billing`), or null. */
  readonly namespaceOf = (groupId: string): string | null => {
    const slug = namespaceOf(groupId);
    return slug !== null && this.knownSlugs.has(slug) ? slug : null;
  };

  /** The name a tenant's own clients use: `acme.billing` is `billing` to tenant acme. */
  localName(tenantId: string | null, name: string): string {
    return localName(tenantId === null ? null : (this.slugs.get(tenantId) ?? null), name);
  }
}
