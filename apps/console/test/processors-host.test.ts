/**
 * The console's processor rows are the contract with the processor host: a processor created through the REST API
 * (with a secret) runs in a real host against a real broker with tenancy, under only the ACL bindings the console
 * wrote for its principal. Records produced to the input come out transformed with their source header; the
 * processor's page shows it RUNNING with a live instance and its captured log; pause, resume and a replay from
 * the earliest offset are honoured; delete
 * of the running processor stops it and removes its group.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateSecretKey, secretKeyFromEnv } from '@samsa/db/secret-box';
import { type RunningProcessorHost, startProcessorHost } from '@samsa/processors/host';
import { pino } from 'pino';
import { SUPERUSER } from './broker.ts';
import { call } from './helpers.ts';
import { eventually, type TenancyHub, startTenancyHub } from './tenancy-hub.ts';

process.env.SAMSA_SECRETS_KEY = generateSecretKey();

const T = { tenant: 'hosted' };
const P = { ...T, name: 'tagger' };
let hub: TenancyHub;
let host: RunningProcessorHost | undefined;

before(async () => {
  hub = await startTenancyHub();
  const created = await call('/tenants', 'POST', {}, { token: hub.admin, body: { slug: T.tenant, displayName: 'H' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  for (const name of ['in', 'out']) {
    const t = await call('/tenants/{tenant}/topics', 'POST', T, { token: hub.admin, body: { name, partitions: 1 } });
    assert.equal(t.status, 201, JSON.stringify(t.body));
  }
});
after(async () => {
  await host?.stop();
  await hub?.close();
});

async function outputs(): Promise<any[]> {
  const res = await call(
    '/tenants/{tenant}/topics/{topic}/messages',
    'GET',
    { ...T, topic: 'out' },
    { token: hub.admin, query: { partition: '0', offset: '0', limit: '100' } },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.messages;
}

test('a processor made through the API runs in the host with the bindings the console wrote', async () => {
  const created = await call('/tenants/{tenant}/processors', 'POST', T, {
    token: hub.admin,
    body: {
      name: 'tagger',
      input: 'in',
      outputs: ['out'],
      language: 'typescript',
      source: `export default function (record: { value: string }, ctx: any) {
  ctx.log('tagging', record.value);
  return { value: record.value + ':' + ctx.env.TAG + ':' + ctx.env.SIGNING_KEY.length };
}
`,
      env: { TAG: 'seen' },
      secrets: { SIGNING_KEY: 'twelve-chars' },
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  for (const value of ['a', 'b', 'c']) {
    const res = await call(
      '/tenants/{tenant}/topics/{topic}/messages',
      'POST',
      { ...T, topic: 'in' },
      {
        token: hub.admin,
        body: { value },
      },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }

  host = await startProcessorHost({
    databaseUrl: hub.h.tdb.url,
    bootstrap: [hub.broker.bootstrap],
    superuser: { ...SUPERUSER, mechanism: 'SCRAM-SHA-512' },
    secretsKey: secretKeyFromEnv(),
    logger: pino({ level: process.env.HOST_TEST_LOG ?? 'silent' }),
    settings: { pollMs: 200, statusIntervalMs: 300, sampleIntervalMs: 1_000 },
  });

  let out: any[] = [];
  await eventually(
    async () => {
      out = await outputs();
      return out.length >= 3;
    },
    'the host writes the three outputs',
    60_000,
  );
  assert.deepEqual(
    out.map((m) => m.value.text),
    ['a:seen:12', 'b:seen:12', 'c:seen:12'],
    'the env value and the opened secret reached ctx.env',
  );
  const source = out[0].headers.find((h: any) => h.key === 'samsa-source');
  assert.match(source?.value.text ?? '', new RegExp(`^${created.body.id}/1/0/0/0$`), 'lineage header');

  await eventually(
    async () => {
      const d = await call('/tenants/{tenant}/processors/{name}', 'GET', P, { token: hub.admin });
      return d.body.status === 'RUNNING' && d.body.instances.length === 1 && d.body.activeDeployment.appliedAt !== null;
    },
    'the page shows it RUNNING with a live instance and the deployment applied',
    30_000,
  );
  await eventually(
    async () => {
      const logs = await call('/tenants/{tenant}/processors/{name}/logs', 'GET', P, { token: hub.admin });
      return logs.body.logs.some((l: any) => l.message.includes('tagging') && l.message.includes('c'));
    },
    'ctx.log lines reach the log endpoint',
    30_000,
  );

  const paused = await call('/tenants/{tenant}/processors/{name}/pause', 'POST', P, { token: hub.admin });
  assert.equal(paused.status, 200, JSON.stringify(paused.body));
  await eventually(
    async () =>
      (await call('/tenants/{tenant}/processors/{name}', 'GET', P, { token: hub.admin })).body.status === 'PAUSED',
    'the host pauses it',
    30_000,
  );

  const resumed = await call('/tenants/{tenant}/processors/{name}/resume', 'POST', P, { token: hub.admin });
  assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
  await eventually(
    async () => {
      const d = await call('/tenants/{tenant}/processors/{name}', 'GET', P, { token: hub.admin });
      return d.body.status === 'RUNNING' && d.body.instances.some((i: any) => i.partitions.includes(0));
    },
    'the host runs it again',
    30_000,
  );

  // Replay: version 1 again from the earliest offset, through the deployment row the console writes.
  const replay = await call('/tenants/{tenant}/processors/{name}/deploy', 'POST', P, {
    token: hub.admin,
    body: { version: 1, from: { kind: 'earliest' } },
  });
  assert.equal(replay.status, 200, JSON.stringify(replay.body));
  await eventually(async () => (await outputs()).length >= 6, 'the replay writes the three outputs again', 30_000);
  assert.deepEqual(
    (await outputs()).slice(3).map((m) => m.value.text),
    ['a:seen:12', 'b:seen:12', 'c:seen:12'],
  );

  // Deleted while running: the host's member is removed from the group and the group goes.
  const { clusterAdmin } = await import('../src/features/cluster/cluster-admin.ts');
  assert.deepEqual(await clusterAdmin().groupsWithPrefix('hosted.samsa-processor.'), ['hosted.samsa-processor.tagger']);
  const deleted = await call('/tenants/{tenant}/processors/{name}', 'DELETE', P, { token: hub.admin });
  assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
  await eventually(
    async () => (await clusterAdmin().groupsWithPrefix('hosted.samsa-processor.')).length === 0,
    "the processor's group is gone from the broker",
    30_000,
  );
});
