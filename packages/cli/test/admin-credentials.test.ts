/**
 * The admin commands' credentials, attacked: the token saved by `samsa login` must never reach another URL (a typo,
 * or a hostile --url / SAMSA_URL), and a password need not be put in argv. The real `samsa` binary runs against
 * small HTTP servers that record every request they receive.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../bin/samsa.js');

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A stand-in console that records requests and answers the few routes these tests use. */
async function recordingConsole(): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.setHeader('content-type', 'application/json');
      if (req.url === '/api/v1/auth/token')
        res.end(JSON.stringify({ token: 'samsa_pat_new', id: 'i', prefix: 'samsa_pat_new', expiresAt: '2027-01-01' }));
      else if (req.url === '/api/v1/auth/tokens/abc' && req.method === 'DELETE') {
        res.statusCode = 204;
        res.end();
      } else res.end('[]');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

function samsa(args: string[], env: NodeJS.ProcessEnv, stdin?: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, SAMSA_URL: '', SAMSA_TOKEN: '', SAMSA_PASSWORD: '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.stdin.end(stdin ?? '');
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

let dir: string;
let issuer: Awaited<ReturnType<typeof recordingConsole>>;
let other: Awaited<ReturnType<typeof recordingConsole>>;
let env: NodeJS.ProcessEnv;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'samsa-cli-creds-'));
  issuer = await recordingConsole();
  other = await recordingConsole();
  env = { SAMSA_CREDENTIALS_FILE: join(dir, 'credentials.json') };
});
after(() => {
  issuer.server.close();
  other.server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('samsa login --password-stdin: the password comes from stdin, never argv; the token is saved with its URL', async () => {
  const r = await samsa(
    ['login', '--url', `${issuer.url}/`, '--email', 'ops@example.com', '--password-stdin', '--expires-in-days', '7'],
    env,
    'pass from a secret store\n',
  );
  assert.equal(r.code, 0, r.stderr);
  const req = issuer.seen.find((s) => s.url === '/api/v1/auth/token')!;
  assert.deepEqual(JSON.parse(req.body), {
    email: 'ops@example.com',
    password: 'pass from a secret store',
    name: 'cli',
    expiresInDays: 7,
  });
  assert.equal(req.headers['content-type'], 'application/json');
  const saved = JSON.parse(readFileSync(env.SAMSA_CREDENTIALS_FILE!, 'utf8'));
  assert.deepEqual(saved, { url: issuer.url, token: 'samsa_pat_new' });
  assert.equal(statSync(env.SAMSA_CREDENTIALS_FILE!).mode & 0o777, 0o600);
});

test('without a password and without a terminal, login says how to give one instead of hanging', async () => {
  const r = await samsa(['login', '--url', issuer.url, '--email', 'ops@example.com'], env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--password-stdin, set SAMSA_PASSWORD, or run in a terminal/);
});

test('the saved token is never sent to another URL (--url or SAMSA_URL) without a new login', async () => {
  writeFileSync(env.SAMSA_CREDENTIALS_FILE!, JSON.stringify({ url: issuer.url, token: 'samsa_pat_saved' }));
  const before = other.seen.length;
  const byFlag = await samsa(['tenant', 'list', '--url', other.url], env);
  const byEnv = await samsa(['token', 'list'], { ...env, SAMSA_URL: other.url });
  for (const r of [byFlag, byEnv]) {
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`the saved token was issued for ${issuer.url}, not ${other.url}`));
    assert.match(r.stderr, /samsa login --url/);
  }
  assert.equal(other.seen.length, before, 'the other server received nothing');
  assert.ok(!other.seen.some((s) => JSON.stringify(s.headers).includes('samsa_pat_saved')));
  // to its own console it goes, as a bearer token
  const own = await samsa(['token', 'list', '--json'], env);
  assert.equal(own.code, 0, own.stderr);
  assert.equal(issuer.seen.at(-1)!.headers.authorization, 'Bearer samsa_pat_saved');
  // an explicit token may go anywhere: the user chose it for that URL
  const explicit = await samsa(['tenant', 'list', '--url', other.url, '--token', 'samsa_pat_explicit'], env);
  assert.equal(explicit.code, 0, explicit.stderr);
  assert.equal(other.seen.at(-1)!.headers.authorization, 'Bearer samsa_pat_explicit');
});

test('samsa token revoke sends a JSON DELETE to /auth/tokens/ID; user add-member refuses a password', async () => {
  writeFileSync(env.SAMSA_CREDENTIALS_FILE!, JSON.stringify({ url: issuer.url, token: 'samsa_pat_saved' }));
  const r = await samsa(['token', 'revoke', 'abc'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Revoked token abc/);
  const del = issuer.seen.at(-1)!;
  assert.equal(`${del.method} ${del.url}`, 'DELETE /api/v1/auth/tokens/abc');
  const n = issuer.seen.length;
  const add = await samsa(['user', 'add-member', '--tenant', 't', '--email', 'x@example.com', '--password', 'p'], env);
  assert.equal(add.code, 2);
  assert.match(add.stderr, /choose their own password: add-member prints an invitation link/);
  assert.equal(issuer.seen.length, n);
});
