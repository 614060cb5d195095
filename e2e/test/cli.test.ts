/**
 * The `samsa` admin commands against the whole hub over /api/v1: login saves a token; tenants, quotas, users, keys,
 * ACLs and topics are managed with --json output for scripts; failures exit non-zero with the server's message.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Hub, startHub } from './hub.ts';
import { runSamsa } from '@samsa/test-support/samsa-cli';

const ADMIN = { email: 'root@example.com', password: 'root-password-1' };
let hub: Hub;
let home: string;

before(async () => {
  hub = await startHub(ADMIN);
  home = mkdtempSync(join(tmpdir(), 'samsa-cli-'));
});
after(async () => {
  await hub?.stop();
  rmSync(home, { recursive: true, force: true });
});

const samsa = (args: string[], env: Record<string, string> = {}) =>
  runSamsa(args, { SAMSA_CREDENTIALS_FILE: join(home, 'credentials.json'), SAMSA_URL: '', SAMSA_TOKEN: '', ...env });

async function json(args: string[]) {
  const r = await samsa([...args, '--json']);
  assert.equal(r.code, 0, `samsa ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('admin commands over the REST API', { timeout: 120_000 }, async () => {
  const bad = await samsa(['login', '--url', hub.consoleUrl, '--email', ADMIN.email, '--password', 'wrong']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /Wrong email or password/);
  const notSignedIn = await samsa(['tenant', 'list']);
  assert.notEqual(notSignedIn.code, 0);
  assert.match(notSignedIn.stderr, /not signed in|cannot reach/);

  const login = await samsa(['login', '--url', hub.consoleUrl, '--email', ADMIN.email, '--password', ADMIN.password]);
  assert.equal(login.code, 0, login.stderr);
  assert.equal(statSync(join(home, 'credentials.json')).mode & 0o777, 0o600);

  const created = await json([
    'tenant',
    'create',
    'payments',
    '--name',
    'Payments',
    '--max-topics',
    '1',
    '--max-partitions',
    '3',
  ]);
  assert.equal(created.slug, 'payments');
  assert.equal(created.quota.maxTopics, 1);
  assert.deepEqual(
    (await json(['tenant', 'list'])).map((t: any) => t.slug),
    ['payments'],
  );
  assert.equal(
    (await json(['quota', 'set', '--tenant', 'payments', '--storage-bytes', '1000000'])).storageBytes,
    1000000,
  );
  assert.equal((await json(['quota', 'get', '--tenant', 'payments'])).maxPartitions, 3);

  const user = await json([
    'user',
    'create',
    '--email',
    'dev@payments.example',
    '--password',
    'dev-password-1',
    '--tenant',
    'payments',
    '--role',
    'admin',
  ]);
  assert.deepEqual(user.memberships, [{ tenant: 'payments', role: 'TENANT_ADMIN' }]);

  const topic = await json([
    'topic',
    'create',
    '--tenant',
    'payments',
    'ledger',
    '--partitions',
    '2',
    '--retention-ms',
    '86400000',
    '--tags',
    'money,core',
  ]);
  assert.equal(topic.name, 'ledger');
  const described = await json(['topic', 'describe', '--tenant', 'payments', 'ledger']);
  assert.equal(described.partitionDetails.length, 2);
  assert.equal(described.configs['retention.ms'], '86400000');
  const overQuota = await samsa(['topic', 'create', '--tenant', 'payments', 'audit']);
  assert.equal(overQuota.code, 1);
  assert.match(overQuota.stderr, /topic quota exceeded: tenant 'payments' may have 1 topics and has 1/);
  assert.match(overQuota.stderr, /quota_exceeded/);
  const table = await samsa(['topic', 'list', '--tenant', 'payments']);
  assert.match(table.stdout, /^NAME\s+PARTITIONS/);
  assert.match(table.stdout, /ledger\s+2/);

  const key = await json(['key', 'create', '--tenant', 'payments', '--service-account', 'ledger-writer']);
  assert.match(key.keyId, /^SK/);
  assert.ok(key.secret.length > 30);
  const keys = await json(['key', 'list', '--tenant', 'payments']);
  assert.equal(keys.length, 1);
  assert.ok(!JSON.stringify(keys).includes(key.secret));
  const acls = await json([
    'acl',
    'add',
    '--tenant',
    'payments',
    '--preset',
    'producer',
    '--service-account',
    'ledger-writer',
    '--topic',
    'ledger',
  ]);
  assert.deepEqual(acls.map((a: any) => a.operation).sort(), ['DESCRIBE', 'IDEMPOTENT_WRITE', 'WRITE']);
  await json(['acl', 'remove', '--tenant', 'payments', acls[0].id]);
  assert.equal((await json(['acl', 'list', '--tenant', 'payments'])).length, 2);
  assert.equal((await json(['key', 'revoke', '--tenant', 'payments', key.keyId])).revoked, key.keyId);

  // A tenant admin's token cannot do platform things.
  const devLogin = await json([
    'login',
    '--url',
    hub.consoleUrl,
    '--email',
    'dev@payments.example',
    '--password',
    'dev-password-1',
  ]);
  const denied = await samsa(['tenant', 'create', 'other'], { SAMSA_TOKEN: devLogin.token });
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /Only platform admins/);

  const refused = await samsa(['tenant', 'delete', 'payments']);
  assert.equal(refused.code, 2);
  await samsa(['login', '--url', hub.consoleUrl, '--email', ADMIN.email, '--password', ADMIN.password]);
  assert.equal((await json(['topic', 'delete', '--tenant', 'payments', 'ledger', '--yes'])).deleted, 'ledger');
  const deletion = await json(['tenant', 'delete', 'payments', '--yes']);
  assert.equal(deletion.slug, 'payments');
  assert.equal(deletion.state, 'deleted', 'the CLI waits for the deletion to finish');
  assert.equal(deletion.removed.apiKeys, 1, JSON.stringify(deletion.removed));
  assert.deepEqual(await json(['tenant', 'list']), []);
});
