/**
 * Client side of SASL for the gateway's connections to Kafka: PLAIN and SCRAM-SHA-256/512 (RFC 5802). A tenant's
 * connection signs in as the key's own SCRAM user from its *salted password* alone (ClientKey = HMAC(SaltedPassword,
 * "Client Key")), so the gateway needs no secret; the admin connection signs in from a password.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/** What an upstream connection signs in with. */
export type UpstreamCredential =
  | { mechanism: 'PLAIN' | ScramMechanism; username: string; password: string }
  /** A SCRAM credential as Kafka stores it: valid only with the same salt and iteration count. */
  | { mechanism: ScramMechanism; username: string; salt: Buffer; iterations: number; saltedPassword: Buffer };

type ScramCredentialInput = UpstreamCredential & { mechanism: ScramMechanism };

export class SaslClientError extends Error {}

/** Bound on the iteration count a server may ask for (PBKDF2 cost; Kafka allows 4096..16384). */
const MAX_SCRAM_ITERATIONS = 16_384;

function saslName(s: string): string {
  return s.replaceAll('=', '=3D').replaceAll(',', '=2C');
}

function attributes(s: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of s.split(',')) if (part[1] === '=') out.set(part[0]!, part.slice(2));
  return out;
}

/** A SASL exchange driven by the server's messages: `first()`, then `next(serverMessage)` until it returns null. */
export interface SaslClientExchange {
  first(): Buffer;
  /** The next client message, or null when the exchange is complete (the server's final message checked). */
  next(serverMessage: Buffer): Buffer | null;
}

export function startClientExchange(cred: UpstreamCredential): SaslClientExchange {
  if (cred.mechanism !== 'PLAIN') return new ScramClient({ ...cred, mechanism: cred.mechanism });
  const plain = cred as { username: string; password: string };
  return { first: () => Buffer.from(`\u0000${plain.username}\u0000${plain.password}`), next: () => null };
}

class ScramClient implements SaslClientExchange {
  private readonly cred: ScramCredentialInput;
  private readonly hash: 'sha256' | 'sha512';
  private readonly nonce = randomBytes(18).toString('base64');
  private clientFirstBare = '';
  private serverSignature: Buffer | null = null;
  private state: 'first' | 'final' | 'verify' | 'done' = 'first';

  constructor(cred: ScramCredentialInput) {
    this.cred = cred;
    this.hash = cred.mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
  }

  first(): Buffer {
    this.clientFirstBare = `n=${saslName(this.cred.username)},r=${this.nonce}`;
    this.state = 'final';
    return Buffer.from(`n,,${this.clientFirstBare}`);
  }

  next(serverMessage: Buffer): Buffer | null {
    if (this.state === 'final') return this.final(serverMessage.toString('utf8'));
    if (this.state === 'verify') {
      this.state = 'done';
      const v = attributes(serverMessage.toString('utf8'));
      const e = v.get('e');
      if (e !== undefined) throw new SaslClientError(`the server refused the SCRAM exchange: ${e}`);
      const signature = Buffer.from(v.get('v') ?? '', 'base64');
      const expected = this.serverSignature!;
      if (signature.length !== expected.length || !timingSafeEqual(signature, expected))
        throw new SaslClientError('the server signature does not verify: not the cluster we meant to reach');
      return null;
    }
    throw new SaslClientError('SCRAM exchange already finished');
  }

  private final(serverFirst: string): Buffer {
    const attrs = attributes(serverFirst);
    const nonce = attrs.get('r') ?? '';
    const salt = Buffer.from(attrs.get('s') ?? '', 'base64');
    const iterations = Number(attrs.get('i'));
    if (!nonce.startsWith(this.nonce) || salt.length === 0 || !Number.isInteger(iterations) || iterations < 1)
      throw new SaslClientError('malformed SCRAM server-first message');
    if (iterations > MAX_SCRAM_ITERATIONS)
      throw new SaslClientError(`SCRAM iteration count ${iterations} is above ${MAX_SCRAM_ITERATIONS}`);
    const saltedPassword = this.saltedPassword(salt, iterations);
    const withoutProof = `c=${Buffer.from('n,,').toString('base64')},r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const clientKey = createHmac(this.hash, saltedPassword).update('Client Key').digest();
    const storedKey = createHash(this.hash).update(clientKey).digest();
    const clientSignature = createHmac(this.hash, storedKey).update(authMessage).digest();
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    const serverKey = createHmac(this.hash, saltedPassword).update('Server Key').digest();
    this.serverSignature = createHmac(this.hash, serverKey).update(authMessage).digest();
    this.state = 'verify';
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
  }

  private saltedPassword(salt: Buffer, iterations: number): Buffer {
    const cred = this.cred;
    if ('password' in cred)
      return pbkdf2Sync(cred.password, salt, iterations, this.hash === 'sha256' ? 32 : 64, this.hash);
    // The cluster's credential differs from the one Samsa keeps (replaced behind its back, or never placed).
    if (!salt.equals(cred.salt) || iterations !== cred.iterations)
      throw new CredentialMismatchError(
        `the cluster's ${cred.mechanism} credential for ${cred.username} is not the one Samsa keeps (other salt or iterations): run \`samsa cluster reconcile\``,
      );
    return cred.saltedPassword;
  }
}

/** The cluster holds another credential for the user than Samsa's: a reconcile repairs it. */
export class CredentialMismatchError extends SaslClientError {}
