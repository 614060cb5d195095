/**
 * SASL authorization ids at the mechanism level: PLAIN and SCRAM hand the authzid to the broker (which decides who
 * may use one), and SCRAM binds it into the proof through c=, so a client-final message whose c= does not repeat
 * the gs2 header (an authzid swapped on the way) fails.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import {
  type CredentialLookup,
  type ScramCredential,
  sha256Hex,
  startExchange,
} from '../../src/auth/sasl-mechanisms.ts';

const PASSWORD = 'superuser-password';
const salt = randomBytes(16);
const salted = pbkdf2Sync(PASSWORD, salt, 4096, 64, 'sha512');
const clientKey = createHmac('sha512', salted).update('Client Key').digest();
const credential: ScramCredential = {
  salt,
  iterations: 4096,
  storedKey: createHash('sha512').update(clientKey).digest(),
  serverKey: createHmac('sha512', salted).update('Server Key').digest(),
};
const lookup: CredentialLookup = {
  plainHash: (u) => (u === 'admin' ? sha256Hex(PASSWORD) : null),
  scram: (u) => (u === 'admin' ? credential : null),
};

test('PLAIN passes the authorization id on; the same id as the username counts as none', () => {
  const as = (authzid: string) => startExchange('PLAIN', lookup).step(Buffer.from(`${authzid}\0admin\0${PASSWORD}`));
  assert.deepEqual(as('tenant:acme'), {
    kind: 'success',
    username: 'admin',
    authzid: 'tenant:acme',
    bytes: Buffer.alloc(0),
  });
  assert.equal((as('admin') as { authzid: string }).authzid, '');
  assert.equal((as('') as { authzid: string }).authzid, '');
});

/** A SCRAM-SHA-512 exchange whose client-final message carries `cHeader` in c= (normally the gs2 header itself). */
function scram(gs2Header: string, cHeader = gs2Header) {
  const exchange = startExchange('SCRAM-SHA-512', lookup);
  const clientFirstBare = `n=admin,r=${randomBytes(12).toString('base64')}`;
  const first = exchange.step(Buffer.from(gs2Header + clientFirstBare));
  assert.equal(first.kind, 'challenge');
  const serverFirst = (first as { bytes: Buffer }).bytes.toString();
  const nonce = /r=([^,]+)/.exec(serverFirst)![1];
  const withoutProof = `c=${Buffer.from(cHeader).toString('base64')},r=${nonce}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = createHmac('sha512', credential.storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
  return exchange.step(Buffer.from(`${withoutProof},p=${proof.toString('base64')}`));
}

test('SCRAM passes the authorization id of the gs2 header on, and c= must repeat that header', () => {
  const ok = scram('n,a=tenant:acme,');
  assert.equal(ok.kind, 'success');
  assert.equal((ok as { authzid: string }).authzid, 'tenant:acme');
  assert.equal((scram('n,,') as { authzid: string }).authzid, '');
  const swapped = scram('n,a=tenant:acme,', 'n,a=tenant:globex,');
  assert.equal(swapped.kind, 'failure');
  assert.match((swapped as { message: string }).message, /channel binding/);
});
