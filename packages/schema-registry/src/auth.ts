/**
 * Who is calling: HTTP basic auth with a tenant's API key (key id as the user name, the secret as the password, as
 * Confluent Cloud does) or the platform superuser (SAMSA_SUPERUSER_NAME / SAMSA_SUPERUSER_PASSWORD, the broker's).
 * A key's CLUSTER and SUBJECT bindings come with it (`access.ts` decides with them). Revoked keys and keys of
 * tenants that are not ACTIVE are refused. Successful checks, bindings included, are cached for `cacheTtlMs`
 * (bounded), so a revocation or a changed binding takes effect within that time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type Db, verifySecret } from '@samsa/db';
import type { KeyBindings } from './access.ts';
import { errors } from './errors.ts';

export type Caller =
  | { kind: 'admin'; name: string }
  | { kind: 'tenant'; tenantId: string; slug: string; keyId: string; bindings: KeyBindings };

export interface AuthenticatorOptions {
  superuser: { name: string; password: string } | null;
  cacheTtlMs: number;
  cacheMaxEntries: number;
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  if (!header) return null;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class Authenticator {
  private readonly db: Db;
  private readonly options: AuthenticatorOptions;
  private readonly cache = new Map<string, { caller: Caller; expiresAtMs: number }>();

  constructor(db: Db, options: AuthenticatorOptions) {
    this.db = db;
    this.options = options;
  }

  async authenticate(header: string | undefined): Promise<Caller> {
    const creds = parseBasicAuth(header);
    if (!creds || creds.user.length > 256 || creds.password.length > 1024) throw errors.unauthorized();
    const su = this.options.superuser;
    if (su && creds.user === su.name) {
      if (timingSafeEqual(sha256(creds.password), sha256(su.password))) return { kind: 'admin', name: su.name };
      throw errors.unauthorized();
    }
    const cacheKey = sha256(`${creds.user}\u0000${creds.password}`).toString('hex');
    const hit = this.cache.get(cacheKey);
    if (hit && hit.expiresAtMs > Date.now()) return hit.caller;
    if (hit) this.cache.delete(cacheKey);
    const caller = await this.lookup(creds.user, creds.password);
    if (this.cache.size >= this.options.cacheMaxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(cacheKey, { caller, expiresAtMs: Date.now() + this.options.cacheTtlMs });
    return caller;
  }

  private async lookup(keyId: string, secret: string): Promise<Caller> {
    const key = await this.db.apiKey.findUnique({
      where: { keyId },
      select: {
        secretHash: true,
        revokedAt: true,
        tenant: { select: { id: true, slug: true, status: true } },
        serviceAccount: { select: { name: true } },
      },
    });
    if (!key || key.revokedAt !== null || key.tenant.status !== 'ACTIVE' || !verifySecret(secret, key.secretHash)) {
      throw errors.unauthorized();
    }
    const principals = [`User:${keyId}`, `User:${key.serviceAccount.name}`, 'User:*'];
    const [rules, subjectBinding] = await Promise.all([
      this.db.aclBinding.findMany({
        where: { tenantId: key.tenant.id, resourceType: { in: ['CLUSTER', 'SUBJECT'] }, principal: { in: principals } },
        select: {
          resourceType: true,
          patternType: true,
          resourceName: true,
          operation: true,
          permission: true,
          host: true,
        },
      }),
      this.db.aclBinding.findFirst({
        where: { tenantId: key.tenant.id, resourceType: 'SUBJECT' },
        select: { id: true },
      }),
    ]);
    const bindings = { rules, tenantHasSubjectAcls: subjectBinding !== null };
    return { kind: 'tenant', tenantId: key.tenant.id, slug: key.tenant.slug, keyId, bindings };
  }
}
