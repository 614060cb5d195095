/**
 * The client side of SASL/SCRAM (RFC 5802, RFC 7677) over the Kafka protocol, with node:crypto only: SaslHandshake v1
 * picks the mechanism, then two SaslAuthenticate rounds carry client-first/server-first and client-final/server-final.
 * The server's signature is checked, so a broker that skipped verification would fail here.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { SaslAuthenticate, SaslHandshake } from '@samsa/protocol';
import type { PipelinedConnection } from './pipelined-connection.ts';

export interface ScramCredentials {
  mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  username: string;
  password: string;
}

const SASL_HANDSHAKE_VERSION = 1;
const SASL_AUTHENTICATE_VERSION = 2;

interface SaslAuthenticateResponse {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Buffer;
}

/** `=` and `,` in a SCRAM username are escaped (RFC 5802 5.1). */
const saslName = (name: string) => name.replace(/=/g, '=3D').replace(/,/g, '=2C');

function attributes(message: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of message.split(',')) m.set(part.slice(0, 1), part.slice(2));
  return m;
}

export async function authenticateScram(conn: PipelinedConnection, c: ScramCredentials): Promise<void> {
  const hash = c.mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
  const hashBytes = hash === 'sha256' ? 32 : 64;
  const handshake = (await conn.request(SaslHandshake, SASL_HANDSHAKE_VERSION, { mechanism: c.mechanism })) as {
    errorCode: number;
    mechanisms: string[];
  };
  if (handshake.errorCode !== 0) {
    throw new Error(`SaslHandshake ${c.mechanism}: error ${handshake.errorCode} (offers ${handshake.mechanisms})`);
  }
  const step = async (message: string) => {
    const r = (await conn.request(SaslAuthenticate, SASL_AUTHENTICATE_VERSION, {
      authBytes: Buffer.from(message, 'utf8'),
    })) as unknown as SaslAuthenticateResponse;
    if (r.errorCode !== 0) throw new Error(`SaslAuthenticate: error ${r.errorCode} ${r.errorMessage ?? ''}`.trim());
    return Buffer.from(r.authBytes).toString('utf8');
  };

  const clientNonce = randomBytes(24).toString('base64');
  const clientFirstBare = `n=${saslName(c.username)},r=${clientNonce}`;
  const serverFirst = await step(`n,,${clientFirstBare}`);
  const s = attributes(serverFirst);
  const nonce = s.get('r') ?? '';
  const salt = Buffer.from(s.get('s') ?? '', 'base64');
  const iterations = Number(s.get('i'));
  if (!nonce.startsWith(clientNonce) || salt.length === 0 || !(iterations >= 4096)) {
    throw new Error(`SCRAM: unusable server-first message '${serverFirst}'`);
  }
  const saltedPassword = pbkdf2Sync(c.password.normalize('NFKC'), salt, iterations, hashBytes, hash);
  const hmac = (key: Buffer, text: string) => createHmac(hash, key).update(text).digest();
  const clientKey = hmac(saltedPassword, 'Client Key');
  const storedKey = createHash(hash).update(clientKey).digest();
  const clientFinalWithoutProof = `c=biws,r=${nonce}`;
  const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
  const clientSignature = hmac(storedKey, authMessage);
  const proof = Buffer.alloc(hashBytes);
  for (let i = 0; i < hashBytes; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
  const serverFinal = attributes(await step(`${clientFinalWithoutProof},p=${proof.toString('base64')}`));
  if (serverFinal.has('e')) throw new Error(`SCRAM: server refused: ${serverFinal.get('e')}`);
  const expected = hmac(hmac(saltedPassword, 'Server Key'), authMessage);
  const got = Buffer.from(serverFinal.get('v') ?? '', 'base64');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
    throw new Error('SCRAM: the server signature does not match: not the server that holds this key');
  }
}
