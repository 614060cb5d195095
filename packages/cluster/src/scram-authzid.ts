/**
 * A SCRAM-SHA-256/512 client (RFC 5802) that names an authorization identity in its gs2 header (`n,a=<authzid>,`):
 * the console signs in as the platform superuser and asks to act as a tenant (`tenant:<slug>`). @platformatic/kafka's
 * own SCRAM always sends `n,,`; this plugs into its `sasl.authenticate` hook and reuses its SCRAM primitives. The
 * authzid is bound into the proof through `c=`, so it cannot be swapped on the way.
 */
import { type SASLCustomAuthenticator, saslScramSha } from '@platformatic/kafka';

type Credential = string | (() => string | Promise<string>) | undefined;

async function credential(what: string, c: Credential): Promise<string> {
  const value = typeof c === 'function' ? await c() : c;
  if (!value) throw new Error(`SASL/SCRAM needs a ${what}`);
  return value;
}

export function scramWithAuthzid(authzid: string): SASLCustomAuthenticator {
  return (mechanism, connection, authenticate, usernameProvider, passwordProvider, _token, callback) => {
    const exchange = async () => {
      const definition = saslScramSha.ScramAlgorithms[mechanism === 'SCRAM-SHA-256' ? 'SHA-256' : 'SHA-512'];
      const { h, hi, hmac, xor } = saslScramSha.defaultCrypto;
      const username = await credential('username', usernameProvider);
      const password = await credential('password', passwordProvider);
      const gs2Header = `n,a=${saslScramSha.sanitizeString(authzid)},`;
      const clientNonce = saslScramSha.createNonce();
      const clientFirstBare = `n=${saslScramSha.sanitizeString(username)},r=${clientNonce}`;
      const first = await authenticate.async(connection, Buffer.from(gs2Header + clientFirstBare));
      const server = saslScramSha.parseParameters(first.authBytes) as Record<string, string>;
      const iterations = Number.parseInt(server.i ?? '', 10);
      if (!server.r?.startsWith(clientNonce)) throw new Error('SCRAM: the server nonce does not extend ours');
      if (!(iterations >= definition.minIterations)) throw new Error(`SCRAM: too few iterations (${server.i})`);
      const salted = await hi(definition, password, Buffer.from(server.s ?? '', 'base64'), iterations);
      const clientKey = hmac(definition, salted, 'Client Key');
      const withoutProof = `c=${Buffer.from(gs2Header).toString('base64')},r=${server.r}`;
      const authMessage = `${clientFirstBare},${server.__original},${withoutProof}`;
      const proof = xor(clientKey, hmac(definition, h(definition, clientKey), authMessage));
      const last = await authenticate.async(connection, Buffer.from(`${withoutProof},p=${proof.toString('base64')}`));
      const final = saslScramSha.parseParameters(last.authBytes) as Record<string, string>;
      if (final.e) throw new Error(`SCRAM: ${final.e}`);
      const serverSignature = hmac(definition, hmac(definition, salted, 'Server Key'), authMessage);
      if (final.v !== serverSignature.toString('base64')) throw new Error('SCRAM: invalid server signature');
      return last;
    };
    exchange().then(
      (response) => callback(null, response),
      (err) => callback(err as Error),
    );
  };
}
