/**
 * planReconcile: the Admin API changes that bring what a managed cluster holds for each tenant (`ActualState`, read
 * by `kafka-state.ts`) to what Samsa's records say (`DesiredState`). Pure. A missing object whose record is older
 * than the last reconcile is drift (it was placed and has gone behind Samsa's back); one that is newer is created.
 * Objects of the tenant's users that no record asks for are deleted; a removed tenant loses everything it owns.
 */
import type { DesiredTenant, ManagedAcl, QuotaKey, ScramMechanismName } from './desired.ts';
import { aclKey, type DesiredState, DesiredStateSchema } from './desired.ts';

/** What the cluster holds for one tenant: only objects of its users and under its prefix. */
export interface ActualTenant {
  slug: string;
  acls: ManagedAcl[];
  users: { name: string; credentials: { mechanism: ScramMechanismName; iterations: number }[] }[];
  quotas: { user: string; values: Partial<Record<string, number>> }[];
  topics: string[];
  groups: string[];
}

export interface ActualState {
  tenants: ActualTenant[];
}

type Credential = NonNullable<DesiredTenant['users'][number]['credentials']>[number];

export type Change =
  | { kind: 'createAcl'; slug: string; acl: ManagedAcl; drift: boolean }
  | { kind: 'deleteAcl'; slug: string; acl: ManagedAcl }
  | { kind: 'upsertScram'; slug: string; user: string; credential: Credential; drift: boolean }
  | { kind: 'deleteScram'; slug: string; user: string; mechanism: ScramMechanismName }
  | {
      kind: 'alterQuota';
      slug: string;
      user: string;
      set: Partial<Record<QuotaKey, number>>;
      remove: string[];
      drift: boolean;
    }
  | { kind: 'deleteTopic'; slug: string; topic: string }
  | { kind: 'deleteGroup'; slug: string; group: string };

export interface PlanOptions {
  /**
   * When the last reconcile of this cluster started (after it had read Samsa's records): records older than this were
   * placed by it. Without it nothing missing counts as drift.
   */
  lastReconciledAt?: Date;
}

/** One line a person reads in a report. */
export function describeChange(c: Change): string {
  switch (c.kind) {
    case 'createAcl':
    case 'deleteAcl': {
      const a = c.acl;
      const verb = c.kind === 'createAcl' ? 'create' : 'delete';
      return `${verb} ACL ${a.permission} ${a.principal} ${a.operation} on ${a.resourceType} ${a.patternType} '${a.resourceName}' from ${a.host}`;
    }
    case 'upsertScram':
      return `set ${c.credential.mechanism} credentials of user ${c.user}`;
    case 'deleteScram':
      return `delete ${c.mechanism} credentials of user ${c.user}`;
    case 'alterQuota': {
      const set = Object.entries(c.set).map(([k, v]) => `${k}=${v}`);
      const parts = [...set, ...c.remove.map((k) => `${k} removed`)];
      return `quota of user ${c.user}: ${parts.join(', ')}`;
    }
    case 'deleteTopic':
      return `delete topic ${c.topic}`;
    case 'deleteGroup':
      return `delete group ${c.group}`;
  }
}

function sameValues(a: Partial<Record<string, number>>, b: Partial<Record<string, number>>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

function planTenant(desired: DesiredTenant, actual: ActualTenant | undefined, last: Date | undefined): Change[] {
  const slug = desired.slug;
  const drift = (since: Date) => last !== undefined && since <= last;
  const changes: Change[] = [];

  const users = new Map((actual?.users ?? []).map((u) => [u.name, u]));
  for (const u of desired.users) {
    if (u.credentials === null) continue;
    const have = users.get(u.name);
    for (const credential of u.credentials) {
      const on = have?.credentials.find((c) => c.mechanism === credential.mechanism);
      if (on?.iterations === credential.iterations) continue;
      // An existing user with a missing or different credential was changed behind Samsa's back.
      changes.push({ kind: 'upsertScram', slug, user: u.name, credential, drift: on !== undefined || drift(u.since) });
    }
  }
  const wantedUsers = new Set(desired.users.map((u) => u.name));
  for (const u of actual?.users ?? [])
    if (!wantedUsers.has(u.name))
      for (const c of u.credentials) changes.push({ kind: 'deleteScram', slug, user: u.name, mechanism: c.mechanism });

  const acls = new Set((actual?.acls ?? []).map(aclKey));
  const wantedAcls = new Set(desired.acls.map((a) => aclKey(a.acl)));
  for (const { acl, since } of desired.acls)
    if (!acls.has(aclKey(acl))) changes.push({ kind: 'createAcl', slug, acl, drift: drift(since) });
  for (const acl of actual?.acls ?? [])
    if (!wantedAcls.has(aclKey(acl))) changes.push({ kind: 'deleteAcl', slug, acl });

  const quotas = new Map((actual?.quotas ?? []).map((q) => [q.user, q.values]));
  for (const q of desired.quotas) {
    const have = quotas.get(q.user) ?? {};
    if (sameValues(have, q.values)) continue;
    const set = Object.fromEntries(Object.entries(q.values).filter(([k, v]) => have[k] !== v));
    const remove = Object.keys(have).filter((k) => !(k in q.values));
    changes.push({ kind: 'alterQuota', slug, user: q.user, set, remove, drift: drift(q.since) });
  }
  const wantedQuotas = new Set(desired.quotas.map((q) => q.user));
  for (const [user, values] of quotas)
    if (!wantedQuotas.has(user) && Object.keys(values).length > 0)
      changes.push({ kind: 'alterQuota', slug, user, set: {}, remove: Object.keys(values), drift: false });
  return changes;
}

/** Everything a removed tenant owns on the cluster, deleted; with `withTopics` false its topics and groups stay. */
function planRemoval(actual: ActualTenant, withTopics: boolean): Change[] {
  const slug = actual.slug;
  return [
    ...actual.acls.map((acl): Change => ({ kind: 'deleteAcl', slug, acl })),
    ...actual.quotas
      .filter((q) => Object.keys(q.values).length > 0)
      .map(
        (q): Change => ({
          kind: 'alterQuota',
          slug,
          user: q.user,
          set: {},
          remove: Object.keys(q.values),
          drift: false,
        }),
      ),
    ...actual.users.flatMap((u) =>
      u.credentials.map((c): Change => ({ kind: 'deleteScram', slug, user: u.name, mechanism: c.mechanism })),
    ),
    ...(withTopics ? actual.groups.map((group): Change => ({ kind: 'deleteGroup', slug, group })) : []),
    ...(withTopics ? actual.topics.map((topic): Change => ({ kind: 'deleteTopic', slug, topic })) : []),
  ];
}

/** The changes, in the order to apply them: users before the ACLs that name them, deletions after. */
export function planReconcile(desired: DesiredState, actual: ActualState, options: PlanOptions = {}): Change[] {
  const d = DesiredStateSchema.parse(desired);
  const bySlug = new Map(actual.tenants.map((t) => [t.slug, t]));
  const changes = [
    ...d.tenants.flatMap((t) => planTenant(t, bySlug.get(t.slug), options.lastReconciledAt)),
    ...d.removedTenants.flatMap((slug) => {
      const a = bySlug.get(slug);
      return a ? planRemoval(a, true) : [];
    }),
    ...d.deletedTenants.flatMap((slug) => {
      const a = bySlug.get(slug);
      return a ? planRemoval(a, false) : [];
    }),
  ];
  const order: Change['kind'][] = [
    'upsertScram',
    'createAcl',
    'alterQuota',
    'deleteAcl',
    'deleteScram',
    'deleteGroup',
    'deleteTopic',
  ];
  return changes.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
}
