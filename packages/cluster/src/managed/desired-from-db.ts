/**
 * The desired state of a managed cluster from Samsa's records in Postgres: every tenant's unrevoked API keys (their
 * sealed SCRAM salted passwords opened with SAMSA_SECRETS_KEY), ACL bindings and quota. A suspended tenant keeps its
 * topics but has no users, ACLs or quotas on the cluster (its keys stop working there too); a tenant being deleted
 * (DELETING) is removed; one whose deletion has finished (a TenantDeletion row, no Tenant) loses its users, ACLs and
 * quotas.
 */
import { type Db, type ScramMechanism, saltedPasswordAad } from '@samsa/db';
import { openSecret } from '@samsa/db/secret-box';
import { type DesiredState, type TenantRecords, translateTenant } from './desired.ts';

type KeyRow = {
  keyId: string;
  createdAt: Date;
  scram256Salt: string;
  scram256Iter: number;
  scram256SaltedSealed: string | null;
  scram512Salt: string;
  scram512Iter: number;
  scram512SaltedSealed: string | null;
  serviceAccount: { name: string };
};

/** A key's SCRAM credentials for the cluster, or why there are none. */
export function credentialsOf(
  secretsKey: Buffer | null,
  k: KeyRow,
): Pick<TenantRecords['keys'][number], 'credentials' | 'credentialsMissing'> {
  if (k.scram256SaltedSealed === null || k.scram512SaltedSealed === null) return { credentials: null };
  if (secretsKey === null)
    return {
      credentials: null,
      credentialsMissing: 'SAMSA_SECRETS_KEY is not set, so its sealed credentials cannot be opened',
    };
  const sealed: [ScramMechanism, string, number, string][] = [
    ['SCRAM-SHA-256', k.scram256Salt, k.scram256Iter, k.scram256SaltedSealed],
    ['SCRAM-SHA-512', k.scram512Salt, k.scram512Iter, k.scram512SaltedSealed],
  ];
  try {
    return {
      credentials: sealed.map(([mechanism, salt, iterations, box]) => ({
        mechanism,
        iterations,
        salt: Buffer.from(salt, 'base64'),
        saltedPassword: Buffer.from(openSecret(secretsKey, saltedPasswordAad(k.keyId, mechanism), box), 'base64'),
      })),
    };
  } catch (err) {
    return { credentials: null, credentialsMissing: (err as Error).message };
  }
}

/**
 * The desired state of the tenants in `slugs` (every tenant when omitted). `secretsKey` opens the keys' sealed
 * salted passwords; without it no key can be placed (each is listed as skipped).
 */
export async function desiredStateFromDb(db: Db, secretsKey: Buffer | null, slugs?: string[]): Promise<DesiredState> {
  const tenants = await db.tenant.findMany({
    where: slugs ? { slug: { in: slugs } } : {},
    include: {
      apiKeys: { where: { revokedAt: null }, include: { serviceAccount: { select: { name: true } } } },
      aclBindings: true,
      quota: true,
    },
    orderBy: { slug: 'asc' },
  });
  const desired: DesiredState = { tenants: [], removedTenants: [], deletedTenants: [] };
  // Tenants whose deletion finished (their rows are gone): their users, ACLs and quotas may still be on the cluster.
  const existing = new Set((await db.tenant.findMany({ select: { slug: true } })).map((t) => t.slug));
  const finished = await db.tenantDeletion.findMany({
    where: { finishedAt: { not: null }, ...(slugs ? { slug: { in: slugs } } : {}) },
    select: { slug: true },
  });
  desired.deletedTenants = [...new Set(finished.map((d) => d.slug))].filter((s) => !existing.has(s)).sort();
  for (const t of tenants) {
    if (t.status === 'DELETING') {
      desired.removedTenants!.push(t.slug);
      continue;
    }
    const active = t.status === 'ACTIVE';
    desired.tenants.push(
      translateTenant({
        slug: t.slug,
        keys: active
          ? t.apiKeys.map((k) => ({
              keyId: k.keyId,
              serviceAccount: k.serviceAccount.name,
              createdAt: k.createdAt,
              ...credentialsOf(secretsKey, k),
            }))
          : [],
        bindings: t.aclBindings,
        quota: t.quota && {
          produceBytesPerSec: t.quota.produceBytesPerSec === null ? null : Number(t.quota.produceBytesPerSec),
          fetchBytesPerSec: t.quota.fetchBytesPerSec === null ? null : Number(t.quota.fetchBytesPerSec),
          requestPercentage: t.quota.requestPercentage,
          updatedAt: t.quota.updatedAt,
        },
      }),
    );
  }
  return desired;
}
