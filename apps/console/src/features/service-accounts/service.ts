/** Service accounts and their API keys. Secrets are generated in @samsa/db, returned once and never stored. */
import { newApiKeyCredentials, type Tenant } from '@samsa/db';
import { secretKeyFromEnv } from '@samsa/db/secret-box';
import { db } from '../../server/db.ts';
import { ApiError } from '../../server/errors.ts';
import type { Actor } from '../../server/with-tenant.ts';
import { audit } from '../audit/audit.ts';
import { advertisedBootstrap, clientConfigs } from './client-config.ts';
import type { CreateApiKeyInput } from './schemas.ts';

export async function listServiceAccounts(tenant: Tenant) {
  const rows = await db().serviceAccount.findMany({
    where: { tenantId: tenant.id },
    orderBy: { name: 'asc' },
    include: { _count: { select: { apiKeys: { where: { revokedAt: null } } } } },
  });
  return rows.map((s) => ({
    id: s.id,
    name: s.name,
    description: s.description,
    createdAt: s.createdAt.toISOString(),
    activeKeys: s._count.apiKeys,
  }));
}

export async function createServiceAccount(actor: Actor, tenant: Tenant, input: { name: string; description: string }) {
  const sa = await db().serviceAccount.create({
    data: { tenantId: tenant.id, name: input.name, description: input.description },
  });
  await audit(actor, {
    tenantId: tenant.id,
    action: 'serviceAccount.create',
    targetType: 'serviceAccount',
    targetId: sa.name,
    after: input,
  });
  return {
    id: sa.id,
    name: sa.name,
    description: sa.description,
    createdAt: sa.createdAt.toISOString(),
    activeKeys: 0,
  };
}

export async function deleteServiceAccount(actor: Actor, tenant: Tenant, name: string) {
  const sa = await db().serviceAccount.findUnique({ where: { tenantId_name: { tenantId: tenant.id, name } } });
  if (!sa) throw new ApiError('not_found', `No service account '${name}'`);
  await db().serviceAccount.delete({ where: { id: sa.id } });
  await audit(actor, {
    tenantId: tenant.id,
    action: 'serviceAccount.delete',
    targetType: 'serviceAccount',
    targetId: name,
    before: { name, description: sa.description },
  });
}

export async function listApiKeys(tenant: Tenant) {
  const keys = await db().apiKey.findMany({
    where: { tenantId: tenant.id },
    include: { serviceAccount: true },
    orderBy: { createdAt: 'desc' },
  });
  return keys.map((k) => ({
    keyId: k.keyId,
    serviceAccount: k.serviceAccount.name,
    description: k.description,
    createdAt: k.createdAt.toISOString(),
    revokedAt: k.revokedAt?.toISOString() ?? null,
  }));
}

/**
 * The secrets key that seals a new key's SCRAM salted passwords for managed Kafka clusters, or null when
 * SAMSA_SECRETS_KEY is not set (the key then works on Samsa's broker but cannot be placed on a managed cluster).
 */
function managedClusterSecretsKey(): Buffer | null {
  try {
    return secretKeyFromEnv();
  } catch {
    return null;
  }
}

export async function createApiKey(actor: Actor, tenant: Tenant, input: CreateApiKeyInput) {
  const sa = await db().serviceAccount.upsert({
    where: { tenantId_name: { tenantId: tenant.id, name: input.serviceAccount } },
    create: { tenantId: tenant.id, name: input.serviceAccount },
    update: {},
  });
  const creds = newApiKeyCredentials({ secretsKey: managedClusterSecretsKey() });
  const key = await db().apiKey.create({
    data: { ...creds.stored, tenantId: tenant.id, serviceAccountId: sa.id, description: input.description },
  });
  await audit(actor, {
    tenantId: tenant.id,
    action: 'apiKey.create',
    targetType: 'apiKey',
    targetId: key.keyId,
    after: { keyId: key.keyId, serviceAccount: sa.name, description: key.description },
  });
  const bootstrap = advertisedBootstrap();
  return {
    keyId: key.keyId,
    serviceAccount: sa.name,
    description: key.description,
    createdAt: key.createdAt.toISOString(),
    revokedAt: null,
    secret: creds.secret,
    bootstrap,
    configs: clientConfigs(bootstrap, key.keyId, creds.secret),
  };
}

export async function revokeApiKey(actor: Actor, tenant: Tenant, keyId: string) {
  const key = await db().apiKey.findUnique({ where: { keyId } });
  if (!key || key.tenantId !== tenant.id) throw new ApiError('not_found', `No API key '${keyId}'`);
  if (!key.revokedAt) await db().apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
  await audit(actor, { tenantId: tenant.id, action: 'apiKey.revoke', targetType: 'apiKey', targetId: keyId });
}
