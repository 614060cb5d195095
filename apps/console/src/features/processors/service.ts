/**
 * Changing a tenant's processors: what the console writes for the processor host to run (immutable versions,
 * deployments, the desired state, sealed secrets, re-drive requests, the principal's ACL bindings); reads are in
 * queries.ts. Topics are checked on the broker (the record of topics); a missing DLQ topic is created as the tenant,
 * so its quotas apply. Every change is audited, without secret values.
 */
import { brokerName, processorAclPrincipal, tenantNamespace } from '@samsa/cluster/namespace';
import type { Prisma, Tenant } from '@samsa/db';
import { processorSecretAad, sealSecret, secretKeyFromEnv } from '@samsa/db/secret-box';
import { defaultDlqTopic, processorGroupId } from '@samsa/processors';
import { db } from '../../server/db.ts';
import { ApiError } from '../../server/errors.ts';
import { log } from '../../server/log.ts';
import type { Actor } from '../../server/with-tenant.ts';
import { audit } from '../audit/audit.ts';
import { type BrokerTopic, clusterAdmin } from '../cluster/cluster-admin.ts';
import { getQuota } from '../tenants/service.ts';
import { desiredAcls, reconcileAcls, redriveGroupId } from './acl-bindings.ts';
import { compileOrExplain } from './compile.ts';
import { activeVersionOf, findProcessor, getProcessor } from './queries.ts';
import type { CreateProcessorInput, UpdateProcessorInput } from './schemas.ts';
import { processorLimits } from './settings.ts';
import { DELIVERY_ROW, deliveryView, LANGUAGE_ROW, POLICY_ROW, policyView } from './views.ts';

type StartFrom = CreateProcessorInput['from'];
type DeployInput = Omit<UpdateProcessorInput, 'secrets' | 'from'>;

/** What the audit log keeps of a version: its settings and the source's size, never the source text or a secret. */
function auditedVersion(v: Omit<DeployInput, 'dlqTopic'> & { dlqTopic: string | null }, secretNames: string[]) {
  return {
    input: v.input,
    outputs: v.outputs,
    dlqTopic: v.dlqTopic,
    language: v.language,
    sourceBytes: Buffer.byteLength(v.source, 'utf8'),
    delivery: v.delivery,
    onError: v.onError,
    retries: v.retries,
    retryBackoffMs: v.retryBackoffMs,
    env: v.env,
    comment: v.comment,
    secretNames,
  };
}

/**
 * Checks the version's topics on the broker: input and outputs must exist in the tenant; the DLQ topic (policy dlq)
 * is created as the tenant when missing, with the input's partition count. Returns the DLQ topic name or null.
 */
async function ensureTopics(
  tenant: Tenant,
  processorName: string,
  v: { input: string; outputs: string[]; onError: 'dlq' | 'skip' | 'stop'; dlqTopic?: string | undefined },
): Promise<{ dlqTopic: string | null; createdDlq: boolean }> {
  const live = new Map<string, BrokerTopic>(
    (await clusterAdmin().topicsWithPrefix(tenantNamespace(tenant.slug))).map((t) => [
      t.brokerName.slice(tenantNamespace(tenant.slug).length),
      t,
    ]),
  );
  const fieldErrors: Record<string, string[]> = {};
  const input = live.get(v.input);
  if (!input) fieldErrors.input = [`No topic '${v.input}' in tenant '${tenant.slug}': create it first`];
  const missing = v.outputs.filter((o) => !live.has(o));
  if (missing.length > 0) {
    fieldErrors.outputs = [
      `No topic ${missing.map((m) => `'${m}'`).join(', ')} in tenant '${tenant.slug}': create it first`,
    ];
  }
  if (Object.keys(fieldErrors).length > 0) {
    throw new ApiError('validation_failed', Object.values(fieldErrors).flat().join('; '), fieldErrors);
  }
  if (v.onError !== 'dlq') return { dlqTopic: null, createdDlq: false };
  const dlqTopic = v.dlqTopic ?? defaultDlqTopic(processorName);
  if (dlqTopic === v.input || v.outputs.includes(dlqTopic)) {
    throw new ApiError('validation_failed', `The DLQ topic '${dlqTopic}' must differ from the input and outputs`, {
      dlqTopic: ['Must differ from the input and outputs'],
    });
  }
  if (live.has(dlqTopic)) return { dlqTopic, createdDlq: false };
  const target = { tenantSlug: tenant.slug, topic: dlqTopic, brokerName: brokerName(tenant.slug, dlqTopic) };
  try {
    await clusterAdmin().createTopic(target, input?.partitions ?? 1, {});
  } catch (err) {
    // Another deploy may have created it meanwhile; anything else (e.g. the tenant's topic quota) is the answer.
    const again = await clusterAdmin().topicsWithPrefix(target.brokerName);
    if (!again.some((t) => t.brokerName === target.brokerName)) throw err;
  }
  log.info({ tenant: tenant.slug, processor: processorName, topic: dlqTopic }, 'created the processor DLQ topic');
  return { dlqTopic, createdDlq: true };
}

function versionData(input: DeployInput, code: string, dlqTopic: string | null, actor: Actor) {
  return {
    inputTopic: input.input,
    outputTopics: input.outputs,
    dlqTopic,
    language: LANGUAGE_ROW[input.language],
    source: input.source,
    code,
    delivery: DELIVERY_ROW[input.delivery],
    errorPolicy: POLICY_ROW[input.onError],
    retries: input.retries,
    retryBackoffMs: input.retryBackoffMs,
    env: input.env,
    comment: input.comment,
    createdById: actor.user.id,
    createdByEmail: actor.user.email,
  };
}

/** Makes `versionId` the active deployment and the principal's ACLs those of its version (in `tx`). */
async function activate(
  tx: Prisma.TransactionClient,
  tenant: Tenant,
  processor: { id: string; name: string; desiredState: 'RUNNING' | 'PAUSED' },
  version: {
    id: string;
    inputTopic: string;
    outputTopics: string[];
    dlqTopic: string | null;
    delivery: 'AT_LEAST_ONCE' | 'EXACTLY_ONCE';
  },
  action: 'CREATE' | 'UPDATE' | 'ROLLBACK' | 'REDEPLOY',
  from: StartFrom,
  actor: Actor,
) {
  const deployment = await tx.processorDeployment.create({
    data: {
      processorId: processor.id,
      versionId: version.id,
      action,
      startFrom: from,
      byId: actor.user.id,
      byEmail: actor.user.email,
    },
  });
  await tx.processor.update({
    where: { id: processor.id },
    data: {
      activeDeploymentId: deployment.id,
      ...(processor.desiredState === 'RUNNING' ? { status: 'PENDING', statusReason: null, statusAt: new Date() } : {}),
    },
  });
  const acls = await reconcileAcls(
    tx,
    tenant.id,
    processorAclPrincipal(processor.name),
    desiredAcls(processor.name, version),
  );
  return { deployment, acls };
}

function sealAll(processorId: string, secrets: Record<string, string | null>) {
  const entries = Object.entries(secrets).filter((e): e is [string, string] => e[1] !== null);
  if (entries.length === 0) return [];
  let key: Buffer;
  try {
    key = secretKeyFromEnv();
  } catch (err) {
    log.error({ err }, 'processor secrets cannot be stored');
    throw new ApiError('internal', 'The console cannot store secrets: SAMSA_SECRETS_KEY is not set or invalid');
  }
  return entries.map(([name, value]) => ({
    processorId,
    name,
    ciphertext: sealSecret(key, processorSecretAad(processorId, name), value),
  }));
}

async function checkProcessorQuota(tenant: Tenant) {
  const { maxProcessors } = processorLimits(await getQuota(tenant.id));
  const count = await db().processor.count({ where: { tenantId: tenant.id } });
  if (count >= maxProcessors) {
    throw new ApiError(
      'quota_exceeded',
      `processor quota exceeded: tenant '${tenant.slug}' may have ${maxProcessors} processors and has ${count}; delete one, or ask a platform admin to raise maxProcessors`,
      { name: [`At most ${maxProcessors} processors`] },
    );
  }
}

export async function createProcessor(actor: Actor, tenant: Tenant, input: CreateProcessorInput) {
  await checkProcessorQuota(tenant);
  const exists = await db().processor.findUnique({
    where: { tenantId_name: { tenantId: tenant.id, name: input.name } },
  });
  if (exists) {
    throw new ApiError('conflict', `Processor '${input.name}' already exists: update it with PUT`, {
      name: ['Already exists'],
    });
  }
  const { code } = compileOrExplain(input.source, input.language);
  const { dlqTopic, createdDlq } = await ensureTopics(tenant, input.name, input);
  const processorId = crypto.randomUUID();
  const secrets = sealAll(processorId, input.secrets);
  const acls = await db().$transaction(async (tx) => {
    const processor = await tx.processor.create({ data: { id: processorId, tenantId: tenant.id, name: input.name } });
    const version = await tx.processorVersion.create({
      data: { processorId, version: 1, ...versionData(input, code, dlqTopic, actor) },
    });
    if (secrets.length > 0) await tx.processorSecret.createMany({ data: secrets });
    return (await activate(tx, tenant, processor, version, 'CREATE', input.from, actor)).acls;
  });
  const secretNames = Object.keys(input.secrets).sort();
  await audit(actor, {
    tenantId: tenant.id,
    action: 'processor.create',
    targetType: 'processor',
    targetId: input.name,
    after: { version: 1, ...auditedVersion({ ...input, dlqTopic }, secretNames), from: input.from, createdDlq, acls },
  });
  return getProcessor(tenant, input.name);
}

export async function updateProcessor(actor: Actor, tenant: Tenant, name: string, input: UpdateProcessorInput) {
  const p = await findProcessor(tenant, name);
  const before = p.activeDeployment?.version;
  const keptSecrets = p.secrets.map((x) => x.name).filter((n) => input.secrets[n] !== null);
  const clash = Object.keys(input.env).filter((n) => keptSecrets.includes(n));
  if (clash.length > 0) {
    throw new ApiError('validation_failed', `${clash.join(', ')} is already a secret of '${name}'`, {
      env: [`${clash.join(', ')} is a secret: remove it (secrets: { ${clash[0]}: null }) or pick another name`],
    });
  }
  const { code } = compileOrExplain(input.source, input.language);
  const { dlqTopic, createdDlq } = await ensureTopics(tenant, name, input);
  const sealed = sealAll(p.id, input.secrets);
  const removedSecrets = Object.entries(input.secrets)
    .filter(([, v]) => v === null)
    .map(([k]) => k);
  const { version, acls } = await db().$transaction(async (tx) => {
    const last = await tx.processorVersion.findFirst({ where: { processorId: p.id }, orderBy: { version: 'desc' } });
    const version = await tx.processorVersion.create({
      data: { processorId: p.id, version: (last?.version ?? 0) + 1, ...versionData(input, code, dlqTopic, actor) },
    });
    if (removedSecrets.length > 0) {
      await tx.processorSecret.deleteMany({ where: { processorId: p.id, name: { in: removedSecrets } } });
    }
    for (const s of sealed) {
      await tx.processorSecret.upsert({
        where: { processorId_name: { processorId: p.id, name: s.name } },
        create: s,
        update: { ciphertext: s.ciphertext },
      });
    }
    const { acls } = await activate(tx, tenant, p, version, 'UPDATE', input.from, actor);
    return { version, acls };
  });
  const secretNames = (await db().processorSecret.findMany({ where: { processorId: p.id }, select: { name: true } }))
    .map((s) => s.name)
    .sort();
  await audit(actor, {
    tenantId: tenant.id,
    action: 'processor.update',
    targetType: 'processor',
    targetId: name,
    before: before
      ? {
          version: before.version,
          input: before.inputTopic,
          outputs: before.outputTopics,
          dlqTopic: before.dlqTopic,
          delivery: deliveryView(before.delivery),
          onError: policyView(before.errorPolicy),
          secretNames: p.secrets.map((s) => s.name),
        }
      : undefined,
    after: {
      version: version.version,
      ...auditedVersion({ ...input, dlqTopic }, secretNames),
      secretsChanged: Object.keys(input.secrets).sort(),
      from: input.from,
      createdDlq,
      acls,
    },
  });
  return getProcessor(tenant, name);
}

export async function setDesiredState(actor: Actor, tenant: Tenant, name: string, state: 'RUNNING' | 'PAUSED') {
  const p = await findProcessor(tenant, name);
  await db().processor.update({ where: { id: p.id }, data: { desiredState: state } });
  await audit(actor, {
    tenantId: tenant.id,
    action: state === 'PAUSED' ? 'processor.pause' : 'processor.resume',
    targetType: 'processor',
    targetId: name,
    before: { desiredState: p.desiredState },
    after: { desiredState: state },
  });
  return getProcessor(tenant, name);
}

/** Deploys an existing version again (rollback or redeploy from a chosen position). */
async function deployExisting(
  actor: Actor,
  tenant: Tenant,
  name: string,
  action: 'ROLLBACK' | 'REDEPLOY',
  pick: (p: Awaited<ReturnType<typeof findProcessor>>) => Promise<number>,
  from: StartFrom,
) {
  const p = await findProcessor(tenant, name);
  const current = p.activeDeployment?.version.version ?? null;
  const number = await pick(p);
  const version = await db().processorVersion.findUnique({
    where: { processorId_version: { processorId: p.id, version: number } },
  });
  if (!version)
    throw new ApiError('not_found', `Processor '${name}' has no version ${number}`, { version: ['No such version'] });
  const { dlqTopic } = await ensureTopics(tenant, name, {
    input: version.inputTopic,
    outputs: version.outputTopics,
    onError: policyView(version.errorPolicy),
    dlqTopic: version.dlqTopic ?? undefined,
  });
  const acls = await db().$transaction(
    async (tx) => (await activate(tx, tenant, p, { ...version, dlqTopic }, action, from, actor)).acls,
  );
  await audit(actor, {
    tenantId: tenant.id,
    action: action === 'ROLLBACK' ? 'processor.rollback' : 'processor.deploy',
    targetType: 'processor',
    targetId: name,
    before: { version: current },
    after: { version: number, from, acls },
  });
  return getProcessor(tenant, name);
}

export function rollbackProcessor(
  actor: Actor,
  tenant: Tenant,
  name: string,
  input: { version?: number | undefined; from: StartFrom },
) {
  return deployExisting(
    actor,
    tenant,
    name,
    'ROLLBACK',
    async (p) => {
      if (input.version !== undefined) return input.version;
      const current = p.activeDeployment?.version.version;
      // The newest deployment of another version than the one running now.
      const previous = await db().processorDeployment.findFirst({
        where: { processorId: p.id, version: { version: { not: current } } },
        orderBy: { at: 'desc' },
        include: { version: true },
      });
      if (!previous) {
        throw new ApiError('conflict', `Processor '${p.name}' has no earlier deployed version to roll back to`);
      }
      return previous.version.version;
    },
    input.from,
  );
}

export function deployVersion(actor: Actor, tenant: Tenant, name: string, input: { version: number; from: StartFrom }) {
  return deployExisting(actor, tenant, name, 'REDEPLOY', async () => input.version, input.from);
}

export async function requestRedrive(actor: Actor, tenant: Tenant, name: string) {
  const p = await findProcessor(tenant, name);
  const v = activeVersionOf(p);
  if (!v.dlqTopic) {
    throw new ApiError('conflict', `Processor '${name}' has no dead-letter topic (its error policy is not dlq)`);
  }
  const open = await db().processorRedrive.findFirst({ where: { processorId: p.id, finishedAt: null } });
  if (open) {
    throw new ApiError(
      'conflict',
      `A re-drive of '${name}' is already under way (requested ${open.requestedAt.toISOString()})`,
    );
  }
  const redrive = await db().processorRedrive.create({ data: { processorId: p.id, byEmail: actor.user.email } });
  await audit(actor, {
    tenantId: tenant.id,
    action: 'processor.redrive',
    targetType: 'processor',
    targetId: name,
    after: { redriveId: redrive.id, dlqTopic: v.dlqTopic, version: v.version },
  });
  return { redriveId: redrive.id };
}

/**
 * Removing a group can fail while a host that has not yet seen the deletion rejoins it (the host polls every second):
 * a few tries over about 3 s, then the audit entry and a warning say what is left.
 */
const GROUP_REMOVE_TRIES = 10;
const GROUP_REMOVE_RETRY_MS = 300;

async function removeProcessorGroups(tenant: Tenant, name: string): Promise<{ groups: number; remaining: string[] }> {
  const wanted = [processorGroupId(name), redriveGroupId(name)].map((g) => brokerName(tenant.slug, g));
  let groups = 0;
  let remaining: string[] = [];
  for (let attempt = 1; attempt <= GROUP_REMOVE_TRIES; attempt++) {
    const existing = (await clusterAdmin().groupsWithPrefix(wanted[0]!)).filter((g) => wanted.includes(g));
    if (existing.length === 0) return { groups, remaining: [] };
    const gone = await clusterAdmin().removeGroups(existing);
    groups += gone.groups;
    remaining = gone.remaining;
    if (remaining.length === 0) return { groups, remaining };
    await new Promise((r) => setTimeout(r, GROUP_REMOVE_RETRY_MS));
  }
  return { groups, remaining };
}

export async function deleteProcessor(actor: Actor, tenant: Tenant, name: string) {
  const p = await findProcessor(tenant, name);
  // Rows first: the host stops the processor when its row is gone, then its groups can go.
  const acls = await db().$transaction(async (tx) => {
    const changed = await reconcileAcls(tx, tenant.id, processorAclPrincipal(name), []);
    await tx.processor.delete({ where: { id: p.id } });
    return changed;
  });
  let groups: { groups: number; remaining: string[] } | { error: string };
  try {
    groups = await removeProcessorGroups(tenant, name);
  } catch (err) {
    groups = { error: (err as Error).message };
  }
  if ('error' in groups || groups.remaining.length > 0) {
    log.warn(
      { tenant: tenant.slug, processor: name, groups },
      'the deleted processor left consumer groups on the broker',
    );
  }
  await audit(actor, {
    tenantId: tenant.id,
    action: 'processor.delete',
    targetType: 'processor',
    targetId: name,
    before: {
      version: p.activeDeployment?.version.version ?? null,
      input: p.activeDeployment?.version.inputTopic ?? null,
      outputs: p.activeDeployment?.version.outputTopics ?? [],
      secretNames: p.secrets.map((s) => s.name),
    },
    after: { acls, groups },
  });
}
