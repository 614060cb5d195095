/**
 * API-key credentials for service accounts. The secret is generated here, returned once, and never stored: only
 * a SHA-256 hash (for SASL/PLAIN) and SCRAM-SHA-256/512 verifiers (RFC 5802, RFC 7677) are kept, so the broker can
 * authenticate clients without being able to recover the secret. Given the hub's secrets key, the SCRAM salted
 * passwords are kept too, sealed: a managed Apache Kafka cluster's AlterUserScramCredentials takes them (issue 15).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { sealSecret } from './secret-box.ts';

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/** Kafka's minimum iteration count for SCRAM credentials. */
export const SCRAM_ITERATIONS = 4096;

export interface ScramVerifier {
  /** base64 */
  salt: string;
  iterations: number;
  /** base64 of H(HMAC(SaltedPassword, "Client Key")) */
  storedKey: string;
  /** base64 of HMAC(SaltedPassword, "Server Key") */
  serverKey: string;
}

function digestName(mechanism: ScramMechanism): { hash: 'sha256' | 'sha512'; size_bytes: number } {
  return mechanism === 'SCRAM-SHA-256' ? { hash: 'sha256', size_bytes: 32 } : { hash: 'sha512', size_bytes: 64 };
}

/** SCRAM's SaltedPassword, Hi(secret, salt, iterations) (RFC 5802): what Kafka's AlterUserScramCredentials takes. */
export function scramSaltedPassword(
  secret: string,
  mechanism: ScramMechanism,
  salt: Buffer,
  iterations: number,
): Buffer {
  const { hash, size_bytes } = digestName(mechanism);
  return pbkdf2Sync(Buffer.from(secret, 'utf8'), salt, iterations, size_bytes, hash);
}

/** The associated data of a key's sealed salted password: it opens only for that key and mechanism. */
export function saltedPasswordAad(keyId: string, mechanism: ScramMechanism): string {
  return `api-key-salted:${keyId}:${mechanism}`;
}

export function scramVerifier(
  secret: string,
  mechanism: ScramMechanism,
  salt: Buffer = randomBytes(16),
  iterations: number = SCRAM_ITERATIONS,
): ScramVerifier {
  const { hash } = digestName(mechanism);
  const salted = scramSaltedPassword(secret, mechanism, salt, iterations);
  const clientKey = createHmac(hash, salted).update('Client Key').digest();
  const storedKey = createHash(hash).update(clientKey).digest();
  const serverKey = createHmac(hash, salted).update('Server Key').digest();
  return {
    salt: salt.toString('base64'),
    iterations,
    storedKey: storedKey.toString('base64'),
    serverKey: serverKey.toString('base64'),
  };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time check of a presented secret against the stored SHA-256 (SASL/PLAIN). */
export function verifySecret(secret: string, secretHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(secretHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface NewApiKeyCredentials {
  /** Public id; the SASL username. */
  keyId: string;
  /** Shown once to the user; never stored. */
  secret: string;
  /** Columns to store on ApiKey. */
  stored: {
    keyId: string;
    secretHash: string;
    scram256Salt: string;
    scram256Iter: number;
    scram256Stored: string;
    scram256Server: string;
    scram512Salt: string;
    scram512Iter: number;
    scram512Stored: string;
    scram512Server: string;
    /** The salted passwords sealed with the secrets key (base64 inside the box); null without a key. */
    scram256SaltedSealed: string | null;
    scram512SaltedSealed: string | null;
  };
}

const KEY_ID_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * A new key. With `secretsKey` (SAMSA_SECRETS_KEY), its SCRAM salted passwords are sealed for managed Kafka clusters;
 * without, the key works on Samsa's broker but cannot be placed on a managed cluster.
 */
export function newApiKeyCredentials(options: { secretsKey?: Buffer | null } = {}): NewApiKeyCredentials {
  const idBytes = randomBytes(16);
  const keyId = 'SK' + Array.from(idBytes, (b) => KEY_ID_ALPHABET[b % KEY_ID_ALPHABET.length]).join('');
  const secret = randomBytes(32).toString('base64url');
  const s256 = scramVerifier(secret, 'SCRAM-SHA-256');
  const s512 = scramVerifier(secret, 'SCRAM-SHA-512');
  const sealed = (v: ScramVerifier, mechanism: ScramMechanism): string | null => {
    if (!options.secretsKey) return null;
    const salted = scramSaltedPassword(secret, mechanism, Buffer.from(v.salt, 'base64'), v.iterations);
    return sealSecret(options.secretsKey, saltedPasswordAad(keyId, mechanism), salted.toString('base64'));
  };
  return {
    keyId,
    secret,
    stored: {
      keyId,
      secretHash: hashSecret(secret),
      scram256Salt: s256.salt,
      scram256Iter: s256.iterations,
      scram256Stored: s256.storedKey,
      scram256Server: s256.serverKey,
      scram512Salt: s512.salt,
      scram512Iter: s512.iterations,
      scram512Stored: s512.storedKey,
      scram512Server: s512.serverKey,
      scram256SaltedSealed: sealed(s256, 'SCRAM-SHA-256'),
      scram512SaltedSealed: sealed(s512, 'SCRAM-SHA-512'),
    },
  };
}
