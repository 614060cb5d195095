/**
 * KeyCredentials: the SCRAM credential a tenant's key signs in to Kafka with, as its own user `samsa.<slug>.<keyId>`:
 * the key's salted password, sealed in Postgres with SAMSA_SECRETS_KEY (the same credential `samsa cluster
 * reconcile` placed on the cluster), opened here. Kept in memory per key, bounded; a key's credential never changes
 * (a new secret is a new key), and a revoked key is refused at sign-in by the metadata view.
 */
import { credentialsOf, managedUserName } from '@samsa/cluster/managed';
import type { Db } from '@samsa/db';
import type { UpstreamCredential } from './scram-client.ts';

/** The mechanism the gateway signs in to Kafka with (reconcile places both). */
const UPSTREAM_MECHANISM = 'SCRAM-SHA-512';

export class MissingCredentialError extends Error {}

export class KeyCredentials {
  private readonly db: Db;
  private readonly secretsKey: Buffer;
  private readonly maxCached: number;
  private cache = new Map<string, UpstreamCredential>();

  constructor(db: Db, secretsKey: Buffer, maxCached: number) {
    this.db = db;
    this.secretsKey = secretsKey;
    this.maxCached = maxCached;
  }

  async forKey(slug: string, keyId: string): Promise<UpstreamCredential> {
    const cached = this.cache.get(keyId);
    if (cached) return cached;
    const row = await this.db.apiKey.findUnique({
      where: { keyId },
      select: {
        keyId: true,
        createdAt: true,
        scram256Salt: true,
        scram256Iter: true,
        scram256SaltedSealed: true,
        scram512Salt: true,
        scram512Iter: true,
        scram512SaltedSealed: true,
        serviceAccount: { select: { name: true } },
      },
    });
    if (!row) throw new MissingCredentialError(`key ${keyId} is not in the control plane`);
    const { credentials, credentialsMissing } = credentialsOf(this.secretsKey, row);
    const scram = credentials?.find((c) => c.mechanism === UPSTREAM_MECHANISM);
    if (!scram) {
      throw new MissingCredentialError(
        `key ${keyId} has no SCRAM credential for the cluster (${credentialsMissing ?? 'it was made before managed mode, or without SAMSA_SECRETS_KEY'}): create a new key`,
      );
    }
    const credential: UpstreamCredential = {
      mechanism: UPSTREAM_MECHANISM,
      username: managedUserName(slug, keyId),
      salt: scram.salt,
      iterations: scram.iterations,
      saltedPassword: scram.saltedPassword,
    };
    if (this.cache.size >= this.maxCached) this.cache = new Map();
    this.cache.set(keyId, credential);
    return credential;
  }
}
