/**
 * Server side of the SASL mechanisms the broker accepts: PLAIN (RFC 4616) checked against a SHA-256 of the key's
 * secret, and SCRAM-SHA-256/512 (RFC 5802, RFC 7677) checked against stored verifiers, so the broker never holds a
 * secret it could leak. Each exchange is a small state machine fed one client message at a time.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type Mechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
export const MECHANISMS: readonly Mechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

export interface ScramCredential {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

/** What the exchange needs from the credential store. */
export interface CredentialLookup {
  /** SHA-256 hex of the secret for PLAIN, or null when the user is unknown. */
  plainHash(username: string): string | null;
  scram(username: string, mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'): ScramCredential | null;
}

export type StepResult =
  | { kind: 'challenge'; bytes: Buffer }
  /** `authzid`: the SASL authorization identity the client asked to act as; '' when none (or the username). */
  | { kind: 'success'; username: string; authzid: string; bytes: Buffer }
  | { kind: 'failure'; message: string };

export interface SaslExchange {
  step(clientMessage: Buffer): StepResult;
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Bound on a SASL client message; real ones are a few hundred bytes. */
const MAX_SASL_MESSAGE_BYTES = 8192;
const AUTH_FAILED = 'Authentication failed: invalid username or password';

class PlainExchange implements SaslExchange {
  private readonly lookup: CredentialLookup;
  constructor(lookup: CredentialLookup) {
    this.lookup = lookup;
  }
  step(msg: Buffer): StepResult {
    if (msg.length > MAX_SASL_MESSAGE_BYTES) return { kind: 'failure', message: 'SASL message too large' };
    const parts = msg.toString('utf8').split('\u0000');
    if (parts.length !== 3) return { kind: 'failure', message: 'malformed SASL/PLAIN message' };
    const [authzid, username, password] = parts as [string, string, string];
    const expected = this.lookup.plainHash(username);
    // Hash even for unknown users so timing does not reveal which usernames exist.
    const presented = Buffer.from(sha256Hex(password), 'hex');
    const ok = expected !== null && safeEqual(presented, Buffer.from(expected, 'hex'));
    return ok
      ? { kind: 'success', username, authzid: authzid === username ? '' : authzid, bytes: Buffer.alloc(0) }
      : { kind: 'failure', message: AUTH_FAILED };
  }
}

function parseAttributes(s: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of s.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) out.set(part[0]!, part.slice(2));
  }
  return out;
}

function saslName(s: string): string {
  return s.replaceAll('=2C', ',').replaceAll('=3D', '=');
}

class ScramExchange implements SaslExchange {
  private readonly lookup: CredentialLookup;
  private readonly mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  private readonly hash: 'sha256' | 'sha512';
  private state: 'first' | 'final' | 'done' = 'first';
  private username = '';
  private authzid = '';
  private gs2Header = '';
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';
  private credential: ScramCredential | null = null;

  constructor(lookup: CredentialLookup, mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512') {
    this.lookup = lookup;
    this.mechanism = mechanism;
    this.hash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
  }

  step(msg: Buffer): StepResult {
    if (msg.length > MAX_SASL_MESSAGE_BYTES) return { kind: 'failure', message: 'SASL message too large' };
    const text = msg.toString('utf8');
    if (this.state === 'first') return this.first(text);
    if (this.state === 'final') return this.final(text);
    return { kind: 'failure', message: 'SASL exchange already finished' };
  }

  private first(text: string): StepResult {
    // gs2-header: "n,," or "n,a=<authzid>," (no channel binding) followed by client-first-message-bare.
    const m = /^([ny],(?:a=([^,]*))?,)(.*)$/s.exec(text);
    if (!m) return { kind: 'failure', message: 'malformed SCRAM client-first message' };
    this.gs2Header = m[1]!;
    this.clientFirstBare = m[3]!;
    const attrs = parseAttributes(this.clientFirstBare);
    const user = attrs.get('n');
    const clientNonce = attrs.get('r');
    if (!user || !clientNonce) return { kind: 'failure', message: 'SCRAM client-first message lacks n= or r=' };
    this.username = saslName(user);
    const authzid = saslName(m[2] ?? '');
    this.authzid = authzid === this.username ? '' : authzid;
    this.credential = this.lookup.scram(this.username, this.mechanism);
    // Unknown users get a plausible challenge (random salt) and fail at the end, so usernames are not revealed.
    const salt = this.credential?.salt ?? randomBytes(16);
    const iterations = this.credential?.iterations ?? 4096;
    this.nonce = clientNonce + randomBytes(18).toString('base64');
    this.serverFirst = `r=${this.nonce},s=${salt.toString('base64')},i=${iterations}`;
    this.state = 'final';
    return { kind: 'challenge', bytes: Buffer.from(this.serverFirst) };
  }

  private final(text: string): StepResult {
    this.state = 'done';
    const proofAt = text.lastIndexOf(',p=');
    if (proofAt < 0) return { kind: 'failure', message: 'malformed SCRAM client-final message' };
    const withoutProof = text.slice(0, proofAt);
    const attrs = parseAttributes(text);
    // Kafka accepts a final nonce that ends with the server nonce (librdkafka 2.0 repeats the client nonce).
    if (!(attrs.get('r') ?? '').endsWith(this.nonce)) return { kind: 'failure', message: 'SCRAM nonce mismatch' };
    // c= repeats the gs2 header (with the authorization id); the proof covers it, so the authzid cannot be swapped.
    if (attrs.get('c') !== Buffer.from(this.gs2Header).toString('base64'))
      return { kind: 'failure', message: 'SCRAM channel binding (c=) does not match the gs2 header' };
    const proof = Buffer.from(attrs.get('p') ?? '', 'base64');
    const cred = this.credential;
    if (!cred) return { kind: 'failure', message: AUTH_FAILED };
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientSignature = createHmac(this.hash, cred.storedKey).update(authMessage).digest();
    if (proof.length !== clientSignature.length) return { kind: 'failure', message: AUTH_FAILED };
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    const computedStored = createHash(this.hash).update(clientKey).digest();
    if (!safeEqual(computedStored, cred.storedKey)) return { kind: 'failure', message: AUTH_FAILED };
    const serverSignature = createHmac(this.hash, cred.serverKey).update(authMessage).digest();
    return {
      kind: 'success',
      username: this.username,
      authzid: this.authzid,
      bytes: Buffer.from(`v=${serverSignature.toString('base64')}`),
    };
  }
}

export function startExchange(mechanism: Mechanism, lookup: CredentialLookup): SaslExchange {
  return mechanism === 'PLAIN' ? new PlainExchange(lookup) : new ScramExchange(lookup, mechanism);
}
