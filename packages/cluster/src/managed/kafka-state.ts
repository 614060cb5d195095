/**
 * The managed cluster's side, through the Admin API only: reads what a tenant's users and prefix hold (DescribeAcls,
 * DescribeUserScramCredentials, DescribeClientQuotas, Metadata, ListGroups) and applies one kind of change at a
 * time. @platformatic/kafka's Admin has no SCRAM methods, so its encoders for them are called on a connection, as
 * `transaction-admin.ts` does for transactions.
 */
import {
  AclOperations,
  AclPermissionTypes,
  type Admin,
  type alterUserScramCredentialsV0,
  type ClientQuotaKeyValue,
  ClientQuotaMatchTypes,
  type describeUserScramCredentialsV0,
  ResourcePatternTypes,
  ResourceTypes,
  ScramMechanisms,
} from '@platformatic/kafka';
import { ClusterError } from '../errors.ts';
import { apiOf, raw } from '../raw-api.ts';
import {
  MANAGED_RESOURCE_TYPES,
  type ManagedAcl,
  type ManagedResourceType,
  type ScramMechanismName,
} from './desired.ts';
import { ownsPrincipal, ownsResource, ownsUser } from './names.ts';
import type { ActualTenant, Change } from './plan.ts';

const MECHANISM_CODES: Record<ScramMechanismName, number> = {
  'SCRAM-SHA-256': ScramMechanisms.SCRAM_SHA_256,
  'SCRAM-SHA-512': ScramMechanisms.SCRAM_SHA_512,
};

function labelOf<T extends Record<string, number>>(values: T, code: number): keyof T & string {
  const found = Object.entries(values).find(([, v]) => v === code);
  return (found?.[0] ?? 'UNKNOWN') as keyof T & string;
}

/** The encoder of `name`; a ClusterError when the cluster does not support it. */
async function requiredApi<A>(admin: Admin, name: string): Promise<A> {
  const api = await apiOf<A>(admin, name);
  if (!api) throw new ClusterError('cluster_error', `The cluster does not support ${name} (Kafka 2.7 or later has it)`);
  return api;
}

/** A connection to one broker (SCRAM requests go to any broker; KRaft forwards them to the controller). */
async function anyBroker(admin: Admin) {
  const md = await admin.metadata({ topics: [] });
  const broker = [...md.brokers.values()][0];
  if (!broker) throw new ClusterError('cluster_unavailable', 'The cluster listed no brokers');
  return admin.connections.get({ host: broker.host, port: broker.port });
}

/** Every ACL on the cluster (DescribeAcls matches principals exactly, so the caller keeps the ones it owns). */
async function allAcls(admin: Admin): Promise<ManagedAcl[]> {
  const resources = await admin.describeAcls({
    filter: {
      resourceType: ResourceTypes.ANY,
      resourceName: null,
      resourcePatternType: ResourcePatternTypes.ANY,
      principal: null,
      host: null,
      operation: AclOperations.ANY,
      permissionType: AclPermissionTypes.ANY,
    },
  });
  return resources.flatMap((r) =>
    r.acls.map((a) => ({
      principal: a.principal,
      resourceType: labelOf(ResourceTypes, r.resourceType) as ManagedResourceType,
      patternType: labelOf(ResourcePatternTypes, r.resourcePatternType) as 'LITERAL' | 'PREFIXED',
      resourceName: r.resourceName,
      operation: labelOf(AclOperations, a.operation),
      permission: labelOf(AclPermissionTypes, a.permissionType) as 'ALLOW' | 'DENY',
      host: a.host,
    })),
  );
}

async function allScramUsers(admin: Admin): Promise<ActualTenant['users']> {
  const api = await requiredApi<typeof describeUserScramCredentialsV0.api>(admin, 'DescribeUserScramCredentials');
  const connection = await anyBroker(admin);
  const response = await raw(() => api.async(connection, null));
  if (response.errorCode !== 0)
    throw new ClusterError(
      'cluster_error',
      `DescribeUserScramCredentials failed: ${response.errorMessage ?? response.errorCode}`,
    );
  return response.results
    .filter((r) => r.errorCode === 0)
    .map((r) => ({
      name: r.user,
      credentials: r.credentialInfos.map((c) => ({
        mechanism: labelOf(ScramMechanisms, c.mechanism).replaceAll('_', '-') as ScramMechanismName,
        iterations: c.iterations,
      })),
    }));
}

async function allUserQuotas(admin: Admin): Promise<ActualTenant['quotas']> {
  const entries = await admin.describeClientQuotas({
    components: [{ entityType: 'user', matchType: ClientQuotaMatchTypes.ANY }],
    strict: true,
  });
  return entries.flatMap((e) => {
    const user = e.entity.length === 1 && e.entity[0]!.entityType === 'user' ? e.entity[0]!.entityName : null;
    return user ? [{ user, values: Object.fromEntries(e.values.map((v) => [v.key, v.value])) }] : [];
  });
}

/** What the cluster holds for each of `slugs`: objects of their users and names under their prefixes. */
export async function readActual(admin: Admin, slugs: string[]): Promise<ActualTenant[]> {
  const [acls, users, quotas, topics, groups] = await Promise.all([
    allAcls(admin),
    allScramUsers(admin),
    allUserQuotas(admin),
    admin.listTopics(),
    admin.listGroups(),
  ]);
  return slugs.map((slug) => ({
    slug,
    acls: acls.filter(
      (a) => ownsPrincipal(slug, a.principal) && (MANAGED_RESOURCE_TYPES as readonly string[]).includes(a.resourceType),
    ),
    users: users.filter((u) => ownsUser(slug, u.name)),
    quotas: quotas.filter((q) => ownsUser(slug, q.user)),
    topics: topics.filter((t) => ownsResource(slug, t)).sort(),
    groups: [...groups.keys()].filter((g) => ownsResource(slug, g)).sort(),
  }));
}

function aclRequest(a: ManagedAcl) {
  return {
    resourceType: ResourceTypes[a.resourceType],
    resourceName: a.resourceName,
    resourcePatternType: ResourcePatternTypes[a.patternType],
    principal: a.principal,
    host: a.host,
    operation: AclOperations[a.operation as keyof typeof AclOperations],
    permissionType: AclPermissionTypes[a.permission],
  };
}

/** One AlterUserScramCredentials request; each user at most once. */
async function alterScram(admin: Admin, changes: Extract<Change, { user: string }>[]): Promise<void> {
  const api = await requiredApi<typeof alterUserScramCredentialsV0.api>(admin, 'AlterUserScramCredentials');
  const deletions = changes.flatMap((c) =>
    c.kind === 'deleteScram' ? [{ name: c.user, mechanism: MECHANISM_CODES[c.mechanism] }] : [],
  );
  const upsertions = changes.flatMap((c) =>
    c.kind === 'upsertScram'
      ? [
          {
            name: c.user,
            mechanism: MECHANISM_CODES[c.credential.mechanism],
            iterations: c.credential.iterations,
            salt: c.credential.salt,
            saltedPassword: c.credential.saltedPassword,
          },
        ]
      : [],
  );
  const response = await raw(async () => api.async(await anyBroker(admin), deletions, upsertions));
  const refused = response.results.filter((r) => r.errorCode !== 0);
  if (refused.length > 0)
    throw new ClusterError(
      'cluster_error',
      refused.map((r) => `${r.user}: ${r.errorMessage ?? `error code ${r.errorCode}`}`).join('; '),
    );
}

/** The changes of kind `kind`, typed as such. */
function ofKind<K extends Change['kind']>(changes: Change[], kind: K): Extract<Change, { kind: K }>[] {
  return changes.filter((c): c is Extract<Change, { kind: K }> => c.kind === kind);
}

/**
 * Applies changes of one kind together (one request per kind); throws when the cluster refused any, with its
 * messages. The caller applies each kind on its own, so one refused kind does not stop the others.
 */
export async function applyChanges(admin: Admin, kind: Change['kind'], changes: Change[]): Promise<void> {
  if (changes.length === 0) return;
  switch (kind) {
    case 'createAcl':
      await admin.createAcls({ creations: ofKind(changes, kind).map((c) => aclRequest(c.acl)) });
      return;
    case 'deleteAcl':
      await admin.deleteAcls({ filters: ofKind(changes, kind).map((c) => aclRequest(c.acl)) });
      return;
    case 'upsertScram':
    case 'deleteScram': {
      // Kafka refuses a request naming a user twice (even for two mechanisms): one request per round of users.
      const rounds: Extract<Change, { user: string }>[][] = [];
      for (const c of [...ofKind(changes, 'upsertScram'), ...ofKind(changes, 'deleteScram')]) {
        const round = rounds.find((r) => !r.some((x) => x.user === c.user));
        if (round) round.push(c);
        else rounds.push([c]);
      }
      for (const round of rounds) await alterScram(admin, round);
      return;
    }
    case 'alterQuota': {
      const entries = ofKind(changes, kind).map((c) => ({
        entities: [{ entityType: 'user' as const, entityName: c.user }],
        ops: [
          ...Object.entries(c.set).map(([key, value]) => ({
            key: key as ClientQuotaKeyValue,
            value: value as number,
            remove: false as const,
          })),
          ...c.remove.map((key) => ({ key: key as ClientQuotaKeyValue, remove: true as const })),
        ],
      }));
      const results = await raw(() => admin.alterClientQuotas({ entries }));
      const refused = results.filter((r) => r.errorCode !== 0);
      if (refused.length > 0)
        throw new ClusterError(
          'cluster_error',
          refused.map((r) => `${r.entity[0]?.entityName}: ${r.errorMessage ?? `error code ${r.errorCode}`}`).join('; '),
        );
      return;
    }
    case 'deleteGroup':
      await admin.deleteGroups({ groups: ofKind(changes, kind).map((c) => c.group) });
      return;
    case 'deleteTopic':
      await admin.deleteTopics({ topics: ofKind(changes, kind).map((c) => c.topic) });
      return;
  }
}
