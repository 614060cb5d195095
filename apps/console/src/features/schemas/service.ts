/**
 * Schemas for the console and /api/v1: a tenant's subjects in the hub's schema registry (through registry-client.ts,
 * so the registry's own rules decide), the topics that use them by TopicNameStrategy, registration with the
 * compatibility check first (409 with the registry's reasons), soft and permanent deletes, and compatibility levels.
 * Every change is audited.
 */
import { localName, tenantNamespace } from '@samsa/cluster';
import type { Tenant } from '@samsa/db';
import pMap from 'p-map';
import { ApiError } from '../../server/errors.ts';
import type { Actor } from '../../server/with-tenant.ts';
import { audit } from '../audit/audit.ts';
import { clusterAdmin } from '../cluster/cluster-admin.ts';
import { type NewSchema, registry, SchemaRegistryError } from './registry-client.ts';
import { registryError } from './registry-errors.ts';
import {
  type CompatibilityLevelView,
  type CompatibilityResultView,
  type DeletedView,
  REGISTRY_CALLS_CONCURRENCY,
  type RegisteredView,
  type SchemaVersionView,
  type SubjectDetailView,
  type SubjectListView,
  type SubjectTopicView,
} from './schemas.ts';

/** Runs registry calls, turning the registry's errors into the console's. */
async function registryCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw registryError(err);
  }
}

/** `orders-value` -> the topic `orders`' value, when the tenant has that topic. */
function topicsOf(subject: string, topics: Set<string>): SubjectTopicView[] {
  const m = /^(.+)-(key|value)$/.exec(subject);
  return m && topics.has(m[1] as string) ? [{ topic: m[1] as string, part: m[2] as 'key' | 'value' }] : [];
}

/** The tenant's topic names (as its clients name them), or why the broker could not list them. */
async function tenantTopics(tenant: Tenant): Promise<{ topics: Set<string>; error: string | null }> {
  try {
    const live = await clusterAdmin().topicsWithPrefix(tenantNamespace(tenant.slug));
    return { topics: new Set(live.map((t) => localName(tenant.slug, t.brokerName))), error: null };
  } catch (err) {
    return { topics: new Set(), error: (err as Error).message };
  }
}

/** The live versions of a subject; none when it has none (never registered, or soft-deleted). */
async function liveVersions(slug: string, subject: string): Promise<number[]> {
  try {
    return await registry.versions(slug, subject);
  } catch (err) {
    if (err instanceof SchemaRegistryError && err.errorCode === 40401) return [];
    throw err;
  }
}

export async function listSubjects(tenant: Tenant): Promise<SubjectListView> {
  const slug = tenant.slug;
  const [live, all, compatibility, topics] = await registryCall(() =>
    Promise.all([
      registry.schemas(slug, { latestOnly: true }),
      registry.schemas(slug, { latestOnly: true, deleted: true }),
      registry.compatibility(slug),
      tenantTopics(tenant),
    ]),
  );
  const liveBySubject = new Map(live.map((v) => [v.subject, v]));
  const subjects = await registryCall(() =>
    pMap(
      all,
      async (v) => {
        const latest = liveBySubject.get(v.subject) ?? v;
        const own = await registry.subjectCompatibility(slug, v.subject);
        return {
          subject: v.subject,
          latestVersion: latest.version,
          latestId: latest.id,
          schemaType: latest.schemaType,
          compatibility: own ?? compatibility,
          compatibilityOwn: own !== null,
          deleted: !liveBySubject.has(v.subject),
          topics: topicsOf(v.subject, topics.topics),
        };
      },
      { concurrency: REGISTRY_CALLS_CONCURRENCY },
    ),
  );
  return { subjects, compatibility, topicsError: topics.error };
}

async function versionView(slug: string, subject: string, version: number | 'latest', live: number[]) {
  const v = await registry.version(slug, subject, version, { deleted: true });
  return {
    subject: v.subject,
    version: v.version,
    id: v.id,
    schemaType: v.schemaType,
    schema: v.schema,
    references: v.references,
    deleted: !live.includes(v.version),
  };
}

export async function getSubject(tenant: Tenant, subject: string): Promise<SubjectDetailView> {
  const slug = tenant.slug;
  return registryCall(async () => {
    const [all, live, own, tenantCompatibility, topics] = await Promise.all([
      registry.versions(slug, subject, { deleted: true }),
      liveVersions(slug, subject),
      registry.subjectCompatibility(slug, subject),
      registry.compatibility(slug),
      tenantTopics(tenant),
    ]);
    const versions = await pMap(all, (v) => versionView(slug, subject, v, live), {
      concurrency: REGISTRY_CALLS_CONCURRENCY,
    });
    const latest = versions.findLast((v) => !v.deleted) ?? (versions.at(-1) as SchemaVersionView);
    return {
      subject,
      schemaType: latest.schemaType,
      compatibility: own ?? tenantCompatibility,
      compatibilityOwn: own !== null,
      tenantCompatibility,
      deleted: live.length === 0,
      topics: topicsOf(subject, topics.topics),
      versions,
    };
  });
}

/** `version` is a number or `latest` (the newest live version). */
export async function getVersion(
  tenant: Tenant,
  subject: string,
  version: number | 'latest',
): Promise<SchemaVersionView> {
  return registryCall(async () => versionView(tenant.slug, subject, version, await liveVersions(tenant.slug, subject)));
}

/** Whether `input` may become the subject's next version under its level, with the registry's reasons. */
export async function checkSchema(tenant: Tenant, subject: string, input: NewSchema): Promise<CompatibilityResultView> {
  const slug = tenant.slug;
  return registryCall(async () => {
    const [level, live] = await Promise.all([registry.compatibility(slug, subject), liveVersions(slug, subject)]);
    const result = await registry.checkCompatibility(slug, subject, input);
    const checkedAgainst = level === 'NONE' ? [] : level.endsWith('_TRANSITIVE') ? live : live.slice(-1);
    return { compatible: result.is_compatible, messages: result.messages ?? [], compatibility: level, checkedAgainst };
  });
}

export async function registerSchema(
  actor: Actor,
  tenant: Tenant,
  subject: string,
  input: NewSchema,
): Promise<RegisteredView> {
  const check = await checkSchema(tenant, subject, input);
  if (!check.compatible) {
    throw new ApiError(
      'conflict',
      `The schema is incompatible with version ${check.checkedAgainst.join(', ')} of '${subject}' under ${check.compatibility}: ${check.messages.join('; ')}. Change the schema, or lower the subject's compatibility level.`,
      { schema: check.messages },
    );
  }
  const slug = tenant.slug;
  const registered = await registryCall(async () => {
    const before = await liveVersions(slug, subject);
    const { id } = await registry.register(slug, subject, input);
    const uses = (await registry.versionsOfId(slug, id)).filter((u) => u.subject === subject);
    const version = Math.max(...uses.map((u) => u.version));
    return { subject, id, version, created: !before.includes(version) };
  });
  if (registered.created) {
    await audit(actor, {
      tenantId: tenant.id,
      action: 'schema.register',
      targetType: 'subject',
      targetId: subject,
      after: { version: registered.version, id: registered.id, schemaType: input.schemaType },
    });
  }
  return registered;
}

export async function deleteSubject(
  actor: Actor,
  tenant: Tenant,
  subject: string,
  permanent: boolean,
): Promise<DeletedView> {
  const versions = await registryCall(() => registry.deleteSubject(tenant.slug, subject, { permanent }));
  await audit(actor, {
    tenantId: tenant.id,
    action: 'schema.delete',
    targetType: 'subject',
    targetId: subject,
    before: { versions },
    after: { permanent },
  });
  return { subject, versions, permanent };
}

export async function deleteVersion(
  actor: Actor,
  tenant: Tenant,
  subject: string,
  version: number,
  permanent: boolean,
): Promise<DeletedView> {
  const deleted = await registryCall(() => registry.deleteVersion(tenant.slug, subject, version, { permanent }));
  await audit(actor, {
    tenantId: tenant.id,
    action: 'schema.delete_version',
    targetType: 'subject',
    targetId: subject,
    before: { version: deleted },
    after: { permanent },
  });
  return { subject, versions: [deleted], permanent };
}

export async function getSubjectCompatibility(tenant: Tenant, subject: string) {
  const [own, inForce] = await registryCall(() =>
    Promise.all([registry.subjectCompatibility(tenant.slug, subject), registry.compatibility(tenant.slug, subject)]),
  );
  return { subject, compatibility: inForce, compatibilityOwn: own !== null };
}

/** Sets the subject's own level, or with null drops it (the subject follows the tenant's level again). */
export async function setSubjectCompatibility(
  actor: Actor,
  tenant: Tenant,
  subject: string,
  level: CompatibilityLevelView | null,
) {
  const slug = tenant.slug;
  const before = await registryCall(() => registry.subjectCompatibility(slug, subject));
  await registryCall(async () => {
    if (level !== null) await registry.setCompatibility(slug, subject, level);
    else if (before !== null) await registry.deleteSubjectCompatibility(slug, subject);
  });
  await audit(actor, {
    tenantId: tenant.id,
    action: 'schema.compatibility',
    targetType: 'subject',
    targetId: subject,
    before: { compatibility: before },
    after: { compatibility: level },
  });
  return getSubjectCompatibility(tenant, subject);
}

export async function getTenantCompatibility(tenant: Tenant) {
  return { compatibility: await registryCall(() => registry.compatibility(tenant.slug)) };
}

export async function setTenantCompatibility(actor: Actor, tenant: Tenant, level: CompatibilityLevelView) {
  const before = await registryCall(() => registry.compatibility(tenant.slug));
  await registryCall(() => registry.setCompatibility(tenant.slug, undefined, level));
  await audit(actor, {
    tenantId: tenant.id,
    action: 'schema.compatibility',
    targetType: 'tenant',
    targetId: tenant.slug,
    before: { compatibility: before },
    after: { compatibility: level },
  });
  return { compatibility: level };
}
