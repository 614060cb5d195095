/**
 * `samsa processor ...` (the real CLI binary over HTTP) against the console's real route handlers, a real broker with
 * tenancy and a real Postgres: deploy creates and then updates, list, test on pasted records and on the newest real
 * records (nothing written), pause, rollback, logs, delete; a secret comes from the environment, never from argv.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateSecretKey } from '@samsa/db/secret-box';
import { SAMSA_BIN } from '@samsa/test-support/broker-process';
import { eventually } from '@samsa/test-support/eventually';
import { runSamsa } from '@samsa/test-support/samsa-cli';
import { type ApiServer, startApiServer } from './api-server.ts';
import { call } from './helpers.ts';
import { type TenancyHub, startTenancyHub } from './tenancy-hub.ts';

process.env.SAMSA_SECRETS_KEY = generateSecretKey();

const T = { tenant: 'clico' };
let hub: TenancyHub;
let http: ApiServer;
let home: string;

before(async () => {
  hub = await startTenancyHub();
  const created = await call(
    '/tenants',
    'POST',
    {},
    { token: hub.admin, body: { slug: T.tenant, displayName: 'CLI' } },
  );
  assert.equal(created.status, 201, JSON.stringify(created.body));
  for (const name of ['events', 'upper', 'lower']) {
    const t = await call('/tenants/{tenant}/topics', 'POST', T, { token: hub.admin, body: { name, partitions: 1 } });
    assert.equal(t.status, 201, JSON.stringify(t.body));
  }
  http = await startApiServer();
  home = mkdtempSync(join(tmpdir(), 'samsa-cli-processor-'));
  writeFileSync(
    join(home, 'upper.ts'),
    `export default function (record: { value: string }, ctx: { log(...a: unknown[]): void; env: Record<string, string> }) {
  ctx.log('token length', ctx.env.SINK_TOKEN.length);
  return { value: record.value.toUpperCase() };
}
`,
  );
  writeFileSync(
    join(home, 'lower.js'),
    'export default function (record) { return { topic: "lower", value: record.value.toLowerCase() }; }\n',
  );
  writeFileSync(join(home, 'records.json'), JSON.stringify([{ key: 'k', value: 'Hello' }, { value: 'World' }]));
});
after(async () => {
  await http?.close();
  await hub?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

const samsa = (args: string[], env: Record<string, string> = {}) =>
  runSamsa(args, {
    SAMSA_CREDENTIALS_FILE: join(home, 'credentials.json'),
    SAMSA_URL: http.url,
    SAMSA_TOKEN: hub.admin,
    ...env,
  });

/** `samsa processor deploy` of `name` from events to the given outputs with `file`, plus `extra` flags. */
const deploy = (
  name: string,
  outputs: string[],
  file: string,
  extra: string[] = [],
  env: Record<string, string> = {},
) =>
  samsa(
    [
      ...['processor', 'deploy', '--tenant', T.tenant, '--name', name, '--input', 'events'],
      ...outputs.flatMap((o) => ['--output', o]),
      ...['--file', join(home, file), ...extra],
    ],
    env,
  );

test('samsa processor deploy, list, test, pause, rollback, logs and delete', async () => {
  const secret = 'cli-secret-value-77';
  const first = await deploy(
    'shout',
    ['upper', 'lower'],
    'upper.ts',
    ['--from', '2026-01-01T00:00:00Z', '--on-error', 'skip', '--env', 'MODE=loud', '--secret', 'SINK_TOKEN'],
    { SINK_TOKEN: secret },
  );
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /Created processor shout version 1 \(events -> upper, lower\)/);

  const detail = await call(
    '/tenants/{tenant}/processors/{name}',
    'GET',
    { ...T, name: 'shout' },
    { token: hub.admin },
  );
  assert.equal(detail.body.version.language, 'typescript');
  assert.deepEqual(detail.body.version.env, { MODE: 'loud' });
  assert.deepEqual(detail.body.version.secretNames, ['SINK_TOKEN']);
  assert.deepEqual(detail.body.activeDeployment.startFrom, {
    kind: 'timestamp',
    timestampMs: Date.parse('2026-01-01T00:00:00Z'),
  });

  const list = await samsa(['processor', 'list', '--tenant', T.tenant]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^NAME\s+DESIREDSTATE\s+STATUS/m);
  assert.match(list.stdout, /shout\s+RUNNING\s+PENDING\s+1\s+events\s+upper,lower/);

  const pasted = await samsa([
    'processor',
    'test',
    '--tenant',
    T.tenant,
    '--name',
    'shout',
    '--records',
    join(home, 'records.json'),
  ]);
  assert.equal(pasted.code, 0, pasted.stderr);
  assert.match(pasted.stdout, /-> upper key=k value=HELLO/);
  assert.match(pasted.stdout, /-> upper key=null value=WORLD/);
  assert.match(pasted.stdout, new RegExp(`log info: token length ${secret.length}`), 'the stored secret is in ctx.env');
  assert.match(pasted.stdout, /2 record\(s\); outputs upper=2 lower=0; 0 dropped; 0 error\(s\)/);

  const produced = await call(
    '/tenants/{tenant}/topics/{topic}/messages',
    'POST',
    { ...T, topic: 'events' },
    {
      token: hub.admin,
      body: { value: 'From The Topic' },
    },
  );
  assert.equal(produced.status, 200, JSON.stringify(produced.body));
  const real = await samsa([
    'processor',
    'test',
    '--tenant',
    T.tenant,
    '--name',
    'shout',
    '--file',
    join(home, 'lower.js'),
    '--last',
    '5',
  ]);
  assert.equal(real.code, 0, real.stderr);
  assert.match(real.stdout, /#1 partition 0 offset 0/);
  assert.match(real.stdout, /-> lower key=null value=from the topic/);

  const second = await deploy('shout', ['upper', 'lower'], 'lower.js', ['--on-error', 'skip']);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /Deployed processor shout version 2/);

  const paused = await samsa(['processor', 'pause', '--tenant', T.tenant, 'shout']);
  assert.equal(paused.code, 0, paused.stderr);
  const rollback = await samsa(['processor', 'rollback', '--tenant', T.tenant, 'shout']);
  assert.equal(rollback.code, 0, rollback.stderr);
  assert.match(rollback.stdout, /Rolled back processor shout to version 1/);
  const after = await call('/tenants/{tenant}/processors/{name}', 'GET', { ...T, name: 'shout' }, { token: hub.admin });
  assert.equal(after.body.desiredState, 'PAUSED');
  assert.equal(after.body.version.version, 1);

  const { db } = await import('../src/server/db.ts');
  await db().processorLog.create({
    data: {
      processorId: after.body.id,
      level: 'WARN',
      message: 'slow downstream',
      version: 1,
      partition: 0,
      offset: 3n,
    },
  });
  const logs = await samsa(['processor', 'logs', '--tenant', T.tenant, 'shout']);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /WARN v1 p0@3 slow downstream/);

  // --follow keeps polling: a line the host writes later shows up, then the command is stopped.
  const follower = spawn(
    process.execPath,
    [SAMSA_BIN, 'processor', 'logs', '--tenant', T.tenant, 'shout', '--follow', '--interval-ms', '200'],
    {
      env: {
        ...process.env,
        SAMSA_CREDENTIALS_FILE: join(home, 'credentials.json'),
        SAMSA_URL: http.url,
        SAMSA_TOKEN: hub.admin,
      },
    },
  );
  let followed = '';
  follower.stdout.on('data', (d) => (followed += d));
  try {
    await eventually(() => followed.includes('slow downstream'), 'the follower prints the existing line');
    await db().processorLog.create({
      data: {
        processorId: after.body.id,
        level: 'ERROR',
        message: 'boom at offset 4',
        version: 1,
        partition: 0,
        offset: 4n,
      },
    });
    await eventually(() => followed.includes('ERROR v1 p0@4 boom at offset 4'), 'the follower prints the new line');
    assert.equal(followed.match(/slow downstream/g)?.length, 1, 'each line once');
  } finally {
    follower.kill();
  }

  const refused = await samsa(['processor', 'delete', '--tenant', T.tenant, 'shout']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--yes/);
  const deleted = await samsa(['processor', 'delete', '--tenant', T.tenant, 'shout', '--yes']);
  assert.equal(deleted.code, 0, deleted.stderr);
  const empty = await samsa(['processor', 'list', '--tenant', T.tenant, '--json']);
  assert.deepEqual(JSON.parse(empty.stdout).processors, []);

  for (const r of [first, list, pasted, real, second, logs]) {
    assert.ok(!`${r.stdout}${r.stderr}`.includes(secret), 'the CLI never prints the secret');
  }
});

test('bad flags get clear errors without calling the console', async () => {
  const noOutput = await deploy('x', [], 'lower.js');
  assert.equal(noOutput.code, 2);
  assert.match(noOutput.stderr, /missing --output/);
  const badFrom = await deploy('x', ['upper'], 'lower.js', ['--from', 'yesterday']);
  assert.equal(badFrom.code, 2);
  assert.match(badFrom.stderr, /--from must be/);
  const noSecret = await deploy('x', ['upper'], 'lower.js', ['--secret', 'A_SECRET', '--secret', 'B_SECRET']);
  assert.equal(noSecret.code, 2, noSecret.stderr);
  assert.match(noSecret.stderr, /no value for secret A_SECRET, B_SECRET/);
  const badCode = await samsa([
    'processor',
    'test',
    '--tenant',
    T.tenant,
    '--name',
    'new',
    '--file',
    join(home, 'records.json'),
    '--last',
    '1',
  ]);
  assert.equal(badCode.code, 2);
  assert.match(badCode.stderr, /\.js or \.ts/);
});
