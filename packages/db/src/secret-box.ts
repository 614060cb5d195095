/**
 * Secret box: encrypts small secrets (processor environment secrets, managed clusters' admin passwords) for storage
 * in Postgres with AES-256-GCM under the hub's secret key. The key is 32 random bytes, given base64 in SAMSA_SECRETS_KEY; `samsa start` generates one
 * into its data directory (mode 0600) on first start and hands it to the console and the processor host. A stored
 * value is `v1:<iv>:<tag>:<ciphertext>` (base64 parts); the associated data binds it to its owner and name, so a
 * ciphertext copied onto another processor or secret name does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

const KEY_BYTES = 32;
const IV_BYTES = 12;

/** Reads the key from base64; a clear error when it is missing or not 32 bytes. */
export function secretKeyFromEnv(env: Record<string, string | undefined> = process.env): Buffer {
  const raw = env.SAMSA_SECRETS_KEY;
  if (!raw) {
    throw new SecretBoxError(
      'SAMSA_SECRETS_KEY is not set: give 32 random bytes in base64 (openssl rand -base64 32); samsa start makes one',
    );
  }
  const key = Buffer.from(raw, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new SecretBoxError(`SAMSA_SECRETS_KEY must be ${KEY_BYTES} bytes in base64, it has ${key.length}`);
  }
  return key;
}

export function generateSecretKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

export function sealSecret(key: Buffer, associatedData: string, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
}

export function openSecret(key: Buffer, associatedData: string, sealed: string): string {
  const [v, iv, tag, body] = sealed.split(':');
  if (v !== 'v1' || iv === undefined || tag === undefined || body === undefined) {
    throw new SecretBoxError('not a sealed secret (expected v1:<iv>:<tag>:<ciphertext>)');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretBoxError('the secret does not open with this key (SAMSA_SECRETS_KEY changed, or it was moved)');
  }
}

/** The associated data of a processor secret: it opens only for that processor and name. */
export function processorSecretAad(processorId: string, name: string): string {
  return `processor-secret:${processorId}:${name}`;
}

/** The associated data of a managed Kafka cluster's admin password: it opens only for that cluster. */
export function kafkaClusterPasswordAad(clusterId: string): string {
  return `kafka-cluster-password:${clusterId}`;
}
