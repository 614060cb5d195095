/**
 * `samsa schema ...` (the real CLI binary over HTTP) against the console's real route handlers, a real
 * `samsa schema-registry` process, a real broker with tenancy and Postgres: register from a file and from stdin,
 * check (exit 1 with the reasons when incompatible), list, get, config, and soft then permanent deletes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runSamsa } from '@samsa/test-support/samsa-cli';
import { type ApiServer, startApiServer } from './api-server.ts';
import { call } from './helpers.ts';
import { type SchemaHub, startSchemaHub } from './schema-hub.ts';

const T = { tenant: 'clischema' };
let hub: SchemaHub;
let http: ApiServer;
let home: string;

before(async () => {
  hub = await startSchemaHub();
  const created = await call('/tenants', 'POST', {}, { token: hub.admin, body: { slug: T.tenant, displayName: 'C' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const topic = await call('/tenants/{tenant}/topics', 'POST', T, {
    token: hub.admin,
    body: { name: 'users', partitions: 1 },
  });
  assert.equal(topic.status, 201, JSON.stringify(topic.body));
  http = await startApiServer();
  home = mkdtempSync(join(tmpdir(), 'samsa-cli-schema-'));
  const record = (fields: object[]) => JSON.stringify({ type: 'record', name: 'User', fields }, null, 2);
  writeFileSync(join(home, 'v1.avsc'), record([{ name: 'id', type: 'string' }]));
  writeFileSync(
    join(home, 'breaking.avsc'),
    record([
      { name: 'id', type: 'string' },
      { name: 'age', type: 'int' },
    ]),
  );
  writeFileSync(join(home, 'key.proto'), 'syntax = "proto3";\nmessage UserKey { string id = 1; }\n');
});
after(async () => {
  await http?.close();
  await hub?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

const samsa = (args: string[], stdin?: string) =>
  runSamsa(
    ['schema', ...args, '--tenant', T.tenant],
    { SAMSA_CREDENTIALS_FILE: join(home, 'credentials.json'), SAMSA_URL: http.url, SAMSA_TOKEN: hub.admin },
    stdin,
  );

test('samsa schema register, check, list, get, config and delete', async () => {
  const v1 = await samsa(['register', 'users-value', '--file', join(home, 'v1.avsc')]);
  assert.equal(v1.code, 0, v1.stderr);
  assert.equal(v1.stdout, 'Registered users-value version 1 (schema id 1).\n');
  const key = await samsa(['register', 'users-key', '--file', join(home, 'key.proto')]);
  assert.equal(key.code, 0, key.stderr);

  const bad = await samsa(['check', 'users-value', '--file', join(home, 'breaking.avsc')]);
  assert.equal(bad.code, 1, 'incompatible exits 1');
  assert.match(bad.stdout, /^Incompatible with version 1 under BACKWARD:\n {2}- .*age/);
  assert.match(bad.stderr, /samsa schema check: the schema is incompatible/);
  const refused = await samsa(['register', 'users-value', '--file', join(home, 'breaking.avsc')]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /incompatible with version 1 of 'users-value' under BACKWARD.*\(conflict\)\n {2}schema: .*age/s,
  );

  const v2Text = JSON.stringify({
    type: 'record',
    name: 'User',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'age', type: 'int', default: 0 },
    ],
  });
  const ok = await samsa(['check', 'users-value', '--json'], v2Text);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(JSON.parse(ok.stdout), {
    compatible: true,
    messages: [],
    compatibility: 'BACKWARD',
    checkedAgainst: [1],
  });
  const v2 = await samsa(['register', 'users-value', '--type', 'avro'], v2Text);
  assert.equal(v2.code, 0, v2.stderr);
  assert.match(v2.stdout, /version 2/);
  const same = await samsa(['register', 'users-value'], v2Text);
  assert.match(same.stdout, /already has this schema as version 2.*nothing changed/);

  const list = await samsa(['list']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^SUBJECT\s+LATESTVERSION\s+LATESTID\s+SCHEMATYPE\s+COMPATIBILITY\s+DELETED\s+TOPICS/);
  assert.match(list.stdout, /users-key\s+1\s+2\s+PROTOBUF\s+BACKWARD \(tenant\)\s+false\s+users \(key\)/);
  assert.match(list.stdout, /users-value\s+2\s+3\s+AVRO\s+BACKWARD \(tenant\)\s+false\s+users \(value\)/);

  const get = await samsa(['get', 'users-value']);
  assert.equal(get.code, 0, get.stderr);
  assert.match(
    get.stdout,
    /^Subject users-value: AVRO, compatibility BACKWARD \(the tenant level\), used by users \(value\)/,
  );
  assert.match(get.stdout, /Version 2:\n\{"type":"record","name":"User"/);
  const first = await samsa(['get', 'users-value', '--version', '1']);
  assert.equal(JSON.parse(first.stdout).fields.length, 1);

  const set = await samsa(['config', 'users-value', '--set', 'full']);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, 'users-value: FULL\n');
  const tenantLevel = await samsa(['config', '--set', 'NONE', '--json']);
  assert.deepEqual(JSON.parse(tenantLevel.stdout), { compatibility: 'NONE' });
  const inherit = await samsa(['config', 'users-value', '--inherit']);
  assert.equal(inherit.stdout, 'users-value: NONE (the tenant level)\n');
  const wrong = await samsa(['config', '--set', 'SIDEWAYS']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /compatibility/);

  const unconfirmed = await samsa(['delete', 'users-value']);
  assert.equal(unconfirmed.code, 2);
  const soft = await samsa(['delete', 'users-value', '--version', '1', '--yes']);
  assert.equal(soft.stdout, 'Soft-deleted users-value version(s) 1.\n');
  const subject = await samsa(['delete', 'users-key', '--yes']);
  assert.equal(subject.code, 0, subject.stderr);
  const early = await samsa(['delete', 'users-value', '--permanent', '--yes']);
  assert.equal(early.code, 1);
  assert.match(early.stderr, /soft delete first/);
  const gone = await samsa(['delete', 'users-key', '--permanent', '--yes']);
  assert.equal(gone.stdout, 'Permanently deleted users-key version(s) 1.\n');
  const after = await samsa(['list', '--json']);
  assert.deepEqual(
    JSON.parse(after.stdout).subjects.map((s: { subject: string }) => s.subject),
    ['users-value'],
  );
});
