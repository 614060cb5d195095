/**
 * Test support: a certificate authority made with openssl, and a certificate it signed for 127.0.0.1 and localhost
 * (for Kafka's SASL_SSL listener and the gateway's TLS listeners), plus an unrelated CA that signed nothing, in a
 * fresh temporary directory. Valid for one day; `remove()` deletes them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  /** The CA that signed `certFile`: what clients trust. */
  caFile: string;
  /** A CA that signed nothing here: trusting it instead must fail. */
  otherCaFile: string;
  /** PEM certificate for 127.0.0.1 and localhost, and its unencrypted PKCS#8 key. */
  certFile: string;
  keyFile: string;
  dir: string;
  remove(): void;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
}

export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-certs-'));
  const file = (name: string) => join(dir, name);
  for (const ca of ['samsa-test-ca', 'other-ca'])
    openssl(
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file(`${ca}.key`), '-out', file(`${ca}.pem`)].concat(
        ['-days', '1', '-subj', `/CN=${ca}`],
      ),
    );
  openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr')].concat([
      '-subj',
      '/CN=127.0.0.1',
    ]),
  );
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    [
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('samsa-test-ca.pem'),
      '-CAkey',
      file('samsa-test-ca.key'),
    ].concat(['-CAcreateserial', '-out', file('server.pem'), '-days', '1', '-extfile', file('server.ext')]),
  );
  return {
    caFile: file('samsa-test-ca.pem'),
    otherCaFile: file('other-ca.pem'),
    certFile: file('server.pem'),
    keyFile: file('server.key'),
    dir,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
